// cgroup v1 files -> ContainerCounters (net and cgroup ids are filled by index.ts). Each controller has its
// own directory (cpu and cpuacct may share one).
//   cpuacct.usage                     ns
//   cpuacct.stat                      "user N\nsystem N" in USER_HZ ticks
//   cpu.stat                          nr_periods, nr_throttled, throttled_time (ns)
//   memory.usage_in_bytes, memory.limit_in_bytes (a huge value, about 2^63, means unlimited)
//   memory.stat                       cache, rss, ..., total_inactive_file (hierarchical), ...
//   memory.failcnt
//   blkio.throttle.io_service_bytes / io_serviced   "MAJ:MIN Read N" ... "MAJ:MIN Total N" ... "Total N"
//   pids.current; pids.max ("max" = unlimited)
import type { ContainerCounters } from '../../model/types.js';
import { type ParseMemo, memoized, parseKeyed, parseSingle, pick, show, uint } from './parse.js';
import { type FileRead, readOptional } from './read-util.js';
import { emptyCounters, pressureOf } from './v2.js';

/** memory.limit_in_bytes at or above this is "no limit" (the kernel prints PAGE_COUNTER_MAX pages). */
export const V1_UNLIMITED_BYTES = 2 ** 62;

export interface BlkioTotals {
  read: number;
  write: number;
  /** The file's own grand "Total" line, or null when absent. */
  total: number | null;
}

/** Pure: blkio.throttle.io_service_bytes or io_serviced -> sums of the per-device Read and Write lines. */
export function parseBlkio(text: string, file = 'blkio.throttle.io_service_bytes'): { value: BlkioTotals; errors: string[] } {
  const errors: string[] = [];
  const value: BlkioTotals = { read: 0, write: 0, total: null };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const t = line.split(/\s+/);
    if (t.length === 2 && t[0] === 'Total') {
      const v = uint(t[1]);
      if (v === null) errors.push(`${file} line ${i + 1}: Total is not a counter: ${show(t[1])}`);
      else value.total = v;
      continue;
    }
    if (t.length !== 3 || !/^\d+:\d+$/.test(t[0]!)) {
      errors.push(`${file} line ${i + 1}: expected "MAJ:MIN Op N", got ${show(line)}`);
      continue;
    }
    const v = uint(t[2]);
    if (v === null) {
      errors.push(`${file} line ${i + 1}: ${t[1]} is not a counter: ${show(t[2])}`);
      continue;
    }
    if (t[1] === 'Read') value.read += v;
    else if (t[1] === 'Write') value.write += v;
  }
  return { value, errors };
}

/** Pure: cpuacct.stat (USER_HZ ticks) -> nanoseconds. */
export function parseCpuacctStat(text: string, file = 'cpuacct.stat', clockTicks = 100): { userNs: number | null; systemNs: number | null; errors: string[] } {
  const r = parseKeyed(text, file);
  const toNs = (t: number | null): number | null => (t === null ? null : Math.round((t * 1e9) / clockTicks));
  const userNs = toNs(pick(r.values, 'user'));
  const systemNs = toNs(pick(r.values, 'system'));
  const errors = [...r.errors];
  if (userNs === null && r.errors.length === 0) errors.push(`${file}: no "user" line`);
  return { userNs, systemNs, errors };
}

export interface V1Files {
  cpuacctUsage: string | null;
  cpuacctStat: string | null;
  cpuStat: string | null;
  memoryUsage: string | null;
  memoryLimit: string | null;
  memoryStat: string | null;
  memoryFailcnt: string | null;
  blkioBytes: string | null;
  blkioOps: string | null;
  pidsCurrent: string | null;
  pidsMax: string | null;
  /** From the cgroup2 directory in hybrid mode, when it is the container's own cgroup. */
  cpuPressure?: string | null;
  memoryPressure?: string | null;
  ioPressure?: string | null;
}

