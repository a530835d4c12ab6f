// Latency model: the eBPF helper's intervals -> LatencyFrame (block I/O per device and op, run-queue delay,
// per container), over the 1 s / 10 s / 1 m / 5 m windows.
//
// Pure in the sense that matters: no clock, no I/O. Time comes from the intervals themselves (the helper's
// CLOCK_MONOTONIC `monoNs`, which keeps counting across helper restarts, so a restart is a gap, not a reset).
// It is state: each interval is kept as compact sparse histograms (at most `maxIntervals`, 300 by default),
// and each window keeps running sums (dense histograms): the newest interval is added, those leaving the
// window are subtracted. Percentiles are always read from merged bucket counts, never averaged. Maxima cannot
// be subtracted, so a window's exact maximum is recomputed from the intervals still inside it.
import type {
  BlockLatencyRow,
  BlockOp,
  ContainerCounters,
  ContainerLatency,
  LatencyFrame,
  LatencyWindow,
  LatencyWindowFrame,
  RunqueueLatency,
} from './types.js';
import { LATENCY_WINDOWS } from './types.js';
import { Histogram, maxUs, percentile, sparseFromPairs, toBuckets, type SparseHistogram } from './histogram.js';

/** Sparse histogram as the eBPF helper prints it: `[[bucketIndex, count], ...]`. */
export type BucketPairs = [number, number][];

/** One block row of a helper `interval` line: device, op and cgroup, with its two latency histograms. */
export interface BlockIntervalRow {
  major: number;
  minor: number;
  op: BlockOp;
  cgroup: number;
  count: number;
  bytes: number;
  /** Largest service time (issue -> complete) of the interval, ns. */
  maxNs: number;
  /** Largest total time (insert -> complete), ns, when the helper reports it (optional, additive). */
  totalMaxNs?: number;
  service: BucketPairs;
  total: BucketPairs;
}

/** One run-queue row of a helper `interval` line: a cgroup's run-queue delay histogram. */
export interface RunqIntervalRow {
  cgroup: number;
  count: number;
  maxNs: number;
  hist: BucketPairs;
}

/** The parts of a helper `interval` line the model uses (the parser's IntervalData carries more). */
export interface LatencyInterval {
  monoNs: number;
  intervalNs: number;
  block: BlockIntervalRow[];
  runq: RunqIntervalRow[];
}

/** cgroup id -> container id, one map per hierarchy (on cgroup v1 the blkio and cpu ids differ). */
export interface CgroupMaps {
  block: Map<number, string>;
  runq: Map<number, string>;
}

export interface LatencyFrameOptions {
  /** cgroup id -> container id; one Map for both hierarchies (v2) or one per hierarchy. */
  cgroupToContainer?: Map<number, string> | CgroupMaps;
  /** Same as cgroupToContainer (the sampler's name for it). */
  maps?: CgroupMaps;
  /** "maj:min" -> device name (sda, nvme0n1); unknown devices show as "maj:min". */
  deviceNames: Map<string, string>;
  /** "ebpf", or the reason eBPF is off. */
  source: string;
  active: boolean;
  badLines: number;
}

export const WINDOW_MS: Record<LatencyWindow, number> = { '1s': 1_000, '10s': 10_000, '1m': 60_000, '5m': 300_000 };

const OP_ORDER: readonly BlockOp[] = ['read', 'write', 'flush', 'discard', 'secure-erase', 'write-zeroes', 'zone', 'other'];

interface StoredBlock {
  dev: string;
  op: BlockOp;
  cgroup: number;
  count: number;
  bytes: number;
  maxNs: number;
  totalMaxNs: number | null;
  service: SparseHistogram;
  total: SparseHistogram;
}

interface StoredRunq {
  cgroup: number;
  count: number;
  maxNs: number;
  hist: SparseHistogram;
}

interface StoredInterval {
  /** End of the interval on the helper's monotonic clock, ms. */
  t: number;
  block: Map<string, StoredBlock>;
  runq: Map<number, StoredRunq>;
}

