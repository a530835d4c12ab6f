// The host model: (sample, previous sample, elapsed) -> HostFrame. Pure: no clocks, no I/O.
//
// CPU: busy% = 100 × (1 − Δ(idle + iowait) / Δtotal), total = the sum of the 8 modes of /proc/stat
// (guest and guest_nice are already included in user and nice). Each mode is also given as % of Δtotal.
// A single mode that went backwards is counted as 0 for the interval (the kernel documents that iowait
// can decrease); a total that went backwards (or did not move) gives null.
// Disks: partitions are folded under their disk; rates per second; util% = Δio_ticks / elapsed.
// loop*, ram* and zram* devices are hidden unless they did I/O in the interval (or showAllDisks).
// A device or interface whose counters went backwards (removed and re-added, reset) gets nulls for that
// interval, never a negative value or a spike.
import { counterDelta, percentOf, rate } from './rates.js';
import type {
  CoreFrame,
  CpuSplit,
  CpuTimes,
  DiskCounters,
  DiskFrame,
  HostFrame,
  HostSample,
  NetCounters,
  NetFrame,
  PressureFrame,
  PressureFrameLine,
  PressureLine,
  PressureResource,
} from './types.js';

/** /proc/diskstats counts 512-byte sectors whatever the device's block size. */
export const SECTOR_BYTES = 512;

export interface DeriveHostOptions {
  /** Show loop/ram/zram devices even when idle. */
  showAllDisks?: boolean;
}

const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

export const NULL_SPLIT: Readonly<CpuSplit> = Object.freeze({
  percent: null,
  user: null,
  nice: null,
  system: null,
  idle: null,
  iowait: null,
  irq: null,
  softirq: null,
  steal: null,
});

function sumTimes(t: CpuTimes): number {
  let s = 0;
  for (const m of MODES) s += t[m];
  return s;
}

/** CPU split of one interval, or all null when it cannot be known. */
export function cpuSplit(cur: CpuTimes | null | undefined, prev: CpuTimes | null | undefined): CpuSplit {
  if (!cur || !prev) return { ...NULL_SPLIT };
  if (sumTimes(cur) < sumTimes(prev)) return { ...NULL_SPLIT };
  const d = {} as Record<(typeof MODES)[number], number>;
  let total = 0;
  for (const m of MODES) {
    const x = counterDelta(cur[m], prev[m]) ?? 0;
    d[m] = x;
    total += x;
  }
  if (total <= 0) return { ...NULL_SPLIT };
  return {
    percent: percentOf(total - d.idle - d.iowait, total),
    user: percentOf(d.user, total),
    nice: percentOf(d.nice, total),
    system: percentOf(d.system, total),
    idle: percentOf(d.idle, total),
    iowait: percentOf(d.iowait, total),
    irq: percentOf(d.irq, total),
    softirq: percentOf(d.softirq, total),
    steal: percentOf(d.steal, total),
  };
}

/** True when both values are known and the counter went down. */
function wentBack(cur: number | null, prev: number | null): boolean {
  return cur !== null && prev !== null && Number.isFinite(cur) && Number.isFinite(prev) && cur < prev;
}

const HIDDEN_DISK = /^(loop|ram|zram)\d/;

/** loop*, ram* and zram* devices: hidden unless they did I/O or showAllDisks is set. */
export function isVirtualDisk(name: string): boolean {
  return HIDDEN_DISK.test(name);
}

function diskReset(cur: DiskCounters, prev: DiskCounters): boolean {
  return (
    cur.major !== prev.major ||
    cur.minor !== prev.minor ||
    wentBack(cur.readsCompleted, prev.readsCompleted) ||
    wentBack(cur.writesCompleted, prev.writesCompleted) ||
    wentBack(cur.readSectors, prev.readSectors) ||
    wentBack(cur.writeSectors, prev.writeSectors) ||
    wentBack(cur.ioTicksMs, prev.ioTicksMs) ||
    wentBack(cur.discardsCompleted, prev.discardsCompleted) ||
    wentBack(cur.flushesCompleted, prev.flushesCompleted)
  );
}

