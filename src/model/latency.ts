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
import { Histogram, maxUs, percentile, toBuckets } from './histogram.js';

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
  /** Adds the row's histogram `which` to a dense array of bucket counts. */
  addHist(row: number, which: 0 | 1, into: Float64Array): void;
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
}

export const WINDOW_MS: Record<LatencyWindow, number> = { '1s': 1_000, '10s': 10_000, '1m': 60_000, '5m': 300_000 };

export const devKey = (dev: number): string => `${dev >>> 20}:${dev & 0xfffff}`;

/** The frame from the engine's spans: `current` and one per window. */
export function latencyFrame(spans: { current: LatencySpan; windows: Record<LatencyWindow, LatencySpan> }, opts: LatencyFrameOptions): LatencyFrame {
  const windows = {} as Record<LatencyWindow, LatencyWindowFrame>;
  for (const w of LATENCY_WINDOWS) windows[w] = windowFrame(spans.windows[w], opts);
  return { source: 'ebpf', active: true, current: windowFrame(spans.current, opts), windows, badLines: opts.badLines };
}

export function zeroLost(): LostCounts {
  const out = {} as LostCounts;
  for (const k of LOST_KEYS) out[k] = 0;
  return out;
}

/** The frame when eBPF is off or its data is overdue: the reason as the source, no rows (the UI shows "—"). */
export function inactiveFrame(reason: string, badLines = 0): LatencyFrame {
  const empty = (): LatencyWindowFrame => ({
    seconds: 0,
    block: [],
    runqueue: null,
    containers: {},
    lost: zeroLost(),
    blockCompleted: 0,
    unattributed: { count: 0, bytes: 0 },
  });
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

/** Dense scratch histograms, reused within one window (a frame allocates a handful, not one per row). */
class Scratch {
  private readonly pool: Histogram[] = [];
  private used = 0;

  take(): Histogram {
    let h = this.pool[this.used];
    if (!h) {
      h = new Histogram();
      this.pool.push(h);
    } else h.clear();
    this.used++;
    return h;
  }

  /** Everything taken so far may be reused. */
  release(): void {
    this.used = 0;
  }
}

interface Group {
  dev: number;
  op: BlockOp;
  count: number;
  bytes: number;
  service: Histogram;
  total: Histogram;
  maxNs: number | null;
  totalMaxNs: number | null;
}

function addRow(span: LatencySpan, g: Group, row: number): void {
  g.count += span.count(row);
  g.bytes += span.bytes(row);
  span.addHist(row, 0, g.service.counts);
  span.addHist(row, 1, g.total.counts);
  const m = span.max(row, 0);
  const t = span.max(row, 1);
  if (m !== null && (g.maxNs === null || m > g.maxNs)) g.maxNs = m;
  if (t !== null && (g.totalMaxNs === null || t > g.totalMaxNs)) g.totalMaxNs = t;
}

function finish(h: Histogram, n: number, max: number | null): Histogram {
  h.total = n;
  h.maxNs = n > 0 ? max : null;
  return h;
}

function blockRow(g: Group, seconds: number, name: (dev: number) => string): BlockLatencyRow {
  const s = finish(g.service, g.count, g.maxNs);
  const t = finish(g.total, g.count, g.totalMaxNs);
  const per = seconds > 0 ? 1 / seconds : null;
  return {
    device: name(g.dev),
    op: g.op,
    count: g.count,
    bytes: g.bytes,
    opsPerSec: per === null ? null : g.count * per,
    bytesPerSec: per === null ? null : g.bytes * per,
    p50Us: percentile(s, 0.5),
    p95Us: percentile(s, 0.95),
    p99Us: percentile(s, 0.99),
    p999Us: percentile(s, 0.999),
    maxUs: maxUs(s),
    buckets: toBuckets(s),
    total: g.count > 0 ? { p50Us: percentile(t, 0.5), p95Us: percentile(t, 0.95), p99Us: percentile(t, 0.99), maxUs: maxUs(t) } : null,
  };
}

function runqRow(h: Histogram, n: number, max: number | null): RunqueueLatency {
  finish(h, n, max);
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

const byDeviceThenOp = (a: BlockLatencyRow, b: BlockLatencyRow): number =>
  a.device < b.device ? -1 : a.device > b.device ? 1 : opRank(a.op) - opRank(b.op);

function windowFrame(span: LatencySpan, opts: LatencyFrameOptions): LatencyWindowFrame {
  const scratch = new Scratch();
  const names = new Map<number, string>();
  const name = (dev: number): string => {
    let n = names.get(dev);
    if (n === undefined) {
      const k = devKey(dev);
      n = opts.deviceNames.get(k) ?? k;
      names.set(dev, n);
    }
    return n;
  };
  const seconds = span.seconds;

  // The host's rows: the engine keeps the sums over all cgroups as rows of their own.
  const block: BlockLatencyRow[] = [];
  let runqueue: RunqueueLatency | null = null;
  let blockCompleted = 0;
  for (const row of span.totals()) {
    const n = span.count(row);
    if (n <= 0) continue;
    if (span.kind(row) === ROW_RUNQ_ALL) {
      const h = scratch.take();
      span.addHist(row, 0, h.counts);
      runqueue = runqRow(h, n, span.max(row, 0));
      continue;
    }
    const g: Group = { dev: span.dev(row), op: span.op(row), count: 0, bytes: 0, service: scratch.take(), total: scratch.take(), maxNs: null, totalMaxNs: null };
    addRow(span, g, row);
    block.push(blockRow(g, seconds, name));
    blockCompleted += n;
  }
  scratch.release();
  block.sort(byDeviceThenOp);

  const unattributed = { count: 0, bytes: 0 };
  for (const row of span.rowsOfCgroup(0)) {
    if (span.kind(row) !== ROW_BLOCK) continue;
    unattributed.count += span.count(row);
    unattributed.bytes += span.bytes(row);
  }

  return {
    seconds,
    block,
    runqueue: runqueue ?? (seconds > 0 ? emptyRunq() : null),
    containers: containersOf(span, opts, name, scratch),
    lost: span.lost,
    blockCompleted,
    unattributed,
  };
}

function emptyRunq(): RunqueueLatency {
  return { count: 0, p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] };
}

function containersOf(span: LatencySpan, opts: LatencyFrameOptions, name: (dev: number) => string, scratch: Scratch): Record<string, ContainerLatency> {
  const blockCgroups = new Map<string, number[]>();
  for (const [cg, id] of opts.maps.block) {
    const l = blockCgroups.get(id);
    if (l) l.push(cg);
    else blockCgroups.set(id, [cg]);
  }
  const runqCgroups = new Map<string, number[]>();
  for (const [cg, id] of opts.maps.runq) {
    const l = runqCgroups.get(id);
    if (l) l.push(cg);
    else runqCgroups.set(id, [cg]);
  }
  const seconds = span.seconds;
  const out: Record<string, ContainerLatency> = {};
  // Every mapped container gets an entry (no I/O in the window is a fact, not an unknown).
  const ids = [...new Set([...blockCgroups.keys(), ...runqCgroups.keys(), ...(opts.unattributable?.keys() ?? [])])].sort();
  for (const id of ids) {
    const reason = opts.unattributable?.get(id) ?? null;
    let block: BlockLatencyRow[] | null = null;
    let io: IoSummary | null = null;
    if (reason === null) {
      const groups = new Map<string, Group>();
      const all: Group = { dev: 0, op: 'read', count: 0, bytes: 0, service: scratch.take(), total: scratch.take(), maxNs: null, totalMaxNs: null };
      let readBytes = 0;
      let writeBytes = 0;
      for (const cg of blockCgroups.get(id) ?? []) {
        for (const row of span.rowsOfCgroup(cg)) {
          if (span.kind(row) !== ROW_BLOCK || span.count(row) <= 0) continue;
          const dev = span.dev(row);
          const op = span.op(row);
          const k = `${dev} ${op}`;
          let g = groups.get(k);
          if (!g) {
            g = { dev, op, count: 0, bytes: 0, service: scratch.take(), total: scratch.take(), maxNs: null, totalMaxNs: null };
            groups.set(k, g);
          }
          addRow(span, g, row);
          if (op === 'read' || op === 'write') {
            addRow(span, all, row);
            if (op === 'read') readBytes += span.bytes(row);
            else writeBytes += span.bytes(row);
          }
        }
      }
      block = [...groups.values()].map((g) => blockRow(g, seconds, name)).sort(byDeviceThenOp);
      const s = finish(all.service, all.count, all.maxNs);
      io = {
        count: all.count,
        opsPerSec: seconds > 0 ? all.count / seconds : null,
        readBytes,
        writeBytes,
        p50Us: percentile(s, 0.5),
        p95Us: percentile(s, 0.95),
        p99Us: percentile(s, 0.99),
        p999Us: percentile(s, 0.999),
        maxUs: maxUs(s),
        buckets: toBuckets(s),
      };
    }
    let runqueue: RunqueueLatency | null = null;
    const rcg = runqCgroups.get(id);
    if (rcg) {
      const h = scratch.take();
      let n = 0;
      let max: number | null = null;
      for (const cg of rcg) {
        for (const row of span.rowsOfCgroup(cg)) {
          if (span.kind(row) !== ROW_RUNQ) continue;
          const c = span.count(row);
          if (c <= 0) continue;
          n += c;
          span.addHist(row, 0, h.counts);
          const m = span.max(row, 0);
          if (m !== null && (max === null || m > max)) max = m;
        }
      }
      runqueue = runqRow(h, n, max);
    }
    scratch.release();
    out[id] = { block, blockReason: reason, io, runqueue };
  }
  return out;
}