interface BlockSum {
  dev: string;
  op: BlockOp;
  cgroup: number;
  count: number;
  bytes: number;
  service: Histogram;
  total: Histogram;
}

interface RunqSum {
  count: number;
  hist: Histogram;
}

interface WindowState {
  name: LatencyWindow;
  ms: number;
  /** Absolute index of the oldest interval inside the window. */
  start: number;
  block: Map<string, BlockSum>;
  runq: Map<number, RunqSum>;
}

const blockKey = (dev: string, op: BlockOp, cgroup: number): string => `${dev}\u0000${op}\u0000${cgroup}`;

export class LatencyModel {
  private readonly intervals: StoredInterval[] = [];
  /** Absolute index of intervals[0]. */
  private base = 0;
  private readonly windows: WindowState[];
  /** Intervals added since the last frame() (they make `current`). */
  private pending: StoredInterval[] = [];
  private lastT: number | null = null;
  private stepMs = 1000;
  readonly maxIntervals: number;

  constructor(opts: { maxIntervals?: number } = {}) {
    this.maxIntervals = Math.max(1, Math.floor(opts.maxIntervals ?? 300));
    this.windows = LATENCY_WINDOWS.map((name) => ({ name, ms: WINDOW_MS[name], start: 0, block: new Map(), runq: new Map() }));
  }

  /** Number of intervals kept (bounded by maxIntervals). */
  get size(): number {
    return this.intervals.length;
  }

  /** Forget everything (e.g. the helper was replaced by one with other cgroup ids). */
  reset(): void {
    this.intervals.length = 0;
    this.base = 0;
    this.pending = [];
    this.lastT = null;
    for (const w of this.windows) {
      w.start = 0;
      w.block.clear();
      w.runq.clear();
    }
  }

  /** Add one helper interval (in the order received). */
  add(iv: LatencyInterval): void {
    const step = iv.intervalNs > 0 ? iv.intervalNs / 1e6 : this.stepMs;
    this.stepMs = step;
    let t = iv.monoNs / 1e6;
    // The clock should only go forward; if it does not (a different clock), carry on one step later.
    if (this.lastT !== null && !(t > this.lastT)) t = this.lastT + step;
    this.lastT = t;

    const stored: StoredInterval = { t, block: new Map(), runq: new Map() };
    for (const r of iv.block) {
      const dev = `${r.major}:${r.minor}`;
      const k = blockKey(dev, r.op, r.cgroup);
      const prev = stored.block.get(k);
      const service = prev ? toSparseSum(prev.service, r.service) : sparseFromPairs(r.service);
      const total = prev ? toSparseSum(prev.total, r.total) : sparseFromPairs(r.total);
      stored.block.set(k, {
        dev,
        op: r.op,
        cgroup: r.cgroup,
        count: (prev?.count ?? 0) + r.count,
        bytes: (prev?.bytes ?? 0) + r.bytes,
        maxNs: Math.max(prev?.maxNs ?? 0, r.maxNs),
        totalMaxNs: r.totalMaxNs === undefined ? (prev?.totalMaxNs ?? null) : Math.max(prev?.totalMaxNs ?? 0, r.totalMaxNs),
        service,
        total,
      });
    }
    for (const r of iv.runq) {
      const prev = stored.runq.get(r.cgroup);
      stored.runq.set(r.cgroup, {
        cgroup: r.cgroup,
        count: (prev?.count ?? 0) + r.count,
        maxNs: Math.max(prev?.maxNs ?? 0, r.maxNs),
        hist: prev ? toSparseSum(prev.hist, r.hist) : sparseFromPairs(r.hist),
      });
    }

    this.intervals.push(stored);
    this.pending.push(stored);
    for (const w of this.windows) addTo(w, stored);
    this.advance(t);
    while (this.intervals.length > this.maxIntervals) this.evictOldest();
    // Intervals no window needs any more are dropped too.
    const oldestNeeded = Math.min(...this.windows.map((w) => w.start));
    while (this.base < oldestNeeded) {
      this.intervals.shift();
      this.base++;
    }
  }

