// Log-linear latency histograms (the bucket scheme of docs/ebpf-protocol.md), in nanoseconds.
//
// Values v < 8 have their own bucket i = v. For v >= 8, with p = floor(log2 v):
//   i = (p - 2) * 8 + ((v >> (p - 3)) & 7)
// and bucket i >= 8 covers [lower, upper) with g = i >> 3, s = i & 7:
//   lower = (8 + s) << (g - 1), upper = (9 + s) << (g - 1).
// 8 sub-buckets per power of two: a bucket is at most 1/8 (12.5%) of its lower bound wide. There are 320
// buckets; larger values go to the last one, which therefore has no upper bound.
//
// Two representations, chosen by measuring (node 20, 20 non-empty buckets, heap + array buffers):
// - `Histogram`: dense, mutable, a Float64Array(320), ~2.8 KB. Used for accumulation and running window sums:
//   merge/subtract are a tight loop and a percentile is one walk (~0.2 µs).
// - `SparseHistogram`: immutable parallel typed arrays (bucket index, count) of the non-empty buckets only,
//   ~650 B against ~980 B for a Map<number, number> of the same entries, and merging 300 of them into a dense
//   sum takes ~57 µs against ~173 µs from Maps. Used to keep the per-interval histograms (300 intervals).
//
// Percentiles: nearest rank (the smallest recorded value with at least ceil(q*n) values <= it). The answer is
// the highest value the rank's bucket can hold (upper - 1 ns; values are whole nanoseconds), capped at the exact
// maximum when it is known. So a reported percentile is never below the exact one and at most one bucket width
// above it: error in [0, width) where width <= 12.5% of the value (exact below 16 ns). Percentiles are only read
// from (merged) bucket counts: never average percentiles.

export const SUB_BUCKET_BITS = 3;
export const SUB_BUCKETS = 1 << SUB_BUCKET_BITS; // 8
export const BUCKETS = 320;
export const LAST_BUCKET = BUCKETS - 1;

const TWO32 = 4294967296;

/** floor(log2 v) for an integer v >= 1 (exact, also above 2^32, unlike Math.log2 near powers of two). */
function ilog2(v: number): number {
  if (v < TWO32) return 31 - Math.clz32(v);
  return 32 + ilog2(Math.floor(v / TWO32));
}

/** Bucket index of a value in nanoseconds (negative/NaN -> 0, fractions floored, huge -> last bucket). */
export function bucketIndex(ns: number): number {
  if (!(ns >= 0)) return 0;
  if (ns === Infinity) return LAST_BUCKET;
  const v = Math.floor(ns);
  if (v < SUB_BUCKETS) return v;
  const p = ilog2(v);
  const i = (p - 2) * SUB_BUCKETS + (Math.floor(v / 2 ** (p - 3)) & 7);
  return i > LAST_BUCKET ? LAST_BUCKET : i;
}

function lowerOf(i: number): number {
  if (i < SUB_BUCKETS) return i;
  const g = i >> 3;
  return (8 + (i & 7)) * 2 ** (g - 1);
}

function upperOf(i: number): number {
  if (i < SUB_BUCKETS) return i + 1;
  const g = i >> 3;
  return (9 + (i & 7)) * 2 ** (g - 1);
}

const LOWER = Float64Array.from({ length: BUCKETS }, (_, i) => lowerOf(i));
const UPPER = Float64Array.from({ length: BUCKETS }, (_, i) => upperOf(i));

/** Inclusive lower bound of bucket i, nanoseconds. */
export function bucketLower(i: number): number {
  return i >= 0 && i < BUCKETS ? LOWER[i]! : lowerOf(i);
}

/** Exclusive upper bound of bucket i, nanoseconds (the last bucket is open: its nominal bound is returned). */
export function bucketUpper(i: number): number {
  return i >= 0 && i < BUCKETS ? UPPER[i]! : upperOf(i);
}

/** Width of bucket i, nanoseconds. */
export function bucketWidth(i: number): number {
  return bucketUpper(i) - bucketLower(i);
}

export function isBucketIndex(i: unknown): i is number {
  return typeof i === 'number' && Number.isInteger(i) && i >= 0 && i <= LAST_BUCKET;
}

/** Dense mutable histogram. `maxNs` is the exact largest value when known (buckets lose it), else null. */
export class Histogram {
  readonly counts = new Float64Array(BUCKETS);
  total = 0;
  maxNs: number | null = null;

