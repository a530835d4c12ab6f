// Latency model: eBPF figures over a span of time -> the rows of a LatencyFrame (block I/O per device and
// op, run-queue delay, per container), for `current` (since the previous frame) and the 1 s / 10 s / 1 m /
// 5 m windows.
//
// Pure: no clock, no I/O, no state. The sums themselves are kept by the window engine (store/
// latency-windows.ts), which hands each span over through the read-only `LatencySpan` interface below.
// Percentiles are always read from merged bucket counts (model/histogram.ts), never averaged; maxima are
// the exact ones the helper measured.
import type {
  BlockLatencyRow,
  BlockOp,
  ContainerCounters,
  ContainerLatency,
  IoSummary,
  LatencyFrame,
  LatencyWindow,
  LatencyWindowFrame,
  LostCounts,
  RunqueueLatency,
} from './types.js';
import { LATENCY_WINDOWS, LOST_KEYS, opRank } from './types.js';
import { BUCKETS, NO_BUCKETS, percentilesInto, summarizeRange, type Summary } from './histogram.js';

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
  /** Largest total time (insert -> complete), ns. */
  totalMaxNs: number;
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

/** Kinds of rows a span holds: per cgroup, and the sums over all cgroups (per device and op; run queue). */
export const ROW_BLOCK = 0;
export const ROW_RUNQ = 1;
export const ROW_BLOCK_ALL = 2;
export const ROW_RUNQ_ALL = 3;

/**
 * A span of time as the window engine keeps it: rows with counts, bytes, exact maxima and histograms
 * (histogram 0 = service time or run-queue delay, 1 = total time). Reading changes nothing.
 */
export interface LatencySpan {
  /** Seconds covered by the intervals in the span (a gap covers nothing). */
  readonly seconds: number;
  /** Lost and folded events in the span. */
  readonly lost: LostCounts;
  /** The ROW_BLOCK_ALL and ROW_RUNQ_ALL rows with data in the span. */
  totals(): readonly number[];
  /** ROW_BLOCK and ROW_RUNQ rows of a cgroup (possibly without data in this span: check count). */
  rowsOfCgroup(cgroup: number): readonly number[];
  kind(row: number): number;
  /** MKDEV(major, minor) = major << 20 | minor. */
  dev(row: number): number;
  op(row: number): BlockOp;
  count(row: number): number;
  bytes(row: number): number;
  /** Exact maximum of histogram `which` in the span, ns; null without data. */
  max(row: number, which: 0 | 1): number | null;
  /**
   * Adds the row's histogram `which` to a dense array of bucket counts; returns the range of buckets it may
   * have touched as lo * 512 + hi, or -1 when none.
   */
  addHist(row: number, which: 0 | 1, into: Float64Array): number;
}

/** cgroup id -> container id, one map per hierarchy (on cgroup v1 the blkio and cpu ids differ). */
export interface CgroupMaps {
  block: Map<number, string>;
  runq: Map<number, string>;
}

export interface LatencyFrameOptions {
  maps: CgroupMaps;
  /** Container id -> why its block I/O cannot be attributed (its block figures are then null). */
  unattributable?: Map<string, string>;
  /** "maj:min" -> device name (sda, nvme0n1); unknown devices show as "maj:min". */
  deviceNames: Map<string, string>;
  badLines: number;
  /**
   * The spans whose per-container figures are wanted (default: all). The monitor asks for `current` and
   * the window on screen: computing every container for every window each frame costs more than the rest.
   */
  containerSpans?: readonly ('current' | LatencyWindow)[];
  /**
   * Spans (of containerSpans) where containers need their I/O counts and bytes only (the monitor's `current`,
   * for the table's block rates): `io` then has no percentiles (null), `runqueue` is null.
   */
  countsOnly?: readonly ('current' | LatencyWindow)[];
  /**
   * The containers that get their rows per device and op and their histograms' buckets (default: all).
   * The others get their merged I/O and run-queue figures only (`block` null, `blockReason` null): the
   * monitor shows rows and histograms for the open container, and one figure of each for the rest.
   */
  detailFor?: (containerId: string) => boolean;
  /**
   * The windows to compute (default: all); the others keep only their devices' rows with counts and bytes
   * (no percentiles, buckets, run queue or containers: what applyEbpfBlock reads of the 5 m window). Replay
   * rebuilds the 300 frames before a jump only for the rings, which read `current` and 1 s: the other
   * windows of those frames are never shown.
   */
  onlyWindows?: readonly LatencyWindow[];
  /**
   * The host's rows without the run queue and the devices' total (queue-included) time (both null): replay's
   * rings-only frames, whose graphs and heatmaps read the devices' service time only.
   */
  serviceOnly?: boolean;
}

