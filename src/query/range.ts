// Query ranges over a recording: the live snapshot's document computed over exactly [from, to], plus
// `window` statistics (avg/min/max/p95/p99 over the samples) of every gauge and rate of the metric catalogue,
// and optionally a series per step (for `tailtop report`).
//
// How each part is computed (docs/snapshot.md, "Query ranges"):
// - rates (host, disks, network, containers' CPU/memory/network/block from cgroup counters) come from the
//   counter deltas between the first recorded sample at or after `from` and the last one at or before `to`,
//   through the same frame builder as live (model/frame-builder.ts): buildFrame(last, first);
// - block I/O totals AND tails come from the eBPF intervals that ended in [from, to), merged bucket by bucket
//   (record/reader.ts aggregate(): hour rows, minute rows, then raw edges — the documented tier rule); eBPF
//   disk and container block rates are those totals over the seconds the intervals cover, as live;
// - `window` figures come from the same aggregate, through the catalogue's figuresOf.
// Pure apart from the reader: no clock, no files.
import type { StoreReader, RangeAggregate, RecordedSample } from '../record/reader.js';
import { figureAverage, figureQuantile, type FigureStats, type FiguresOf, type LatencyRollup } from '../record/rollup.js';
import { buildFrame, latencyMapsOf, type LatencyInput, type LatencyWindowsRead } from '../model/frame-builder.js';
import { latencyFrame, deviceNamesFromDiskstats, type CgroupMaps, type LatencySpan } from '../model/latency.js';
import { LatencyWindows } from '../store/latency-windows.js';
import { figuresOf as catalogueFigures, metricDef } from '../model/catalogue.js';
import type { LatencyWindowFrame, StaticFacts } from '../model/types.js';
import { LATENCY_WINDOWS } from '../model/types.js';
import type { SampleSet } from '../model/sample-set.js';
import { toSnapshot } from '../snapshot.js';

export interface RangeOptions {
  /** tailtop's version, for the document. */
  version: string;
  /** Include processes (rates over the range from the first and last samples' process counters). */
  processes?: boolean;
  showAllDisks?: boolean;
  clockTicks?: number;
  /** Also compute a series of this step (ms); null/absent: no series. */
  stepMs?: number | null;
  /** Figures for the window statistics (default: the catalogue's roll-up figures). */
  figuresOf?: FiguresOf;
}

/** Statistics of one value of a figure over the range's samples. */
export interface WindowStat {
  labels: Record<string, string>;
  /** Samples the value was known in. */
  count: number;
  avg: number | null;
  min: number;
  max: number;
  p95: number | null;
  p99: number | null;
}

export interface WindowFigures {
  [id: string]: { unit: string; kind: string; values: WindowStat[] };
}

export interface StepFigure {
  labels: Record<string, string>;
  /** Samples the value was known in (a device left out of frames while idle has fewer than the step). */
  count: number;
  avg: number | null;
  min: number;
  max: number;
}

/** One step of a series: figures (avg/min/max over its samples) and the latency merged over its intervals. */
export interface SeriesStep {
  fromMs: number;
  toMs: number;
  samples: number;
  figures: Record<string, StepFigure[]>;
  /** The eBPF intervals that ended in the step, merged (null: none). */
  latency: LatencyWindowFrame | null;
}

export interface RangeInfo {
  from: string;
  to: string;
  fromMs: number;
  toMs: number;
  /** The samples the counter deltas were taken between (wall ms). */
  firstSampleMs: number;
  lastSampleMs: number;
  /** Samples recorded in [from, to). */
  samples: number;
  /** Recording sessions the range touches; rates cover the last one's part when there are several. */
  sessions: number[];
  /** What answered the aggregates (the tier rule): hour rows, minute rows, raw samples read. */
  sources: RangeAggregate['sources'];
  /** Writer events in the range (gaps from a full disk...). */
  events: { time: string; kind: string; message: string }[];
}

export type RangeDocument = ReturnType<typeof toSnapshot> & { range: RangeInfo; window: { samples: number; figures: WindowFigures } };

export interface RangeResult {
  document: RangeDocument;
  series: { stepMs: number; steps: SeriesStep[] } | null;
}

/** Why a range cannot be answered (nothing recorded there): one line, exit 1. */
export class RangeError extends Error {}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A read-only LatencySpan over merged intervals (a roll-up's rows), through the window engine itself. */
export function spanOfRollup(l: LatencyRollup): LatencySpan {
  const w = new LatencyWindows(['1s']);
  w.add({ t: 0, durationMs: l.seconds * 1000, block: l.block, runq: l.runq, lost: l.lost });
  return w.span('current');
}

function mergeMaps(a: CgroupMaps, b: CgroupMaps): CgroupMaps {
  for (const [k, v] of b.block) if (!a.block.has(k)) a.block.set(k, v);
  for (const [k, v] of b.runq) if (!a.runq.has(k)) a.runq.set(k, v);
  return a;
}

/** The latency of merged intervals as a window of the snapshot (every container, rows and buckets). */
export function latencyWindowOf(l: LatencyRollup, set: SampleSet, maps: CgroupMaps): LatencyWindowFrame {
  const span = spanOfRollup(l);
  const windows = Object.fromEntries(LATENCY_WINDOWS.map((w) => [w, span])) as Record<(typeof LATENCY_WINDOWS)[number], LatencySpan>;
  return latencyFrame({ current: span, windows }, { maps, deviceNames: deviceNamesFromDiskstats(set.host.disks ?? []), badLines: 0, containerSpans: ['current'] }).current;
}

/** Window statistics of every figure, keyed by catalogue id. */
export function windowFigures(figures: readonly FigureStats[]): WindowFigures {
  const out: WindowFigures = {};
  const sorted = [...figures].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : labelText(a.labels).localeCompare(labelText(b.labels))));
  for (const f of sorted) {
    const def = metricDef(f.id);
    const entry = (out[f.id] ??= { unit: def?.unit ?? 'unknown', kind: def?.kind ?? 'gauge', values: [] });
    entry.values.push({ labels: { ...f.labels }, count: f.count, avg: figureAverage(f), min: f.min, max: f.max, p95: figureQuantile(f, 0.95), p99: figureQuantile(f, 0.99) });
  }
  return out;
}