  /** Subtract intervals that have left each window, as of time t (ms, helper clock). */
  private advance(t: number): void {
    const end = this.base + this.intervals.length;
    for (const w of this.windows) {
      // Half a step of slack so that timing jitter does not make a window flicker by one interval.
      const limit = w.ms - this.stepMs / 2;
      while (w.start < end) {
        const iv = this.intervals[w.start - this.base]!;
        if (t - iv.t < limit) break;
        subtractFrom(w, iv);
        w.start++;
      }
    }
  }

  private evictOldest(): void {
    const iv = this.intervals.shift();
    if (!iv) return;
    for (const w of this.windows) {
      if (w.start === this.base) {
        subtractFrom(w, iv);
        w.start++;
      }
    }
    this.base++;
  }

  /** The frame for the UI and snapshot. Also marks the pending intervals as shown (`current`). */
  frame(opts: LatencyFrameOptions): LatencyFrame {
    const pending = this.pending;
    this.pending = [];
    if (!opts.active) return inactiveFrame(opts.source, opts.badLines);

    const maps = toMaps(opts.maps ?? opts.cgroupToContainer);
    const name = (dev: string): string => opts.deviceNames.get(dev) ?? dev;
    const end = this.base + this.intervals.length;

    const windows = {} as Record<LatencyWindow, LatencyWindowFrame>;
    for (const w of this.windows) {
      const inside = this.intervals.slice(w.start - this.base, end - this.base);
      const maxima = maximaOf(inside);
      windows[w.name] = {
        seconds: (inside.length * this.stepMs) / 1000,
        block: blockRows([...w.block.values()], name, maxima),
        runqueue: runqRow([...w.runq.entries()], maxima),
        containers: containersOf(w.block, w.runq, maps, name, maxima),
      };
    }

    // `current`: this frame's intervals (one heatmap column per frame).
    const cur = new Map<string, BlockSum>();
    for (const iv of pending) for (const r of iv.block.values()) addBlock(cur, blockKey(r.dev, r.op, r.cgroup), r);
    const current = blockRows([...cur.values()], name, maximaOf(pending));

    return { source: opts.source, active: true, current, windows, badLines: opts.badLines };
  }
}

/** The frame when eBPF is off: the reason as the source, no rows (the UI shows "—"). */
export function inactiveFrame(reason: string, badLines = 0): LatencyFrame {
  const empty = (): LatencyWindowFrame => ({ seconds: 0, block: [], runqueue: null, containers: {} });
  return {
    source: reason,
    active: false,
    current: [],
    windows: { '1s': empty(), '10s': empty(), '1m': empty(), '5m': empty() },
    badLines,
  };
}

/**
 * cgroup id -> container id maps from the containers' cgroup inode numbers, for the hierarchies the helper
 * reports (hello.cgroup): "v2" -> the unified id; "v1-blkio" -> the blkio id; "v1-cpu" -> the cpu id.
 */
export function cgroupMapFromContainers(
  containers: { id: string; counters: ContainerCounters | null }[],
  hello: { cgroup: { block: string; runq: string } },
): CgroupMaps {
  const pick = (ids: ContainerCounters['cgroupIds'], hierarchy: string): number | null => {
    switch (hierarchy) {
      case 'v2':
        return ids.unified;
      case 'v1-blkio':
        return ids.blkio;
      case 'v1-cpu':
        return ids.cpu;
      default:
        return null;
    }
  };
  const block = new Map<number, string>();
  const runq = new Map<number, string>();
  for (const c of containers) {
    const ids = c.counters?.cgroupIds;
    if (!ids) continue;
    const b = pick(ids, hello.cgroup.block);
    const r = pick(ids, hello.cgroup.runq);
    if (b !== null && b > 0) block.set(b, c.id);
    if (r !== null && r > 0) runq.set(r, c.id);
  }
  return { block, runq };
}

/** "maj:min" -> device name, from /proc/diskstats rows. */
export function deviceNamesFromDiskstats(disks: readonly { name: string; major: number; minor: number }[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const d of disks) m.set(`${d.major}:${d.minor}`, d.name);
  return m;
}