export const WINDOW_MS: Record<LatencyWindow, number> = { '1s': 1_000, '10s': 10_000, '1m': 60_000, '5m': 300_000 };

export const devKey = (dev: number): string => `${dev >>> 20}:${dev & 0xfffff}`;

/** The frame from the engine's spans: `current` and one per window. */
export function latencyFrame(spans: { current: LatencySpan; windows: Record<LatencyWindow, LatencySpan> }, opts: LatencyFrameOptions): LatencyFrame {
  const by = byContainerOf(opts);
  const none: ContainerCgroups = { block: new Map(), runq: new Map(), ids: [] };
  const want = (s: 'current' | LatencyWindow): ContainerCgroups => (!opts.containerSpans || opts.containerSpans.includes(s) ? by : none);
  const counts = (s: 'current' | LatencyWindow): boolean => opts.countsOnly?.includes(s) ?? false;
  const name = deviceNamer(opts);
  // The host's rows once per span: the engine gives `current` and the 1 s window as the same span when they
  // hold the same intervals (every frame at a 1 s interval), and frames are read, never changed.
  const rows = new Map<LatencySpan, HostRows>();
  const hostOf = (span: LatencySpan): HostRows => {
    let r = rows.get(span);
    if (!r) rows.set(span, (r = hostRows(span, name, opts.serviceOnly ?? false)));
    return r;
  };
  const frame = (w: 'current' | LatencyWindow, span: LatencySpan): LatencyWindowFrame => windowFrame(span, hostOf(span), opts, want(w), name, counts(w));
  const current = frame('current', spans.current);
  const windows = {} as Record<LatencyWindow, LatencyWindowFrame>;
  for (const w of LATENCY_WINDOWS) windows[w] = opts.onlyWindows && !opts.onlyWindows.includes(w) ? deviceCounts(spans.windows[w], opts) : frame(w, spans.windows[w]);
  return { source: 'ebpf', active: true, current, windows, badLines: opts.badLines };
}

export function zeroLost(): LostCounts {
  const out = {} as LostCounts;
  for (const k of LOST_KEYS) out[k] = 0;
  return out;
}

/** The frame when eBPF is off or its data is overdue: the reason as the source, no rows (the UI shows "—"). */
export function emptyWindowFrame(): LatencyWindowFrame {
  return { seconds: 0, block: [], runqueue: null, containers: {}, lost: zeroLost(), blockCompleted: 0, unattributed: { count: 0, bytes: 0 } };
}

export function inactiveFrame(reason: string, badLines = 0): LatencyFrame {
  const empty = emptyWindowFrame;
  return {
    source: reason,
    active: false,
    current: empty(),
    windows: { '1s': empty(), '10s': empty(), '1m': empty(), '5m': empty() },
    badLines,
  };
}

/** Block completions the helper could not time (no start), as a share of all, 0-100; null without I/O. */
export function noStartPercent(w: LatencyWindowFrame): number | null {
  const all = w.blockCompleted + w.lost.blockNoStart;
  return all > 0 ? (w.lost.blockNoStart / all) * 100 : null;
}

/**
 * cgroup id -> container id maps from the containers' cgroup inode numbers, for the hierarchies the helper
 * reports (hello.cgroup): "v2" -> the unified id; "v1-blkio" -> the blkio id; "v1-cpu" -> the cpu id.
 * Cgroups nested in a container's count to it; where containers nest (Docker in Docker) a cgroup counts to
 * the innermost container only, so that no event is counted twice.
 */
