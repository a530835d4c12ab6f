// The bucket pairs of one helper interval's rows, also as typed arrays: what the parser read, side by side in
// memory. The rows (BlockIntervalRow, RunqIntervalRow) stay what every consumer reads; the window engine, which
// reads every bucket of every row each interval, reads these instead when the parser made them: one pass over
// two arrays, not one JS array per [bucket, count] pair (each its own object, and about 56 bytes against 10).
// Kept beside the rows in a WeakMap keyed by the interval's `block` array, not in a field, so that the values
// that are recorded, exported and compared (SampleSets) are unchanged; rows that did not come from the parser
// (replay, tests, roll-ups) have none, and are read as pairs.
import type { BlockIntervalRow, RunqIntervalRow } from './latency.js';

export interface PackedBuckets {
  /** The rows these are the buckets of (the engine checks it is given the same arrays). */
  readonly block: readonly BlockIntervalRow[];
  readonly runq: readonly RunqIntervalRow[];
  /** Bucket index and count of every non-empty bucket, histogram after histogram, each ascending. */
  readonly idx: Uint16Array;
  readonly cnt: Float64Array;
  /**
   * Where each histogram starts in idx and cnt (and, at [k + 1], ends): block row i's service histogram is
   * histogram 2i, its total histogram 2i + 1; run-queue row j's histogram is 2 * block.length + j.
   */
  readonly at: Uint32Array;
}

const PACKED = new WeakMap<readonly BlockIntervalRow[], PackedBuckets>();

/** Records the typed form of an interval's rows (the parser does, once the rows are final). */
export function setPackedBuckets(p: PackedBuckets): void {
  PACKED.set(p.block, p);
}

/** The typed form of these rows, when the parser made it for these very arrays (else undefined). */
export function packedBucketsOf(block: readonly BlockIntervalRow[], runq: readonly RunqIntervalRow[]): PackedBuckets | undefined {
  const p = PACKED.get(block);
  return p !== undefined && p.runq === runq && p.at.length === 2 * block.length + runq.length + 1 ? p : undefined;
}
