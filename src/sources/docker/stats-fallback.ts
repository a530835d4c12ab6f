// Fallback where cgroup files cannot be read (remote DOCKER_HOST, rootless, non-Linux): one
// `GET /containers/{id}/stats?stream=false&one-shot=true` per container per sample. The counters are the
// daemon's cumulative ones; the model computes the deltas from our own previous sample (precpu_stats is
// ignored). The stats call costs the daemon CPU: the container source uses it only when it must.
import type { ContainerCounters } from '../../model/types.js';
import type { DockerApi } from './api.js';
import { errLine } from './inventory.js';
import { isObj, num } from './meta.js';

type Obj = Record<string, unknown>;
function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

function sumIo(entries: unknown, op: 'read' | 'write'): number | null {
  if (!Array.isArray(entries)) return null;
  let total = 0;
  let seen = false;
  for (const e of entries) {
    if (!isObj(e)) continue;
    const o = typeof e.op === 'string' ? e.op.toLowerCase() : '';
    const v = num(e.value);
    if (o === op && v !== null) {
      total += v;
      seen = true;
    }
  }
  // An empty list means "no I/O yet" on cgroup v1 and v2 alike: that is 0, not unknown.
  return seen || entries.length === 0 ? total : null;
}

/** The stats document's `read` (RFC 3339 with nanoseconds) as wall ms; absent when missing or unparsable. */
function readTime(v: unknown): { readAtMs?: number } {
  if (typeof v !== 'string') return {};
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(v);
  if (!m) return {};
  const base = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(base) || base <= 0) return {};
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return { readAtMs: base + frac };
}

/** Pure: the stats API document -> ContainerCounters (source "docker-stats"). */
export function countersFromStats(doc: unknown): { counters: ContainerCounters | null; error: string | null } {
  if (!isObj(doc)) return { counters: null, error: 'docker stats: answer is not an object' };
  const cpu = obj(doc.cpu_stats);
  const usage = obj(cpu.cpu_usage);
  const thr = obj(cpu.throttling_data);
  const mem = obj(doc.memory_stats);
  const memStat: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(mem.stats))) {
    const n = num(v);
    if (n !== null) memStat[k] = n;
  }
  const blk = obj(doc.blkio_stats);
  const pids = obj(doc.pids_stats);
  let rx: number | null = null;
  let tx: number | null = null;
  if (isObj(doc.networks)) {
    rx = 0;
    tx = 0;
    for (const n of Object.values(doc.networks)) {
      const o = obj(n);
      rx += num(o.rx_bytes) ?? 0;
      tx += num(o.tx_bytes) ?? 0;
    }
  }
  const cpuUsageNs = num(usage.total_usage);
  const memoryUsageBytes = num(mem.usage);
  if (cpuUsageNs === null && memoryUsageBytes === null) {
    // A stopped container answers with zeroed, mostly empty sections.
    return { counters: null, error: 'docker stats: no cpu or memory figures (container not running?)' };
  }
  // cgroup v1 reports hierarchical totals as total_*; v2 has the plain names.
  const inactive = memStat.total_inactive_file ?? memStat.inactive_file ?? null;
  const limit = num(mem.limit);
  const pidsLimit = num(pids.limit);
  const counters: ContainerCounters = {
    source: 'docker-stats',
    ...readTime(doc.read),
    cpuUsageNs,
    cpuUserNs: num(usage.usage_in_usermode),
    cpuSystemNs: num(usage.usage_in_kernelmode),
    nrPeriods: num(thr.periods),
    nrThrottled: num(thr.throttled_periods),
    throttledNs: num(thr.throttled_time),
    memoryUsageBytes,
    // The API reports the host's memory as the limit when there is none; the meta says whether one is set.
    memoryLimitBytes: limit !== null && limit > 0 ? limit : null,
    inactiveFileBytes: inactive,
    memoryStat: memStat,
    oomEvents: memStat.oom ?? null,
    oomKills: memStat.oom_kill ?? null,
    memoryFailcnt: num(mem.failcnt),
    blockReadBytes: sumIo(blk.io_service_bytes_recursive, 'read'),
    blockWriteBytes: sumIo(blk.io_service_bytes_recursive, 'write'),
    blockReadOps: sumIo(blk.io_serviced_recursive, 'read'),
    blockWriteOps: sumIo(blk.io_serviced_recursive, 'write'),
    pids: num(pids.current),
    pidsMax: pidsLimit !== null && pidsLimit > 0 && pidsLimit < 2 ** 53 ? pidsLimit : null,
    netRxBytes: rx,
    netTxBytes: tx,
    pressure: null,
    cgroupIds: { unified: null, blkio: null, cpu: null },
  };
  return { counters, error: null };
}

/** One stats call. Never throws: failures become `docker stats <id>: <reason>`. */
export async function statsCounters(api: DockerApi, id: string): Promise<{ counters: ContainerCounters | null; error: string | null }> {
  try {
    return countersFromStats(await api.stats(id));
  } catch (e) {
    return { counters: null, error: `docker stats ${id.slice(0, 12)}: ${errLine(e)}` };
  }
}