export function cgroupMapFromContainers(
  containers: { id: string; counters: ContainerCounters | null }[],
  hello: { cgroup: { block: string; runq: string } },
): CgroupMaps {
  const pick = (c: ContainerCounters, hierarchy: string): { id: number | null; depth: number; nested: readonly number[] } => {
    const ids = c.cgroupIds;
    const nested = c.nestedCgroups;
    switch (hierarchy) {
      case 'v2':
        return { id: ids.unified, depth: nested?.depth.unified ?? 0, nested: nested?.unified ?? [] };
      case 'v1-blkio':
        return { id: ids.blkio, depth: nested?.depth.blkio ?? 0, nested: nested?.blkio ?? [] };
      case 'v1-cpu':
        return { id: ids.cpu, depth: nested?.depth.cpu ?? 0, nested: nested?.cpu ?? [] };
      default:
        return { id: null, depth: 0, nested: [] };
    }
  };
  const build = (hierarchy: string): Map<number, string> => {
    const own = new Map<number, string>();
    const nestedBy = new Map<number, { id: string; depth: number }>();
    for (const c of containers) {
      if (!c.counters) continue;
      const p = pick(c.counters, hierarchy);
      if (p.id === null || p.id <= 0) continue;
      own.set(p.id, c.id);
      for (const n of p.nested) {
        const prev = nestedBy.get(n);
        if (!prev || p.depth > prev.depth) nestedBy.set(n, { id: c.id, depth: p.depth });
      }
    }
    // A container's own cgroup is never another's nested one (the innermost container wins).
    const out = new Map(own);
    for (const [n, v] of nestedBy) if (!own.has(n)) out.set(n, v.id);
    return out;
  };
  return { block: build(hello.cgroup.block), runq: build(hello.cgroup.runq) };
}

/**
 * Containers whose block I/O the helper cannot attribute to them, with the reason: the helper does not trace
 * block I/O; the container has no cgroup in the hierarchy the helper reports; or (cgroup v2) the io
 * controller is not enabled for its cgroup, so the kernel charges its I/O to an ancestor. Their block
 * figures are then null ("—" with the reason), never 0.
 */
export function unattributableContainers(
  containers: { id: string; counters: ContainerCounters | null }[],
  hello: { cgroup: { block: string }; programs: Record<string, string> },
): Map<string, string> {
  const out = new Map<string, string>();
  const traced = hello.programs.block_rq_complete !== undefined && hello.programs.block_rq_issue !== undefined;
  for (const c of containers) {
    const k = c.counters;
    if (!k) continue;
    if (!traced) out.set(c.id, 'the eBPF helper does not trace block I/O');
    else if (hello.cgroup.block === 'v2') {
      if (k.cgroupIds.unified === null) out.set(c.id, 'no cgroup v2 directory for this container');
      else if (k.ioController === false) out.set(c.id, 'cgroup v2 io controller not enabled for its cgroup: the kernel charges its I/O to an ancestor');
    } else if (hello.cgroup.block === 'v1-blkio' && k.cgroupIds.blkio === null) out.set(c.id, 'no blkio cgroup for this container');
  }
  return out;
}

/** "maj:min" -> device name, from /proc/diskstats rows. */
export function deviceNamesFromDiskstats(disks: readonly { name: string; major: number; minor: number }[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const d of disks) m.set(`${d.major}:${d.minor}`, d.name);
  return m;
}

// ---------------------------------------------------------------- internals

/** A dense histogram being merged from rows, with the range of buckets touched (so clearing and reading
 *  cost the buckets in use, not all 320). */
class Dense {
  readonly counts = new Float64Array(BUCKETS);
  lo = BUCKETS;
  hi = -1;
  n = 0;
  max: number | null = null;

  reset(): this {
    if (this.hi >= this.lo) this.counts.fill(0, this.lo, this.hi + 1);
    this.lo = BUCKETS;
    this.hi = -1;
    this.n = 0;
    this.max = null;
    return this;
  }

