// The lexical side of the helper-line parser's fast path (protocol.ts `scanInterval`): reads the interval line
// exactly as bpf/loader.c prints it (its key order, no white space, whole numbers) without building a JSON
// tree. JSON.parse of a busy node's line (1000+ rows a second) makes one small array per [bucket, count] pair,
// 30,000 and more, all alive until the window engine has copied them: every young-generation collection that
// falls in that time copies them, 5-20 ms on a slow machine, and the monitor's frame waits. Here a row costs
// its object and two arrays of references, and the pairs themselves are shared (`pair`).
//
// Every method answers "not the helper's own form" (false, -1, null) at the first character it does not
// expect and then the caller takes the general path (JSON.parse and the checks), which also names the reason
// for a line it refuses. Nothing here decides whether a value is valid: the row checks do, on both paths.
import type { BlockOp } from '../../model/types.js';
import { BLOCK_OPS } from '../../model/types.js';
import type { BucketPairs } from '../../model/latency.js';
import { BUCKETS } from '../../model/histogram.js';

/** Pairs with a count below this are made once and shared (frozen): the common case, counts of a few. */
const SHARED_COUNTS = 64;
const SHARED: ([number, number] | undefined)[] = new Array<[number, number] | undefined>(BUCKETS * SHARED_COUNTS);

/** [bucketIndex, count]: a shared frozen pair for small counts, else a new one. Callers never write pairs. */
function pair(i: number, c: number): [number, number] {
  if (c >= SHARED_COUNTS) return [i, c];
  const k = i * SHARED_COUNTS + c;
  return (SHARED[k] ??= Object.freeze([i, c]) as [number, number]);
}

const QUOTED_OPS: readonly string[] = BLOCK_OPS.map((o) => `"${o}"`);
const DIGIT_0 = 48;
const DIGIT_9 = 57;

export class Scan {
  private text = '';
  private pos = 0;

  reset(text: string): void {
    this.text = text;
    this.pos = 0;
  }

  /** At the end of the text. */
  atEnd(): boolean {
    return this.pos === this.text.length;
  }

  /** The literal s at the cursor: moves past it. */
  lit(s: string): boolean {
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  /** The character with this code at the cursor: moves past it. */
  ch(code: number): boolean {
    if (this.text.charCodeAt(this.pos) !== code) return false;
    this.pos++;
    return true;
  }

  /**
   * A whole number written as JSON writes one (digits, no sign, fraction, exponent or leading zero), as
   * JSON.parse reads it (beyond 15 digits through Number, which rounds as it does); -1 when there is none.
   */
  num(): number {
    const t = this.text;
    const start = this.pos;
    let p = start;
    let n = 0;
    for (;;) {
      const c = t.charCodeAt(p);
      if (!(c >= DIGIT_0 && c <= DIGIT_9)) break;
      n = n * 10 + (c - DIGIT_0);
      p++;
    }
    const len = p - start;
    if (len === 0 || (len > 1 && t.charCodeAt(start) === DIGIT_0)) return -1;
    const next = t.charCodeAt(p);
    if (next === 46 || next === 101 || next === 69) return -1; // . e E
    this.pos = p;
    return len > 15 ? Number(t.slice(start, p)) : n;
  }

  /** A block op's name in quotes, one the protocol knows (the general path reads any other as "other"). */
  op(): BlockOp | null {
    for (let k = 0; k < QUOTED_OPS.length; k++) if (this.lit(QUOTED_OPS[k]!)) return BLOCK_OPS[k]!;
    return null;
  }

  /** A key in quotes followed by a colon, when it is one of `keys`. */
  key(keys: readonly string[]): string | null {
    for (let k = 0; k < keys.length; k++) {
      const s = keys[k]!;
      if (this.text.charCodeAt(this.pos) === 34 && this.text.startsWith(s, this.pos + 1) && this.text.charCodeAt(this.pos + 1 + s.length) === 34 && this.text.charCodeAt(this.pos + 2 + s.length) === 58) {
        this.pos += s.length + 3;
        return s;
      }
    }
    return null;
  }

  /**
   * A histogram as the helper prints it: [[index,count],...], indexes ascending below BUCKETS, counts > 0
   * (what the general path calls normalised). Anything else: null.
   */
  pairs(): BucketPairs | null {
    if (!this.ch(91)) return null; // [
    const out: BucketPairs = [];
    if (this.ch(93)) return out; // ]
    let prev = -1;
    for (;;) {
      if (!this.ch(91)) return null;
      const i = this.num();
      if (i <= prev || i >= BUCKETS || !this.ch(44)) return null; // ,
      const c = this.num();
      if (c <= 0 || !Number.isSafeInteger(c) || !this.ch(93)) return null;
      out.push(pair(i, c));
      prev = i;
      if (this.ch(93)) return out;
      if (!this.ch(44)) return null;
    }
  }
}