const labelText = (l: Record<string, string>): string => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',');

/** The first and last samples of the range whose counters give its rates (same session: rates never span two). */
function edges(reader: StoreReader, fromMs: number, toMs: number): { first: RecordedSample; last: RecordedSample; sessions: number[] } {
  const last = reader.at(toMs);
  let first = reader.after(fromMs);
  const where = `store ${reader.file}`;
  if (!last || !first || first.set.wallMs > toMs || last.set.wallMs < fromMs) {
    const span = reader.span();
    const held = span ? `it holds ${iso(span.fromMs)} .. ${iso(span.toMs)}` : 'it holds no samples';
    throw new RangeError(`${where}: nothing recorded from ${iso(fromMs)} to ${iso(toMs)}; ${held}`);
  }
  const sessions = [...new Set([first.session, last.session])];
  if (first.session !== last.session) {
    // The last session's part of the range: its first sample at or after `from`.
    const s = reader.sessions().find((x) => x.id === last.session);
    const start = Math.max(fromMs, s?.startedMs ?? fromMs);
    let r = reader.after(start);
    while (r && r.session !== last.session && r.seq < last.seq) r = reader.next(r.seq);
    first = r ?? last;
    // Sessions between the two edges.
    for (const x of reader.sessions()) if (x.startedMs <= toMs && (x.endedMs ?? Infinity) >= fromMs && !sessions.includes(x.id)) sessions.push(x.id);
    sessions.sort((a, b) => a - b);
  }
  return { first, last, sessions };
}

/** The snapshot document over [fromMs, toMs] (and a series when opts.stepMs is given). */
export function queryRange(reader: StoreReader, fromMs: number, toMs: number, opts: RangeOptions): RangeResult {
  if (!(fromMs < toMs)) throw new RangeError(`the range ${iso(fromMs)} .. ${iso(toMs)} is empty`);
  const figuresOf = opts.figuresOf ?? catalogueFigures;
  const { first, last, sessions } = edges(reader, fromMs, toMs);
  const agg = reader.aggregate(fromMs, toMs, figuresOf);

  const strip = (s: SampleSet): SampleSet => (opts.processes ? s : { ...s, processes: null });
  const maps = mergeMaps(latencyMapsOf(last.set), latencyMapsOf(first.set));
  const span = spanOfRollup(agg.latency);
  const windows: LatencyWindowsRead = { span: () => span };
  const latency: LatencyInput | null = last.set.latency ? { windows, lastDataAt: last.set.atMs, maps } : null;
  const frameOpts = { showAllDisks: opts.showAllDisks ?? false, clockTicks: opts.clockTicks ?? 100, view: null };
  const frame = buildFrame(strip(last.set), first === last ? null : strip(first.set), latency, frameOpts);

  const info = reader.info;
  const facts: StaticFacts = { hostname: info.hostname ?? '', kernel: '', os: 'Linux', cpuModel: '', cpuCount: last.set.host.stat?.cores.length ?? 0 };
  const snap = toSnapshot(frame, { facts, intervalMs: 0, processes: Boolean(opts.processes), version: opts.version, cutSkewMs: null });
  const document: RangeDocument = {
    ...snap,
    range: {
      from: iso(fromMs),
      to: iso(toMs),
      fromMs,
      toMs,
      firstSampleMs: first.set.wallMs,
      lastSampleMs: last.set.wallMs,
      samples: agg.samples,
      sessions,
      sources: agg.sources,
      events: reader.events(fromMs, toMs).map((e) => ({ time: iso(e.wallMs), kind: e.kind, message: e.message })),
    },
    window: { samples: agg.samples, figures: windowFigures(agg.figures) },
  };
  let series: RangeResult['series'] = null;
  if (opts.stepMs != null) series = { stepMs: opts.stepMs, steps: querySeries(reader, fromMs, toMs, opts.stepMs, figuresOf, last.set, maps) };
  return { document, series };
}

/** Figures and latency per step of `stepMs` over [fromMs, toMs) (each step through the tiers). */
export function querySeries(reader: StoreReader, fromMs: number, toMs: number, stepMs: number, figuresOf: FiguresOf, ref: SampleSet, maps: CgroupMaps): SeriesStep[] {
  if (!(stepMs > 0)) throw new RangeError('the series step must be more than 0 ms');
  if ((toMs - fromMs) / stepMs > 10_000) throw new RangeError(`a step of ${stepMs} ms makes more than 10000 steps over the range`);
  const steps: SeriesStep[] = [];
  for (let a = fromMs; a < toMs; a += stepMs) {
    const b = Math.min(toMs, a + stepMs);
    const agg = reader.aggregate(a, b, figuresOf);
    const figures: Record<string, StepFigure[]> = {};
    for (const f of agg.figures) (figures[f.id] ??= []).push({ labels: { ...f.labels }, count: f.count, avg: figureAverage(f), min: f.min, max: f.max });
    steps.push({ fromMs: a, toMs: b, samples: agg.samples, figures, latency: agg.latency.intervals > 0 ? latencyWindowOf(agg.latency, ref, maps) : null });
  }
  return steps;
}