  add(span: LatencySpan, row: number, which: 0 | 1): void {
    const r = span.addHist(row, which, this.counts);
    if (r >= 0) {
      const lo = r >> 9;
      const hi = r & 511;
      if (lo < this.lo) this.lo = lo;
      if (hi > this.hi) this.hi = hi;
    }
    const m = span.max(row, which);
    if (m !== null && (this.max === null || m > this.max)) this.max = m;
  }

  /** The largest latency seen, while anything was counted. */
  private maxSeen(): number | null {
    return this.n > 0 ? this.max : null;
  }

  summary(withBuckets = true): Summary {
    return summarizeRange(this.counts, this.lo, this.hi, this.n, this.maxSeen(), withBuckets);
  }

  /** summary(false)'s figures into out (p50, p95, p99, p99.9, max µs), no object; false when empty (all null). */
  percentiles(out: Float64Array): boolean {
    return percentilesInto(this.counts, this.lo, this.hi, this.n, this.maxSeen(), out);
  }
}

/** Dense.percentiles' figures (frames are built one at a time). */
const P = new Float64Array(5);

/** Dense scratch histograms, reused from frame to frame (a frame takes a handful, not one per row). */
class Scratch {
  private readonly pool: Dense[] = [];
  private used = 0;

  take(): Dense {
    let h = this.pool[this.used];
    if (!h) {
      h = new Dense();
      this.pool.push(h);
    } else h.reset();
    this.used++;
    return h;
  }

  /** Everything taken so far may be reused. */
  release(): this {
    this.used = 0;
    return this;
  }
}

/** The scratch of every window frame (frames are built one at a time: none holds it past its return). */
const SCRATCH = new Scratch();

interface Group {
  dev: number;
  op: BlockOp;
  count: number;
  bytes: number;
  service: Dense;
  total: Dense;
}

function addRow(span: LatencySpan, g: Group, row: number, withTotal = true): void {
  const n = span.count(row);
  g.count += n;
  g.bytes += span.bytes(row);
  g.service.n += n;
  g.service.add(span, row, 0);
  if (!withTotal) return;
  g.total.n += n;
  g.total.add(span, row, 1);
}

function blockRow(g: Group, seconds: number, name: (dev: number) => string, withTotal = true): BlockLatencyRow {
  const s = g.service.summary();
  const per = seconds > 0 ? 1 / seconds : null;
  let total: BlockLatencyRow['total'] = null;
  if (withTotal && g.count > 0) {
    const t = g.total.summary(false);
    total = { p50Us: t.p50Us, p95Us: t.p95Us, p99Us: t.p99Us, maxUs: t.maxUs };
  }
  return {
    device: name(g.dev),
    op: g.op,
    count: g.count,
    bytes: g.bytes,
    opsPerSec: per === null ? null : g.count * per,
    bytesPerSec: per === null ? null : g.bytes * per,
    // fields written out, not spread: a frame makes hundreds of these
    p50Us: s.p50Us,
    p95Us: s.p95Us,
    p99Us: s.p99Us,
    p999Us: s.p999Us,
    maxUs: s.maxUs,
    buckets: s.buckets,
    total,
  };
}

function runqRow(h: Dense, withBuckets = true): RunqueueLatency {
  if (!withBuckets) {
    // (the figures of summary(false), without making it: a frame makes hundreds of these)
    if (!h.percentiles(P)) return { count: h.n, p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] };
    return { count: h.n, p50Us: P[0]!, p95Us: P[1]!, p99Us: P[2]!, p999Us: P[3]!, maxUs: P[4]!, buckets: NO_BUCKETS };
  }
  const s = h.summary(withBuckets);
  return { count: h.n, p50Us: s.p50Us, p95Us: s.p95Us, p99Us: s.p99Us, p999Us: s.p999Us, maxUs: s.maxUs, buckets: s.buckets };
}

const byDeviceThenOp = (a: BlockLatencyRow, b: BlockLatencyRow): number =>
  a.device < b.device ? -1 : a.device > b.device ? 1 : opRank(a.op) - opRank(b.op);