// ---------------------------------------------------------------- internals

function toMaps(m: Map<number, string> | CgroupMaps | undefined): CgroupMaps {
  if (!m) return { block: new Map(), runq: new Map() };
  if (m instanceof Map) return { block: m, runq: m };
  return m;
}

function toSparseSum(a: SparseHistogram, pairs: [number, number][]): SparseHistogram {
  const h = new Histogram().mergeFrom(a);
  for (const [i, n] of pairs) h.addBucket(i, n);
  return sparseFromPairs(pairsOf(h));
}

function pairsOf(h: Histogram): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < h.counts.length; i++) if (h.counts[i]! > 0) out.push([i, h.counts[i]!]);
  return out;
}

function addBlock(into: Map<string, BlockSum>, k: string, r: StoredBlock | BlockSum): void {
  let s = into.get(k);
  if (!s) {
    s = { dev: r.dev, op: r.op, cgroup: r.cgroup, count: 0, bytes: 0, service: new Histogram(), total: new Histogram() };
    into.set(k, s);
  }
  s.count += r.count;
  s.bytes += r.bytes;
  s.service.mergeFrom(r.service);
  s.total.mergeFrom(r.total);
}

function addTo(w: WindowState, iv: StoredInterval): void {
  for (const [k, r] of iv.block) addBlock(w.block, k, r);
  for (const [cg, r] of iv.runq) {
    let s = w.runq.get(cg);
    if (!s) {
      s = { count: 0, hist: new Histogram() };
      w.runq.set(cg, s);
    }
    s.count += r.count;
    s.hist.mergeFrom(r.hist);
  }
}

function subtractFrom(w: WindowState, iv: StoredInterval): void {
  for (const [k, r] of iv.block) {
    const s = w.block.get(k);
    if (!s) continue;
    s.count -= r.count;
    s.bytes -= r.bytes;
    s.service.subtractFrom(r.service);
    s.total.subtractFrom(r.total);
    if (s.count <= 0 && s.service.total <= 0 && s.total.total <= 0) w.block.delete(k);
  }
  for (const [cg, r] of iv.runq) {
    const s = w.runq.get(cg);
    if (!s) continue;
    s.count -= r.count;
    s.hist.subtractFrom(r.hist);
    if (s.count <= 0 && s.hist.total <= 0) w.runq.delete(cg);
  }
}

/** Exact maxima over some intervals, per block key and per runq cgroup. */
interface Maxima {
  block: Map<string, { maxNs: number; totalMaxNs: number | null }>;
  runq: Map<number, number>;
}

function maximaOf(intervals: readonly StoredInterval[]): Maxima {
  const block = new Map<string, { maxNs: number; totalMaxNs: number | null }>();
  const runq = new Map<number, number>();
  for (const iv of intervals) {
    for (const [k, r] of iv.block) {
      const m = block.get(k);
      if (!m) block.set(k, { maxNs: r.maxNs, totalMaxNs: r.totalMaxNs });
      else {
        m.maxNs = Math.max(m.maxNs, r.maxNs);
        m.totalMaxNs = m.totalMaxNs === null || r.totalMaxNs === null ? null : Math.max(m.totalMaxNs, r.totalMaxNs);
      }
    }
    for (const [cg, r] of iv.runq) runq.set(cg, Math.max(runq.get(cg) ?? 0, r.maxNs));
  }
  return { block, runq };
}

