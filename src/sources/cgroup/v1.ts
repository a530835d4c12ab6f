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
import { type ParseMemo, FileParsers, memoized, memoryStatInactive, parseKeyed, pick, show, uint } from './parse.js';
import { type FileRead, readOptional } from './read-util.js';
import { emptyCounters, pressureOf } from './v2.js';

/** memory.limit_in_bytes at or above this is "no limit" (the kernel prints PAGE_COUNTER_MAX pages). */
const V1_UNLIMITED_BYTES = 2 ** 62;

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

const ticksToNs = (t: number | null, clockTicks: number): number | null => (t === null ? null : Math.round((t * 1e9) / clockTicks));

/** Pure: cpuacct.stat (USER_HZ ticks) -> nanoseconds. */
export function parseCpuacctStat(text: string, file = 'cpuacct.stat', clockTicks = 100): { userNs: number | null; systemNs: number | null; errors: string[] } {
  const r = parseKeyed(text, file);
  const userNs = ticksToNs(pick(r.values, 'user'), clockTicks);
  const systemNs = ticksToNs(pick(r.values, 'system'), clockTicks);
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

/** The v1 cpu.stat keys used. */
const V1_CPU_STAT_KEYS = ['nr_periods', 'nr_throttled', 'throttled_time'] as const;

/** Pure: the texts of a v1 cgroup's files (null = absent) -> counters. */
export function countersFromV1(files: V1Files, opts: { clockTicks?: number; name?: (file: string) => string; memo?: ParseMemo; detail?: boolean } = {}): {
  counters: ContainerCounters;
  errors: string[];
} {
  const errors: string[] = [];
  const c = emptyCounters('cgroup-v1');
  const f = opts.name ?? ((n: string) => n);
  const memo = opts.memo;
  const parse = new FileParsers(errors, f, memo);

  c.cpuUsageNs = parse.single(files.cpuacctUsage, 'cpuacct.usage')?.value ?? null;
  if (files.cpuacctStat !== null) {
    const s = parseCpuacctStat(files.cpuacctStat, f('cpuacct.stat'), opts.clockTicks ?? 100);
    errors.push(...s.errors);
    c.cpuUserNs = s.userNs;
    c.cpuSystemNs = s.systemNs;
  }
  const cpu = parse.keyed(files.cpuStat, 'cpu.stat', V1_CPU_STAT_KEYS);
  c.nrPeriods = pick(cpu, 'nr_periods');
  c.nrThrottled = pick(cpu, 'nr_throttled');
  c.throttledNs = pick(cpu, 'throttled_time');

  c.memoryUsageBytes = parse.single(files.memoryUsage, 'memory.usage_in_bytes')?.value ?? null;
  const lim = parse.single(files.memoryLimit, 'memory.limit_in_bytes')?.value ?? null;
  c.memoryLimitBytes = lim !== null && lim < V1_UNLIMITED_BYTES ? lim : null;
  // Hierarchical figure first (includes child cgroups), as the docker CLI does. Found by a scan; the whole
  // map only with detail (or when the line is missing or unreadable).
  memoryStatInactive(c, files.memoryStat, ['total_inactive_file', 'inactive_file'], parse, opts.detail ?? true);
  c.memoryFailcnt = parse.single(files.memoryFailcnt, 'memory.failcnt')?.value ?? null;

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
  c.pids = parse.single(files.pidsCurrent, 'pids.current')?.value ?? null;
  c.pidsMax = parse.single(files.pidsMax, 'pids.max')?.value ?? null;
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

const V1_FILES = {
  cpuacctUsage: ['cpuacct', 'cpuacct.usage'],
  cpuacctStat: ['cpuacct', 'cpuacct.stat'],
  cpuStat: ['cpu', 'cpu.stat'],
  cpuCfsQuota: ['cpu', 'cpu.cfs_quota_us'],
  memoryUsage: ['memory', 'memory.usage_in_bytes'],
  memoryLimit: ['memory', 'memory.limit_in_bytes'],
  memoryStat: ['memory', 'memory.stat'],
  memoryFailcnt: ['memory', 'memory.failcnt'],
  blkioBytes: ['blkio', 'blkio.throttle.io_service_bytes'],
  blkioOps: ['blkio', 'blkio.throttle.io_serviced'],
  pidsCurrent: ['pids', 'pids.current'],
  pidsMax: ['pids', 'pids.max'],
  cpuPressure: ['pressure', 'cpu.pressure'],
  memoryPressure: ['pressure', 'memory.pressure'],
  ioPressure: ['pressure', 'io.pressure'],
} as const satisfies Record<string, readonly [keyof V1Dirs, string]>;

/**
 * Full paths of the files readV1 reads (null where the controller is not resolved), built once per
 * cgroup, not per poll; `name` gives a file's full path for error lines.
 */
export type V1Paths = { readonly [K in keyof typeof V1_FILES]: string | null } & { readonly name: (file: string) => string };

export function v1Paths(dirs: V1Dirs): V1Paths {
  const p: Record<string, unknown> = {};
  const byFile = new Map<string, string>();
  for (const [k, [ctrl, file]] of Object.entries(V1_FILES)) {
    const dir = dirs[ctrl];
    p[k] = dir === null ? null : `${dir}/${file}`;
    if (dir !== null) byFile.set(file, `${dir}/${file}`);
  }
  p.name = (file: string): string => byFile.get(file) ?? file;
  return p as V1Paths;
}

/** cpu.cfs_quota_us text -> whether the cgroup has a CFS quota: "-1" means none; null when unknown. */
function hasCfsQuota(text: string | null): boolean | null {
  if (text === null) return null;
  const t = text.trim();
  if (t === '-1') return false;
  return /^\d+$/.test(t) ? Number(t) > 0 : null;
}

/**
 * Reads v1 directories (host paths already under the reader's root). `readLimit` (default `read`) reads the
 * files the caller may re-read less often than every poll (the reader: every LIMITS_EVERY polls):
 *  - the limits: memory.limit_in_bytes, pids.max, cpu.cfs_quota_us;
 *  - blkio.throttle.io_serviced (ops) and memory.failcnt: neither the UI nor the snapshot shows them, so
 *    blockReadOps/blockWriteOps/memoryFailcnt of a v1 sample may be that many polls old: no rates from them.
 * cpu.stat (throttling) is read only while cpu.cfs_quota_us shows a quota, or when the quota is unknown:
 * without a quota the kernel runs no CFS periods and nr_periods/nr_throttled cannot move. Without a quota
 * the throttling counters are null (the model shows "—", as it does for nr_periods 0); after
 * `docker update --cpus` they appear once the quota is re-read (within LIMITS_EVERY polls).
 * Without `detail`, the files only a container's own view shows are left out: cpuacct.stat (the user/system
 * split: cpuUserNs/cpuSystemNs null) and, in hybrid mode, the *.pressure files (pressure null).
 * The first directory read strictly (cpuacct, else memory) decides whether the cgroup is gone: its error is
 * thrown to the caller.
 */
export function readV1(
  dirs: V1Dirs,
  read: FileRead,
  clockTicks = 100,
  memo?: ParseMemo,
  readLimit: FileRead = read,
  paths: V1Paths = v1Paths(dirs),
  detail = true,
): { counters: ContainerCounters; errors: string[] } {
  const errors: string[] = [];
  const files = readV1Files(paths, read, readLimit, detail, errors);
  const r = countersFromV1(files, { clockTicks, memo, name: paths.name, detail });
  if (errors.length === 0) return r;
  return { counters: r.counters, errors: [...errors, ...r.errors] };
}

/**
 * Whether cpuacct.stat is a function of cpuacct.usage's value alone while that value does not move: since
 * Linux 5.13 ("sched/cpuacct: Make user/system times in cpuacct.stat more precise") the kernel scales the
 * user/system ticks to the usage with cputime_adjust(), which returns the cgroup's previous split unchanged
 * whenever the usage has not grown past it. With no CPU time used since the last read, the file then says
 * exactly what it said then. Older kernels print the raw tick counts: read every time. The check asks for
 * 5.15 (the first long-term kernel after that change), not 5.13, to keep a margin.
 */
export function cpuacctStatFollowsUsage(release: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const major = Number(m[1]);
  return major > 5 || (major === 5 && Number(m[2]) >= 15);
}

/**
 * The texts readV1 parses (null where absent or left out), read as readV1 describes; unreadable optional
 * files are reported in `errors`. The reader compares them with the last poll's before parsing anything.
 * `last` (the last poll's texts) with `statFollowsUsage` (cpuacctStatFollowsUsage of the running kernel):
 * cpuacct.stat is not read again while cpuacct.usage says exactly what it said then (see there).
 */
export function readV1Files(p: V1Paths, read: FileRead, readLimit: FileRead, detail: boolean, errors: string[], last: V1Files | null = null, statFollowsUsage = false): V1Files {
  // No closures here (see FileParsers): this runs for every container every tick.
  let cpuacctUsage: string | null = null;
  let memoryUsage: string | null = null;
  if (p.cpuacctUsage !== null) cpuacctUsage = read(p.cpuacctUsage);
  else if (p.memoryUsage !== null) memoryUsage = read(p.memoryUsage);
  if (p.cpuacctUsage !== null) memoryUsage = readIfAny(read, p.memoryUsage, errors);
  const sameUsage = statFollowsUsage && last !== null && cpuacctUsage !== null && last.cpuacctUsage === cpuacctUsage && last.cpuacctStat !== null;
  const viewRead = detail ? read : null;
  return {
    cpuacctUsage,
    cpuacctStat: detail && sameUsage ? last.cpuacctStat : readIfAny(viewRead, p.cpuacctStat, errors),
    cpuStat: hasCfsQuota(readIfAny(readLimit, p.cpuCfsQuota, errors)) === false ? null : readIfAny(read, p.cpuStat, errors),
    memoryUsage,
    memoryLimit: readIfAny(readLimit, p.memoryLimit, errors),
    memoryStat: readIfAny(read, p.memoryStat, errors),
    memoryFailcnt: readIfAny(readLimit, p.memoryFailcnt, errors),
    blkioBytes: readIfAny(read, p.blkioBytes, errors),
    blkioOps: readIfAny(readLimit, p.blkioOps, errors),
    pidsCurrent: readIfAny(read, p.pidsCurrent, errors),
    pidsMax: readIfAny(readLimit, p.pidsMax, errors),
    cpuPressure: readIfAny(viewRead, p.cpuPressure, errors),
    memoryPressure: readIfAny(viewRead, p.memoryPressure, errors),
    ioPressure: readIfAny(viewRead, p.ioPressure, errors),
  };
}

/** readOptional of `path` through `read`; null without a path or a reader (a file left out). */
function readIfAny(read: FileRead | null, path: string | null, errors: string[]): string | null {
  return read === null || path === null ? null : readOptional(read, path, errors);
}
