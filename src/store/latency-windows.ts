// Latency windows by time. Each eBPF interval is stamped with the time it completed on the sampler's clock;
// an interval belongs to a window when it completed inside it: (now - length, now]. `current` holds what was
// added since the last mark() (the sampler marks each tick, so it is (previous tick, this tick]).
//
// Memory is O(rows x buckets in use), not O(rows x intervals) of objects:
// - a row is a (device, op, cgroup) for block I/O or a cgroup for the run queue, plus one row per device and
//   op (and one for the run queue) summing all cgroups, so that host figures never walk every cgroup;
// - each slot (every window longer than SHORT_MS) keeps running sums per row: a count, bytes, and for each
//   histogram a segment of bucket counts just wide enough for the buckets the row uses, in one Float64Array
//   arena; a cgroup's row keeps histograms only in the slots of the windows wanted (want(): the monitor
//   reads containers' latency for the window on screen only), the totals' rows in every slot;
// - `current` and the short windows (1 s) hold one interval or a few: they are read from the log when asked
//   for (one decoding pass), which costs less than adding every interval to two more sums and taking it out
//   again;
// - exact maxima per row and window come from monotonic deques (a sliding-window maximum: pooled nodes, about
//   ln(intervals) per row);
// - to subtract what leaves a window, each interval is kept as a varint byte log (about 2-3 bytes per
//   non-empty bucket), for as long as the longest window needs it.
// Adding and advancing change the sums; reading (span(), sumSpan()) changes nothing. No clock is read here:
// times come in as arguments.
import { BUCKETS, bucketLower } from '../model/histogram.js';
import {
  ROW_BLOCK,
  ROW_BLOCK_ALL,
  ROW_RUNQ,
  ROW_RUNQ_ALL,
  WINDOW_MS,
  type BlockIntervalRow,
  type LatencySpan,
  type RunqIntervalRow,
} from '../model/latency.js';
import { packedBucketsOf } from '../model/packed-buckets.js';
import { BLOCK_OPS, LATENCY_WINDOWS, LOST_KEYS, type BlockOp, type LatencyWindow, type LostCounts } from '../model/types.js';

export interface TimedInterval {
  /** When the interval completed, on the sampler's clock (ms). Not before the previous one's. */
  t: number;
  /** Its length, ms. */
  durationMs: number;
  block: readonly BlockIntervalRow[];
  runq: readonly RunqIntervalRow[];
  lost: LostCounts;
}

interface LoggedInterval {
  t: number;
  /** Whole nanoseconds (sums of them stay exact). */
  durationNs: number;
  /** Byte range of its entries in the log (absolute offsets). */
  from: number;
  to: number;
  lost: Float64Array;
  /** Added to `current` (completed after the tick `current` follows). */
  current: boolean;
}

const NLOST = LOST_KEYS.length;
/** Windows up to this long (and shorter than the longest) are read from the log, not kept as running sums. */
const SHORT_MS = 1000;
/** Segment sizes (buckets); a segment grows to the next size when a row uses a bucket outside it. */
const CLASSES = [4, 8, 16, 32, 64, 128, BUCKETS] as const;
const classOf = (n: number): number => {
  for (let k = 0; k < CLASSES.length; k++) if (CLASSES[k]! >= n) return k;
  return CLASSES.length - 1;
};

/** The arena is made of chunks of 2^16 doubles (512 KiB); the log of chunks of 1 MiB. */
const ARENA_BITS = 16;
const ARENA_CHUNK = 1 << ARENA_BITS;
const ARENA_MASK = ARENA_CHUNK - 1;
const LOG_CHUNK = 1 << 20;
/** No entry takes more (the worst case: 320 buckets of 2^40 in both histograms is about 8 KiB). */
const MAX_ENTRY = 16 << 10;

/** Int32s per row and histogram in `meta` (seven used: a cache line holds a row's two), and their places. */
const M = 8;
const SEG_OFF = 0;
const SEG_LO = 1;
const SEG_CLS = 2;
const DQ_AT = 3;
const DQ_LOG = 4;
const DQ_HEAD = 5;
const DQ_LEN = 6;

/** A row's deque starts with room for 2^DQ_FIRST_LOG entries (it doubles when full). */
const DQ_FIRST_LOG = 3;

/** Rows the engine starts with (it grows by half when more are needed). */
const FIRST_ROWS = 64;
const NO_ROWS: readonly number[] = Object.freeze([]);

/** Intervals added between two compactions of the arena (see compact). */
const COMPACT_EVERY = 60;

/** An interval's length in whole nanoseconds, at most 2^50 (13 days: longer says nothing more). */
const durationNsOf = (ms: number): number => (ms > 0 ? Math.min(2 ** 50, Math.round(ms * 1e6)) : 0);

/** The sums of one device and op (or of the run queue) over all cgroups, within one interval. */
interface Group {
  /** MKDEV * 8 + op index, or -1 for the run queue. */
  readonly key: number;
  /** Touched by the interval being added (listed in `touched`). */
  inUse: boolean;
  count: number;
  bytes: number;
  max: Float64Array;
  h: Float64Array[];
  lo: Int32Array;
  hi: Int32Array;
}

function addToGroup(g: Group, e: Entry): void {
  g.count += e.count;
  g.bytes += e.bytes;
  for (let h = 0; h < 2; h++) {
    if (e.max[h]! > g.max[h]!) g.max[h] = e.max[h]!;
    const n = e.n[h]!;
    if (n === 0) continue;
    const d = g.h[h]!;
    const idx = e.idx[h]!;
    const cnt = e.cnt[h]!;
    for (let j = 0; j < n; j++) d[idx[j]!]! += cnt[j]!;
    if (idx[0]! < g.lo[h]!) g.lo[h] = idx[0]!;
    if (idx[n - 1]! > g.hi[h]!) g.hi[h] = idx[n - 1]!;
  }
}

/** Cleared for the next interval (only the buckets it used). */
function clearGroup(g: Group): void {
  for (let h = 0; h < 2; h++) {
    if (g.hi[h]! >= g.lo[h]!) g.h[h]!.fill(0, g.lo[h]!, g.hi[h]! + 1);
    g.lo[h] = BUCKETS;
    g.hi[h] = -1;
    g.max[h] = 0;
  }
  g.count = 0;
  g.bytes = 0;
  g.inUse = false;
}

/** Cleared per-interval sums; count and bytes hold doubles from the start (see Entry). */
function newGroup(key: number): Group {
  const g: Group = { key, inUse: false, count: NaN, bytes: NaN, max: new Float64Array(2), h: [new Float64Array(BUCKETS), new Float64Array(BUCKETS)], lo: Int32Array.of(BUCKETS, BUCKETS), hi: Int32Array.of(-1, -1) };
  g.count = 0;
  g.bytes = 0;
  return g;
}

/**
 * An empty array for objects, created with the elements kind it has once filled. A plain `[]` starts as an
 * array of small integers and changes kind on its first push: code the JIT optimized for one engine's
 * filled arrays would then deoptimize on every new engine's (replay builds one per jump). Number pairs are
 * typed arrays for the same reason (a `[0, 0]` changes kind when it first holds a fraction or a large ns).
 */
function objectArray<T>(): T[] {
  const a: (T | null)[] = [null];
  a.pop();
  return a as T[];
}

/** Copies the parser's buckets [from, to) to the start of idx/cnt; how many. */
function copyRun(idx: Uint16Array, cnt: Float64Array, pidx: Uint16Array, pcnt: Float64Array, from: number, to: number): number {
  for (let j = from; j < to; j++) {
    idx[j - from] = pidx[j]!;
    cnt[j - from] = pcnt[j]!;
  }
  return to - from;
}

/**
 * One decoded entry of an interval (reused: no allocation per entry). Count and bytes start as NaN, a double:
 * decoded counters are often heap numbers, and a field that first held a small integer would change
 * representation at the first one (mid-replay), throwing away the code optimized on it.
 */
class Entry {
  row = 0;
  gen = 0;
  count = NaN;
  bytes = NaN;
  max = new Float64Array(2);
  n = new Int32Array(2);
  idx = [new Uint16Array(BUCKETS), new Uint16Array(BUCKETS)];
  cnt = [new Float64Array(BUCKETS), new Float64Array(BUCKETS)];
}

export class LatencyWindows {
  readonly windows: readonly LatencyWindow[];
  /** Running-sum slot of windows[k], or -1 when it is read from the log. */
  private readonly slotOf: number[];
  /** Window length (ms) of each slot. */
  private readonly lengths: number[];
  private readonly S: number;