  /** Record `n` values of `ns` nanoseconds. */
  record(ns: number, n = 1): this {
    if (n <= 0) return this;
    this.counts[bucketIndex(ns)]! += n;
    this.total += n;
    const v = Math.max(0, Math.floor(ns));
    if (this.maxNs === null || v > this.maxNs) this.maxNs = v;
    return this;
  }

  /** Add `n` to bucket `i` (no max information). */
  addBucket(i: number, n: number): this {
    if (n <= 0 || !isBucketIndex(i)) return this;
    this.counts[i]! += n;
    this.total += n;
    return this;
  }

  /** Note an exact maximum (from a source that tracked it). */
  noteMax(ns: number | null): this {
    if (ns !== null && (this.maxNs === null || ns > this.maxNs)) this.maxNs = ns;
    return this;
  }

  /** In place: this += other. The maximum is the larger one. */
  mergeFrom(other: AnyHistogram): this {
    if (other instanceof Histogram) {
      const a = this.counts;
      const b = other.counts;
      for (let i = 0; i < BUCKETS; i++) a[i]! += b[i]!;
    } else {
      for (let k = 0; k < other.idx.length; k++) this.counts[other.idx[k]!]! += other.counts[k]!;
    }
    this.total += other.total;
    return this.noteMax(other.maxNs);
  }

  /**
   * In place: this -= other, for running window sums (other must have been merged in before). Counts are
   * clamped at 0. The maximum cannot be un-merged: `maxNs` is left as it was (still an upper bound); whoever
   * keeps a running sum recomputes the exact maximum from the parts still inside (see model/latency.ts).
   */
  subtractFrom(other: AnyHistogram): this {
    let removed = 0;
    const sub = (i: number, n: number): void => {
      const cur = this.counts[i]!;
      const d = n > cur ? cur : n;
      this.counts[i] = cur - d;
      removed += d;
    };
    if (other instanceof Histogram) {
      for (let i = 0; i < BUCKETS; i++) if (other.counts[i]! > 0) sub(i, other.counts[i]!);
    } else {
      for (let k = 0; k < other.idx.length; k++) sub(other.idx[k]!, other.counts[k]!);
    }
    this.total -= removed;
    if (this.total <= 0) {
      this.total = 0;
      this.maxNs = null;
    }
    return this;
  }

  clone(): Histogram {
    const h = new Histogram();
    h.counts.set(this.counts);
    h.total = this.total;
    h.maxNs = this.maxNs;
    return h;
  }

  clear(): this {
    this.counts.fill(0);
    this.total = 0;
    this.maxNs = null;
    return this;
  }

  static of(values: Iterable<number>): Histogram {
    const h = new Histogram();
    for (const v of values) h.record(v);
    return h;
  }

  /** From sparse `[[bucketIndex, count], ...]` pairs (as the helper prints them); invalid pairs are skipped. */
  static fromPairs(pairs: Iterable<readonly [number, number]>, maxNs: number | null = null): Histogram {
    const h = new Histogram();
    for (const [i, n] of pairs) h.addBucket(i, n);
    if (h.total > 0) h.noteMax(maxNs);
    return h;
  }
}

/** Immutable compact histogram: only the non-empty buckets, index ascending. */
export interface SparseHistogram {
  readonly idx: Uint16Array;
  readonly counts: Float64Array;
  readonly total: number;
  readonly maxNs: number | null;
}

export type AnyHistogram = Histogram | SparseHistogram;

export function toSparse(h: AnyHistogram): SparseHistogram {
  if (!(h instanceof Histogram)) return h;
  let n = 0;
  for (let i = 0; i < BUCKETS; i++) if (h.counts[i]! > 0) n++;
  const idx = new Uint16Array(n);
  const counts = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < BUCKETS; i++) {
    const c = h.counts[i]!;
    if (c > 0) {
      idx[k] = i;
      counts[k++] = c;
    }
  }
  return { idx, counts, total: h.total, maxNs: h.maxNs };
}

/** Sparse histogram straight from `[[bucketIndex, count], ...]` pairs (duplicates summed, invalid skipped). */
export function sparseFromPairs(pairs: Iterable<readonly [number, number]>, maxNs: number | null = null): SparseHistogram {
  return toSparse(Histogram.fromPairs(pairs, maxNs));
}

/** A new dense histogram: a + b. */
export function merge(a: AnyHistogram, b: AnyHistogram): Histogram {
  return toDense(a).mergeFrom(b);
}

