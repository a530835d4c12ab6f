// A ReportData from the recording store, through the query ranges of src/query/range.ts (the same
// computation as `snapshot --from --to`): `queryRange` gives the window statistics over exactly [from, to)
// (every catalogue gauge and rate over the recorded samples: avg/min/max exact, p95/p99 from the roll-ups'
// 1% sketches) and `querySeries` the figures and merged eBPF latency of each step of the report's time axis
// (each step through the store's tiers: hour rows, minute rows, raw samples at the edges). Here: which step,
// the report's layout (host, disks, interfaces, containers), heatmaps from each step's merged histograms,
// disk totals from the counters, and what the header says (host, what was recorded and what was off).
//
// Steps: a range up to REPORT_RAW_MAX_MS (an hour) at chooseStep's 1-2 s (every step from raw samples);
// longer ones at whole minutes or more, aligned to the step, so that each step is answered by minute rows.
// Container metadata (full id, labels) and the cgroup -> container maps come from probes: a sample every
// PROBE_MS (less for short ranges) and the last one. A container that lived only between two probes keeps
// its name, short id and image from its figures' labels, not its labels map or its latency. Pure apart from
// reading the store.
import { cpus, release } from 'node:os';
import { figuresOf as catalogueFigures, ROLLUP_FIGURES, type MetricDef } from '../model/catalogue.js';
import { bucketIndex, Histogram } from '../model/histogram.js';
import { cgroupMapFromContainers } from '../model/latency.js';
import type { SampleSet } from '../model/sample-set.js';
import type { ContainerMeta, LatencyWindowFrame } from '../model/types.js';
import { selectContainers, type ContainerSelector } from '../model/container-selector.js';
import { queryRange, querySeries, RangeError, type WindowStat } from '../query/range.js';
import { ALERT_EVENT_KIND, parseAlertEvent, type AlertEventRecord } from '../record/alert-events.js';
import type { RecordedEvent, SessionInfo, StoreReader } from '../record/reader.js';
import type { FiguresOf } from '../record/rollup.js';
import { chooseStep, latencyData } from './build.js';
import { ReportError } from './errors.js';
import type { AlertInterval, ContainerData, DiskData, DiskTotals, LatencyData, NetData, Recorded, ReportData, Series, Unit, WindowStats } from './types.js';
import { REPORT_SCHEMA_VERSION } from './types.js';

/** Ranges up to this long are drawn at 1-2 s steps; longer ones at a minute or more (the roll-up tier). */
export const REPORT_RAW_MAX_MS = 3_600_000;
/** Metadata and cgroup maps come from a sample every this often (at most; short ranges probe more often). */
export const PROBE_MS = 10 * 60_000;