  // ---- rows
  private cap = 0;
  private kind = new Uint8Array(0);
  private dev = new Uint32Array(0);
  private opIx = new Uint8Array(0);
  private cg = new Float64Array(0);
  /** 1 while the row is in use. */
  private used = new Uint8Array(0);
  /** Bumped when a row id is recycled: log entries of the row's previous life are then skipped. */
  private gen = new Uint16Array(0);
  /** Per row, its count in each slot then its bytes in each slot (2S doubles side by side). */
  private sums = new Float64Array(0);
  /**
   * Per row and histogram (k = row * 2 + h), M int32s side by side, so that adding, subtracting and reading a
   * row touch one cache line of them, not one per field: its segment's offset in the arena (-1: none), first
   * bucket and size class; where its maximum deque's ring starts in `dq` (in pairs; -1: none), log2 of the
   * ring's capacity, its oldest entry and its length.
   */
  private meta = new Int32Array(0);
  private inCurrent = new Uint8Array(0);
  /**
   * Per row, where its entry of `current` starts in the log (-1: none), and that entry's count and bytes:
   * `current` is read from these (CurrentSpan) while no row has two entries in it (curMulti).
   */
  private curAt = new Float64Array(0);
  private curCount = new Float64Array(0);
  private curBytes = new Float64Array(0);
  private curMulti = false;
  /** Whether the interval being added is in `current` (see add). */
  private addingCurrent = false;
  private readonly freeRows: number[] = [];
  private nextRow = 0;
  private live = 0;
  /** cgroup -> its rows (a few: one per device and op, one for the run queue). */
  private readonly byCgroup = new Map<number, number[]>();
  private readonly totalRows: number[] = [];
  private currentRows: number[] = [];
  /** Absolute index of the first interval added since the last mark. */
  private markIdx = 0;

  // ---- segment arena: fixed chunks (no growth by copying: freed memory goes back, none is left in holes)
  private chunks: Float64Array[] = objectArray();
  private top = 0;
  /** Free segments by class and by how many slots they hold (freeKey). */
  private freeSegs: number[][] = [];
  /** Rows in the order the interval being added reached them (see compact). */
  private readonly order: number[] = [];
  private addsSinceCompact = 0;

  // ---- max deques: a ring of (time, value) pairs per row and histogram, oldest first, in one pool; a ring
  // holds a few entries (a monotonic deque keeps about ln(intervals)), so that pushing, expiring and
  // reading a row's maximum touch one or two cache lines, not nodes strewn over the pool
  private dq = new Float64Array(4096 * 2);
  /** Free rings by log2 of their capacity. */
  private dqFree: number[][] = objectArray();
  private dqTop = 0;

  // ---- slot sums (covered time in whole ns, so that adding and subtracting stay exact)
  private readonly coveredNs: Float64Array;
  private readonly lost: Float64Array;

  // ---- the log: chunks of LOG_CHUNK bytes; an entry never straddles two; whole chunks go when no interval
  // still kept has entries in them
  private logChunks: Uint8Array[] = objectArray();
  private logBase = 0; // chunk index of logChunks[0]
  private end = 0; // absolute offset of the next byte
  private wbuf: Uint8Array = new Uint8Array(0);
  private wpos = 0;
  private rbuf: Uint8Array = new Uint8Array(0);
  private readonly intervals: LoggedInterval[] = objectArray();
  private ivBase = 0; // absolute index of intervals[0]
  private readonly cursor: number[];
  private lastT = -Infinity;
  /** The time of the last advance(): windows end there. */
  private now = -Infinity;
  /** Slot of the longest window (its deque expiry drops maxima for all). */
  private readonly longest: number;
  /** The window of each slot. */
  private readonly slotWindow: LatencyWindow[];
  /**
   * 1 where the cgroups' rows keep their histograms (and maxima) as running sums in slot s: the windows
   * wanted (see want). Counts and bytes are kept in every slot; the device and run-queue totals' rows keep
   * everything in every slot.
   */
  private histOn: Uint8Array;
  /** The longest slot with histOn (its deque expiry drops the cgroups' rows' maxima), or -1. */
  private cgLongest: number;
  /**
   * Where slot s sits in a cgroup row's segment (its rank among the slots with histOn), -1 when off; and
   * how many slots such a segment holds. A cgroup's segment holds the slots wanted only (the totals' rows
   * hold every slot), so that the arena the frames walk is no larger than what they use.
   */
  private slotPos: Int8Array;
  private nOn: number;
  private readonly e = new Entry();
  /** Per-interval sums by Group.key, kept cleared between intervals (no histograms allocated per interval). */
  private readonly groups = new Map<number, Group>();
  /** The groups of the interval being added, in the order first seen. */
  private readonly touched: Group[] = [];
  /** The entry the log spans decode into (not the one adding and advancing use). */
  readonly readEntry = new Entry();
  /** The last log span read (see logSpan); forgotten whenever the engine changes. */
  private spanCache: { ivs: LoggedInterval[]; span: LogSpan | CurrentSpan } | null = null;
  /** cgroups of no container: when first and last seen (see mark). */
  private readonly unmapped = new Map<number, { first: number; last: number }>();
  /** The same cgroups in the order first seen (with that time), from dueHead on: whose time is up next. */
  private readonly due: number[] = [];
  private readonly dueFirst: number[] = [];
  private dueHead = 0;
  /** When cgroups of no container not seen for unmappedMs were last forgotten (see prune). */
  private forgotAt = -Infinity;
  private keep: ((cgroup: number, runq: boolean) => boolean) | undefined;

  constructor(
    windows: readonly LatencyWindow[] = LATENCY_WINDOWS,
    /** How long a cgroup of no container keeps rows of its own (see mark). */
    readonly unmappedMs = 10_000,
  ) {
    this.windows = windows;
    const all = windows.map((w) => WINDOW_MS[w]);
    const longest = Math.max(...all);
    this.lengths = [];
    this.slotOf = all.map((ms) => (ms <= SHORT_MS && ms < longest ? -1 : this.lengths.push(ms) - 1));
    this.S = this.lengths.length;
    this.coveredNs = new Float64Array(this.S);
    this.lost = new Float64Array(this.S * NLOST);
    this.cursor = this.lengths.map(() => 0);
    this.longest = this.lengths.indexOf(longest);
    this.slotWindow = windows.filter((_, k) => this.slotOf[k]! >= 0);
    this.histOn = new Uint8Array(this.S).fill(1);
    this.cgLongest = this.longest;
    this.slotPos = Int8Array.from(this.lengths, (_, s) => s);
    this.nOn = this.S;
    // Rows for a host's usual devices and containers, and the log's first chunk, from the start: making them
    // on the first tick would take branches the JIT never saw once the first engine warmed it (a function's
    // first calls record no type feedback), each time a new engine starts (replay builds one per jump).
    this.grow(FIRST_ROWS);
    this.logChunks.push(new Uint8Array(LOG_CHUNK));
  }

  /** Rows alive (with data in some slot). */
  get liveRows(): number {
    return this.live;
  }

  /** Intervals kept for the windows. */
  get intervalCount(): number {
    return this.intervals.length;
  }

  /** Bytes held by the typed arrays (for the benchmark and tests of boundedness). */
  heldBytes(): number {
    const rows =
      this.kind.byteLength + this.dev.byteLength + this.opIx.byteLength + this.cg.byteLength + this.used.byteLength + this.gen.byteLength + this.sums.byteLength +
      this.meta.byteLength + this.inCurrent.byteLength;
    const dq = this.dq.byteLength;
    return rows + dq + this.chunks.length * ARENA_CHUNK * 8 + this.logChunks.length * LOG_CHUNK;
  }

  /** Forget everything (e.g. the helper was replaced by one with other cgroup ids). */
  reset(): void {
    const fresh = new LatencyWindows(this.windows, this.unmappedMs);
    Object.assign(this, fresh);
  }