/** A new dense histogram: a - b (see Histogram.subtractFrom for the maximum). */
export function subtract(a: AnyHistogram, b: AnyHistogram): Histogram {
  return toDense(a).subtractFrom(b);
}

/** A dense copy. */
export function toDense(h: AnyHistogram): Histogram {
  if (h instanceof Histogram) return h.clone();
  return new Histogram().mergeFrom(h);
}

export function count(h: AnyHistogram): number {
  return h.total;
}

/** Nearest rank for quantile q of n values (1-based), robust to q*n landing a hair above an integer. */
export function rankOf(q: number, n: number): number {
  const r = Math.ceil(q * n - 1e-9);
  return r < 1 ? 1 : r > n ? n : r;
}

/** Iterate (index, count) of non-empty buckets, ascending. */
function* entries(h: AnyHistogram): Generator<[number, number]> {
  if (h instanceof Histogram) {
    for (let i = 0; i < BUCKETS; i++) if (h.counts[i]! > 0) yield [i, h.counts[i]!];
  } else {
    for (let k = 0; k < h.idx.length; k++) yield [h.idx[k]!, h.counts[k]!];
  }
}

/** The q-quantile (0 < q <= 1) in nanoseconds, or null when empty. See the header for the error bound. */
export function percentileNs(h: AnyHistogram, q: number): number | null {
  if (!(h.total > 0)) return null;
  const rank = rankOf(q, h.total);
  let cum = 0;
  let last = -1;
  if (h instanceof Histogram) {
    // Dense: a plain loop (the generator costs several times more on the frame path).
    const c = h.counts;
    for (let i = 0; i < BUCKETS; i++) {
      const n = c[i]!;
      if (n <= 0) continue;
      cum += n;
      last = i;
      if (cum >= rank) return pointIn(i, h.maxNs);
    }
  } else {
    for (let k = 0; k < h.idx.length; k++) {
      cum += h.counts[k]!;
      last = h.idx[k]!;
      if (cum >= rank) return pointIn(last, h.maxNs);
    }
  }
  // Counts summed below the total (should not happen): answer with the highest bucket.
  return last < 0 ? null : pointIn(last, h.maxNs);
}

/** The q-quantile in microseconds, or null when empty. */
export function percentile(h: AnyHistogram, q: number): number | null {
  const ns = percentileNs(h, q);
  return ns === null ? null : ns / 1000;
}

/** Index of the highest non-empty bucket, or -1. */
export function topBucket(h: AnyHistogram): number {
  if (h instanceof Histogram) {
    for (let i = LAST_BUCKET; i >= 0; i--) if (h.counts[i]! > 0) return i;
    return -1;
  }
  for (let k = h.idx.length - 1; k >= 0; k--) if (h.counts[k]! > 0) return h.idx[k]!;
  return -1;
}

/**
 * The maximum in µs: the exact one when known, but never below the lower bound of the highest non-empty
 * bucket (a maximum that disagrees with the buckets cannot be the truth); without an exact one, the highest
 * value the top bucket can hold. Every percentile is at most this (see pointIn).
 */
export function maxUs(h: AnyHistogram): number | null {
  if (!(h.total > 0)) return null;
  const top = topBucket(h);
  if (top < 0) return null;
  if (h.maxNs !== null) return Math.max(h.maxNs, bucketLower(top)) / 1000;
  return pointIn(top, null) / 1000;
}

function pointIn(i: number, maxNs: number | null): number {
  // Highest whole-ns value of the bucket; the last bucket is open, so only the exact max bounds it. Capped at
  // the maximum, but not below the bucket itself: at most max(maxNs, lower(top)), which maxUs reports.
  let v = i === LAST_BUCKET && maxNs !== null ? maxNs : bucketUpper(i) - 1;
  if (maxNs !== null && maxNs < v) v = Math.max(maxNs, bucketLower(i));
  return v;
}

/** `[[upperBoundUs, count], ...]` of the non-empty buckets, ascending (for heatmaps and JSON). */
export function toBuckets(h: AnyHistogram): [number, number][] {
  const out: [number, number][] = [];
  for (const [i, c] of entries(h)) out.push([bucketUpper(i) / 1000, c]);
  return out;
}

/** `[[bucketIndex, count], ...]` of the non-empty buckets, ascending. */
export function toPairs(h: AnyHistogram): [number, number][] {
  return [...entries(h)];
}