/** dev -> its name (opts.deviceNames, else "maj:min"), each looked up once. */
function deviceNamer(opts: LatencyFrameOptions): (dev: number) => string {
  const names = new Map<number, string>();
  return (dev) => {
    let n = names.get(dev);
    if (n === undefined) {
      const k = devKey(dev);
      n = opts.deviceNames.get(k) ?? k;
      names.set(dev, n);
    }
    return n;
  };
}

/** What a window frame shows for the host: rows per device and op, the run queue, unattributed I/O. */
type HostRows = Pick<LatencyWindowFrame, 'block' | 'runqueue' | 'blockCompleted' | 'unattributed'>;

function hostRows(span: LatencySpan, name: (dev: number) => string, serviceOnly: boolean): HostRows {
  const scratch = SCRATCH.release();
  const seconds = span.seconds;
  // The engine keeps the sums over all cgroups as rows of their own.
  const block: BlockLatencyRow[] = [];
  let runqueue: RunqueueLatency | null = null;
  let blockCompleted = 0;
  for (const row of span.totals()) {
    const n = span.count(row);
    if (n <= 0) continue;
    if (span.kind(row) === ROW_RUNQ_ALL) {
      if (serviceOnly) continue;
      const h = scratch.take();
      h.n = n;
      h.add(span, row, 0);
      runqueue = runqRow(h);
      continue;
    }
    const g: Group = { dev: span.dev(row), op: span.op(row), count: 0, bytes: 0, service: scratch.take(), total: scratch.take() };
    addRow(span, g, row, !serviceOnly);
    block.push(blockRow(g, seconds, name, !serviceOnly));
    blockCompleted += n;
    scratch.release();
  }
  scratch.release();
  block.sort(byDeviceThenOp);

  const unattributed = { count: 0, bytes: 0 };
  for (const row of span.rowsOfCgroup(0)) {
    if (span.kind(row) !== ROW_BLOCK) continue;
    unattributed.count += span.count(row);
    unattributed.bytes += span.bytes(row);
  }
  return { block, runqueue: serviceOnly ? null : (runqueue ?? (seconds > 0 ? emptyRunq() : null)), blockCompleted, unattributed };
}

function windowFrame(span: LatencySpan, host: HostRows, opts: LatencyFrameOptions, byContainer: ContainerCgroups, name: (dev: number) => string, countsOnly: boolean): LatencyWindowFrame {
  return {
    seconds: span.seconds,
    block: host.block,
    runqueue: host.runqueue,
    containers: countsOnly ? containerCounts(span, opts, byContainer) : containersOf(span, opts, byContainer, name, SCRATCH.release()),
    lost: span.lost,
    blockCompleted: host.blockCompleted,
    unattributed: host.unattributed,
  };
}

/** A window not computed (LatencyFrameOptions.onlyWindows): its devices' rows with counts and bytes only. */
function deviceCounts(span: LatencySpan, opts: LatencyFrameOptions): LatencyWindowFrame {
  const out = emptyWindowFrame();
  const seconds = span.seconds;
  const per = seconds > 0 ? 1 / seconds : null;
  for (const row of span.totals()) {
    const n = span.count(row);
    if (n <= 0 || span.kind(row) !== ROW_BLOCK_ALL) continue;
    const k = devKey(span.dev(row));
    const bytes = span.bytes(row);
    out.block.push({
      device: opts.deviceNames.get(k) ?? k,
      op: span.op(row),
      count: n,
      bytes,
      opsPerSec: per === null ? null : n * per,
      bytesPerSec: per === null ? null : bytes * per,
      p50Us: null,
      p95Us: null,
      p99Us: null,
      p999Us: null,
      maxUs: null,
      buckets: [],
      total: null,
    });
    out.blockCompleted += n;
  }
  out.block.sort(byDeviceThenOp);
  out.seconds = seconds;
  return out;
}

function emptyRunq(): RunqueueLatency {
  return { count: 0, p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] };
}