  /**
   * The windows whose per-cgroup histograms and maxima are read (null: all). The monitor reads the
   * containers' latency of the window on screen (and of the windows alert rules use) only: the cgroups'
   * rows keep running histograms for those slots only, and counts and bytes in every slot; the device and
   * run-queue totals keep everything in every slot. When the set changes, the cgroups' histograms and
   * maxima are summed again from the log (a one-off cost that grows with the longest window wanted). A
   * window not wanted still reads right: its cgroups' histograms and maxima then come from the log.
   */
  want(windows: readonly LatencyWindow[] | null): void {
    const S = this.S;
    const on = new Uint8Array(S);
    for (let s = 0; s < S; s++) on[s] = windows === null || windows.includes(this.slotWindow[s]!) ? 1 : 0;
    let same = true;
    for (let s = 0; s < S; s++) if (on[s] !== this.histOn[s]) same = false;
    if (same) return;
    this.spanCache = null;
    // (freed with the segments' old size, before the slots wanted change)
    for (let r = 0; r < this.nextRow; r++) {
      if (!this.used[r] || this.kind[r]! >= ROW_BLOCK_ALL) continue;
      for (let h = 0; h < 2; h++) {
        this.freeSeg(r, h);
        this.dqClear(r, h);
      }
    }
    this.histOn = on;
    let longest = -1;
    for (let s = 0; s < S; s++) if (on[s] && (longest < 0 || this.lengths[s]! > this.lengths[longest]!)) longest = s;
    this.cgLongest = longest;
    let n = 0;
    for (let s = 0; s < S; s++) this.slotPos[s] = on[s] ? n++ : -1;
    this.nOn = n;
    if (longest < 0) return;
    // Every slot holds the intervals from its cursor on: sum them again into the slots wanted.
    const e = this.e;
    const last = this.ivBase + this.intervals.length;
    for (let i = this.cursor[longest]!; i < last; i++) {
      const iv = this.intervals[i - this.ivBase]!;
      for (let p = iv.from; p < iv.to; ) {
        p = this.decode(p, e);
        const r = e.row;
        if (!this.used[r] || this.gen[r] !== e.gen || this.kind[r]! >= ROW_BLOCK_ALL) continue;
        for (let h = 0; h < 2; h++) {
          const n = e.n[h]!;
          if (n === 0) continue;
          for (let s = 0; s < S; s++) if (on[s] && i >= this.cursor[s]!) this.addHist(r, h, s, e);
          this.dqPush(r, h, iv.t, e.max[h]!);
        }
      }
    }
  }

  /**
   * Starts a new `current` (the sampler calls this once per tick, before adding that tick's intervals).
   * With `isMapped` (which cgroups belong to a container now): a cgroup of no container keeps rows of its
   * own only for unmappedMs after it was first seen (a new container's cgroup may do I/O before the
   * container is known: one that has a container when its time is up keeps them); after that its events
   * count in the device and run-queue totals only, until it has been quiet for unmappedMs. This bounds
   * memory where many cgroups come and go (busy Kubernetes nodes).
   */
  mark(now?: number, isMapped?: (cgroup: number, runq: boolean) => boolean): void {
    this.spanCache = null;
    this.prune(now, isMapped);
    for (const r of this.currentRows) {
      this.inCurrent[r] = 0;
      this.curAt[r] = -1;
      this.maybeFreeRow(r);
    }
    this.currentRows = [];
    this.curMulti = false;
    this.markIdx = this.ivBase + this.intervals.length;
    this.advanceLog();
  }

  /**
   * Adds one interval to every window, and to `current` unless it completed before the tick that `current`
   * follows (inCurrent false: a late answer, already past the previous frame).
   */
  add(iv: TimedInterval, inCurrent = true): void {
    this.spanCache = null;
    const keep = this.keep;
    const t = Math.max(iv.t, this.lastT);
    this.lastT = t;
    const from = this.end;
    const e = this.e;
    this.addingCurrent = inCurrent;
    // Sums over all cgroups per device and op (and for the run queue), as rows of their own.
    const touched = this.touched;
    const block = iv.block;
    const runq = iv.runq;
    // the buckets as the parser wrote them in typed arrays, when it did (else read from the rows' pairs)
    const pk = packedBucketsOf(block, runq);
    for (let i = 0; i < block.length; i++) {
      const r = block[i]!;
      const devNum = (((r.major & 0xfff) << 20) | (r.minor & 0xfffff)) >>> 0;
      const op = BLOCK_OPS.indexOf(r.op);
      if (pk) this.fillPacked(e, r.count, r.bytes, r.maxNs, r.totalMaxNs, pk.idx, pk.cnt, pk.at[2 * i]!, pk.at[2 * i + 1]!, pk.at[2 * i + 2]!);
      else this.fill(e, r.count, r.bytes, r.maxNs, r.service, r.totalMaxNs, r.total);
      if (!keep || r.cgroup === 0 || keep(r.cgroup, false)) {
        e.row = this.rowFor(ROW_BLOCK, devNum, op, r.cgroup);
        this.apply(e, t, inCurrent);
        this.encode(e);
      }
      addToGroup(this.group(devNum * 8 + op), e);
    }
    const nb = 2 * block.length;
    for (let i = 0; i < runq.length; i++) {
      const r = runq[i]!;
      if (pk) this.fillPacked(e, r.count, 0, r.maxNs, 0, pk.idx, pk.cnt, pk.at[nb + i]!, pk.at[nb + i + 1]!, pk.at[nb + i + 1]!);
      else this.fill(e, r.count, 0, r.maxNs, r.hist, 0, null);
      if (!keep || r.cgroup === 0 || keep(r.cgroup, true)) {
        e.row = this.rowFor(ROW_RUNQ, 0, 0, r.cgroup);
        this.apply(e, t, inCurrent);
        this.encode(e);
      }
      addToGroup(this.group(-1), e);
    }
    for (let i = 0; i < touched.length; i++) {
      const g = touched[i]!;
      const k = g.key;
      e.row = k < 0 ? this.rowFor(ROW_RUNQ_ALL, 0, 0, -1) : this.rowFor(ROW_BLOCK_ALL, Math.floor(k / 8), k % 8, -1);
      e.count = g.count;
      e.bytes = g.bytes;
      for (let h = 0; h < 2; h++) {
        e.max[h] = g.max[h]!;
        let n = 0;
        const d = g.h[h]!;
        const idx = e.idx[h]!;
        const cnt = e.cnt[h]!;
        for (let b = g.lo[h]!; b <= g.hi[h]!; b++) {
          if (d[b]! > 0) {
            idx[n] = b;
            cnt[n++] = d[b]!;
          }
        }
        e.n[h] = n;
      }
      this.apply(e, t, inCurrent);
      this.encode(e);
      clearGroup(g);
    }
    touched.length = 0;
    const lost = new Float64Array(NLOST);
    LOST_KEYS.forEach((k, i) => (lost[i] = iv.lost[k]));
    const durationNs = durationNsOf(iv.durationMs);
    this.intervals.push({ t, durationNs, from, to: this.end, lost, current: inCurrent });
    for (let s = 0; s < this.S; s++) {
      this.coveredNs[s]! += durationNs;
      for (let i = 0; i < NLOST; i++) this.lost[s * NLOST + i]! += lost[i]!;
    }
    if (++this.addsSinceCompact >= COMPACT_EVERY) this.compact();
    this.order.length = 0;
  }

  /** Subtracts the intervals that left each window as of `now` (ms, the sampler's clock). */
  advance(now: number): void {
    const e = this.e;
    this.spanCache = null;
    this.now = now;
    for (let w = 0; w < this.lengths.length; w++) {
      const cutoff = now - this.lengths[w]!;
      const s = w;
      while (this.cursor[w]! < this.ivBase + this.intervals.length) {
        const iv = this.intervals[this.cursor[w]! - this.ivBase]!;
        if (iv.t > cutoff) break;
        const cg = this.histOn[s] === 1;
        for (let p = iv.from; p < iv.to; ) {
          const next = this.decodeHead(p, e);
          const r = e.row;
          // (a row freed since, e.g. a dropped cgroup, holds nothing of it any more)
          if (this.used[r] && this.gen[r] === e.gen) {
            // the histograms are decoded only for the rows that keep them in this slot
            const hist = cg || this.kind[r]! >= ROW_BLOCK_ALL;
            if (hist) this.decodeHists(e);
            this.subtract(e, s, cutoff, hist);
          }
          p = next;
        }
        this.coveredNs[s]! -= iv.durationNs;
        for (let i = 0; i < NLOST; i++) this.lost[s * NLOST + i]! -= iv.lost[i]!;
        this.cursor[w]!++;
      }
    }
    this.advanceLog();
  }

  /** Intervals no window (nor `current`) holds any more leave the log. */
  private advanceLog(): void {
    let keep = this.markIdx;
    for (const c of this.cursor) keep = Math.min(keep, c);
    while (this.ivBase < keep) {
      this.intervals.shift();
      this.ivBase++;
    }
    const start = this.intervals.length > 0 ? this.intervals[0]!.from : this.end;
    const keepChunk = Math.floor(start / LOG_CHUNK);
    while (this.logBase < keepChunk && this.logChunks.length > 0) {
      this.logChunks.shift();
      this.logBase++;
    }
  }

