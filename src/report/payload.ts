// From a ReportData to what goes into the page: every field checked (a ReportError naming the field
// otherwise), strings made safe to show, numbers rounded to display precision (so the compressed page stays
// small), and the histogram's bucket bounds added, so the page never re-derives the bucket scheme.
import { BUCKETS, bucketLower, bucketUpper, isBucketIndex } from '../model/histogram.js';
import { ReportError } from './errors.js';
import type {
  AlertInterval,
  ContainerData,
  DiskData,
  DiskTotals,
  LatencyData,
  NetData,
  Recorded,
  ReportData,
  Series,
  Unit,
  WindowStats,
} from './types.js';
import { REPORT_SCHEMA_VERSION } from './types.js';

/** Significant digits kept for figures: relative error at most 5e-4, finer than any label shows. */
export const SIGNIFICANT_DIGITS = 4;

const UNITS: ReadonlySet<Unit> = new Set<Unit>(['percent', 'bytes', 'bytes_per_sec', 'ops_per_sec', 'load', 'count', 'us']);
/** Empty buckets kept inside a run as zeros (cheaper than starting a new run). */
const MAX_GAP = 3;
const FIGURE_ID = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/** A latency heatmap as the page gets it: each step's histogram as runs (encodeColumn), or null. */
export type PageLatency = Omit<LatencyData, 'columns'> & { columns: (number[] | null)[] | null };
export type PageContainer = Omit<ContainerData, 'latency'> & { latency: PageLatency[] };
export type PageDisk = Omit<DiskData, 'latency'> & { latency: PageLatency[] };
export type PageReport = Omit<ReportData, 'runq' | 'disks' | 'containers'> & { runq: PageLatency | null; disks: PageDisk[]; containers: PageContainer[] };

/** The checked document and the histogram's bucket bounds (µs, indexed by bucket) the page draws with. */
export interface Payload {
  report: PageReport;
  buckets: { lowerUs: number[]; upperUs: number[] };
}

/**
 * One step's histogram as the page gets it: runs `[firstBucket, n, count0, ..., count(n-1), firstBucket, ...]`
 * (buckets of a latency distribution are mostly adjacent: a third of the characters of `[[i, c], ...]`
 * pairs). Gaps of up to MAX_GAP empty buckets stay inside a run as zeros.
 */
export function encodeColumn(pairs: readonly (readonly [number, number])[]): number[] {
  const out: number[] = [];
  let k = 0;
  while (k < pairs.length) {
    const start = pairs[k]![0];
    const at = out.length;
    out.push(start, 0);
    let prev = start - 1;
    while (k < pairs.length && pairs[k]![0] - prev <= MAX_GAP + 1) {
      const [i, c] = pairs[k]!;
      for (let g = prev + 1; g < i; g++) out.push(0);
      out.push(c);
      prev = i;
      k++;
    }
    out[at + 1] = prev - start + 1;
  }
  return out;
}


/** The inverse of encodeColumn (non-zero buckets only), for tests and for the page's own check. */
export function decodeColumn(runs: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  let k = 0;
  while (k + 1 < runs.length) {
    const start = runs[k]!;
    const n = runs[k + 1]!;
    for (let j = 0; j < n; j++) {
      const c = runs[k + 2 + j]!;
      if (c > 0) out.push([start + j, c]);
    }
    k += 2 + n;
  }
  return out;
}

/** A number at display precision (SIGNIFICANT_DIGITS significant digits; integers below 10^4 stay exact). */
export function roundFigure(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  // Math, not toPrecision (a twentieth of the time): an integer over an exact power of ten is the double
  // nearest the decimal, so it prints as the decimal.
  const e = Math.floor(Math.log10(Math.abs(v))) - (SIGNIFICANT_DIGITS - 1);
  // Powers of ten are exact doubles up to 10^22 only: beyond, the slow way (no figure of tailtop's is there).
  const p = POW10[e < 0 ? -e : e];
  if (p === undefined) {
    const r = Number(v.toPrecision(SIGNIFICANT_DIGITS));
    return Number.isFinite(r) ? r : v; // rounding up past the largest double
  }
  return e >= 0 ? Math.round(v / p) * p : Math.round(v * p) / p;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

// Control characters, bidi overrides and isolates, zero-width characters and line/paragraph separators: a
// container name must not reorder or hide the text around it.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Text from a daemon or a recording, made safe to show (the page only ever sets textContent). */
export function safeText(s: string, max = 256): string {
  const t = s.replace(UNSAFE, '');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function fail(path: string, what: string): never {
  throw new ReportError('invalid', `report data: ${path} ${what}`);
}

function isoOf(sec: number): string {
  return Number.isFinite(sec) ? new Date(sec * 1000).toISOString().replace('.000Z', 'Z') : String(sec);
}

function finite(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, `must be a finite number, not ${JSON.stringify(v) ?? typeof v}`);
  return v;
}

function str(v: unknown, path: string, max = 256): string {
  if (typeof v !== 'string') fail(path, `must be a string, not ${typeof v}`);
  return safeText(v, max);
}

function obj<T>(v: T, path: string): NonNullable<T> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be an object');
  return v as NonNullable<T>;
}

