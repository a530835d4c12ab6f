import { describe, expect, it } from 'vitest';
import { applyEbpfBlock } from '../../src/model/block-source.js';
import { inactiveFrame } from '../../src/model/latency.js';
import type { BlockLatencyRow, ContainerFrame, ContainerLatency, DiskFrame, HostFrame, LatencyFrame, LatencyWindowFrame } from '../../src/model/types.js';

const row = (device: string, op: BlockLatencyRow['op'], count: number, bytes: number): BlockLatencyRow => ({
  device, op, count, bytes, opsPerSec: null, bytesPerSec: null, p50Us: 100, p95Us: 200, p99Us: 300, p999Us: 400, maxUs: 500, buckets: [], total: null,
});

const disk = (name: string): DiskFrame => ({
  name, readBytesPerSec: 1, writeBytesPerSec: 1, readOpsPerSec: 1, writeOpsPerSec: 1, utilPercent: 5, partitions: [], source: 'diskstats',
});

function host(disks: DiskFrame[]): HostFrame {
  return { source: 'procfs', cpu: {} as HostFrame['cpu'], cores: [], contextSwitchesPerSec: null, memory: null, load: null, disks, net: [], pressure: null, uptimeSec: null };
}

function win(seconds: number, block: BlockLatencyRow[], containers: Record<string, ContainerLatency> = {}): LatencyWindowFrame {
  const base = inactiveFrame('').current;
  return { ...base, seconds, block, containers };
}

function latency(current: LatencyWindowFrame, longest: BlockLatencyRow[], active = true): LatencyFrame {
  const w5 = win(300, longest);
  const other = win(1, []);
  return { source: 'ebpf', active, current, windows: { '1s': other, '10s': other, '1m': other, '5m': w5 }, badLines: 0 };
}

describe('applyEbpfBlock', () => {
  it('takes disk reads and writes from eBPF over the frame\'s own interval, flush and discard apart, and keeps diskstats beside them', () => {
    const h = host([disk('sda'), disk('dm-0')]);
    const cur = win(2, [row('sda', 'read', 100, 409600), row('sda', 'write', 10, 40960), row('sda', 'discard', 7, 1 << 20), row('sda', 'flush', 3, 0)]);
    applyEbpfBlock(h, null, latency(cur, cur.block));
    const sda = h.disks[0]!;
    expect(sda).toMatchObject({ readOpsPerSec: 50, readBytesPerSec: 204800, writeOpsPerSec: 5, writeBytesPerSec: 20480, source: 'ebpf' });
    expect(sda.diskstats).toEqual({ readOpsPerSec: 1, readBytesPerSec: 1, writeOpsPerSec: 1, writeBytesPerSec: 1 });
    // dm-0 is bio-based: the helper never saw it, diskstats figures stay.
    expect(h.disks[1]).toMatchObject({ readOpsPerSec: 1, source: 'diskstats' });
    expect(h.disks[1]!.diskstats).toBeUndefined();
  });

  it('a covered disk idle in the frame\'s interval reads zero from eBPF, not stale diskstats', () => {
    const h = host([disk('sda')]);
    applyEbpfBlock(h, null, latency(win(1, []), [row('sda', 'read', 1, 4096)]));
    expect(h.disks[0]).toMatchObject({ readOpsPerSec: 0, writeBytesPerSec: 0, source: 'ebpf' });
  });

  it('containers: eBPF figures when attributable, the cgroup figures (and source) when not', () => {
    const c = (id: string): ContainerFrame => ({ id, blockReadBytesPerSec: 7, blockWriteBytesPerSec: 7, blockSource: 'cgroup-v2' }) as ContainerFrame;
    const io = { count: 4, opsPerSec: 2, readBytes: 8192, writeBytes: 0, p50Us: 1, p95Us: 1, p99Us: 1, p999Us: 1, maxUs: 1, buckets: [] };
    const containers = { daemon: { state: 'ok' as const, attempt: 0, endpoint: null, runtime: null }, containers: [c('a'), c('b'), c('c')] };
    const lat: Record<string, ContainerLatency> = {
      // rows given (the open container), or the summary only (the rest): the same bytes either way
      a: { block: [row('sda', 'read', 4, 8192)], blockReason: null, io, runqueue: null },
      b: { block: null, blockReason: null, io, runqueue: null },
      c: { block: null, blockReason: 'io controller not enabled', io: null, runqueue: null },
    };
    applyEbpfBlock(host([]), containers, latency(win(2, [], lat), []));
    expect(containers.containers[0]).toMatchObject({ blockReadBytesPerSec: 4096, blockWriteBytesPerSec: 0, blockSource: 'ebpf' });
    expect(containers.containers[1]).toMatchObject({ blockReadBytesPerSec: 4096, blockWriteBytesPerSec: 0, blockSource: 'ebpf' });
    expect(containers.containers[2]).toMatchObject({ blockReadBytesPerSec: 7, blockSource: 'cgroup-v2' });
  });

  it('leaves everything alone when eBPF is inactive', () => {
    const h = host([disk('sda')]);
    const cur = win(1, [row('sda', 'read', 100, 1)]);
    applyEbpfBlock(h, null, latency(cur, cur.block, false));
    expect(h.disks[0]!.source).toBe('diskstats');
  });
});