export interface FromStoreOptions {
  fromMs: number;
  toMs: number;
  tailtopVersion: string;
  /** `--containers` (parsed); empty: every container. */
  selectors?: readonly ContainerSelector[];
  /** The selectors as typed (for the header). */
  selectorTexts?: readonly string[];
  /** The report machine's boot id: the kernel release is only known for a recording of this boot. */
  bootId?: string | null;
  nowMs?: number;
  /** The catalogue's figures (tests may pass their own). */
  figuresOf?: FiguresOf;
  /** Force the path (tests); default by the range's length. */
  path?: 'raw' | 'rollup';
  /** Force the step, seconds (tests; a multiple of 60 on the roll-up path). */
  stepSec?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The catalogue's unit as the report's. */
function unitOf(d: MetricDef): Unit {
  switch (d.unit) {
    case 'bytes_per_second':
      return 'bytes_per_sec';
    case 'per_second':
      return 'ops_per_sec';
    case 'seconds':
      return 'us';
    case 'percent':
    case 'bytes':
      return d.unit;
    default:
      return d.id.startsWith('host.load') ? 'load' : 'count';
  }
}

/** loop, ram and zram devices are left out of a frame while idle: there a missing value means 0. */
const HIDDEN_WHEN_IDLE = /^(loop|ram|zram)\d/;

const labelsKey = (l: Readonly<Record<string, string>>): string =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}\u0001${l[k]}`)
    .join('\u0000');

/** What the samples say besides figures. */
class Observed {
  readonly metas = new Map<string, ContainerMeta>();
  readonly blockCgroups = new Map<number, string>();
  readonly runqCgroups = new Map<number, string>();
  ebpfOn = false;
  ebpfReason: string | null = null;
  containersOn = false;
  containersReason: string | null = null;
  processesOn = false;
  cpus: number | null = null;
  memoryTotalBytes: number | null = null;

  see(set: SampleSet): void {
    const l = set.latency;
    if (l?.status.active) this.ebpfOn = true;
    else if (l) this.ebpfReason = l.status.reason;
    const cs = set.containers;
    if (cs) {
      if (cs.daemon.state === 'ok') this.containersOn = true;
      else this.containersReason = cs.daemon.state === 'none' ? 'no container runtime found' : 'the container runtime was not answering';
      for (const c of cs.containers) this.metas.set(c.meta.id, c.meta);
      if (l?.hello) {
        const maps = cgroupMapFromContainers(
          cs.containers.map((c) => ({ id: c.meta.id, counters: c.counters })),
          l.hello,
        );
        for (const [k, v] of maps.block) this.blockCgroups.set(k, v);
        for (const [k, v] of maps.runq) this.runqCgroups.set(k, v);
      }
    }
    if (set.processes) this.processesOn = true;
    const h = set.host;
    if (h.stat) this.cpus = h.stat.cores.length || this.cpus;
    if (h.meminfo) this.memoryTotalBytes = h.meminfo.totalBytes;
  }
}

export interface FromStoreResult {
  data: ReportData;
  /** Short steps over raw samples, or steps of whole minutes from the roll-ups. */
  path: 'raw' | 'rollup';
  /** Samples recorded in the range, steps drawn, and what answered the range's statistics (the tiers). */
  samples: number;
  steps: number;
  sources: { hours: number; minutes: number; rawSamples: number };
}

/**
 * The report of [fromMs, toMs) from a store. Throws ReportError `empty` (exit 2) when the range holds no
 * sample (naming the range and what the store holds) and UsageError-like ReportError `invalid` when
 * `--containers` matched none of the recorded containers.
 */
export function reportFromStore(reader: StoreReader, opts: FromStoreOptions): FromStoreResult {
  const { fromMs, toMs } = opts;
  const figuresOf = opts.figuresOf ?? catalogueFigures;
  const span = reader.span();
  const file = reader.file;
  if (span === null) throw new ReportError('empty', `store ${file} holds no samples yet`);
  const holds = `it holds ${iso(span.fromMs)} to ${iso(span.toMs)}`;
  if (toMs <= span.fromMs || fromMs > span.toMs) {
    throw new ReportError('empty', `the range ${iso(fromMs)} to ${iso(toMs)} is outside the recording in ${file} (${holds})`);
  }
  const sessions = reader.sessions();
  const intervalMs = sessions.map((s) => s.intervalMs).find((v) => v != null && v > 0) ?? 1000;
  const rangeMs = toMs - fromMs;
  const path = opts.path ?? (rangeMs <= REPORT_RAW_MAX_MS ? 'raw' : 'rollup');
  let stepSec = chooseStep(rangeMs / 1000, intervalMs / 1000);
  if (path === 'rollup') stepSec = Math.max(60, Math.ceil(stepSec / 60) * 60);
  if (opts.stepSec !== undefined) stepSec = opts.stepSec;
  const stepMs = stepSec * 1000;
  const t0 = Math.floor(fromMs / stepMs) * stepMs;

  // The whole range: window statistics (and the check that something was recorded in it).
  let whole: ReturnType<typeof queryRange>['document'];
  try {
    whole = queryRange(reader, fromMs, toMs, { version: opts.tailtopVersion, figuresOf }).document;
  } catch (e) {
    if (e instanceof RangeError) throw new ReportError('empty', `no samples recorded between ${iso(fromMs)} and ${iso(toMs)} in ${file} (${holds}, with gaps where no agent ran)`);
    throw e;
  }
  if (whole.window.samples === 0) {
    throw new ReportError('empty', `no samples recorded between ${iso(fromMs)} and ${iso(toMs)} in ${file} (${holds}, with gaps where no agent ran)`);
  }

  // Probes: container metadata, cgroup maps, device names, what was recorded.
  const seen = new Observed();
  const probeMs = Math.max(stepMs, Math.min(PROBE_MS, Math.max(60_000, rangeMs / 60)));
  let ref: SampleSet | null = null;
  for (let t = Math.max(fromMs, span.fromMs); ; t += probeMs) {
    const at = Math.min(t, toMs - 1);
    const r = reader.at(at);
    const x = r && r.set.wallMs >= fromMs - probeMs ? r : reader.after(at);
    if (x && x.set.wallMs < toMs + probeMs) {
      seen.see(x.set);
      if (x.set.wallMs < toMs) ref = x.set;
    }
    if (at >= toMs - 1) break;
  }
  if (ref === null) ref = reader.at(toMs - 1)?.set ?? reader.after(fromMs)!.set;

  const steps = querySeries(reader, t0, toMs, stepMs, figuresOf, ref, { block: seen.blockCgroups, runq: seen.runqCgroups });
  const time = steps.map((s) => s.fromMs / 1000);

  // ---- figures per step, and the statistics over the range
  const perStep = steps.map((s) => {
    const m = new Map<string, { avg: number | null; count: number }>();
    for (const [id, vs] of Object.entries(s.figures)) for (const v of vs) m.set(`${id}\u0002${labelsKey(v.labels)}`, v);
    return { m, samples: s.samples };
  });
  const wholeBy = new Map<string, WindowStat>();
  const labelSets = new Map<string, Map<string, Record<string, string>>>();
  const note = (id: string, labels: Record<string, string>): void => {
    let m = labelSets.get(id);
    if (!m) labelSets.set(id, (m = new Map()));
    m.set(labelsKey(labels), labels);
  };
  for (const [id, f] of Object.entries(whole.window.figures)) {
    for (const v of f.values) {
      wholeBy.set(`${id}\u0002${labelsKey(v.labels)}`, v);
      note(id, v.labels);
    }
  }
  for (const s of steps) for (const [id, vs] of Object.entries(s.figures)) for (const v of vs) note(id, v.labels);
  const n = whole.window.samples;

  const seriesOf = (def: MetricDef, labels: Record<string, string>): Series => {
    const key = `${def.id}\u0002${labelsKey(labels)}`;
    // loop, ram and zram devices are left out of frames while idle: there a missing value is 0.
    const zeroWhenAbsent = def.scope === 'disk' && HIDDEN_WHEN_IDLE.test(labels['device'] ?? '');
    const values = perStep.map((s) => {
      const f = s.m.get(key);
      if (zeroWhenAbsent) return s.samples > 0 ? (f && f.avg !== null ? (f.avg * f.count) / s.samples : 0) : null;
      return f ? f.avg : null;
    });
    const w = wholeBy.get(key);
    const unit = unitOf(def);
    const scale = unit === 'us' ? 1e6 : 1;
    return {
      id: def.id,
      unit,
      values: scale === 1 ? values : values.map((v) => (v === null ? null : v * scale)),
      stats: w ? statsOf(w, zeroWhenAbsent ? n : w.count) : zeroWhenAbsent ? { avg: 0, min: 0, max: 0, p95: 0, p99: 0, samples: n } : null,
    };
  };

  const host: Series[] = [];
  const disks = new Map<string, Series[]>();
  const nets = new Map<string, Series[]>();
  const containerSeries = new Map<string, { labels: Record<string, string>; series: Series[] }>();
  for (const def of ROLLUP_FIGURES) {
    const sets = labelSets.get(def.id);
    if (!sets) continue;
    for (const labels of sets.values()) {
      const s = seriesOf(def, labels);
      if (def.scope === 'host') host.push(s);
      else if (def.scope === 'disk') push(disks, labels['device'] ?? '?', s);
      else if (def.scope === 'net') push(nets, labels['interface'] ?? '?', s);
      else {
        const id = labels['id'] ?? '?';
        let c = containerSeries.get(id);
        if (!c) containerSeries.set(id, (c = { labels, series: [] }));
        c.series.push(s);
      }
    }
  }

  // ---- latency per step: each step's merged histograms (null: no interval ended in the step)
  const diskLatency = new Map<string, Map<string, (Histogram | null)[]>>();
  const hostRunq: (Histogram | null)[] = [];
  const contBlock = new Map<string, Map<string, (Histogram | null)[]>>();
  const contRunq = new Map<string, (Histogram | null)[]>();
  const slot = <K>(m: Map<K, (Histogram | null)[]>, k: K, i: number): Histogram => {
    let arr = m.get(k);
    if (!arr) m.set(k, (arr = new Array<Histogram | null>(steps.length).fill(null)));
    return (arr[i] ??= new Histogram());
  };
  const nested = <K>(m: Map<K, Map<string, (Histogram | null)[]>>, k: K): Map<string, (Histogram | null)[]> => {
    let x = m.get(k);
    if (!x) m.set(k, (x = new Map()));
    return x;
  };
  steps.forEach((st, i) => {
    const lat: LatencyWindowFrame | null = st.latency;
    hostRunq.push(lat ? new Histogram() : null);
    if (!lat) return;
    for (const r of lat.block) addBuckets(slot(nested(diskLatency, r.device), r.op, i), r.buckets, r.maxUs);
    if (lat.runqueue) addBuckets(hostRunq[i]!, lat.runqueue.buckets ?? [], lat.runqueue.maxUs);
    for (const [cid, c] of Object.entries(lat.containers)) {
      for (const r of c.block ?? []) addBuckets(slot(nested(contBlock, cid), r.op, i), r.buckets, r.maxUs);
      if (c.runqueue && c.runqueue.count > 0) addBuckets(slot(contRunq, cid, i), c.runqueue.buckets ?? [], c.runqueue.maxUs);
    }
  });
  // Steps with eBPF data but no request of a kind are empty histograms, not gaps.
  const fill = (arr: (Histogram | null)[]): (Histogram | null)[] => arr.map((h, i) => h ?? (steps[i]!.latency ? new Histogram() : null));
  const ebpfAny = steps.some((s) => s.latency !== null);

  // ---- disks and interfaces
  const diskNames = new Set([...disks.keys(), ...diskLatency.keys()]);
  const totals = diskTotals(reader, fromMs, toMs);
  const diskData: DiskData[] = [...diskNames].sort().map((name) => ({
    name,
    series: disks.get(name) ?? [],
    latency: [...(diskLatency.get(name) ?? new Map<string, (Histogram | null)[]>())].sort((a, b) => opOrder(a[0]) - opOrder(b[0])).map(([op, hs]) => latencyData(`disk.${op}.latency`, 'block', fill(hs), op)),
    source: 'diskstats',
    totals: totals.get(name) ?? null,
  }));
  const netData: NetData[] = [...nets].sort((a, b) => a[0].localeCompare(b[0])).map(([name, series]) => ({ name, series }));

  // ---- containers
  const byShort = new Map<string, ContainerMeta>();
  for (const m of seen.metas.values()) byShort.set(m.id.slice(0, 12), m);
  const all: ContainerData[] = [];
  const fullIds = new Set<string>();
  for (const [short, { labels, series }] of containerSeries) {
    const meta = byShort.get(short);
    const id = meta?.id ?? short;
    fullIds.add(id);
    all.push(containerData(id, meta, labels, series, time, stepSec, contBlock.get(id), contRunq.get(id), fill));
  }
  // Containers with latency but no figure in the range (the catalogue reads running ones only).
  for (const id of new Set([...contBlock.keys(), ...contRunq.keys()])) {
    if (fullIds.has(id)) continue;
    const meta = seen.metas.get(id);
    all.push(containerData(id, meta, { container: meta?.name ?? id.slice(0, 12), image: meta?.image ?? '' }, [], time, stepSec, contBlock.get(id), contRunq.get(id), fill));
  }
  const selectors = opts.selectors ?? [];
  const chosen = selectContainers(all, selectors);
  if (selectors.length > 0 && chosen.length === 0) {
    throw new ReportError('invalid', `--containers ${(opts.selectorTexts ?? []).map((t) => JSON.stringify(t)).join(' ')} matched none of the ${all.length} containers recorded in the range`);
  }

  const sameBoot = opts.bootId != null && sessions.some((s) => s.bootId === opts.bootId && s.startedMs < toMs && (s.endedMs ?? Infinity) >= fromMs);
  const ebpf: Recorded = ebpfAny || seen.ebpfOn ? { on: true } : { on: false, reason: seen.ebpfReason ?? 'the agent ran without eBPF' };
  const containers: Recorded = seen.containersOn || all.length > 0 ? { on: true } : { on: false, reason: seen.containersReason ?? 'no container runtime was watched' };
  const processes: Recorded = seen.processesOn ? { on: false, reason: 'recorded, not in reports yet (see `snapshot --from --to --processes`)' } : { on: false, reason: 'not recorded' };
  const hostInfo: ReportData['host'] = {
    hostname: reader.info.hostname ?? sessions[sessions.length - 1]?.hostname ?? 'unknown',
    kernel: sameBoot ? release() : 'unknown (recorded during another boot)',
  };
  if (sameBoot) {
    const model = cpus()[0]?.model.trim();
    if (model) hostInfo.cpuModel = model;
  }
  if (seen.cpus) hostInfo.cpus = seen.cpus;
  if (seen.memoryTotalBytes) hostInfo.memoryTotalBytes = seen.memoryTotalBytes;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) hostInfo.timeZone = zone;

  const data: ReportData = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tailtopVersion: opts.tailtopVersion,
    generatedAt: Math.floor((opts.nowMs ?? Date.now()) / 1000),
    host: hostInfo,
    range: { from: fromMs / 1000, to: toMs / 1000 },
    stepSec,
    sampleIntervalSec: intervalMs / 1000,
    recorded: { ebpf, containers, processes },
    time,
    series: host,
    runq: ebpfAny && hostRunq.some((h) => h && h.total > 0) ? latencyData('host.runq.latency', 'runq', hostRunq) : null,
    disks: diskData,
    net: netData,
    containers: chosen,
    containerFilter: selectors.length ? { selectors: [...(opts.selectorTexts ?? selectors.map((s) => s.text))], matched: chosen.length, total: all.length } : null,
    alerts: alertIntervals(reader.events(0, toMs), sessions, fromMs, toMs, selectors.length ? new Set(chosen.map((c) => c.name)) : null),
  };
  return { data, path, samples: n, steps: steps.length, sources: whole.range.sources };
}

/**
 * The alert intervals of [fromMs, toMs) from the recorded transitions (`alert` events, every one before toMs):
 * each firing paired with the next resolved of the same rule and labels. One firing before the range starts
 * at the range start; one not resolved by the end of the range has `to` null (the page draws it to the range's
 * end); one whose recording session ended without a resolved (the process stopped) ends where the session
 * did. With `containers` (--containers), an alert on another container is left out.
 */
export function alertIntervals(events: readonly RecordedEvent[], sessions: readonly SessionInfo[], fromMs: number, toMs: number, containers: ReadonlySet<string> | null = null): AlertInterval[] {
  const byStart = [...sessions].sort((a, b) => a.startedMs - b.startedMs);
  const sessionAt = (t: number): { start: number | null; end: number | null } => {
    let i = -1;
    for (let k = 0; k < byStart.length && byStart[k]!.startedMs <= t; k++) i = k;
    if (i < 0) return { start: null, end: null };
    return { start: byStart[i]!.startedMs, end: byStart[i]!.endedMs ?? byStart[i + 1]?.startedMs ?? null };
  };
  const done: { rec: AlertEventRecord; from: number; to: number | null }[] = [];
  const open = new Map<string, { rec: AlertEventRecord; from: number; limit: number | null }>();
  for (const e of events) {
    if (e.kind !== ALERT_EVENT_KIND || e.wallMs >= toMs) continue;
    const rec = parseAlertEvent(e.message);
    if (!rec) continue;
    const key = `${rec.rule}\u0000${labelsKey(rec.labels)}`;
    const was = open.get(key);
    if (was) {
      open.delete(key);
      // A transition after the session that fired it ended belongs to a later process: the old one ended there.
      const stale = was.limit !== null && was.limit < e.wallMs;
      done.push({ rec: was.rec, from: was.from, to: stale ? was.limit : e.wallMs });
      if (!stale && rec.state === 'resolved') continue;
    }
    if (rec.state === 'firing') open.set(key, { rec, from: e.wallMs, limit: sessionAt(e.wallMs).end });
    else if (!was) done.push({ rec, from: Math.max(fromMs, sessionAt(e.wallMs).start ?? fromMs), to: e.wallMs }); // its firing was pruned
  }
  for (const o of open.values()) done.push({ rec: o.rec, from: o.from, to: o.limit !== null && o.limit < toMs ? o.limit : null });
  const out: AlertInterval[] = [];
  for (const d of done.sort((a, b) => a.from - b.from)) {
    if (d.to !== null && (d.to < fromMs || (d.to === fromMs && d.from < fromMs))) continue;
    const subject = d.rec.labels['container'] ?? d.rec.labels['device'] ?? d.rec.labels['interface'];
    if (containers && d.rec.labels['container'] !== undefined && !containers.has(d.rec.labels['container'])) continue;
    const labelText = Object.keys(d.rec.labels)
      .sort()
      .map((k) => `${k}=${d.rec.labels[k]}`)
      .join(', ');
    const a: AlertInterval = {
      name: d.rec.rule,
      severity: d.rec.severity === 'info' || d.rec.severity === 'critical' ? d.rec.severity : 'warning',
      from: Math.max(d.from, fromMs) / 1000,
      to: d.to === null ? null : Math.min(d.to, toMs) / 1000,
      message: `${d.rec.summary ?? d.rec.rule}${labelText ? ` (${labelText})` : ''}; value ${Number(d.rec.value.toPrecision(4))} ${d.rec.state === 'firing' ? 'when it fired' : 'when it resolved'}`,
    };
    if (subject !== undefined) a.subject = subject;
    out.push(a);
  }
  return out;
}

/** A merged row's buckets ([upper bound µs, count], as the snapshot gives them) back into a histogram. */
function addBuckets(h: Histogram, buckets: readonly (readonly [number, number])[], maxUs: number | null): void {
  for (const [upUs, c] of buckets) h.addBucket(bucketIndex(Math.round(upUs * 1000) - 1), c);
  if (maxUs !== null && maxUs > 0) h.noteMax(Math.round(maxUs * 1000));
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

const OP_ORDER = ['read', 'write', 'flush', 'discard'];
const opOrder = (op: string): number => {
  const i = OP_ORDER.indexOf(op);
  return i < 0 ? OP_ORDER.length : i;
};

/**
 * Window statistics of a figure over the range. `n` > its count: a device left out of frames while idle, its
 * missing samples are zeros (avg, min exact; a percentile whose rank falls among the zeros is 0, one above
 * them cannot be read from the stored p95/p99 and is left out).
 */
function statsOf(w: WindowStat, n: number): WindowStats {
  const zeros = Math.max(0, n - w.count);
  if (zeros === 0) return { avg: w.avg, min: w.min, max: w.max, p95: w.p95, p99: w.p99, samples: w.count };
  const q = (p: number): number | null => (p * n <= zeros ? 0 : null);
  return { avg: w.avg === null ? null : (w.avg * w.count) / n, min: Math.min(0, w.min), max: Math.max(0, w.max), p95: q(0.95), p99: q(0.99), samples: n };
}

function containerData(
  id: string,
  meta: ContainerMeta | undefined,
  labels: Record<string, string>,
  series: Series[],
  time: number[],
  stepSec: number,
  block: Map<string, (Histogram | null)[]> | undefined,
  runq: (Histogram | null)[] | undefined,
  fill: (a: (Histogram | null)[]) => (Histogram | null)[],
): ContainerData {
  let first = -1;
  let last = -1;
  for (const s of series) {
    s.values.forEach((v, i) => {
      if (v === null) return;
      if (first < 0 || i < first) first = i;
      if (i > last) last = i;
    });
  }
  const latency: LatencyData[] = [];
  for (const [op, hs] of [...(block ?? new Map<string, (Histogram | null)[]>())].sort((a, b) => opOrder(a[0]) - opOrder(b[0]))) latency.push(latencyData(`container.block.${op}.latency`, 'block', fill(hs), op));
  if (runq) latency.push(latencyData('container.runq.latency', 'runq', fill(runq)));
  if (first < 0) {
    const busy = (hs: (Histogram | null)[]): void =>
      hs.forEach((h, i) => {
        if (!h || h.total === 0) return;
        if (first < 0 || i < first) first = i;
        if (i > last) last = i;
      });
    for (const hs of block?.values() ?? []) busy(hs);
    if (runq) busy(runq);
  }
  return {
    id,
    name: meta?.name ?? labels['container'] ?? id.slice(0, 12),
    image: meta?.image ?? labels['image'] ?? '',
    labels: meta ? { ...meta.labels } : {},
    series,
    latency,
    firstSeen: first < 0 ? time[0] ?? 0 : time[first]!,
    lastSeen: last < 0 ? time[time.length - 1] ?? 0 : time[last]! + stepSec,
  };
}

/**
 * Requests and bytes per disk between the first and the last sample in [fromMs, toMs): the difference of
 * the /proc/diskstats counters when both samples are of one boot and no counter went down.
 */
function diskTotals(reader: StoreReader, fromMs: number, toMs: number): Map<string, DiskTotals> {
  const out = new Map<string, DiskTotals>();
  const a = reader.after(fromMs);
  const b = reader.at(toMs - 1);
  if (!a || !b || b.set.wallMs < fromMs || b.seq <= a.seq) return out;
  const ba = a.set.host.stat?.bootTimeSec;
  const bb = b.set.host.stat?.bootTimeSec;
  if (ba == null || bb == null || Math.abs(ba - bb) > 2) return out;
  const before = new Map((a.set.host.disks ?? []).map((d) => [d.name, d]));
  for (const d of b.set.host.disks ?? []) {
    const p = before.get(d.name);
    if (!p || p.major !== d.major || p.minor !== d.minor) continue;
    const t = {
      reads: d.readsCompleted - p.readsCompleted,
      writes: d.writesCompleted - p.writesCompleted,
      readBytes: (d.readSectors - p.readSectors) * 512,
      writeBytes: (d.writeSectors - p.writeSectors) * 512,
      from: a.set.wallMs / 1000,
      to: b.set.wallMs / 1000,
    };
    if (t.reads >= 0 && t.writes >= 0 && t.readBytes >= 0 && t.writeBytes >= 0) out.set(d.name, t);
  }
  return out;
}