// Shared, frozen entries of containers with nothing in a window (frames are read, never changed).
const EMPTY_RUNQ: RunqueueLatency = Object.freeze({ ...emptyRunq(), buckets: Object.freeze([]) as unknown as [number, number][] });
const EMPTY_IO: IoSummary = Object.freeze({
  count: 0,
  opsPerSec: null,
  readBytes: 0,
  writeBytes: 0,
  p50Us: null,
  p95Us: null,
  p99Us: null,
  p999Us: null,
  maxUs: null,
  buckets: Object.freeze([]) as unknown as [number, number][],
});
const IDLE: ContainerLatency = Object.freeze({ block: Object.freeze([]) as unknown as BlockLatencyRow[], blockReason: null, io: EMPTY_IO, runqueue: EMPTY_RUNQ });
const IDLE_NO_RUNQ: ContainerLatency = Object.freeze({ ...IDLE, runqueue: null });
const IDLE_SUMMARY: ContainerLatency = Object.freeze({ ...IDLE, block: null });
const IDLE_SUMMARY_NO_RUNQ: ContainerLatency = Object.freeze({ ...IDLE, block: null, runqueue: null });

const NO_CGROUPS: readonly number[] = Object.freeze([]);
/** containerCounts' entry of a container without reads or writes in a timed span (untimed: IDLE_SUMMARY_NO_RUNQ). */
const NO_IO_COUNTS: ContainerLatency = Object.freeze({ ...IDLE_SUMMARY_NO_RUNQ, io: Object.freeze({ ...EMPTY_IO, opsPerSec: 0 }) });

/** Container id -> its cgroup ids, per hierarchy (the inverse of CgroupMaps), and every container id. */
interface ContainerCgroups {
  block: Map<string, number[]>;
  runq: Map<string, number[]>;
  ids: string[];
}

function byContainerOf(opts: LatencyFrameOptions): ContainerCgroups {
  const invert = (m: Map<number, string>): Map<string, number[]> => {
    const out = new Map<string, number[]>();
    for (const [cg, id] of m) {
      const l = out.get(id);
      if (l) l.push(cg);
      else out.set(id, [cg]);
    }
    return out;
  };
  const block = invert(opts.maps.block);
  // one map for both hierarchies (cgroup v2): inverted once
  const runq = opts.maps.runq === opts.maps.block ? block : invert(opts.maps.runq);
  // (one map for both hierarchies and no container unattributable: its keys are the ids already, once each)
  const ids = runq === block && !opts.unattributable?.size ? [...block.keys()].sort() : [...new Set([...block.keys(), ...runq.keys(), ...(opts.unattributable?.keys() ?? [])])].sort();
  return { block, runq, ids };
}

/** Containers' read/write counts and bytes only (see LatencyFrameOptions.countsOnly). */
function containerCounts(span: LatencySpan, opts: LatencyFrameOptions, by: ContainerCgroups): Record<string, ContainerLatency> {
  const seconds = span.seconds;
  const out: Record<string, ContainerLatency> = {};
  for (const id of by.ids) {
    const reason = opts.unattributable?.get(id) ?? null;
    if (reason !== null) {
      out[id] = { block: null, blockReason: reason, io: null, runqueue: null };
      continue;
    }
    let count = 0;
    let readBytes = 0;
    let writeBytes = 0;
    for (const cg of by.block.get(id) ?? NO_CGROUPS) {
      for (const row of span.rowsOfCgroup(cg)) {
        if (span.kind(row) !== ROW_BLOCK) continue;
        const op = span.op(row);
        if (op !== 'read' && op !== 'write') continue;
        const n = span.count(row);
        if (n <= 0) continue;
        count += n;
        if (op === 'read') readBytes += span.bytes(row);
        else writeBytes += span.bytes(row);
      }
    }
    if (count === 0) {
      // most containers did no I/O since the previous frame: one shared entry for those
      out[id] = seconds > 0 ? NO_IO_COUNTS : IDLE_SUMMARY_NO_RUNQ;
      continue;
    }
    const io: IoSummary = { count, opsPerSec: seconds > 0 ? count / seconds : null, readBytes, writeBytes, p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] };
    out[id] = { block: null, blockReason: null, io, runqueue: null };
  }
  return out;
}

