// A mergeable sketch of a figure's values over a roll-up period, for p95/p99 "over the samples" of long
// ranges without keeping every sample. Log buckets (the DDSketch scheme): a positive value v falls in bucket
// i = ceil(log_gamma v), which covers (gamma^(i-1), gamma^i]; the bucket's estimate 2 gamma^i / (gamma + 1)
// is within ALPHA (1%) of every value in it. Zero has a bucket of its own and negative values mirror the
// positive ones. Merging adds counts, so a 24-hour sketch from 1,440 minute sketches equals the sketch of all
// the samples. Quantiles are nearest rank, clamped to the exact min and max kept beside the sketch.

export const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);
/** Values whose magnitude is below this count as zero; above MAX_MAGNITUDE they go to the last bucket. */
export const MIN_MAGNITUDE = 1e-9;
const MAX_INDEX = Math.ceil(Math.log(1e18) / LOG_GAMMA);
const MIN_INDEX = Math.ceil(Math.log(MIN_MAGNITUDE) / LOG_GAMMA);
/** Stored indices are shifted to be >= 0 (the codec packs tables of whole numbers tightly). */
const OFFSET = -MIN_INDEX + 1;

/** The serialised form: zero count, positive and negative buckets as [shiftedIndex, count] pairs, ascending. */
export interface SketchData {
  zero: number;
  pos: [number, number][];
  neg: [number, number][];
}

function indexOf(magnitude: number): number {
  const i = Math.ceil(Math.log(magnitude) / LOG_GAMMA);
  return Math.min(MAX_INDEX, Math.max(MIN_INDEX, i)) + OFFSET;
}

function estimate(shifted: number): number {
  return (2 * GAMMA ** (shifted - OFFSET)) / (GAMMA + 1);
}

/** By their first element, ascending: one comparator for every sort of [index, count] pairs (a closure made per
 * sort would be compiled again by V8 after every full GC). */
export const byFirst = (a: readonly [number, unknown], b: readonly [number, unknown]): number => a[0] - b[0];

/** A map's [key, value] pairs by key, ascending. */
export const sortedPairs = (m: Map<number, number>): [number, number][] => [...m].sort(byFirst);

export class Sketch {
  zero = 0;
  readonly pos = new Map<number, number>();
  readonly neg = new Map<number, number>();
  /**
   * The last value added and how many times in a row (0: none): a figure that does not move (an idle
   * container's CPU, a limit) costs a comparison a sample, and its bucket is looked up once per run. Counted
   * in before anything reads the sketch (flush()); adding is commutative, so the sketch is the same.
   */
  private runValue = 0;
  private runTimes = 0;

  static from(d: SketchData): Sketch {
    const s = new Sketch();
    s.merge(d);
    return s;
  }

  get count(): number {
    this.flush();
    let n = this.zero;
    for (const c of this.pos.values()) n += c;
    for (const c of this.neg.values()) n += c;
    return n;
  }

  /** Adds a finite value (others are ignored). */
  add(v: number, times = 1): void {
    if (!Number.isFinite(v)) return;
    if (this.runTimes > 0) {
      if (v === this.runValue) {
        this.runTimes += times;
        return;
      }
      this.flush();
    }
    this.runValue = v;
    this.runTimes = times;
  }

  /** Counts the pending run of one value into its bucket. */
  private flush(): void {
    const times = this.runTimes;
    if (times === 0) return;
    this.runTimes = 0;
    const v = this.runValue;
    const m = Math.abs(v);
    if (m < MIN_MAGNITUDE) {
      this.zero += times;
      return;
    }
    const map = v > 0 ? this.pos : this.neg;
    const i = indexOf(m);
    map.set(i, (map.get(i) ?? 0) + times);
  }

  /** Adds `count` to a bucket by its stored (shifted) index. */
  addBucket(shifted: number, count: number, negative: boolean): void {
    const map = negative ? this.neg : this.pos;
    map.set(shifted, (map.get(shifted) ?? 0) + count);
  }

  merge(d: SketchData): void {
    this.zero += d.zero;
    for (const [i, c] of d.pos) this.pos.set(i, (this.pos.get(i) ?? 0) + c);
    for (const [i, c] of d.neg) this.neg.set(i, (this.neg.get(i) ?? 0) + c);
  }

  toData(): SketchData {
    this.flush();
    return { zero: this.zero, pos: sortedPairs(this.pos), neg: sortedPairs(this.neg) };
  }

  /** Nearest-rank quantile (0 < q <= 1) within ALPHA, clamped to [min, max] when given; null when empty. */
  quantile(q: number, min?: number, max?: number): number | null {
    const n = this.count; // flushes
    if (n === 0) return null;
    const rank = Math.max(1, Math.ceil(q * n));
    let seen = 0;
    let out: number | null = null;
    const negs = [...this.neg].sort((a, b) => b[0] - a[0]);
    for (const [i, c] of negs) {
      seen += c;
      if (seen >= rank) {
        out = -estimate(i);
        break;
      }
    }
    if (out === null) {
      seen += this.zero;
      if (seen >= rank) out = 0;
    }
    if (out === null) {
      const poss = [...this.pos].sort(byFirst);
      for (const [i, c] of poss) {
        seen += c;
        if (seen >= rank) {
          out = estimate(i);
          break;
        }
      }
    }
    if (out === null) return null;
    if (min !== undefined && out < min) out = min;
    if (max !== undefined && out > max) out = max;
    return out;
  }
}
