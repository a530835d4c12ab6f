// Roll-up tiers: per period (a minute, an hour) the min/max/sum/count and a value sketch of every figure,
// and the latency histograms of the period merged per device/op/cgroup and per run-queue cgroup (sparse
// bucket counts, exact maxima), so a long range reads a few rows instead of every sample.
//
// Figures come from an injected `figuresOf(prev, set)` (the metric catalogue will be it): one value per
// figure per sample; a figure that cannot be known (null, NaN) is left out, never counted as 0. A sample
// belongs to the period holding its wall time; a latency interval to the period holding its END (the rule
// of windows: an interval belongs to the window it completed in), placed on the wall clock by the set's
// `clockMonoNs`. Periods are half-open: [start, end).
import type { BlockIntervalRow, RunqIntervalRow } from '../model/latency.js';
import type { LatencyIntervalSample, LatencySample, SampleSet } from '../model/sample-set.js';
import { byFirst, Sketch, type SketchData, sortedPairs } from './sketch.js';
import { LOST_KEYS, type LostCounts } from '../model/types.js';

const emptyLost = (): LostCounts => Object.fromEntries(LOST_KEYS.map((k) => [k, 0])) as unknown as LostCounts;

function addLost(into: LostCounts, lost: Partial<LostCounts> | undefined): void {
  if (lost) for (const k of LOST_KEYS) into[k] += lost[k] ?? 0;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export type Tier = 'minute' | 'hour';
export const TIER_MS: Record<Tier, number> = { minute: MINUTE_MS, hour: HOUR_MS };
/** Tier numbers in the store's `rollup.tier` column. */
export const TIER_CODE: Record<Tier, number> = { minute: 1, hour: 2 };

export interface FigureValue {
  id: string;
  labels?: Readonly<Record<string, string>>;
  value: number | null;
}

/** The figures of one sample, given the sample before it in the same recording session (null for the first). */
export type FiguresOf = (prev: SampleSet | null, set: SampleSet) => Iterable<FigureValue>;

/** One figure over a period (or a range): exact min, max, sum and count, and a sketch for quantiles. */
export interface FigureStats {
  id: string;
  labels: Record<string, string>;
  min: number;
  max: number;
  sum: number;
  count: number;
  sketch: SketchData;
}

/**
 * The figures of a roll-up row, by column (fast to decode and merge: a few arrays instead of an object per
 * figure). Figure i is ids[i] with labelSets[labels[i]] (-1: no labels). Sketch buckets are rows of
 * [figure, shiftedIndex, count], by figure then index; a figure with count > 0 and no buckets at all had
 * one value throughout (min = max), the common case of a figure that did not move.
 */
export interface FigureTable {
  ids: string[];
  labels: number[];
  labelSets: Record<string, string>[];
  min: number[];
  max: number[];
  sum: number[];
  count: number[];
  zero: number[];
  pos: [number, number, number][];
  neg: [number, number, number][];
}

export interface LatencyRollup {
  /** Intervals merged, the time they cover (s), and the events they say were lost (and folded), by cause. */
  intervals: number;
  seconds: number;
  lost: LostCounts;
  /** Rows in the helper's shape (model/latency.ts), merged: counts and buckets summed, maxima exact. */
  block: BlockIntervalRow[];
  runq: RunqIntervalRow[];
}

export interface RollupRow {
  tier: Tier;
  startMs: number;
  endMs: number;
  /** Samples in the period, and the wall times of the first and last. */
  samples: number;
  firstMs: number | null;
  lastMs: number | null;
  figures: FigureTable;
  latency: LatencyRollup;
}

/** Wall-clock end of an interval: `wallMs - (clockMonoNs - monoNs) / 1e6`, or the set's wall time. */
export function intervalEndWallMs(wallMs: number, latency: Pick<LatencySample, 'clockMonoNs'>, iv: Pick<LatencyIntervalSample, 'monoNs'>): number {
  if (latency.clockMonoNs === null || latency.clockMonoNs === undefined) return wallMs;
  return wallMs - (latency.clockMonoNs - iv.monoNs) / 1e6;
}

export function periodStart(tier: Tier, wallMs: number): number {
  const ms = TIER_MS[tier];
  return Math.floor(wallMs / ms) * ms;
}

/** Keys of frozen label sets (the catalogue's, shared by every tick: see model/catalogue.ts), computed once. */
const frozenKeys = new WeakMap<object, string>();

function labelsKey(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '';
  const known = frozenKeys.get(labels);
  if (known !== undefined) return known;
  const keys = Object.keys(labels);
  if (keys.length > 1) keys.sort();
  let k = '';
  for (const l of keys) k += `\u0000${l}\u0001${labels[l]}`;
  if (Object.isFrozen(labels)) frozenKeys.set(labels, k);
  return k;
}

function addPairs(into: Map<number, number>, pairs: readonly (readonly [number, number])[]): void {
  for (let k = 0; k < pairs.length; k++) {
    const pair = pairs[k]!;
    const i = pair[0];
    const c = pair[1];
    into.set(i, (into.get(i) ?? 0) + c);
  }
}

interface BlockAcc {
  row: Omit<BlockIntervalRow, 'service' | 'total'>;
  service: Map<number, number>;
  total: Map<number, number>;
}

interface RunqAcc {
  cgroup: number;
  count: number;
  maxNs: number;
  hist: Map<number, number>;
}

interface FigureAcc {
  id: string;
  labels: Readonly<Record<string, string>> | undefined;
  min: number;
  max: number;
  sum: number;
  count: number;
  sketch: Sketch;
}

/** One period being accumulated. */
export class PeriodAccumulator {
  samples = 0;
  firstMs: number | null = null;
  lastMs: number | null = null;
  private readonly figures = new Map<string, FigureAcc>();
  /** The same accumulators by frozen label set, then id: no key to build for a value whose labels are shared. */
  private readonly byLabels = new WeakMap<object, Map<string, FigureAcc>>();
  /**
   * The accumulator of each position of the last sample's figures: a sample's figures come in the same
   * order as the last one's, mostly with the same id and frozen label set at each position, which then
   * needs no lookup.
   */
  private slots: FigureAcc[] = [];
  private readonly block = new Map<string, BlockAcc>();
  private readonly runq = new Map<number, RunqAcc>();
  private intervals = 0;
  private seconds = 0;
  private readonly lost = emptyLost();

  readonly endMs: number;

  /** A period of `tier` starting at startMs, or any span [startMs, endMs) (query ranges). */
  constructor(
    readonly tier: Tier,
    readonly startMs: number,
    endMs?: number,
  ) {
    this.endMs = endMs ?? startMs + TIER_MS[tier];
  }

  addSample(wallMs: number, figures: Iterable<FigureValue>): void {
    this.samples++;
    if (this.firstMs === null || wallMs < this.firstMs) this.firstMs = wallMs;
    if (this.lastMs === null || wallMs > this.lastMs) this.lastMs = wallMs;
    const slots = this.slots;
    let i = -1;
    for (const f of figures) {
      i++;
      const v = f.value;
      if (v === null || !Number.isFinite(v)) continue;
      let acc = slots[i];
      if (acc === undefined || acc.id !== f.id || acc.labels !== f.labels || (f.labels !== undefined && !Object.isFrozen(f.labels))) {
        acc = this.figureOf(f.id, f.labels);
        slots[i] = acc;
      }
      if (acc.count === 0 || v < acc.min) acc.min = v;
      if (acc.count === 0 || v > acc.max) acc.max = v;
      acc.sum += v;
      acc.count++;
      acc.sketch.add(v);
    }
  }

  private figureOf(id: string, labels: Readonly<Record<string, string>> | undefined): FigureAcc {
    if (!labels || !Object.isFrozen(labels)) return this.figure(id, labels, labelsKey(labels));
    let byId = this.byLabels.get(labels);
    if (!byId) {
      byId = new Map();
      this.byLabels.set(labels, byId);
    }
    let acc = byId.get(id);
    if (!acc) {
      acc = this.figure(id, labels, labelsKey(labels));
      byId.set(id, acc);
    }
    return acc;
  }

  private figure(id: string, labels: Readonly<Record<string, string>> | undefined, lkey: string): FigureAcc {
    const key = lkey === '' ? id : id + lkey;
    let acc = this.figures.get(key);
    if (!acc) {
      acc = { id, labels, min: 0, max: 0, sum: 0, count: 0, sketch: new Sketch() };
      this.figures.set(key, acc);
    }
    return acc;
  }

  /** Adds the figures of a finished row. */
  private mergeTable(t: FigureTable): void {
    const lkeys = t.labelSets.map(labelsKey);
    const accs: FigureAcc[] = new Array(t.ids.length);
    for (let i = 0; i < t.ids.length; i++) {
      const li = t.labels[i]!;
      const acc = this.figure(t.ids[i]!, li < 0 ? undefined : t.labelSets[li], li < 0 ? '' : lkeys[li]!);
      accs[i] = acc;
      const n = t.count[i]!;
      if (n === 0) continue;
      if (acc.count === 0 || t.min[i]! < acc.min) acc.min = t.min[i]!;
      if (acc.count === 0 || t.max[i]! > acc.max) acc.max = t.max[i]!;
      acc.sum += t.sum[i]!;
      acc.count += n;
      acc.sketch.zero += t.zero[i]!;
    }
    const bucketed = new Uint8Array(t.ids.length);
    for (const [i, b, c] of t.pos) {
      accs[i]!.sketch.addBucket(b, c, false);
      bucketed[i] = 1;
    }
    for (const [i, b, c] of t.neg) {
      accs[i]!.sketch.addBucket(b, c, true);
      bucketed[i] = 1;
    }
    // One value throughout: its buckets were left out.
    for (let i = 0; i < t.ids.length; i++) {
      if (!bucketed[i] && t.count[i]! > 0 && t.zero[i] === 0) accs[i]!.sketch.add(t.min[i]!, t.count[i]!);
    }
  }

  addInterval(iv: Pick<LatencyIntervalSample, 'intervalNs' | 'block' | 'runq'> & { lost?: Partial<LostCounts> }): void {
    this.intervals++;
    this.seconds += iv.intervalNs / 1e9;
    addLost(this.lost, iv.lost);
    this.addLatencyRows(iv.block, iv.runq);
  }

  private addLatencyRows(block: readonly BlockIntervalRow[], runq: readonly RunqIntervalRow[]): void {
    for (const r of block) {
      const key = `${r.major}:${r.minor}:${r.op}:${r.cgroup}`;
      let acc = this.block.get(key);
      if (!acc) {
        acc = { row: { major: r.major, minor: r.minor, op: r.op, cgroup: r.cgroup, count: 0, bytes: 0, maxNs: 0, totalMaxNs: 0 }, service: new Map(), total: new Map() };
        this.block.set(key, acc);
      }
      acc.row.count += r.count;
      acc.row.bytes += r.bytes;
      if (r.maxNs > acc.row.maxNs) acc.row.maxNs = r.maxNs;
      if (r.totalMaxNs > acc.row.totalMaxNs) acc.row.totalMaxNs = r.totalMaxNs;
      addPairs(acc.service, r.service);
      addPairs(acc.total, r.total);
    }
    for (const r of runq) {
      let acc = this.runq.get(r.cgroup);
      if (!acc) {
        acc = { cgroup: r.cgroup, count: 0, maxNs: 0, hist: new Map() };
        this.runq.set(r.cgroup, acc);
      }
      acc.count += r.count;
      if (r.maxNs > acc.maxNs) acc.maxNs = r.maxNs;
      addPairs(acc.hist, r.hist);
    }
  }

  /** Adds a finished row of a shorter period (minute rows into an hour, rows of one minute together). */
  mergeRow(row: RollupRow): void {
    this.samples += row.samples;
    if (row.firstMs !== null && (this.firstMs === null || row.firstMs < this.firstMs)) this.firstMs = row.firstMs;
    if (row.lastMs !== null && (this.lastMs === null || row.lastMs > this.lastMs)) this.lastMs = row.lastMs;
    this.mergeTable(row.figures);
    this.intervals += row.latency.intervals;
    this.seconds += row.latency.seconds;
    addLost(this.lost, row.latency.lost);
    this.addLatencyRows(row.latency.block, row.latency.runq);
  }

  get empty(): boolean {
    return this.samples === 0 && this.intervals === 0;
  }

  /** The figures, by column. */
  figureTable(): FigureTable {
    const t: FigureTable = { ids: [], labels: [], labelSets: [], min: [], max: [], sum: [], count: [], zero: [], pos: [], neg: [] };
    const sets = new Map<string, number>();
    let i = 0;
    for (const a of this.figures.values()) {
      if (a.count === 0) continue;
      let li = -1;
      if (a.labels && Object.keys(a.labels).length) {
        const k = labelsKey(a.labels);
        const known = sets.get(k);
        if (known === undefined) {
          li = t.labelSets.length;
          sets.set(k, li);
          t.labelSets.push({ ...a.labels });
        } else li = known;
      }
      t.ids.push(a.id);
      t.labels.push(li);
      t.min.push(a.min);
      t.max.push(a.max);
      t.sum.push(a.sum);
      t.count.push(a.count);
      const d = a.sketch.toData();
      t.zero.push(d.zero);
      if (a.min !== a.max || d.zero > 0) {
        for (const [b, c] of d.pos) t.pos.push([i, b, c]);
        for (const [b, c] of d.neg) t.neg.push([i, b, c]);
      }
      i++;
    }
    return t;
  }

  /** Every figure as one object (for a final answer; rows keep the table). */
  figureStats(): FigureStats[] {
    const out: FigureStats[] = [];
    for (const a of this.figures.values()) {
      if (a.count === 0) continue;
      out.push({ id: a.id, labels: { ...a.labels }, min: a.min, max: a.max, sum: a.sum, count: a.count, sketch: a.sketch.toData() });
    }
    return out;
  }

  finish(): RollupRow {
    const block: BlockIntervalRow[] = [];
    for (const a of this.block.values()) block.push({ ...a.row, service: sortedPairs(a.service), total: sortedPairs(a.total) });
    const runq: RunqIntervalRow[] = [];
    for (const a of this.runq.values()) runq.push({ cgroup: a.cgroup, count: a.count, maxNs: a.maxNs, hist: sortedPairs(a.hist) });
    return {
      tier: this.tier,
      startMs: this.startMs,
      endMs: this.endMs,
      samples: this.samples,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      figures: this.figureTable(),
      latency: { intervals: this.intervals, seconds: this.seconds, lost: { ...this.lost }, block, runq },
    };
  }
}

/**
 * The writer's open minutes. A sample goes to its minute; an interval to the minute it ended in, or the
 * oldest minute still open when that one is closed already (late intervals are never dropped). A minute
 * closes when a sample of a later minute has been added (so intervals that ended in it and were drained
 * with that first later sample are in it).
 */
export class MinuteRollups {
  private readonly open = new Map<number, PeriodAccumulator>();

  constructor(private readonly figuresOf: FiguresOf | null) {}

  private minute(start: number): PeriodAccumulator {
    let acc = this.open.get(start);
    if (!acc) {
      acc = new PeriodAccumulator('minute', start);
      this.open.set(start, acc);
    }
    return acc;
  }

  add(prev: SampleSet | null, set: SampleSet): void {
    const m = periodStart('minute', set.wallMs);
    this.minute(m).addSample(set.wallMs, this.figuresOf ? this.figuresOf(prev, set) : []);
    const lat = set.latency;
    if (lat) {
      const oldest = Math.min(...this.open.keys());
      for (const iv of lat.intervals) {
        const end = intervalEndWallMs(set.wallMs, lat, iv);
        const start = Math.min(m, Math.max(oldest, periodStart('minute', end)));
        this.minute(start).addInterval(iv);
      }
    }
  }

  /** Finished rows of every open minute before `minuteStart`. */
  closeBefore(minuteStart: number): RollupRow[] {
    const out: RollupRow[] = [];
    for (const [start, acc] of [...this.open].sort(byFirst)) {
      if (start >= minuteStart) break;
      this.open.delete(start);
      if (!acc.empty) out.push(acc.finish());
    }
    return out;
  }

  /** Finished rows of every open minute (at shutdown; a later session adds its own rows for the same minute). */
  closeAll(): RollupRow[] {
    return this.closeBefore(Infinity);
  }
}

/** Several rows of one tier and period (or of shorter periods) merged into one row of `tier` at `startMs`. */
export function mergeRows(tier: Tier, startMs: number, rows: readonly RollupRow[], endMs?: number): RollupRow {
  const acc = new PeriodAccumulator(tier, startMs, endMs);
  for (const r of rows) acc.mergeRow(r);
  return acc.finish();
}

/** Quantile of a figure's values over its period(s) (within the sketch's 1%, clamped to the exact min/max). */
export function figureQuantile(f: FigureStats, q: number): number | null {
  return Sketch.from(f.sketch).quantile(q, f.min, f.max);
}

export function figureAverage(f: FigureStats): number | null {
  return f.count > 0 ? f.sum / f.count : null;
}

/** The figures of a row as one object each. */
export function figuresOfRow(row: RollupRow): FigureStats[] {
  const acc = new PeriodAccumulator(row.tier, row.startMs, row.endMs);
  acc.mergeRow(row);
  return acc.figureStats();
}