  /** `current` (slot 0) or a window, for reading. */
  span(which: 'current' | LatencyWindow): LatencySpan {
    // Intervals are kept in the order they were added, their times never decreasing: the newest few are
    // found from the end (300 are kept for 5 m; `current` and 1 s hold one or two).
    if (which === 'current') {
      const ivs = this.intervals.slice(Math.max(0, this.markIdx - this.ivBase)).filter((iv) => iv.current);
      if (this.curMulti) return this.logSpan(ivs);
      // (one entry per row: each row's count, bytes and entry kept as it was added)
      return this.cachedSpan(ivs, () => new CurrentSpan(this, ivs));
    }
    const k = this.windows.indexOf(which);
    if (k < 0) throw new RangeError(`no window ${which}`);
    const s = this.slotOf[k]!;
    if (s >= 0) return new SlotSpan(this, s);
    const from = this.now - WINDOW_MS[which];
    let i = this.intervals.length;
    while (i > 0 && this.intervals[i - 1]!.t > from) i--;
    return this.logSpan(this.intervals.slice(i)); // as a running sum: all added since, too
  }

  /** The span of these intervals read from the log (see cachedSpan). */
  private logSpan(ivs: LoggedInterval[]): LogSpan | CurrentSpan {
    return this.cachedSpan(ivs, () => new LogSpan(this, ivs));
  }

  /** The span of these intervals; the same one while nothing changed (`current` is often the 1 s window). */
  private cachedSpan(ivs: LoggedInterval[], make: () => LogSpan | CurrentSpan): LogSpan | CurrentSpan {
    const c = this.spanCache;
    if (c && c.ivs.length === ivs.length && c.ivs.every((iv, i) => iv === ivs[i])) return c.span;
    const span = make();
    this.spanCache = { ivs, span };
    return span;
  }

  /** Any span of the intervals still kept: those that completed in (from, to]. Computed from the log. */
  sumSpan(from: number, to: number): LatencySpan {
    return new LogSpan(this, this.intervals.filter((iv) => iv.t > from && iv.t <= to));
  }

  // ---------------------------------------------------------------- reading (used by the spans)

  /** @internal */ slotSeconds(s: number): number {
    return this.coveredNs[s]! / 1e9;
  }
  /** @internal Whether the cgroups' rows keep their histograms in slot s (see want). */
  slotKeepsHist(s: number): boolean {
    return this.histOn[s] === 1;
  }
  /** @internal Slot s summed from the log: the intervals from its cursor on. */
  slotFromLog(s: number): LatencySpan {
    return new LogSpan(this, this.intervals.slice(this.cursor[s]! - this.ivBase));
  }
  /** @internal */ slotLost(s: number): LostCounts {
    const out = {} as LostCounts;
    LOST_KEYS.forEach((k, i) => (out[k] = this.lost[s * NLOST + i]!));
    return out;
  }
  /** @internal Where row r's entry of `current` starts in the log, -1 when it has none (see curAt). */
  currentAt(r: number): number {
    return this.curAt[r]!;
  }
  /** @internal */ currentCount(r: number): number {
    return this.curCount[r]!;
  }
  /** @internal */ currentBytes(r: number): number {
    return this.curBytes[r]!;
  }
  /** @internal */ totals(): readonly number[] {
    return this.totalRows;
  }
  /** @internal */ rowsOfCgroup(cgroup: number): readonly number[] {
    return this.byCgroup.get(cgroup) ?? NO_ROWS;
  }
  /** @internal */ rowKind(r: number): number {
    return this.kind[r]!;
  }
  /** @internal */ rowDev(r: number): number {
    return this.dev[r]!;
  }
  /** @internal */ rowOp(r: number): BlockOp {
    return BLOCK_OPS[this.opIx[r]!] ?? 'other';
  }
  /** @internal */ rowCount(r: number, s: number): number {
    return this.sums[r * 2 * this.S + s]!;
  }
  /** @internal */ rowBytes(r: number, s: number): number {
    return this.sums[(r * 2 + 1) * this.S + s]!;
  }
  /** @internal */ rowMax(r: number, s: number, h: number): number | null {
    if (this.sums[r * 2 * this.S + s]! <= 0) return null;
    // One monotonic deque per row serves every window: a window's maximum is the first of its entries
    // that completed inside the window (the ones dropped from it were smaller than a later one).
    const cutoff = this.now - this.lengths[s]!;
    const k = r * 2 + h;
    const at = this.meta[k * M + DQ_AT]!;
    const mask = (1 << this.meta[k * M + DQ_LOG]!) - 1;
    const d = this.dq;
    for (let i = 0, head = this.meta[k * M + DQ_HEAD]!; i < this.meta[k * M + DQ_LEN]!; i++, head = (head + 1) & mask) if (d[(at + head) * 2]! > cutoff) return d[(at + head) * 2 + 1]!;
    return null;
  }
  /** @internal */ rowAddHist(r: number, s: number, h: number, into: Float64Array): number {
    const k = r * 2 + h;
    const off = this.meta[k * M + SEG_OFF]!;
    if (off < 0 || this.sums[r * 2 * this.S + s]! <= 0) return -1;
    const lo = this.meta[k * M + SEG_LO]!;
    const n = CLASSES[this.meta[k * M + SEG_CLS]!]!;
    const d = this.chunks[off >>> ARENA_BITS]!;
    const at = (off & ARENA_MASK) + this.posOf(r, s) * n;
    for (let i = 0; i < n; i++) {
      const v = d[at + i]!;
      if (v !== 0) into[lo + i]! += v;
    }
    return lo * 512 + (lo + n - 1);
  }
  /** @internal Buckets in row r's segment of histogram h (0: none), for tests. */
  segmentSize(r: number, h: number): number {
    const k = r * 2 + h;
    return this.meta[k * M + SEG_OFF]! < 0 ? 0 : CLASSES[this.meta[k * M + SEG_CLS]!]!;
  }
  /** @internal */ rowUsed(r: number, gen: number): boolean {
    return this.used[r] === 1 && this.gen[r] === gen;
  }
  /** @internal */ rowCapacity(): number {
    return this.nextRow;
  }
  /** @internal Decodes the log entry at p into e; returns where the next one starts. */
  readAt(p: number, e: Entry): number {
    return this.decode(p, e);
  }
  /** @internal Decodes the row, generation, count and bytes of the log entry at p into e (not its
   *  histograms); returns where the next one starts. */
  readHeadAt(p: number, e: Entry): number {
    return this.decodeHead(p, e);
  }

  // ---------------------------------------------------------------- rows

  /** The per-interval sums of a device and op (key >= 0) or of the run queue (-1). */
  private group(key: number): Group {
    let g = this.groups.get(key);
    if (!g) {
      g = newGroup(key);
      this.groups.set(key, g);
    }
    if (!g.inUse) {
      g.inUse = true;
      this.touched.push(g);
    }
    return g;
  }

  private rowFor(kind: number, dev: number, op: number, cgroup: number): number {
    const total = kind === ROW_BLOCK_ALL || kind === ROW_RUNQ_ALL;
    const list = total ? this.totalRows : this.byCgroup.get(cgroup);
    if (list) for (const x of list) if (this.kind[x] === kind && this.dev[x] === dev && this.opIx[x] === op) return x;
    let r = this.freeRows.pop();
    if (r === undefined) {
      if (this.nextRow >= this.cap) this.grow(Math.max(FIRST_ROWS, Math.ceil(this.cap * 1.5)));
      r = this.nextRow++;
    }
    this.kind[r] = kind;
    this.dev[r] = dev;
    this.opIx[r] = op;
    this.cg[r] = cgroup;
    this.used[r] = 1;
    this.live++;
    if (list) list.push(r);
    else this.byCgroup.set(cgroup, [r]);
    return r;
  }

  private maybeFreeRow(r: number): void {
    if (this.inCurrent[r]) return; // `current` still reads it from the log
    const S = this.S;
    for (let s = 0; s < S; s++) if (this.sums[r * 2 * S + s]! > 0) return;
    this.freeRow(r);
  }

