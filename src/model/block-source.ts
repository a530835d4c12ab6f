// When eBPF supplies block I/O, disk and container read/write bytes and ops come from the helper's
// histograms over the frame's own interval (`current`: the intervals that completed since the previous
// tick, cut at the tick by a flush), the same time /proc/diskstats covers, and say so. The kernel's own
// accounting for that interval is kept beside them (`diskstats`) so that the two can be compared. Devices
// the helper never sees (bio-based: device-mapper, md) keep their /proc/diskstats figures; containers whose
// I/O cannot be attributed keep their cgroup figures. Pure.
import type { BlockLatencyRow, ContainersFrame, HostFrame, LatencyFrame } from './types.js';

interface Totals {
  readBytes: number;
  writeBytes: number;
  readOps: number;
  writeOps: number;
}

function totals(rows: readonly BlockLatencyRow[]): Totals {
  const t: Totals = { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
  for (const r of rows) {
    if (r.op === 'read') {
      t.readBytes += r.bytes;
      t.readOps += r.count;
    } else if (r.op === 'write') {
      t.writeBytes += r.bytes;
      t.writeOps += r.count;
    }
  }
  return t;
}

export function applyEbpfBlock(host: HostFrame, containers: ContainersFrame | null, latency: LatencyFrame): void {
  if (!latency.active) return;
  const cur = latency.current;
  const seconds = cur.seconds;
  if (!(seconds > 0)) return;
  // Devices the helper has seen within the longest window are covered by it.
  const covered = new Set(latency.windows['5m'].block.map((r) => r.device));
  const byDevice = new Map<string, BlockLatencyRow[]>();
  for (const r of cur.block) {
    const list = byDevice.get(r.device);
    if (list) list.push(r);
    else byDevice.set(r.device, [r]);
  }
  for (const d of host.disks) {
    if (!covered.has(d.name) && !byDevice.has(d.name)) continue;
    const t = totals(byDevice.get(d.name) ?? []);
    d.diskstats = {
      readBytesPerSec: d.readBytesPerSec,
      writeBytesPerSec: d.writeBytesPerSec,
      readOpsPerSec: d.readOpsPerSec,
      writeOpsPerSec: d.writeOpsPerSec,
    };
    d.readBytesPerSec = t.readBytes / seconds;
    d.writeBytesPerSec = t.writeBytes / seconds;
    d.readOpsPerSec = t.readOps / seconds;
    d.writeOpsPerSec = t.writeOps / seconds;
    d.source = 'ebpf';
  }
  for (const c of containers?.containers ?? []) {
    const lat = cur.containers[c.id];
    if (!lat?.io || lat.blockReason !== null) continue;
    c.blockReadBytesPerSec = lat.io.readBytes / seconds;
    c.blockWriteBytesPerSec = lat.io.writeBytes / seconds;
    c.blockSource = 'ebpf';
  }
}