function nullableFigure(v: unknown, path: string): number | null {
  if (v === null) return null;
  return roundFigure(finite(v, path));
}

function values(v: unknown, n: number, path: string): (number | null)[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  if (v.length !== n) fail(path, `has ${v.length} values for ${n} time steps`);
  const out = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    const x = v[i] as unknown;
    if (x === null) out[i] = null;
    else if (typeof x === 'number' && Number.isFinite(x)) out[i] = roundFigure(x);
    else fail(`${path}[${i}]`, `must be a finite number or null, not ${JSON.stringify(x) ?? typeof x}`);
  }
  return out;
}

function stats(v: unknown, path: string): WindowStats | null {
  if (v === null || v === undefined) return null;
  const s = v as WindowStats;
  return {
    avg: nullableFigure(s.avg, `${path}.avg`),
    min: nullableFigure(s.min, `${path}.min`),
    max: nullableFigure(s.max, `${path}.max`),
    p95: nullableFigure(s.p95, `${path}.p95`),
    p99: nullableFigure(s.p99, `${path}.p99`),
    samples: finite(s.samples, `${path}.samples`),
  };
}

function figureId(v: unknown, path: string): string {
  if (typeof v !== 'string' || !FIGURE_ID.test(v)) fail(path, `must be a figure id like host.cpu.percent, not ${JSON.stringify(v)}`);
  return v;
}

function seriesList(v: unknown, n: number, path: string): Series[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  const seen = new Set<string>();
  return v.map((s: Series, k) => {
    const p = `${path}[${k}]`;
    const id = figureId(obj(s, p).id, `${p}.id`);
    if (seen.has(id)) fail(p, `repeats the figure ${id}`);
    seen.add(id);
    if (!UNITS.has(s.unit)) fail(`${p}.unit`, `must be one of ${[...UNITS].join(', ')}, not ${JSON.stringify(s.unit)}`);
    return { id, unit: s.unit, values: values(s.values, n, `${p}.values (${id})`), stats: stats(s.stats, `${p}.stats`) };
  });
}

/** One step's pairs, checked, straight into runs (encodeColumn's format) without a pair array in between. */
function column(v: unknown, path: string): number[] | null {
  if (v === null) return null;
  if (!Array.isArray(v)) fail(path, 'must be an array of [bucketIndex, count] pairs or null');
  const out: number[] = [];
  let prev = -1;
  let runAt = -1;
  let last = -2;
  for (let k = 0; k < v.length; k++) {
    const pair = v[k] as unknown;
    if (!Array.isArray(pair) || pair.length !== 2) fail(`${path}[${k}]`, 'must be a [bucketIndex, count] pair');
    const i = pair[0] as unknown;
    const c = pair[1] as unknown;
    if (!isBucketIndex(i)) fail(`${path}[${k}]`, `has bucket index ${JSON.stringify(i)} (0-${BUCKETS - 1})`);
    if (i <= prev) fail(`${path}[${k}]`, 'bucket indexes must ascend');
    if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) fail(`${path}[${k}]`, `has count ${JSON.stringify(c)}`);
    prev = i;
    if (c === 0) continue;
    if (runAt >= 0 && i - last <= MAX_GAP + 1) {
      for (let g = last + 1; g < i; g++) out.push(0);
    } else {
      if (runAt >= 0) out[runAt + 1] = last - out[runAt]! + 1;
      runAt = out.length;
      out.push(i, 0);
    }
    out.push(c);
    last = i;
  }
  if (runAt >= 0) out[runAt + 1] = last - out[runAt]! + 1;
  return out;
}