  /** Frees a row whatever it holds; its entries still in the log are skipped from now on. */
  private freeRow(r: number): void {
    if (!this.used[r]) return;
    const S = this.S;
    for (let s = 0; s < S; s++) {
      this.sums[r * 2 * S + s] = 0;
      this.sums[(r * 2 + 1) * S + s] = 0;
    }
    this.freeSeg(r, 0);
    this.freeSeg(r, 1);
    this.dqClear(r, 0);
    this.dqClear(r, 1);
    this.used[r] = 0;
    this.gen[r] = (this.gen[r]! + 1) & 0xffff;
    this.live--;
    const kind = this.kind[r]!;
    const cg = this.cg[r]!;
    const list = kind === ROW_BLOCK || kind === ROW_RUNQ ? this.byCgroup.get(cg) : this.totalRows;
    if (list) {
      const i = list.indexOf(r);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0 && list !== this.totalRows) this.byCgroup.delete(cg);
    }
    this.freeRows.push(r);
  }

  /**
   * Drops rows of cgroups of no container seen for longer than unmappedMs (see mark). A cgroup is first seen
   * without a container at a mark (it had rows) or when its rows are added (keep); when its time is up, its
   * rows go unless it has a container by then. Cgroups already known to have none are not asked about again
   * before their time is up (a busy node has many more of them, gone, than containers).
   */
  private prune(now: number | undefined, isMapped: ((cgroup: number, runq: boolean) => boolean) | undefined): void {
    if (now === undefined || !isMapped) {
      this.keep = undefined;
      return;
    }
    const wait = this.unmappedMs;
    const seen = this.unmapped;
    const due = this.due;
    const dueFirst = this.dueFirst;
    const since = (cg: number): void => {
      seen.set(cg, { first: now, last: now });
      due.push(cg);
      dueFirst.push(now);
    };
    // whose time is up, in the order first seen
    while (this.dueHead < due.length && now - dueFirst[this.dueHead]! >= wait) {
      const cg = due[this.dueHead]!;
      const first = dueFirst[this.dueHead]!;
      this.dueHead++;
      const u = seen.get(cg);
      if (u === undefined || u.first !== first) continue; // forgotten, or seen anew since
      if (isMapped(cg, false) || isMapped(cg, true)) {
        seen.delete(cg);
        continue;
      }
      const rows = this.byCgroup.get(cg);
      if (rows) for (const r of [...rows]) this.freeRow(r);
    }
    if (this.dueHead >= 1024 && this.dueHead * 2 >= due.length) {
      due.splice(0, this.dueHead);
      dueFirst.splice(0, this.dueHead);
      this.dueHead = 0;
    }
    // the other cgroups with rows: still a container's?
    for (const cg of this.byCgroup.keys()) {
      if (cg === 0 || seen.has(cg) || isMapped(cg, false) || isMapped(cg, true)) continue;
      since(cg);
    }
    // cgroups not seen for a while are forgotten: new again if they come back (keep says so at once; the
    // map is swept now and then)
    if (now - this.forgotAt >= wait || now < this.forgotAt) {
      this.forgotAt = now;
      for (const [cg, u] of seen) if (now - u.last >= wait) seen.delete(cg);
    }
    this.keep = (cg, runq) => {
      if (isMapped(cg, runq)) return true;
      const u = seen.get(cg);
      if (u === undefined || now - u.last >= wait) {
        since(cg);
        return true;
      }
      u.last = now;
      return now - u.first < wait;
    };
  }

  private grow(cap: number): void {
    const S = this.S;
    const g = <T extends Float64Array | Int32Array | Int16Array | Uint32Array | Uint16Array | Uint8Array>(a: T, per: number, fill?: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      if (fill !== undefined) b.fill(fill);
      b.set(a);
      return b;
    };
    this.kind = g(this.kind, 1);
    this.dev = g(this.dev, 1);
    this.opIx = g(this.opIx, 1);
    this.cg = g(this.cg, 1);
    this.used = g(this.used, 1);
    this.gen = g(this.gen, 1);
    this.sums = g(this.sums, 2 * S);
    const meta = new Int32Array(cap * 2 * M);
    meta.set(this.meta);
    for (let k = this.cap * 2; k < cap * 2; k++) {
      meta[k * M] = -1;
      meta[k * M + DQ_AT] = -1;
    }
    this.meta = meta;
    this.inCurrent = g(this.inCurrent, 1);
    this.curAt = g(this.curAt, 1, -1);
    this.curCount = g(this.curCount, 1);
    this.curBytes = g(this.curBytes, 1);
    this.cap = cap;
  }

  // ---------------------------------------------------------------- entries

  private fill(e: Entry, count: number, bytes: number, max0: number, h0: readonly (readonly [number, number])[], max1: number, h1: readonly (readonly [number, number])[] | null): void {
    e.count = count;
    e.bytes = bytes;
    e.max[0] = max0;
    e.max[1] = max1;
    for (let h = 0; h < 2; h++) {
      const pairs = h === 0 ? h0 : h1;
      const idx = e.idx[h]!;
      const cnt = e.cnt[h]!;
      const n = pairs ? pairs.length : 0;
      for (let j = 0; j < n; j++) {
        const p = pairs![j]!;
        idx[j] = p[0];
        cnt[j] = p[1];
      }
      e.n[h] = n;
    }
  }

  /** fill from the parser's typed arrays: histogram 0 at [a0, a1), histogram 1 at [a1, a2). */
  private fillPacked(e: Entry, count: number, bytes: number, max0: number, max1: number, pidx: Uint16Array, pcnt: Float64Array, a0: number, a1: number, a2: number): void {
    e.count = count;
    e.bytes = bytes;
    e.max[0] = max0;
    e.max[1] = max1;
    e.n[0] = copyRun(e.idx[0]!, e.cnt[0]!, pidx, pcnt, a0, a1);
    e.n[1] = copyRun(e.idx[1]!, e.cnt[1]!, pidx, pcnt, a1, a2);
  }

  /** Adds an entry (completed at t) to every slot. */
  private apply(e: Entry, t: number, inCurrent: boolean): void {
    const S = this.S;
    const r = e.row;
    this.order.push(r);
    const rs = r * 2 * S;
    for (let s = 0; s < S; s++) {
      this.sums[rs + s]! += e.count;
      this.sums[rs + S + s]! += e.bytes;
    }
    // a cgroup's row keeps its histograms in the slots wanted only (see want); the totals in all
    if (this.kind[r]! < ROW_BLOCK_ALL && this.cgLongest < 0) return this.enterCurrent(r, inCurrent);
    const slots = this.slotsOf(r);
    for (let h = 0; h < 2; h++) {
      const n = e.n[h]!;
      if (n === 0) continue;
      const idx = e.idx[h]!;
      const cnt = e.cnt[h]!;
      const min = idx[0]!;
      const max = idx[n - 1]!;
      const k = r * 2 + h;
      if (this.meta[k * M + SEG_OFF]! < 0 || min < this.meta[k * M + SEG_LO]! || max >= this.meta[k * M + SEG_LO]! + CLASSES[this.meta[k * M + SEG_CLS]!]!) this.ensureSeg(r, h, min, max);
      const so = this.meta[k * M + SEG_OFF]!;
      const size = CLASSES[this.meta[k * M + SEG_CLS]!]!;
      const d = this.chunks[so >>> ARENA_BITS]!;
      // the same cells in every slot: the row's block holds the slots one after the other
      // (a cgroup's segment holds the slots wanted only, one after the other)
      let off = (so & ARENA_MASK) - this.meta[k * M + SEG_LO]!;
      for (let p = 0; p < slots; p++, off += size) for (let j = 0; j < n; j++) d[off + idx[j]!]! += cnt[j]!;
      this.dqPush(r, h, t, e.max[h]!);
    }
    this.enterCurrent(r, inCurrent);
  }

  /** Adds histogram h of entry e to slot s of row r (a one-off: see want). */
  private addHist(r: number, h: number, s: number, e: Entry): void {
    const n = e.n[h]!;
    const idx = e.idx[h]!;
    const cnt = e.cnt[h]!;
    const k = r * 2 + h;
    if (this.meta[k * M + SEG_OFF]! < 0 || idx[0]! < this.meta[k * M + SEG_LO]! || idx[n - 1]! >= this.meta[k * M + SEG_LO]! + CLASSES[this.meta[k * M + SEG_CLS]!]!) this.ensureSeg(r, h, idx[0]!, idx[n - 1]!);
    const so = this.meta[k * M + SEG_OFF]!;
    const d = this.chunks[so >>> ARENA_BITS]!;
    const off = (so & ARENA_MASK) + this.posOf(r, s) * CLASSES[this.meta[k * M + SEG_CLS]!]! - this.meta[k * M + SEG_LO]!;
    for (let j = 0; j < n; j++) d[off + idx[j]!]! += cnt[j]!;
  }

  private enterCurrent(r: number, inCurrent: boolean): void {
    if (inCurrent && !this.inCurrent[r]) {
      this.inCurrent[r] = 1;
      this.currentRows.push(r);
    }
  }

  /** Subtracts an entry that left window slot s (cutoff: the window's start); its histograms when `hist`. */
  private subtract(e: Entry, s: number, cutoff: number, hist: boolean): void {
    const S = this.S;
    const r = e.row;
    this.sums[r * 2 * S + s]! -= e.count;
    this.sums[(r * 2 + 1) * S + s]! -= e.bytes;
    const expire = s === (this.kind[r]! >= ROW_BLOCK_ALL ? this.longest : this.cgLongest);
    for (let h = 0; hist && h < 2; h++) {
      const n = e.n[h]!;
      if (n === 0) continue;
      const k = r * 2 + h;
      const so = this.meta[k * M + SEG_OFF]!;
      const off = (so & ARENA_MASK) + this.posOf(r, s) * CLASSES[this.meta[k * M + SEG_CLS]!]! - this.meta[k * M + SEG_LO]!;
      const idx = e.idx[h]!;
      const cnt = e.cnt[h]!;
      const d = this.chunks[so >>> ARENA_BITS]!;
      for (let j = 0; j < n; j++) d[off + idx[j]!]! -= cnt[j]!;
      if (expire) this.dqExpire(r, h, cutoff);
    }
    if (this.sums[r * 2 * S + s]! <= 0) {
      // the slot's cells are back to exactly 0 (whole numbers below 2^53 subtract exactly)
      this.sums[r * 2 * S + s] = 0;
      this.sums[(r * 2 + 1) * S + s] = 0;
      this.maybeFreeRow(r);
    }
  }

  // ---------------------------------------------------------------- segments

  /**
   * A row's histogram h has one block in the arena: the same range of buckets [lo, lo + size) for every
   * slot it holds (slotsOf), slot after slot (a row's sums are read and written together: one place in
   * memory). Grows to cover [min, max].
   */
  private ensureSeg(r: number, h: number, min: number, max: number): void {
    const k = r * 2 + h;
    const S = this.slotsOf(r);
    const off = this.meta[k * M + SEG_OFF]!;
    if (off >= 0) {
      const lo = this.meta[k * M + SEG_LO]!;
      const n = CLASSES[this.meta[k * M + SEG_CLS]!]!;
      if (min >= lo && max < lo + n) return;
      // The buckets the old segment holds non-zero in any slot: [lo + ulo, lo + uhi]. The new segment covers
      // those and [min, max], not the old one's empty ends (which made a segment double at every move).
      const from = this.chunks[off >>> ARENA_BITS]!;
      const base = off & ARENA_MASK;
      let ulo: number = n;
      let uhi = -1;
      for (let s = 0; s < S; s++) {
        const a = base + s * n;
        for (let i = 0; i < n; i++) {
          if (from[a + i] !== 0) {
            if (i < ulo) ulo = i;
            if (i > uhi) uhi = i;
          }
        }
      }
      const nmin = uhi < 0 ? min : Math.min(min, lo + ulo);
      const nmax = uhi < 0 ? max : Math.max(max, lo + uhi);
      const cls = classOf(nmax - nmin + 1);
      const size = CLASSES[cls]!;
      const nlo = Math.min(nmin, BUCKETS - size);
      const noff = this.alloc(cls, S);
      const to = this.chunks[noff >>> ARENA_BITS]!;
      if (uhi >= 0) {
        for (let s = 0; s < S; s++) {
          const a = base + s * n;
          to.set(from.subarray(a + ulo, a + uhi + 1), (noff & ARENA_MASK) + s * size + (lo + ulo - nlo));
        }
      }
      this.release(off, this.meta[k * M + SEG_CLS]!, S);
      this.meta[k * M + SEG_OFF] = noff;
      this.meta[k * M + SEG_LO] = nlo;
      this.meta[k * M + SEG_CLS] = cls;
      return;
    }
    const cls = classOf(max - min + 1);
    this.meta[k * M + SEG_OFF] = this.alloc(cls, S);
    this.meta[k * M + SEG_LO] = Math.min(min, BUCKETS - CLASSES[cls]!);
    this.meta[k * M + SEG_CLS] = cls;
  }

  private freeSeg(r: number, h: number): void {
    const k = r * 2 + h;
    const off = this.meta[k * M + SEG_OFF]!;
    if (off < 0) return;
    this.release(off, this.meta[k * M + SEG_CLS]!, this.slotsOf(r));
    this.meta[k * M + SEG_OFF] = -1;
  }

  /** The slots row r's segments hold: every slot for the totals' rows, the slots wanted for a cgroup's. */
  private slotsOf(r: number): number {
    return this.kind[r]! >= ROW_BLOCK_ALL ? this.S : this.nOn;
  }

  /** Where slot s sits in row r's segments (see slotPos). */
  private posOf(r: number, s: number): number {
    return this.kind[r]! >= ROW_BLOCK_ALL ? s : this.slotPos[s]!;
  }

  /** The free list of segments of class cls holding `slots` slots. */
  private freeList(cls: number, slots: number): number[] {
    const i = cls * (this.S + 1) + slots;
    return (this.freeSegs[i] ??= []);
  }

  /** A segment of class cls for `slots` slots, zeroed. */
  private alloc(cls: number, slots: number): number {
    const size = CLASSES[cls]! * slots;
    const free = this.freeList(cls, slots);
    let off = free.pop();
    if (off === undefined) {
      // a segment never straddles two chunks
      if ((this.top & ARENA_MASK) + size > ARENA_CHUNK || this.top >>> ARENA_BITS >= this.chunks.length) {
        if ((this.top & ARENA_MASK) + size > ARENA_CHUNK) this.top = ((this.top >>> ARENA_BITS) + 1) << ARENA_BITS;
        while (this.chunks.length <= this.top >>> ARENA_BITS) this.chunks.push(new Float64Array(ARENA_CHUNK));
      }
      off = this.top;
      this.top += size;
    }
    this.chunks[off >>> ARENA_BITS]!.fill(0, off & ARENA_MASK, (off & ARENA_MASK) + size);
    return off;
  }

  /**
   * Lays the segments out again, in the order the last interval reached the rows: adding and subtracting
   * (whose intervals list about the same rows in about the same order) then walk the arena forwards, memory
   * the CPU fetches ahead, instead of all over it as segments grow and move and rows come and go (a cold
   * arena read at random costs about twice as much). Copies every live segment once (a few MiB).
   */
  private compact(): void {
    this.addsSinceCompact = 0;
    const old = this.chunks;
    this.chunks = objectArray();
    this.top = 0;
    this.freeSegs = [];
    const moved = new Uint8Array(this.nextRow);
    const move = (r: number): void => {
      if (moved[r] || !this.used[r]) return;
      moved[r] = 1;
      for (let h = 0; h < 2; h++) {
        const k = r * 2 + h;
        const off = this.meta[k * M + SEG_OFF]!;
        if (off < 0) continue;
        const cls = this.meta[k * M + SEG_CLS]!;
        const S = this.slotsOf(r);
        const noff = this.alloc(cls, S);
        const a = off & ARENA_MASK;
        this.chunks[noff >>> ARENA_BITS]!.set(old[off >>> ARENA_BITS]!.subarray(a, a + CLASSES[cls]! * S), noff & ARENA_MASK);
        this.meta[k * M + SEG_OFF] = noff;
      }
    };
    for (const r of this.order) move(r);
    for (let r = 0; r < this.nextRow; r++) move(r);
  }

  private release(off: number, cls: number, slots: number): void {
    this.freeList(cls, slots).push(off);
  }

  // ---------------------------------------------------------------- max deques (slots >= 1)

  private dqPush(r: number, h: number, t: number, v: number): void {
    const b = (r * 2 + h) * M;
    const m = this.meta;
    if (m[b + DQ_AT]! < 0) m[b + DQ_AT] = this.dqAlloc(r * 2 + h, DQ_FIRST_LOG);
    const at = m[b + DQ_AT]!;
    const mask = (1 << m[b + DQ_LOG]!) - 1;
    const head = m[b + DQ_HEAD]!;
    let len = m[b + DQ_LEN]!;
    const d = this.dq;
    // Entries no larger than the new one can never be a window's maximum again.
    while (len > 0 && d[(at + ((head + len - 1) & mask)) * 2 + 1]! <= v) len--;
    if (len > mask) return this.dqPushGrown(r * 2 + h, len, t, v);
    const i = (at + ((head + len) & mask)) * 2;
    d[i] = t;
    d[i + 1] = v;
    m[b + DQ_LEN] = len + 1;
  }

  /** dqPush into a full ring: a ring twice as large, its `len` entries in order from its start, then (t, v). */
  private dqPushGrown(k: number, len: number, t: number, v: number): void {
    const m = this.meta;
    const at = m[k * M + DQ_AT]!;
    const log = m[k * M + DQ_LOG]!;
    const mask = (1 << log) - 1;
    const head = m[k * M + DQ_HEAD]!;
    const to = this.dqAlloc(k, log + 1);
    const d = this.dq;
    for (let i = 0; i < len; i++) {
      const a = (at + ((head + i) & mask)) * 2;
      d[(to + i) * 2] = d[a]!;
      d[(to + i) * 2 + 1] = d[a + 1]!;
    }
    this.dqFree[log]!.push(at);
    m[k * M + DQ_AT] = to;
    m[k * M + DQ_HEAD] = 0;
    d[(to + len) * 2] = t;
    d[(to + len) * 2 + 1] = v;
    m[k * M + DQ_LEN] = len + 1;
  }

  /** Drops the entries that left the longest window. */
  private dqExpire(r: number, h: number, cutoff: number): void {
    const k = r * 2 + h;
    let len = this.meta[k * M + DQ_LEN]!;
    let head = this.meta[k * M + DQ_HEAD]!;
    const at = this.meta[k * M + DQ_AT]!;
    const mask = (1 << this.meta[k * M + DQ_LOG]!) - 1;
    const d = this.dq;
    while (len > 0 && d[(at + head) * 2]! <= cutoff) {
      head = (head + 1) & mask;
      len--;
    }
    this.meta[k * M + DQ_HEAD] = head;
    this.meta[k * M + DQ_LEN] = len;
  }

  private dqClear(r: number, h: number): void {
    const k = r * 2 + h;
    const at = this.meta[k * M + DQ_AT]!;
    if (at < 0) return;
    this.dqFree[this.meta[k * M + DQ_LOG]!]!.push(at);
    this.meta[k * M + DQ_AT] = -1;
    this.meta[k * M + DQ_HEAD] = 0;
    this.meta[k * M + DQ_LEN] = 0;
  }

  /** A ring of 2^log entries (its start, in pairs); sets the row's capacity, not its place. */
  private dqAlloc(k: number, log: number): number {
    this.meta[k * M + DQ_LOG] = log;
    while (this.dqFree.length <= log) this.dqFree.push([]);
    const free = this.dqFree[log]!.pop();
    if (free !== undefined) return free;
    const at = this.dqTop;
    this.dqTop += 1 << log;
    if (this.dqTop * 2 > this.dq.length) {
      const b = new Float64Array(Math.max(this.dq.length * 2, this.dqTop * 2));
      b.set(this.dq);
      this.dq = b;
    }
    return at;
  }

  // ---------------------------------------------------------------- the byte log

  /** Makes room for one entry at `end`: in the current chunk, or at the start of a new one. */
  private room(): void {
    let chunk = Math.floor(this.end / LOG_CHUNK);
    let pos = this.end - chunk * LOG_CHUNK;
    if (pos + MAX_ENTRY > LOG_CHUNK) {
      chunk++;
      pos = 0;
      this.end = chunk * LOG_CHUNK;
    }
    while (this.logBase + this.logChunks.length <= chunk) this.logChunks.push(new Uint8Array(LOG_CHUNK));
    this.wbuf = this.logChunks[chunk - this.logBase]!;
    this.wpos = pos;
  }

  private put(v: number): void {
    const b = this.wbuf;
    let p = this.wpos;
    if (v < 0x80000000) {
      // the usual case, in integer operations (a double's % and / are many times slower)
      let x = v | 0;
      while (x >= 128) {
        b[p++] = (x & 127) | 128;
        x >>>= 7;
      }
      b[p++] = x;
      this.wpos = p;
      return;
    }
    while (v >= 128) {
      const low = v % 128;
      b[p++] = low | 128;
      v = (v - low) / 128;
    }
    b[p++] = v;
    this.wpos = p;
  }

  /**
   * One entry: row, its generation, count, bytes (in 512-byte units when whole: low bit 0), the length of
   * what follows (two bytes), then each histogram as its non-empty bucket count n, and when n > 0 its first bucket and (span << 1 | dense):
   * dense, the counts of every bucket of the span (zeros included); sparse, the other n - 1 buckets as
   * index deltas and the n counts; then the maximum less the lower bound of the highest bucket.
   * About 2 bytes per non-empty bucket, less for dense histograms.
   */
  private encode(e: Entry): void {
    this.room();
    if (this.addingCurrent) {
      const r = e.row;
      if (this.curAt[r]! >= 0) this.curMulti = true;
      this.curAt[r] = this.end;
      this.curCount[r] = e.count;
      this.curBytes[r] = e.bytes;
    }
    const start = this.wpos;
    this.put(e.row);
    this.put(this.gen[e.row]!);
    this.put(e.count);
    this.put(e.bytes % 512 === 0 ? (e.bytes / 512) * 2 : e.bytes * 2 + 1);
    // the length of the histograms (two bytes, little-endian: an entry is under 64 KiB), so that what needs
    // the counts only skips them
    const lenAt = this.wpos;
    this.wpos += 2;
    for (let h = 0; h < 2; h++) {
      const n = e.n[h]!;
      this.put(n);
      if (n === 0) continue;
      const idx = e.idx[h]!;
      const cnt = e.cnt[h]!;
      const lo = idx[0]!;
      const top = idx[n - 1]!;
      const span = top - lo + 1;
      const dense = span <= 2 * n;
      this.put(lo);
      this.put(span * 2 + (dense ? 1 : 0));
      if (dense) {
        let j = 0;
        for (let i = lo; i <= top; i++) {
          if (idx[j] === i) this.put(cnt[j++]!);
          else this.put(0);
        }
      } else {
        for (let j = 1; j < n; j++) this.put(idx[j]! - idx[j - 1]!);
        for (let j = 0; j < n; j++) this.put(cnt[j]!);
      }
      this.put(Math.max(0, e.max[h]! - bucketLower(top)));
    }
    const len = this.wpos - lenAt - 2;
    this.wbuf[lenAt] = len & 255;
    this.wbuf[lenAt + 1] = len >>> 8;
    this.end += this.wpos - start;
  }

  /** Reads one varint at this.rd (in this.rbuf), advancing it. */
  private rd = 0;
  private get(): number {
    const b = this.rbuf;
    let q = this.rd;
    let x = b[q++]!;
    if (x < 128) {
      this.rd = q;
      return x;
    }
    let v = x & 127;
    let mul = 128;
    for (;;) {
      x = b[q++]!;
      v += (x & 127) * mul;
      if (x < 128) break;
      mul *= 128;
    }
    this.rd = q;
    return v;
  }

  private decode(p: number, e: Entry): number {
    const next = this.decodeHead(p, e);
    this.decodeHists(e);
    return next;
  }

  /**
   * Decodes the row, generation, count and bytes of the entry at p into e; returns where the next entry
   * starts. The entry's histograms are then next to read (decodeHists), or skipped.
   */
  private decodeHead(p: number, e: Entry): number {
    let chunk = Math.floor(p / LOG_CHUNK);
    let local = p - chunk * LOG_CHUNK;
    if (local + MAX_ENTRY > LOG_CHUNK) {
      // entries never start this close to a chunk's end: the next one is at the next chunk's start
      chunk++;
      local = 0;
    }
    this.rbuf = this.logChunks[chunk - this.logBase]!;
    this.rd = local;
    e.row = this.get();
    e.gen = this.get();
    e.count = this.get();
    const b = this.get();
    e.bytes = b % 2 === 0 ? (b / 2) * 512 : (b - 1) / 2;
    const q = this.rd;
    this.rd = q + 2;
    return chunk * LOG_CHUNK + q + 2 + (this.rbuf[q]! | (this.rbuf[q + 1]! << 8));
  }

  /** Decodes the histograms of the entry decodeHead read. */
  private decodeHists(e: Entry): void {
    for (let h = 0; h < 2; h++) {
      const n = this.get();
      e.n[h] = n;
      if (n === 0) {
        e.max[h] = 0;
        continue;
      }
      const idx = e.idx[h]!;
      const cnt = e.cnt[h]!;
      const lo = this.get();
      const sd = this.get();
      const span = sd >> 1;
      if (sd & 1) {
        let j = 0;
        for (let i = 0; i < span; i++) {
          const c = this.get();
          if (c === 0) continue;
          idx[j] = lo + i;
          cnt[j++] = c;
        }
      } else {
        idx[0] = lo;
        for (let j = 1; j < n; j++) idx[j] = idx[j - 1]! + this.get();
        for (let j = 0; j < n; j++) cnt[j] = this.get();
      }
      e.max[h] = bucketLower(idx[n - 1]!) + this.get();
    }
  }
}