/** bucketUpper(i) / 1000 for every bucket: the `upperBoundUs` of toBuckets. */
const UPPER_US = Float64Array.from({ length: BUCKETS }, (_, i) => bucketUpper(i) / 1000);

/** p50, p95, p99, p99.9 and the maximum of a histogram, µs; null when it holds nothing. */
export interface Percentiles {
  p50Us: number | null;
  p95Us: number | null;
  p99Us: number | null;
  p999Us: number | null;
  maxUs: number | null;
}

/** Only the percentiles of `s` (a summary, a row), in the order documents list them. */
export function percentilesOf(s: Percentiles): Percentiles {
  return { p50Us: s.p50Us, p95Us: s.p95Us, p99Us: s.p99Us, p999Us: s.p999Us, maxUs: s.maxUs };
}

/** The percentiles and the buckets of a merged histogram. */
export interface Summary extends Percentiles {
  buckets: [number, number][];
}

const SUMMARY_QS = [0.5, 0.95, 0.99, 0.999] as const;
/** summarizeRange's figures while it walks the buckets (reused: no array per summary). */
const SUMMARY_P = new Float64Array(5);

/** The buckets of a summary made without them (shared: frames are read, never changed). */
export const NO_BUCKETS = Object.freeze([]) as unknown as [number, number][];
/** The summary of an empty histogram (a new object: callers may keep it). */
const noSummary = (): Summary => ({ p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] });

/**
 * The same figures as percentile(), maxUs() and toBuckets() of a dense histogram, in one pass over the
 * buckets [lo, hi] (every bucket outside it must be empty): what a window's rows, merged bucket by bucket,
 * are read with on every frame.
 */
export function summarizeRange(counts: Float64Array, lo: number, hi: number, total: number, maxNs: number | null, withBuckets = true): Summary {
  const buckets: [number, number][] = withBuckets ? [] : NO_BUCKETS;
  const p = SUMMARY_P;
  if (!percentilesInto(counts, lo, hi, total, maxNs, p, withBuckets ? buckets : null)) return noSummary();
  return { p50Us: p[0]!, p95Us: p[1]!, p99Us: p[2]!, p999Us: p[3]!, maxUs: p[4]!, buckets };
}

/**
 * summarizeRange's figures without an object: p50, p95, p99, p99.9 and the maximum (µs) into out[0..4], and
 * the non-empty buckets pushed onto `buckets` unless null. False (out untouched) when the histogram holds
 * nothing: every figure is then null. What a frame's hundreds of containers are summed with.
 */
export function percentilesInto(counts: Float64Array, lo: number, hi: number, total: number, maxNs: number | null, out: Float64Array, buckets: [number, number][] | null = null): boolean {
  if (!(total > 0) || lo > hi) return false;
  let top = Math.min(hi, LAST_BUCKET);
  while (top >= lo && !(counts[top]! > 0)) top--;
  if (top < lo) return false;
  const max = maxNs;
  let k = 0;
  let cum = 0;
  let rank = rankOf(SUMMARY_QS[0], total);
  for (let i = Math.max(0, lo); i <= top; i++) {
    const n = counts[i]!;
    if (!(n > 0)) continue;
    cum += n;
    if (buckets !== null) buckets.push([UPPER_US[i]!, n]);
    while (k < 4 && cum >= rank) {
      out[k++] = pointIn(i, max) / 1000;
      if (k < 4) rank = rankOf(SUMMARY_QS[k]!, total);
    }
  }
  while (k < 4) out[k++] = pointIn(top, max) / 1000; // counts summed below the total (should not happen)
  out[4] = (max !== null ? Math.max(max, bucketLower(top)) : pointIn(top, null)) / 1000;
  return true;
}

/** The values a sparse histogram ([bucket, count] pairs) holds: the sum of its counts. */
export function pairsCount(pairs: readonly (readonly [number, number])[]): number {
  let sum = 0;
  for (let k = 0; k < pairs.length; k++) sum += pairs[k]![1];
  return sum;
}

/** The highest non-empty bucket of a sparse histogram, -1 when every count is 0. */
export function pairsTop(pairs: readonly (readonly [number, number])[]): number {
  let top = -1;
  for (let k = 0; k < pairs.length; k++) {
    const pair = pairs[k]!;
    if (pair[1] > 0 && pair[0] > top) top = pair[0];
  }
  return top;
}