function latency(v: unknown, n: number, path: string): PageLatency {
  const l = v as LatencyData;
  if (l === null || typeof l !== 'object') fail(path, 'must be an object');
  const id = figureId(l.id, `${path}.id`);
  if (l.kind !== 'block' && l.kind !== 'runq') fail(`${path}.kind`, `must be block or runq, not ${JSON.stringify(l.kind)}`);
  const cols = l.columns;
  if (cols !== null && !Array.isArray(cols)) fail(`${path}.columns`, 'must be an array or null');
  if (cols !== null && cols.length !== n) fail(`${path}.columns`, `has ${cols.length} steps for ${n} time steps`);
  const t = l.total;
  if (t === null || typeof t !== 'object') fail(`${path}.total`, 'must be an object');
  const out: PageLatency = {
    id,
    kind: l.kind,
    columns: cols === null ? null : cols.map((c, i) => column(c, `${path}.columns[${i}]`)),
    p50: values(l.p50, n, `${path}.p50`),
    p95: values(l.p95, n, `${path}.p95`),
    p99: values(l.p99, n, `${path}.p99`),
    total: {
      count: finite(t.count, `${path}.total.count`),
      p50: nullableFigure(t.p50, `${path}.total.p50`),
      p95: nullableFigure(t.p95, `${path}.total.p95`),
      p99: nullableFigure(t.p99, `${path}.total.p99`),
      p999: nullableFigure(t.p999, `${path}.total.p999`),
      max: nullableFigure(t.max, `${path}.total.max`),
    },
  };
  if (l.op !== undefined) out.op = str(l.op, `${path}.op`, 32);
  return out;
}

function latencies(v: unknown, n: number, path: string): PageLatency[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  return v.map((l, k) => latency(l, n, `${path}[${k}]`));
}

function diskTotals(v: unknown, path: string): DiskTotals | null {
  if (v == null) return null;
  const t = obj(v as DiskTotals, path);
  const n = (k: keyof DiskTotals): number => finite(t[k], `${path}.${k}`);
  return { reads: n('reads'), writes: n('writes'), readBytes: n('readBytes'), writeBytes: n('writeBytes'), from: n('from'), to: n('to') };
}

function recorded(v: unknown, path: string): Recorded {
  const r = v as Recorded;
  if (r === null || typeof r !== 'object' || typeof r.on !== 'boolean') fail(path, 'must be {on: boolean, reason?}');
  return r.reason === undefined ? { on: r.on } : { on: r.on, reason: str(r.reason, `${path}.reason`, 512) };
}

function labels(v: unknown, path: string): Record<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be an object of strings');
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[safeText(k, 256)] = str(val, `${path}[${JSON.stringify(k)}]`, 1024);
  return out;
}

function alert(v: unknown, path: string): AlertInterval {
  const a = v as AlertInterval;
  if (a === null || typeof a !== 'object') fail(path, 'must be an object');
  if (a.severity !== 'info' && a.severity !== 'warning' && a.severity !== 'critical') fail(`${path}.severity`, `must be info, warning or critical, not ${JSON.stringify(a.severity)}`);
  const from = finite(a.from, `${path}.from`);
  const to = a.to === null ? null : finite(a.to, `${path}.to`);
  if (to !== null && to < from) fail(path, `ends (${isoOf(to)}) before it starts (${isoOf(from)})`);
  const out: AlertInterval = { name: str(a.name, `${path}.name`, 128), severity: a.severity, from, to, message: str(a.message, `${path}.message`, 1024) };
  if (a.figure !== undefined) out.figure = figureId(a.figure, `${path}.figure`);
  if (a.subject !== undefined) out.subject = str(a.subject, `${path}.subject`);
  return out;
}

/**
 * Check a document and make the page's payload. Throws ReportError: `empty` when the range holds no step,
 * `invalid` (naming the field) for anything else that breaks the contract of types.ts.
 */