/** What every span reads from the engine itself, whatever intervals it covers: a row's kind, device and op. */
abstract class EngineSpan {
  constructor(protected readonly w: LatencyWindows) {}

  rowsOfCgroup(cgroup: number): readonly number[] {
    return this.w.rowsOfCgroup(cgroup);
  }
  kind(row: number): number {
    return this.w.rowKind(row);
  }
  dev(row: number): number {
    return this.w.rowDev(row);
  }
  op(row: number): BlockOp {
    return this.w.rowOp(row);
  }
}

/**
 * A slot of the engine, read in place; the cgroups' histograms and maxima of a window not wanted (see
 * LatencyWindows.want) from the log.
 */
class SlotSpan extends EngineSpan implements LatencySpan {
  readonly seconds: number;
  readonly lost: LostCounts;
  /** Whether the cgroups' rows keep their histograms in this slot. */
  private readonly cgHist: boolean;
  private log: LatencySpan | null = null;

  constructor(
    w: LatencyWindows,
    private readonly s: number,
  ) {
    super(w);
    this.seconds = w.slotSeconds(s);
    this.lost = w.slotLost(s);
    this.cgHist = w.slotKeepsHist(s);
  }

  /** Where row's histograms are read: the log, for a cgroup's row in a window not wanted. */
  private fromLog(row: number): LatencySpan | null {
    if (this.cgHist || this.w.rowKind(row) >= ROW_BLOCK_ALL) return null;
    return (this.log ??= this.w.slotFromLog(this.s));
  }

