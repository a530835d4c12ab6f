// cgroup v2 files of one cgroup directory -> ContainerCounters (net and cgroup ids are filled by index.ts).
//   cpu.stat        usage_usec, user_usec, system_usec, nr_periods, nr_throttled, throttled_usec
//   memory.current  bytes;  memory.max  bytes or "max"
//   memory.stat     anon, file, inactive_file, ... (flat keyed, bytes)
//   memory.events   low, high, max, oom, oom_kill
//   io.stat         "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=.." per device
//   {cpu,memory,io}.pressure   PSI
//   pids.current; pids.max ("max" = unlimited)
import type { ContainerCounters, PressureResource, PressureSample } from '../../model/types.js';
import { parsePressure } from '../procfs/parse-pressure.js';
import { type ParseMemo, digitsEnd, digitsValue, FileParsers, memoized, memoryStatInactive, pick, show, uint } from './parse.js';
import { type FileRead, readOptional } from './read-util.js';

export interface IoDeviceRow {
  major: number;
  minor: number;
  rbytes: number;
  wbytes: number;
  rios: number;
  wios: number;
}

export interface IoTotals {
  readBytes: number;
  writeBytes: number;
  readOps: number;
  writeOps: number;
}

/**
 * Sums of io.stat without per-line strings: lines "MAJ:MIN key=N key=N ..." with single spaces. Null when
 * any line looks different (parseIoStat then says what is wrong). Runs for every container every poll.
 */
