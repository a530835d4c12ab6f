// Containers: two ContainersSample values and the elapsed time -> ContainersFrame. Pure: no clock, no I/O.
//  - CPU% = Δusage_ns / Δwall_ns × 100, where 100 means one full core (as `docker stats`); user/system alike.
//  - % of limit = CPU% / limit cores (null without a limit).
//  - memory used = usage − inactive_file (v1: total_inactive_file), as the docker CLI; % of the limit.
//  - throttled% = Δnr_throttled / Δnr_periods × 100 (null when the cgroup has no CFS quota: no periods).
//  - block and net: bytes per second. PSI: averages passed through, percent from Δtotal.
// The first sample, a counter that went backwards, and a restarted container (init pid changed, or the
// source changed) give null for that interval: never a spike.
import { derivePressureResource } from './host.js';
import { counterDelta, rate } from './rates.js';
import type {
  ContainerCounters,
  ContainerFrame,
  ContainerSample,
  ContainersFrame,
  ContainersSample,
  PressureFrame,
  Source,
} from './types.js';

const known = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** Used memory as the docker CLI computes it: usage minus inactive file cache (when smaller). */
export function memoryUsed(c: ContainerCounters): number | null {
  const usage = c.memoryUsageBytes;
  if (!known(usage)) return null;
  const inactive = c.inactiveFileBytes;
  return known(inactive) && inactive < usage ? usage - inactive : usage;
}

/** Percent of one core over the interval from a cumulative nanosecond counter. */
function cpuPct(cur: number | null, prev: number | null | undefined, elapsedMs: number): number | null {
  const d = counterDelta(cur, prev);
  if (d === null) return null;
  return (d / (elapsedMs * 1e6)) * 100;
}

function throttled(cur: ContainerCounters, prev: ContainerCounters): number | null {
  if (!known(cur.nrPeriods) || cur.nrPeriods === 0) return null; // no quota: nothing to throttle
  const periods = counterDelta(cur.nrPeriods, prev.nrPeriods);
  const thr = counterDelta(cur.nrThrottled, prev.nrThrottled);
  if (periods === null || thr === null) return null;
  if (periods === 0) return 0;
  const p = (thr / periods) * 100;
  return p > 100 ? 100 : p;
}

function pressure(cur: ContainerCounters, prev: ContainerCounters | null, elapsedMs: number | null): PressureFrame | null {
  if (!cur.pressure) return null;
  const pp = prev?.pressure ?? null;
  return {
    cpu: derivePressureResource(cur.pressure.cpu, pp?.cpu, elapsedMs),
    memory: derivePressureResource(cur.pressure.memory, pp?.memory, elapsedMs),
    io: derivePressureResource(cur.pressure.io, pp?.io, elapsedMs),
  };
}

/** One container over an interval. `prev` must be the same container's previous sample (or null). */
export function deriveContainer(cur: ContainerSample, prev: ContainerSample | null, elapsedMs: number | null): ContainerFrame {
  const m = cur.meta;
  const c = cur.counters;
  // Rates only across two readings of the same running instance, from the same source.
  const p =
    c && prev?.counters && elapsedMs !== null && Number.isFinite(elapsedMs) && elapsedMs > 0 &&
    prev.meta.initPid === m.initPid && prev.counters.source === c.source
      ? prev.counters
      : null;
  // The stats API answers after a variable delay: its own read times give the true interval.
  const el = p ? (c?.readAtMs !== undefined && p.readAtMs !== undefined && c.readAtMs > p.readAtMs ? c.readAtMs - p.readAtMs : (elapsedMs as number)) : null;

  const cpuPercent = c && p && el ? cpuPct(c.cpuUsageNs, p.cpuUsageNs, el) : null;
  const limitCores = known(m.cpuLimitCores) && m.cpuLimitCores > 0 ? m.cpuLimitCores : null;
  const used = c ? memoryUsed(c) : null;
  const memLimit = c && known(c.memoryLimitBytes) && c.memoryLimitBytes > 0 ? c.memoryLimitBytes
    : known(m.memoryLimitBytes) && m.memoryLimitBytes > 0 ? m.memoryLimitBytes : null;
  const source: Source = c?.source ?? prev?.counters?.source ?? 'cgroup-v2';

  return {
    id: m.id,
    name: m.name,
    image: m.image,
    runtime: m.runtime,
    state: m.state,
    cpuPercent,
    cpuUserPercent: c && p && el ? cpuPct(c.cpuUserNs, p.cpuUserNs, el) : null,
    cpuSystemPercent: c && p && el ? cpuPct(c.cpuSystemNs, p.cpuSystemNs, el) : null,
    cpuLimitCores: limitCores,
    cpuOfLimitPercent: cpuPercent !== null && limitCores !== null ? cpuPercent / limitCores : null,
    memoryUsedBytes: used,
    memoryLimitBytes: memLimit,
    memoryPercent: used !== null && memLimit !== null ? (used / memLimit) * 100 : null,
    netRxBytesPerSec: c && p ? rate(c.netRxBytes, p.netRxBytes, el) : null,
    netTxBytesPerSec: c && p ? rate(c.netTxBytes, p.netTxBytes, el) : null,
    blockReadBytesPerSec: c && p ? rate(c.blockReadBytes, p.blockReadBytes, el) : null,
    blockWriteBytesPerSec: c && p ? rate(c.blockWriteBytes, p.blockWriteBytes, el) : null,
    pids: c?.pids ?? null,
    throttledPercent: c && p ? throttled(c, p) : null,
    oomKills: c?.oomKills ?? null,
    pressure: c ? pressure(c, p, el) : null,
    labels: m.labels,
    composeProject: m.composeProject,
    composeService: m.composeService,
    hostNetwork: m.hostNetwork,
    source,
    blockSource: source,
    error: cur.error,
  };
}

export function deriveContainers(cur: ContainersSample, prev: ContainersSample | null, elapsedMs: number | null): ContainersFrame {
  const before = new Map<string, ContainerSample>();
  for (const s of prev?.containers ?? []) before.set(s.meta.id, s);
  // A loop, not a closure made each tick (V8 compiles such a closure again after every full GC).
  const containers: ContainerFrame[] = [];
  for (const s of cur.containers) containers.push(deriveContainer(s, before.get(s.meta.id) ?? null, elapsedMs));
  return { daemon: cur.daemon, containers };
}
