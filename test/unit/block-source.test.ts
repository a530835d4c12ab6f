import { describe, expect, it } from 'vitest';
import { applyEbpfBlock } from '../../src/model/block-source.js';
import type { BlockLatencyRow, DiskFrame, HostFrame, LatencyFrame, LatencyWindowFrame } from '../../src/model/types.js';

const row = (device: string, op: BlockLatencyRow['op'], count: number, bytes: number): BlockLatencyRow => ({
  device, op, count, bytes, p50Us: 100, p95Us: 200, p99Us: 300, p999Us: 400, maxUs: 500, buckets: [], total: null,
});

const disk = (name: string): DiskFrame => ({
  name, readBytesPerSec: 1, writeBytesPerSec: 1, readOpsPerSec: 1, writeOpsPerSec: 1, utilPercent: 5, partitions: [], source: 'diskstats',
});

function host(disks: DiskFrame[]): HostFrame {
  return { source: 'procfs', cpu: {} as HostFrame['cpu'], cores: [], contextSwitchesPerSec: null, memory: null, load: null, disks, net: [], pressure: null, uptimeSec: null };
}

function latency(last: LatencyWindowFrame, longest: BlockLatencyRow[], active = true): LatencyFrame {
  const w5 = { ...last, seconds: 300, block: longest };
  return { source: 'ebpf', active, current: [], windows: { '1s': last, '10s': last, '1m': last, '5m': w5 }, badLines: 0 };
}

describe('applyEbpfBlock', () => {
  it('takes disk reads and writes from eBPF over the last interval, flush and discard apart', () => {
    const h = host([disk('sda'), disk('dm-0')]);
    const last = { seconds: 2, block: [row('sda', 'read', 100, 409600), row('sda', 'write', 10, 40960), row('sda', 'discard', 7, 1 << 20), row('sda', 'flush', 3, 0)], runqueue: null, containers: {} };
    applyEbpfBlock(h, null, latency(last, last.block));
    const sda = h.disks[0]!;
    expect(sda).toMatchObject({ readOpsPerSec: 50, readBytesPerSec: 204800, writeOpsPerSec: 5, writeBytesPerSec: 20480, source: 'ebpf' });
    // dm-0 is bio-based: the helper never saw it, diskstats figures stay.
    expect(h.disks[1]).toMatchObject({ readOpsPerSec: 1, source: 'diskstats' });
  });

  it('a covered disk idle in the last interval reads zero from eBPF, not stale diskstats', () => {
    const h = host([disk('sda')]);
    applyEbpfBlock(h, null, latency({ seconds: 1, block: [], runqueue: null, containers: {} }, [row('sda', 'read', 1, 4096)]));
    expect(h.disks[0]).toMatchObject({ readOpsPerSec: 0, writeBytesPerSec: 0, source: 'ebpf' });
  });

  it('leaves everything alone when eBPF is inactive', () => {
    const h = host([disk('sda')]);
    const last = { seconds: 1, block: [row('sda', 'read', 100, 1)], runqueue: null, containers: {} };
    applyEbpfBlock(h, null, latency(last, last.block, false));
    expect(h.disks[0]!.source).toBe('diskstats');
  });
});