  totals(): readonly number[] {
    return this.w.totals();
  }
  count(row: number): number {
    return this.w.rowCount(row, this.s);
  }
  bytes(row: number): number {
    return this.w.rowBytes(row, this.s);
  }
  max(row: number, which: 0 | 1): number | null {
    const log = this.fromLog(row);
    return log ? log.max(row, which) : this.w.rowMax(row, this.s, which);
  }
  addHist(row: number, which: 0 | 1, into: Float64Array): number {
    const log = this.fromLog(row);
    return log ? log.addHist(row, which, into) : this.w.rowAddHist(row, this.s, which, into);
  }
}

/** The time these intervals cover (s) and the events they say were lost, by cause. */
function coverOf(intervals: readonly LoggedInterval[]): { seconds: number; lost: LostCounts } {
  const lost = {} as LostCounts;
  for (const k of LOST_KEYS) lost[k] = 0;
  let ns = 0;
  for (const iv of intervals) {
    ns += iv.durationNs;
    LOST_KEYS.forEach((k, j) => (lost[k] += iv.lost[j]!));
  }
  return { seconds: ns / 1e9, lost };
}

/**
 * `current` while each row has one entry in it (the usual case: one helper interval a tick): each row's count
 * and bytes as they were added, its buckets and maxima decoded from its entry when asked for. The same
 * figures as a LogSpan of the same intervals, without a pass over every entry to find them.
 */
