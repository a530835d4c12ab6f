// Folding tailtop's log-linear histograms (model/histogram.ts: 8 sub-buckets per power of two, whole
// nanoseconds, 320 buckets) into Prometheus `le` buckets, exactly.
//
// Internal bucket i (i >= 8) holds the whole-nanosecond values lower(i) .. upper(i) - 1. A Prometheus bucket
// counts the observations <= le, so the exact `le` for "everything up to and including internal bucket i" is
// (upper(i) - 1) ns: every exported bound is the largest value of an internal bucket, and each exported bucket
// is a union of whole internal buckets. Nothing is split or interpolated; the cumulative count at a bound is
// the sum of the internal counts up to that bucket.
//
// Resolution r (1, 2, 4 or 8) keeps r bounds per power of two: the internal buckets with sub-index s = i & 7
// such that (s + 1) is a multiple of 8 / r. r = 1 gives the powers of two (upper = 2^k: le = 2^k - 1 ns),
// r = 2 adds 1.5 x 2^k, r = 8 keeps every internal bound. Only bounds within [minNs, maxNs] are kept; smaller
// values fall in the first bucket, larger ones in +Inf. No bound is ever a whole number of seconds, so the
// `le` text is the same in the text format and in OpenMetrics (which would write 1 as 1.0).
import { BUCKETS, bucketLower, bucketUpper, type AnyHistogram, Histogram } from '../model/histogram.js';

export type Resolution = 1 | 2 | 4 | 8;
export const RESOLUTIONS: readonly Resolution[] = [1, 2, 4, 8];

export interface BucketSchemeOptions {
  resolution: Resolution;
  /** Smallest bound kept (ns, inclusive): the bound (upper - 1) must be >= minNs. */
  minNs: number;
  /** Largest bound kept (ns, inclusive). */
  maxNs: number;
}

export interface BucketScheme extends BucketSchemeOptions {
  /** Internal bucket index whose upper end each exported bound is, ascending. */
  readonly indices: readonly number[];
  /** The exported bounds in seconds: (upper(i) - 1) / 1e9, ascending. */
  readonly bounds: readonly number[];
}

/** Defaults: 2 bounds per power of two from 1.023 µs to 17.2 s (49 bounds). */
export const DEFAULT_SCHEME: BucketSchemeOptions = { resolution: 2, minNs: 1000, maxNs: 2 ** 34 };

export function bucketScheme(o: BucketSchemeOptions = DEFAULT_SCHEME): BucketScheme {
  const step = 8 / o.resolution;
  const indices: number[] = [];
  // The last internal bucket is open (no upper bound): it is never a bound, it is part of +Inf.
  for (let i = 8; i < BUCKETS - 1; i++) {
    if (((i & 7) + 1) % step !== 0) continue;
    const le = bucketUpper(i) - 1;
    if (le >= o.minNs && le <= o.maxNs) indices.push(i);
  }
  return { ...o, indices, bounds: indices.map((i) => (bucketUpper(i) - 1) / 1e9) };
}

export interface FoldedHistogram {
  /** Cumulative counts at each bound of the scheme. */
  buckets: Float64Array;
  count: number;
  /** Sum in seconds: `sumNs` when the caller knows it, else estimated from bucket midpoints. */
  sum: number;
}

/**
 * Cumulative counts of `h` at the scheme's bounds. `sumNs`: the exact sum of the observed values when known;
 * otherwise the sum is estimated as the count times the midpoint of each internal bucket (each value is within
 * half a bucket of its midpoint: the estimate is within 1/16 of the true sum for values >= 8 ns).
 */
export function fold(h: AnyHistogram, scheme: BucketScheme, sumNs?: number): FoldedHistogram {
  const dense = h instanceof Histogram ? h.counts : new Histogram().mergeFrom(h).counts;
  const out = new Float64Array(scheme.indices.length);
  let cum = 0;
  let next = 0;
  let est = 0;
  for (let i = 0; i < BUCKETS; i++) {
    const c = dense[i]!;
    cum += c;
    if (c > 0) est += c * midpoint(i);
    if (next < out.length && scheme.indices[next] === i) out[next++] = cum;
  }
  return { buckets: out, count: h.total, sum: (sumNs ?? est) / 1e9 };
}

function midpoint(i: number): number {
  return (bucketLower(i) + bucketUpper(i) - 1) / 2;
}

/** Series one histogram adds: one per finite bound, +Inf, _count and _sum. */
export function seriesPerHistogram(scheme: BucketScheme): number {
  return scheme.indices.length + 3;
}