/** Block rows per (device, op), summed over the given cgroups' sums. Sorted by device, then op. */
function blockRows(sums: BlockSum[], name: (dev: string) => string, maxima: Maxima): BlockLatencyRow[] {
  const groups = new Map<string, { device: string; op: BlockOp; count: number; bytes: number; service: Histogram; total: Histogram; maxNs: number | null; totalMaxNs: number | null; totalMaxKnown: boolean }>();
  for (const s of sums) {
    const device = name(s.dev);
    const k = `${device}\u0000${s.op}`;
    let g = groups.get(k);
    if (!g) {
      g = { device, op: s.op, count: 0, bytes: 0, service: new Histogram(), total: new Histogram(), maxNs: null, totalMaxNs: null, totalMaxKnown: true };
      groups.set(k, g);
    }
    g.count += s.count;
    g.bytes += s.bytes;
    g.service.mergeFrom(s.service);
    g.total.mergeFrom(s.total);
    const m = maxima.block.get(blockKey(s.dev, s.op, s.cgroup));
    if (m) {
      g.maxNs = Math.max(g.maxNs ?? 0, m.maxNs);
      if (m.totalMaxNs === null) g.totalMaxKnown = false;
      else g.totalMaxNs = Math.max(g.totalMaxNs ?? 0, m.totalMaxNs);
    }
  }
  const rows: BlockLatencyRow[] = [];
  for (const g of groups.values()) {
    if (g.count <= 0 && g.service.total <= 0) continue;
    // The running sums' maxima are only upper bounds after subtraction: use the exact ones.
    g.service.maxNs = g.service.total > 0 ? g.maxNs : null;
    g.total.maxNs = g.total.total > 0 && g.totalMaxKnown ? g.totalMaxNs : null;
    rows.push({
      device: g.device,
      op: g.op,
      count: g.count,
      bytes: g.bytes,
      p50Us: percentile(g.service, 0.5),
      p95Us: percentile(g.service, 0.95),
      p99Us: percentile(g.service, 0.99),
      p999Us: percentile(g.service, 0.999),
      maxUs: g.service.total > 0 ? maxUs(g.service) : null,
      buckets: toBuckets(g.service),
      total:
        g.total.total > 0
          ? {
              p50Us: percentile(g.total, 0.5),
              p95Us: percentile(g.total, 0.95),
              p99Us: percentile(g.total, 0.99),
              maxUs: maxUs(g.total),
            }
          : null,
    });
  }
  rows.sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : OP_ORDER.indexOf(a.op) - OP_ORDER.indexOf(b.op)));
  return rows;
}

function runqRow(sums: [number, RunqSum][], maxima: Maxima): RunqueueLatency {
  const h = new Histogram();
  let n = 0;
  let max: number | null = null;
  for (const [cg, s] of sums) {
    n += s.count;
    h.mergeFrom(s.hist);
    const m = maxima.runq.get(cg);
    if (m !== undefined) max = Math.max(max ?? 0, m);
  }
  h.maxNs = h.total > 0 ? max : null;
  return {
    count: n,
    p50Us: percentile(h, 0.5),
    p95Us: percentile(h, 0.95),
    p99Us: percentile(h, 0.99),
    p999Us: percentile(h, 0.999),
    maxUs: maxUs(h),
    buckets: toBuckets(h),
  };
}

function containersOf(
  block: Map<string, BlockSum>,
  runq: Map<number, RunqSum>,
  maps: CgroupMaps,
  name: (dev: string) => string,
  maxima: Maxima,
): Record<string, ContainerLatency> {
  const out: Record<string, ContainerLatency> = {};
  const blockBy = new Map<string, BlockSum[]>();
  for (const s of block.values()) {
    const id = maps.block.get(s.cgroup);
    if (id === undefined) continue;
    const list = blockBy.get(id);
    if (list) list.push(s);
    else blockBy.set(id, [s]);
  }
  const runqBy = new Map<string, [number, RunqSum][]>();
  for (const e of runq) {
    const id = maps.runq.get(e[0]);
    if (id === undefined) continue;
    const list = runqBy.get(id);
    if (list) list.push(e);
    else runqBy.set(id, [e]);
  }
  // Every mapped container gets an entry (no I/O in the window is a fact, not an unknown).
  const withRunq = new Set(maps.runq.values());
  const ids = new Set<string>([...maps.block.values(), ...withRunq]);
  for (const id of [...ids].sort()) {
    out[id] = {
      block: blockRows(blockBy.get(id) ?? [], name, maxima),
      runqueue: withRunq.has(id) ? runqRow(runqBy.get(id) ?? [], maxima) : null,
    };
  }
  return out;
}