class CurrentSpan extends EngineSpan implements LatencySpan {
  readonly seconds: number;
  readonly lost: LostCounts;
  /** The row whose entry was decoded last, and its maxima (-1: none). */
  private decoded = -1;
  private max0 = -1;
  private max1 = -1;

  constructor(w: LatencyWindows, intervals: readonly LoggedInterval[]) {
    super(w);
    ({ seconds: this.seconds, lost: this.lost } = coverOf(intervals));
  }

  totals(): readonly number[] {
    return this.w.totals().filter((r) => this.w.currentAt(r) >= 0);
  }
  count(row: number): number {
    return this.w.currentAt(row) >= 0 ? this.w.currentCount(row) : 0;
  }
  bytes(row: number): number {
    return this.w.currentAt(row) >= 0 ? this.w.currentBytes(row) : 0;
  }
  max(row: number, which: 0 | 1): number | null {
    if (this.w.currentAt(row) < 0) return null;
    if (row !== this.decoded) this.addHist(row, which, null);
    const m = which === 0 ? this.max0 : this.max1;
    return m < 0 ? null : m;
  }
  /** (into null: only the maxima) */
  addHist(row: number, which: 0 | 1, into: Float64Array | null): number {
    const at = this.w.currentAt(row);
    if (at < 0) return -1;
    const e = this.w.readEntry;
    this.w.readAt(at, e);
    this.decoded = row;
    this.max0 = e.n[0]! > 0 ? e.max[0]! : -1;
    this.max1 = e.n[1]! > 0 ? e.max[1]! : -1;
    const n = e.n[which]!;
    if (n === 0 || into === null) return -1;
    const idx = e.idx[which]!;
    const cnt = e.cnt[which]!;
    for (let j = 0; j < n; j++) into[idx[j]!]! += cnt[j]!;
    return idx[0]! * 512 + idx[n - 1]!;
  }
}

/**
 * A span read from the log: the intervals given (`current`, the short windows, any range of the intervals
 * kept). One pass over the entries' heads finds each row's count and bytes and where its entries are; a
 * row's buckets and maxima are decoded only when asked for (a frame reads them for the device and run-queue
 * totals and the containers on screen, not for every row). Read it before the engine next adds or advances.
 */
class LogSpan extends EngineSpan implements LatencySpan {
  readonly seconds: number;
  readonly lost: LostCounts;
  /** row -> 1 + its index below (0: no data in the span). */
  private readonly at: Int32Array;
  private readonly counts: number[] = [];
  private readonly byteSums: number[] = [];
  /** A row's maxima (-1: no data), NaN until its entries are first decoded in full (max, addHist). */
  private readonly max0: number[] = [];
  private readonly max1: number[] = [];
  /** A row's entries in the log: its first and last (indexes into offsets), each chained to the next. */
  private readonly firstEntry: number[] = [];
  private readonly lastEntry: number[] = [];
  private readonly offsets: number[] = [];
  private readonly nextEntry: number[] = [];

  constructor(w: LatencyWindows, intervals: readonly LoggedInterval[]) {
    super(w);
    ({ seconds: this.seconds, lost: this.lost } = coverOf(intervals));
    this.at = new Int32Array(w.rowCapacity());
    const e = w.readEntry;
    for (const iv of intervals) {
      for (let p = iv.from; p < iv.to; ) {
        const start = p;
        p = w.readHeadAt(p, e);
        if (!w.rowUsed(e.row, e.gen)) continue;
        const entry = this.offsets.length;
        this.offsets.push(start);
        this.nextEntry.push(-1);
        let i = this.at[e.row]! - 1;
        if (i < 0) {
          i = this.counts.length;
          this.at[e.row] = i + 1;
          this.counts.push(e.count);
          this.byteSums.push(e.bytes);
          this.max0.push(NaN);
          this.max1.push(NaN);
          this.firstEntry.push(entry);
          this.lastEntry.push(entry);
          continue;
        }
        this.counts[i]! += e.count;
        this.byteSums[i]! += e.bytes;
        this.nextEntry[this.lastEntry[i]!] = entry;
        this.lastEntry[i] = entry;
      }
    }
  }

  private ix(row: number): number {
    return row < this.at.length ? this.at[row]! - 1 : -1;
  }

  totals(): readonly number[] {
    return this.w.totals().filter((r) => this.ix(r) >= 0);
  }
  count(row: number): number {
    const i = this.ix(row);
    return i < 0 ? 0 : this.counts[i]!;
  }
  bytes(row: number): number {
    const i = this.ix(row);
    return i < 0 ? 0 : this.byteSums[i]!;
  }
  max(row: number, which: 0 | 1): number | null {
    const i = this.ix(row);
    if (i < 0) return null;
    if (Number.isNaN(this.max0[i])) this.addHist(row, which, null);
    const m = (which === 0 ? this.max0 : this.max1)[i]!;
    return m < 0 ? null : m;
  }
  /** (into null: only the maxima, which every full decoding of a row's entries sets) */
  addHist(row: number, which: 0 | 1, into: Float64Array | null): number {
    const i = this.ix(row);
    if (i < 0) return -1;
    let lo = BUCKETS;
    let hi = -1;
    let m0 = -1;
    let m1 = -1;
    const e = this.w.readEntry;
    for (let k = this.firstEntry[i]!; k >= 0; k = this.nextEntry[k]!) {
      this.w.readAt(this.offsets[k]!, e);
      if (e.n[0]! > 0 && e.max[0]! > m0) m0 = e.max[0]!;
      if (e.n[1]! > 0 && e.max[1]! > m1) m1 = e.max[1]!;
      const n = e.n[which]!;
      if (n === 0 || into === null) continue;
      const idx = e.idx[which]!;
      const cnt = e.cnt[which]!;
      for (let j = 0; j < n; j++) into[idx[j]!]! += cnt[j]!;
      if (idx[0]! < lo) lo = idx[0]!;
      if (idx[n - 1]! > hi) hi = idx[n - 1]!;
    }
    this.max0[i] = m0;
    this.max1[i] = m1;
    return hi < 0 ? -1 : lo * 512 + hi;
  }
}