function containersOf(span: LatencySpan, opts: LatencyFrameOptions, by: ContainerCgroups, name: (dev: number) => string, scratch: Scratch): Record<string, ContainerLatency> {
  const out: Record<string, ContainerLatency> = {};
  // Every mapped container gets an entry (no I/O in the window is a fact, not an unknown).
  for (const id of by.ids) out[id] = containerOf(span, id, opts.unattributable?.get(id) ?? null, opts.detailFor ? opts.detailFor(id) : true, by, name, scratch);
  return out;
}

/** A container's entry in a span (its block rows and buckets when `detail`: see LatencyFrameOptions.detailFor). */
function containerOf(span: LatencySpan, id: string, reason: string | null, detail: boolean, by: ContainerCgroups, name: (dev: number) => string, scratch: Scratch): ContainerLatency {
  const seconds = span.seconds;
  const bcg = by.block.get(id);
  const rcg = by.runq.get(id);
  // whether any row of its cgroups has data in the span (else it shares an empty entry)
  let any = false;
  let groups: Group[] | null = null;
  const all = scratch.take();
  let count = 0;
  let readBytes = 0;
  let writeBytes = 0;
  for (const cg of bcg ?? NO_CGROUPS) {
    for (const row of span.rowsOfCgroup(cg)) {
      const n = span.count(row);
      if (n <= 0) continue;
      any = true;
      if (reason !== null || span.kind(row) !== ROW_BLOCK) continue;
      const op = span.op(row);
      if (detail) {
        const dev = span.dev(row);
        groups ??= [];
        let g: Group | undefined;
        for (const x of groups) if (x.dev === dev && x.op === op) g = x;
        if (!g) {
          g = { dev, op, count: 0, bytes: 0, service: scratch.take(), total: scratch.take() };
          groups.push(g);
        }
        addRow(span, g, row);
      }
      if (op === 'read' || op === 'write') {
        count += n;
        all.n += n;
        all.add(span, row, 0);
        if (op === 'read') readBytes += span.bytes(row);
        else writeBytes += span.bytes(row);
      }
    }
  }
  let h: Dense | null = null;
  if (rcg) {
    h = scratch.take();
    for (const cg of rcg) {
      for (const row of span.rowsOfCgroup(cg)) {
        const c = span.count(row);
        if (c <= 0) continue;
        any = true;
        if (span.kind(row) !== ROW_RUNQ) continue;
        h.n += c;
        h.add(span, row, 0);
      }
    }
  }
  if (!any) {
    // Most containers of a busy host did nothing in a short window: one shared empty entry for those.
    scratch.release();
    return reason !== null ? { block: null, blockReason: reason, io: null, runqueue: rcg ? EMPTY_RUNQ : null } : !detail ? (rcg ? IDLE_SUMMARY : IDLE_SUMMARY_NO_RUNQ) : rcg ? IDLE : IDLE_NO_RUNQ;
  }
  let block: BlockLatencyRow[] | null = null;
  let io: IoSummary | null = null;
  if (reason === null) {
    block = !detail ? null : groups ? groups.map((g) => blockRow(g, seconds, name)).sort(byDeviceThenOp) : [];
    const opsPerSec = seconds > 0 ? count / seconds : null;
    if (detail) {
      const s = all.summary(true);
      io = { count, opsPerSec, readBytes, writeBytes, p50Us: s.p50Us, p95Us: s.p95Us, p99Us: s.p99Us, p999Us: s.p999Us, maxUs: s.maxUs, buckets: s.buckets };
    } else if (all.percentiles(P)) {
      // (summary(false)'s figures, without making it)
      io = { count, opsPerSec, readBytes, writeBytes, p50Us: P[0]!, p95Us: P[1]!, p99Us: P[2]!, p999Us: P[3]!, maxUs: P[4]!, buckets: NO_BUCKETS };
    } else io = { count, opsPerSec, readBytes, writeBytes, p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] };
  }
  const runqueue = h ? runqRow(h, detail) : null;
  scratch.release();
  return { block, blockReason: reason, io, runqueue };
}