function deriveDisks(
  cur: DiskCounters[],
  prev: DiskCounters[] | null,
  elapsedMs: number | null,
  showAll: boolean,
): DiskFrame[] {
  const names = new Set(cur.map((d) => d.name));
  // Not `(prev ?? []).map(...)`: the first frame's literal [] is another kind of array than the samples',
  // and code optimized for the samples' arrays would be thrown away at every rebuild's first frame.
  const before = new Map<string, DiskCounters>();
  if (prev) for (const d of prev) before.set(d.name, d);
  const partitions = new Map<string, string[]>();
  for (const d of cur) {
    if (d.parent !== null && d.parent !== d.name && names.has(d.parent)) {
      let list = partitions.get(d.parent);
      if (!list) partitions.set(d.parent, (list = []));
      list.push(d.name);
    }
  }

  const out: DiskFrame[] = [];
  for (const d of cur) {
    if (d.parent !== null && d.parent !== d.name && names.has(d.parent)) continue; // folded
    const p = before.get(d.name);
    const usable = p !== undefined && elapsedMs !== null && elapsedMs > 0 && !diskReset(d, p);
    const e = usable ? elapsedMs : null;
    const pp = usable ? p : null;
    const f: DiskFrame = {
      name: d.name,
      readBytesPerSec: rate(d.readSectors * SECTOR_BYTES, pp ? pp.readSectors * SECTOR_BYTES : null, e),
      writeBytesPerSec: rate(d.writeSectors * SECTOR_BYTES, pp ? pp.writeSectors * SECTOR_BYTES : null, e),
      readOpsPerSec: rate(d.readsCompleted, pp?.readsCompleted, e),
      writeOpsPerSec: rate(d.writesCompleted, pp?.writesCompleted, e),
      utilPercent: pp && e !== null ? percentOf(counterDelta(d.ioTicksMs, pp.ioTicksMs), e) : null,
      partitions: partitions.get(d.name) ?? [],
      source: 'diskstats',
    };
    if (!showAll && isVirtualDisk(d.name)) {
      const busy =
        (f.readOpsPerSec ?? 0) > 0 ||
        (f.writeOpsPerSec ?? 0) > 0 ||
        (f.readBytesPerSec ?? 0) > 0 ||
        (f.writeBytesPerSec ?? 0) > 0 ||
        (f.utilPercent ?? 0) > 0;
      if (!busy) continue;
    }
    out.push(f);
  }
  return out;
}

const NET_FIELDS = ['rxBytes', 'rxPackets', 'rxErrors', 'rxDrops', 'txBytes', 'txPackets', 'txErrors', 'txDrops'] as const;

/** Whether any counter of an interface went back since `p` (a reset: no rates this interval). */
function netWentBack(n: NetCounters, p: NetCounters): boolean {
  for (const k of NET_FIELDS) if (wentBack(n[k], p[k])) return true;
  return false;
}

/** One counter's rate since `p` (null: no usable previous sample). */
function netRate(n: NetCounters, p: NetCounters | null, k: (typeof NET_FIELDS)[number], elapsedMs: number | null): number | null {
  return p === null ? null : rate(n[k], p[k], elapsedMs);
}

/**
 * No closure per interface or tick here: V8 keeps a function's optimised code only while one of its closures
 * is alive, so a closure made anew each tick is compiled again after every full garbage collection.
 */
function deriveNet(cur: NetCounters[], prev: NetCounters[] | null, elapsedMs: number | null): NetFrame[] {
  const before = new Map<string, NetCounters>();
  for (const n of prev ?? []) before.set(n.name, n);
  const out: NetFrame[] = [];
  for (const n of cur) {
    const last = before.get(n.name);
    const p = last !== undefined && !netWentBack(n, last) ? last : null;
    out.push({
      name: n.name,
      rxBytesPerSec: netRate(n, p, 'rxBytes', elapsedMs),
      txBytesPerSec: netRate(n, p, 'txBytes', elapsedMs),
      rxPacketsPerSec: netRate(n, p, 'rxPackets', elapsedMs),
      txPacketsPerSec: netRate(n, p, 'txPackets', elapsedMs),
      rxErrorsPerSec: netRate(n, p, 'rxErrors', elapsedMs),
      txErrorsPerSec: netRate(n, p, 'txErrors', elapsedMs),
      rxDropsPerSec: netRate(n, p, 'rxDrops', elapsedMs),
      txDropsPerSec: netRate(n, p, 'txDrops', elapsedMs),
    });
  }
  return out;
}