export function sumIoStatFast(text: string): IoTotals | null {
  const t: IoTotals = { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
  const n = text.length;
  let i = 0;
  while (i < n) {
    let eol = text.indexOf('\n', i);
    if (eol < 0) eol = n;
    if (eol === i) {
      i++;
      continue;
    }
    // MAJ:MIN
    let j = digitsEnd(text, i, eol);
    if (j === i || text.charCodeAt(j) !== 58) return null;
    const minor = j + 1;
    j = digitsEnd(text, minor, eol);
    if (j === minor) return null;
    let seen = 0; // rbytes, wbytes, rios, wios: a key twice on a line goes to the full parser (last wins there)
    while (j < eol) {
      if (text.charCodeAt(j) !== 32) return null;
      const k = ++j;
      while (j < eol && text.charCodeAt(j) !== 61 && text.charCodeAt(j) !== 32) j++;
      if (j === eol || text.charCodeAt(j) !== 61) return null;
      const keyEnd = j++;
      const vs = j;
      j = digitsEnd(text, vs, eol);
      if (j === vs || (j < eol && text.charCodeAt(j) !== 32)) return null;
      const v = digitsValue(text, vs, j);
      const len = keyEnd - k;
      const c0 = text.charCodeAt(k);
      const bit = len === 6 && text.startsWith('bytes', k + 1) ? (c0 === 114 ? 1 : c0 === 119 ? 2 : 0)
        : len === 4 && text.startsWith('ios', k + 1) ? (c0 === 114 ? 4 : c0 === 119 ? 8 : 0)
        : 0;
      if (bit === 0) continue;
      if (seen & bit) return null;
      seen |= bit;
      if (bit === 1) t.readBytes += v;
      else if (bit === 2) t.writeBytes += v;
      else if (bit === 4) t.readOps += v;
      else t.writeOps += v;
    }
    i = eol + 1;
  }
  return t;
}

/** Pure: io.stat -> per-device rows and their sums. Keys other than r/w bytes and ios are ignored. */
export function parseIoStat(text: string, file = 'io.stat'): { devices: IoDeviceRow[]; totals: IoTotals; errors: string[] } {
  const devices: IoDeviceRow[] = [];
  const errors: string[] = [];
  const totals: IoTotals = { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const toks = line.split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(toks[0]!);
    if (!dev) {
      errors.push(`${file} line ${i + 1}: expected "MAJ:MIN key=value ...", got ${show(toks[0])}`);
      continue;
    }
    const row: IoDeviceRow = { major: Number(dev[1]), minor: Number(dev[2]), rbytes: 0, wbytes: 0, rios: 0, wios: 0 };
    let bad: string | null = null;
    for (let k = 1; k < toks.length; k++) {
      const tok = toks[k]!;
      const eq = tok.indexOf('=');
      if (eq <= 0) continue;
      const key = tok.slice(0, eq);
      if (key !== 'rbytes' && key !== 'wbytes' && key !== 'rios' && key !== 'wios') continue;
      const v = uint(tok.slice(eq + 1));
      if (v === null) {
        bad = `${key} is not a counter: ${show(tok.slice(eq + 1))}`;
        break;
      }
      row[key] = v;
    }
    if (bad) {
      errors.push(`${file} line ${i + 1}: ${bad}`);
      continue;
    }
    devices.push(row);
    totals.readBytes += row.rbytes;
    totals.writeBytes += row.wbytes;
    totals.readOps += row.rios;
    totals.writeOps += row.wios;
  }
  return { devices, totals, errors };
}

/** An empty counters record of the given source: every figure unknown. */
export function emptyCounters(source: ContainerCounters['source']): ContainerCounters {
  return {
    source,
    cpuUsageNs: null,
    cpuUserNs: null,
    cpuSystemNs: null,
    nrPeriods: null,
    nrThrottled: null,
    throttledNs: null,
    memoryUsageBytes: null,
    memoryLimitBytes: null,
    inactiveFileBytes: null,
    memoryStat: {},
    oomEvents: null,
    oomKills: null,
    memoryFailcnt: null,
    blockReadBytes: null,
    blockWriteBytes: null,
    blockReadOps: null,
    blockWriteOps: null,
    pids: null,
    pidsMax: null,
    netRxBytes: null,
    netTxBytes: null,
    pressure: null,
    cgroupIds: { unified: null, blkio: null, cpu: null },
  };
}

/** The cpu.stat keys used (the file has more: nr_bursts, core_sched.force_idle_usec, ...). */
const CPU_STAT_KEYS = ['usage_usec', 'user_usec', 'system_usec', 'nr_periods', 'nr_throttled', 'throttled_usec'] as const;

const usToNs = (v: number | null): number | null => (v === null ? null : v * 1000);

export interface V2Files {
  cpuStat: string | null;
  memoryCurrent: string | null;
  memoryMax: string | null;
  memoryStat: string | null;
  memoryEvents: string | null;
  ioStat: string | null;
  cpuPressure: string | null;
  memoryPressure: string | null;
  ioPressure: string | null;
  pidsCurrent: string | null;
  pidsMax: string | null;
}

/** Pure: the texts of a v2 cgroup's files (null = absent) -> counters. */
export function countersFromV2(files: V2Files, dir = '', memo?: ParseMemo, detail = true): { counters: ContainerCounters; errors: string[] } {
  const errors: string[] = [];
  const c = emptyCounters('cgroup-v2');
  const f = (name: string): string => (dir ? `${dir}/${name}` : name);
  const parse = new FileParsers(errors, f, memo);

  const cpu = parse.keyed(files.cpuStat, 'cpu.stat', CPU_STAT_KEYS);
  c.cpuUsageNs = usToNs(pick(cpu, 'usage_usec'));
  c.cpuUserNs = usToNs(pick(cpu, 'user_usec'));
  c.cpuSystemNs = usToNs(pick(cpu, 'system_usec'));
  c.nrPeriods = pick(cpu, 'nr_periods');
  c.nrThrottled = pick(cpu, 'nr_throttled');
  c.throttledNs = usToNs(pick(cpu, 'throttled_usec'));

  c.memoryUsageBytes = parse.single(files.memoryCurrent, 'memory.current')?.value ?? null;
  c.memoryLimitBytes = parse.single(files.memoryMax, 'memory.max')?.value ?? null;
  // memory.stat: inactive_file by a scan; the whole map only with detail.
  memoryStatInactive(c, files.memoryStat, ['inactive_file'], parse, detail);
  const ev = parse.keyed(files.memoryEvents, 'memory.events');
  c.oomEvents = pick(ev, 'oom');
  c.oomKills = pick(ev, 'oom_kill');

  if (files.ioStat !== null) {
    const io = memoized(memo, 'io.stat', files.ioStat, (t) => {
      const fast = sumIoStatFast(t);
      if (fast !== null) return { value: fast, errors: [] };
      const r = parseIoStat(t, f('io.stat'));
      return { value: r.totals, errors: r.errors };
    });
    errors.push(...io.errors);
    c.blockReadBytes = io.value.readBytes;
    c.blockWriteBytes = io.value.writeBytes;
    c.blockReadOps = io.value.readOps;
    c.blockWriteOps = io.value.writeOps;
  }

  c.pressure = pressureOf(files.cpuPressure, files.memoryPressure, files.ioPressure, f, errors, memo);
  c.pids = parse.single(files.pidsCurrent, 'pids.current')?.value ?? null;
  c.pidsMax = parse.single(files.pidsMax, 'pids.max')?.value ?? null;
  return { counters: c, errors };
}

/** Pure: the three *.pressure texts -> PressureSample, or null when none is present. */
export function pressureOf(
  cpu: string | null,
  memory: string | null,
  io: string | null,
  f: (name: string) => string,
  errors: string[],
  memo?: ParseMemo,
): PressureSample | null {
  if (cpu === null && memory === null && io === null) return null;
  return {
    cpu: pressureFile(cpu, 'cpu.pressure', f, errors, memo),
    memory: pressureFile(memory, 'memory.pressure', f, errors, memo),
    io: pressureFile(io, 'io.pressure', f, errors, memo),
  };
}

/** One *.pressure text (null = absent), memoized (a module function: see FileParsers on closures). */
function pressureFile(text: string | null, name: string, f: (name: string) => string, errors: string[], memo: ParseMemo | undefined): PressureResource | null {
  if (text === null) return null;
  const r = memoized(memo, name, text, (t) => parsePressure(t, f(name)));
  for (const e of r.errors) errors.push(e);
  return r.value;
}

const V2_FILES = {
  cpuStat: 'cpu.stat',
  memoryCurrent: 'memory.current',
  memoryMax: 'memory.max',
  memoryStat: 'memory.stat',
  memoryEvents: 'memory.events',
  ioStat: 'io.stat',
  cpuPressure: 'cpu.pressure',
  memoryPressure: 'memory.pressure',
  ioPressure: 'io.pressure',
  pidsCurrent: 'pids.current',
  pidsMax: 'pids.max',
} as const;

/** Full paths of the files readV2 reads, built once per cgroup (not per poll: the reader keeps them). */
export type V2Paths = { readonly dir: string } & { readonly [K in keyof typeof V2_FILES]: string };

export function v2Paths(dir: string): V2Paths {
  const p: Record<string, string> = { dir };
  for (const [k, name] of Object.entries(V2_FILES)) p[k] = `${dir}/${name}`;
  return p as V2Paths;
}

/**
 * Reads a v2 cgroup directory (host path already under the reader's root, or its v2Paths). `readLimit`
 * reads the limit files (default: `read`). Missing optional files are null; a missing cpu.stat means the
 * cgroup is gone: the error is thrown to the caller.
 * Without `detail`, the files only a container's own view shows are left out: the three *.pressure files
 * are not read (pressure null) and memory.events (OOM counts, never a rate) comes through `readLimit`.
 */
export function readV2(
  dir: string | V2Paths,
  read: FileRead,
  memo?: ParseMemo,
  readLimit: FileRead = read,
  detail = true,
): { counters: ContainerCounters; errors: string[] } {
  const p = typeof dir === 'string' ? v2Paths(dir) : dir;
  const errors: string[] = [];
  const r = countersFromV2(readV2Files(p, read, readLimit, detail, errors), p.dir, memo, detail);
  if (errors.length === 0) return r;
  return { counters: r.counters, errors: [...errors, ...r.errors] };
}

/**
 * The texts readV2 parses (null where absent or left out), read as readV2 describes; unreadable optional
 * files are reported in `errors`. The reader compares them with the last poll's before parsing anything.
 */
export function readV2Files(p: V2Paths, read: FileRead, readLimit: FileRead, detail: boolean, errors: string[]): V2Files {
  // Limits (memory.max, pids.max) change only on `docker update`: the caller may re-read them less often.
  // cpu.stat exists in every v2 cgroup: read it strictly so a vanished cgroup surfaces as an error.
  const cpuStat = read(p.cpuStat);
  return {
    cpuStat,
    memoryCurrent: readOptional(read, p.memoryCurrent, errors),
    memoryMax: readOptional(readLimit, p.memoryMax, errors),
    memoryStat: readOptional(read, p.memoryStat, errors),
    memoryEvents: readOptional(detail ? read : readLimit, p.memoryEvents, errors),
    ioStat: readOptional(read, p.ioStat, errors),
    cpuPressure: detail ? readOptional(read, p.cpuPressure, errors) : null,
    memoryPressure: detail ? readOptional(read, p.memoryPressure, errors) : null,
    ioPressure: detail ? readOptional(read, p.ioPressure, errors) : null,
    pidsCurrent: readOptional(read, p.pidsCurrent, errors),
    pidsMax: readOptional(readLimit, p.pidsMax, errors),
  };
}
