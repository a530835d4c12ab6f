// Fixed-capacity ring of numbers backed by a Float64Array. A gap (unknown value) is stored as NaN and
// stays a gap: consumers draw it as a break, never as zero. Memory is fixed at construction.
export class Ring {
  private readonly buf: Float64Array;
  private head = 0; // next write position
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.buf = new Float64Array(capacity);
  }

  /** Append a value; null/undefined/NaN record a gap. */
  push(v: number | null | undefined): void {
    this.buf[this.head] = v == null || Number.isNaN(v) ? NaN : v;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get length(): number {
    return this.count;
  }

  /** The newest value, or null when empty or a gap. */
  last(): number | null {
    if (this.count === 0) return null;
    const v = this.buf[(this.head - 1 + this.capacity) % this.capacity]!;
    return Number.isNaN(v) ? null : v;
  }

  /** The newest `n` entries (default all), oldest first, gaps as NaN. A fresh array. */
  values(n = this.count): Float64Array {
    const k = Math.min(Math.max(0, n), this.count);
    const out = new Float64Array(k);
    const start = (this.head - k + this.capacity) % this.capacity;
    for (let i = 0; i < k; i++) out[i] = this.buf[(start + i) % this.capacity]!;
    return out;
  }

  /** Max over the newest `n` entries, ignoring gaps; null if none. */
  max(n = this.count): number | null {
    let m = -Infinity;
    for (const v of this.values(n)) if (!Number.isNaN(v) && v > m) m = v;
    return m === -Infinity ? null : m;
  }
}