function pressureLine(cur: PressureLine, prev: PressureLine | null | undefined, elapsedMs: number | null): PressureFrameLine {
  const percent =
    prev && elapsedMs !== null && elapsedMs > 0 ? percentOf(counterDelta(cur.totalUs, prev.totalUs), elapsedMs * 1000) : null;
  return { avg10: cur.avg10, avg60: cur.avg60, avg300: cur.avg300, percent };
}

/** One PSI resource (host or cgroup) over an interval: averages passed through, percent from Δtotal. */
export function derivePressureResource(
  cur: PressureResource | null | undefined,
  prev: PressureResource | null | undefined,
  elapsedMs: number | null,
): { some: PressureFrameLine; full: PressureFrameLine | null } | null {
  if (!cur) return null;
  return {
    some: pressureLine(cur.some, prev?.some, elapsedMs),
    full: cur.full ? pressureLine(cur.full, prev?.full, elapsedMs) : null,
  };
}

function deriveCores(cur: HostSample, prev: HostSample | null): CoreFrame[] {
  const now = cur.stat?.cores ?? [];
  const before = new Map((prev?.stat?.cores ?? []).map((c) => [c.id, c.times]));
  const out: CoreFrame[] = now.map((c) => ({ id: c.id, ...cpuSplit(c.times, before.get(c.id)) }));
  // A core that went offline in this interval is listed once more, with nulls.
  const ids = new Set(now.map((c) => c.id));
  if (cur.stat) for (const id of before.keys()) if (!ids.has(id)) out.push({ id, ...NULL_SPLIT });
  return out.sort((a, b) => a.id - b.id);
}

export function deriveHost(
  cur: HostSample,
  prev: HostSample | null,
  elapsedMs: number | null,
  opts: DeriveHostOptions = {},
): HostFrame {
  // No interval: first sample, a clock that did not move, or samples from two different sources.
  const valid = prev !== null && elapsedMs !== null && Number.isFinite(elapsedMs) && elapsedMs > 0 && prev.source === cur.source;
  const p = valid ? prev : null;
  const e = valid ? elapsedMs : null;

  const m = cur.meminfo;
  return {
    source: cur.source,
    cpu: cpuSplit(cur.stat?.total, p?.stat?.total),
    cores: deriveCores(cur, p),
    contextSwitchesPerSec: rate(cur.stat?.contextSwitches, p?.stat?.contextSwitches, e),
    memory: m
      ? {
          totalBytes: m.totalBytes,
          availableBytes: m.availableBytes,
          usedBytes: Math.max(0, m.totalBytes - m.availableBytes),
          buffersBytes: m.buffersBytes,
          cachedBytes: m.cachedBytes,
          swapTotalBytes: m.swapTotalBytes,
          swapUsedBytes: Math.max(0, m.swapTotalBytes - m.swapFreeBytes),
        }
      : null,
    load: cur.loadavg,
    disks: cur.disks ? deriveDisks(cur.disks, p?.disks ?? null, e, opts.showAllDisks === true) : [],
    net: cur.net ? deriveNet(cur.net, p?.net ?? null, e) : [],
    pressure: cur.pressure
      ? ({
          cpu: derivePressureResource(cur.pressure.cpu, p?.pressure?.cpu, e),
          memory: derivePressureResource(cur.pressure.memory, p?.pressure?.memory, e),
          io: derivePressureResource(cur.pressure.io, p?.pressure?.io, e),
        } satisfies PressureFrame)
      : null,
    uptimeSec: cur.uptimeSec,
  };
}