/** Pure: the texts of a v1 cgroup's files (null = absent) -> counters. */
export function countersFromV1(files: V1Files, opts: { clockTicks?: number; name?: (file: string) => string; memo?: ParseMemo } = {}): {
  counters: ContainerCounters;
  errors: string[];
} {
  const errors: string[] = [];
  const c = emptyCounters('cgroup-v1');
  const f = opts.name ?? ((n: string) => n);
  const single = (text: string | null, name: string): { value: number | null; unlimited: boolean } | null => {
    if (text === null) return null;
    const r = parseSingle(text, f(name));
    if (r.error) errors.push(r.error);
    return r.error ? null : r;
  };
  const memo = opts.memo;
  const keyed = (text: string | null, name: string): Record<string, number> | null => {
    if (text === null) return null;
    const r = memoized(memo, name, text, (t) => {
      const k = parseKeyed(t, f(name));
      return { value: k.values, errors: k.errors };
    });
    errors.push(...r.errors);
    return r.value;
  };

  c.cpuUsageNs = single(files.cpuacctUsage, 'cpuacct.usage')?.value ?? null;
  if (files.cpuacctStat !== null) {
    const s = parseCpuacctStat(files.cpuacctStat, f('cpuacct.stat'), opts.clockTicks ?? 100);
    errors.push(...s.errors);
    c.cpuUserNs = s.userNs;
    c.cpuSystemNs = s.systemNs;
  }
  const cpu = keyed(files.cpuStat, 'cpu.stat');
  c.nrPeriods = pick(cpu, 'nr_periods');
  c.nrThrottled = pick(cpu, 'nr_throttled');
  c.throttledNs = pick(cpu, 'throttled_time');

  c.memoryUsageBytes = single(files.memoryUsage, 'memory.usage_in_bytes')?.value ?? null;
  const lim = single(files.memoryLimit, 'memory.limit_in_bytes')?.value ?? null;
  c.memoryLimitBytes = lim !== null && lim < V1_UNLIMITED_BYTES ? lim : null;
  const ms = keyed(files.memoryStat, 'memory.stat');
  if (ms) c.memoryStat = ms;
  // Hierarchical figure first (includes child cgroups), as the docker CLI does.
  c.inactiveFileBytes = pick(ms, 'total_inactive_file') ?? pick(ms, 'inactive_file');
  c.memoryFailcnt = single(files.memoryFailcnt, 'memory.failcnt')?.value ?? null;

  if (files.blkioBytes !== null) {
    const b = memoized(memo, 'blkio.throttle.io_service_bytes', files.blkioBytes, (t) => parseBlkio(t, f('blkio.throttle.io_service_bytes')));
    errors.push(...b.errors);
    c.blockReadBytes = b.value.read;
    c.blockWriteBytes = b.value.write;
  }
  if (files.blkioOps !== null) {
    const b = memoized(memo, 'blkio.throttle.io_serviced', files.blkioOps, (t) => parseBlkio(t, f('blkio.throttle.io_serviced')));
    errors.push(...b.errors);
    c.blockReadOps = b.value.read;
    c.blockWriteOps = b.value.write;
  }
  c.pids = single(files.pidsCurrent, 'pids.current')?.value ?? null;
  c.pidsMax = single(files.pidsMax, 'pids.max')?.value ?? null;
  c.pressure = pressureOf(files.cpuPressure ?? null, files.memoryPressure ?? null, files.ioPressure ?? null, f, errors, memo);
  return { counters: c, errors };
}

export interface V1Dirs {
  cpu: string | null;
  cpuacct: string | null;
  memory: string | null;
  blkio: string | null;
  pids: string | null;
  /** cgroup2 directory to take *.pressure from (hybrid), or null. */
  pressure: string | null;
}

/**
 * Reads v1 directories (host paths already under the reader's root); `readLimit` reads the limit files
 * (memory.limit_in_bytes, pids.max; default `read`). The first directory read strictly
 * (cpuacct, else memory) decides whether the cgroup is gone: its error is thrown to the caller.
 */
export function readV1(
  dirs: V1Dirs,
  read: FileRead,
  clockTicks = 100,
  memo?: ParseMemo,
  readLimit: FileRead = read,
): { counters: ContainerCounters; errors: string[] } {
  const errors: string[] = [];
  const opt = (dir: string | null, name: string): string | null => (dir === null ? null : readOptional(read, `${dir}/${name}`, errors));
  const lim = (dir: string | null, name: string): string | null => (dir === null ? null : readOptional(readLimit, `${dir}/${name}`, errors));
  let cpuacctUsage: string | null = null;
  let memoryUsage: string | null = null;
  if (dirs.cpuacct !== null) cpuacctUsage = read(`${dirs.cpuacct}/cpuacct.usage`);
  else if (dirs.memory !== null) memoryUsage = read(`${dirs.memory}/memory.usage_in_bytes`);
  if (dirs.cpuacct !== null) memoryUsage = opt(dirs.memory, 'memory.usage_in_bytes');
  const r = countersFromV1({
    cpuacctUsage,
    cpuacctStat: opt(dirs.cpuacct, 'cpuacct.stat'),
    cpuStat: opt(dirs.cpu, 'cpu.stat'),
    memoryUsage,
    memoryLimit: lim(dirs.memory, 'memory.limit_in_bytes'),
    memoryStat: opt(dirs.memory, 'memory.stat'),
    memoryFailcnt: opt(dirs.memory, 'memory.failcnt'),
    blkioBytes: opt(dirs.blkio, 'blkio.throttle.io_service_bytes'),
    blkioOps: opt(dirs.blkio, 'blkio.throttle.io_serviced'),
    pidsCurrent: opt(dirs.pids, 'pids.current'),
    pidsMax: lim(dirs.pids, 'pids.max'),
    cpuPressure: opt(dirs.pressure, 'cpu.pressure'),
    memoryPressure: opt(dirs.pressure, 'memory.pressure'),
    ioPressure: opt(dirs.pressure, 'io.pressure'),
  }, {
    clockTicks,
    memo,
    name: (file) => {
      const dir = file.startsWith('cpuacct.') ? dirs.cpuacct
        : file.startsWith('cpu.stat') ? dirs.cpu
        : file.startsWith('memory.') && !file.endsWith('.pressure') ? dirs.memory
        : file.startsWith('blkio.') ? dirs.blkio
        : file.startsWith('pids.') ? dirs.pids
        : dirs.pressure;
      return dir ? `${dir}/${file}` : file;
    },
  });
  return { counters: r.counters, errors: [...errors, ...r.errors] };
}