export function toPayload(data: ReportData): Payload {
  if (data === null || typeof data !== 'object') throw new ReportError('invalid', 'report data: must be an object');
  if (data.schemaVersion !== REPORT_SCHEMA_VERSION) {
    fail('schemaVersion', `is ${JSON.stringify(data.schemaVersion)}; this tailtop renders version ${REPORT_SCHEMA_VERSION}`);
  }
  const range = data.range as { from: unknown; to: unknown } | undefined;
  if (range === null || typeof range !== 'object') fail('range', 'must be {from, to}');
  const from = finite(range.from, 'range.from');
  const to = finite(range.to, 'range.to');
  if (!(from < to)) fail('range', `is empty: from ${isoOf(from)} is not before to ${isoOf(to)}`);
  if (!Array.isArray(data.time)) fail('time', 'must be an array');
  const n = data.time.length;
  if (n === 0) throw new ReportError('empty', `report: nothing was recorded between ${isoOf(from)} and ${isoOf(to)}`);
  const stepSec = finite(data.stepSec, 'stepSec');
  if (!(stepSec > 0)) fail('stepSec', `must be above 0, not ${stepSec}`);
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = finite(data.time[i], `time[${i}]`);
    if (!(t > prev)) fail(`time[${i}]`, `(${isoOf(t)}) is not after time[${i - 1}]: the axis must ascend strictly`);
    // A step may start up to one step before `from` (roll-ups are aligned to their step).
    if (t < from - stepSec || t > to) fail(`time[${i}]`, `(${isoOf(t)}) lies outside the range ${isoOf(from)} to ${isoOf(to)}`);
    prev = t;
  }
  const host = data.host;
  if (host === null || typeof host !== 'object') fail('host', 'must be an object');
  const outHost: ReportData['host'] = { hostname: str(host.hostname, 'host.hostname'), kernel: str(host.kernel, 'host.kernel') };
  if (host.os !== undefined) outHost.os = str(host.os, 'host.os');
  if (host.cpuModel !== undefined) outHost.cpuModel = str(host.cpuModel, 'host.cpuModel');
  if (host.cpus !== undefined) outHost.cpus = finite(host.cpus, 'host.cpus');
  if (host.memoryTotalBytes !== undefined) outHost.memoryTotalBytes = finite(host.memoryTotalBytes, 'host.memoryTotalBytes');
  if (host.timeZone !== undefined) {
    const tz = str(host.timeZone, 'host.timeZone', 64);
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      fail('host.timeZone', `is not a time zone: ${JSON.stringify(tz)}`);
    }
    outHost.timeZone = tz;
  }
  const rec = data.recorded;
  if (rec === null || typeof rec !== 'object') fail('recorded', 'must be an object');
  const disks = data.disks as unknown;
  const net = data.net as unknown;
  const containers = data.containers as unknown;
  const alerts = data.alerts as unknown;
  if (!Array.isArray(disks)) fail('disks', 'must be an array');
  if (!Array.isArray(net)) fail('net', 'must be an array');
  if (!Array.isArray(containers)) fail('containers', 'must be an array');
  if (!Array.isArray(alerts)) fail('alerts', 'must be an array');
  const filter = data.containerFilter;
  const report: PageReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tailtopVersion: str(data.tailtopVersion, 'tailtopVersion', 64),
    generatedAt: finite(data.generatedAt, 'generatedAt'),
    host: outHost,
    range: { from, to },
    stepSec,
    sampleIntervalSec: finite(data.sampleIntervalSec, 'sampleIntervalSec'),
    recorded: {
      ebpf: recorded(rec.ebpf, 'recorded.ebpf'),
      containers: recorded(rec.containers, 'recorded.containers'),
      processes: recorded(rec.processes, 'recorded.processes'),
    },
    time: data.time.slice(),
    series: seriesList(data.series, n, 'series'),
    runq: data.runq === null ? null : latency(data.runq, n, 'runq'),
    disks: (disks as DiskData[]).map((d, k): PageDisk => ({
      name: str(obj(d, `disks[${k}]`).name, `disks[${k}].name`, 64),
      series: seriesList(d.series, n, `disks[${k}].series`),
      latency: latencies(d.latency, n, `disks[${k}].latency`),
      source: str(d.source, `disks[${k}].source`, 32),
      totals: diskTotals(d.totals, `disks[${k}].totals`),
    })),
    net: (net as NetData[]).map((d, k): NetData => ({
      name: str(obj(d, `net[${k}]`).name, `net[${k}].name`, 64),
      series: seriesList(d.series, n, `net[${k}].series`),
    })),
    containers: (containers as ContainerData[]).map((c, k): PageContainer => {
      const p = `containers[${k}]`;
      return {
        id: str(obj(c, p).id, `${p}.id`, 128),
        name: str(c.name, `${p}.name`),
        image: str(c.image, `${p}.image`, 512),
        labels: labels(c.labels, `${p}.labels`),
        series: seriesList(c.series, n, `${p}.series`),
        latency: latencies(c.latency, n, `${p}.latency`),
        firstSeen: finite(c.firstSeen, `${p}.firstSeen`),
        lastSeen: finite(c.lastSeen, `${p}.lastSeen`),
      };
    }),
    containerFilter:
      filter === null || filter === undefined
        ? null
        : {
            selectors: (Array.isArray(filter.selectors) ? filter.selectors : fail('containerFilter.selectors', 'must be an array')).map((s, k) => str(s, `containerFilter.selectors[${k}]`)),
            matched: finite(filter.matched, 'containerFilter.matched'),
            total: finite(filter.total, 'containerFilter.total'),
          },
    alerts: (alerts as AlertInterval[]).map((a, k) => alert(a, `alerts[${k}]`)),
  };
  const lowerUs: number[] = [];
  const upperUs: number[] = [];
  for (let i = 0; i < BUCKETS; i++) {
    lowerUs.push(bucketLower(i) / 1000);
    upperUs.push(bucketUpper(i) / 1000);
  }
  return { report, buckets: { lowerUs, upperUs } };
}
