// The lexical side of the helper-line parser's fast path (protocol.ts `scanInterval`): reads the interval line
// exactly as bpf/loader.c prints it (its key order, no white space, whole numbers) without building a JSON
// tree. JSON.parse of a busy node's line (1000+ rows a second) makes one small array per [bucket, count] pair,
// 30,000 and more, all alive until the window engine has copied them: every young-generation collection that
// falls in that time copies them, 5-20 ms on a slow machine, and the monitor's frame waits. Here a row costs
// its object and two arrays of references, and the pairs themselves are shared (`pair`).
//
// At the first character it does not expect the scan fails ("not the helper's own form") and the caller takes
// the general path (JSON.parse and the checks), which also names the reason for a line it refuses. Nothing
// here decides whether a value is valid: the row checks do, on both paths.
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

/** Keys that key() looks for, with the form each is written in before its value ("name":), made once. */
export class KeySet {
  readonly quoted: readonly string[];
  constructor(readonly names: readonly string[]) {
    this.quoted = names.map((n) => `"${n}":`);
  }
}
const DIGIT_0 = 48;
const DIGIT_9 = 57;

/**
 * A cursor over one line. A failed step sets `failed` and every later step fails too, so that a caller reads a
 * whole row in straight lines and asks once whether it was all there.
 */
export class Scan {
  private text = '';
  private pos = 0;
  failed = false;

  reset(text: string): void {
    this.text = text;
    this.pos = 0;
    this.failed = false;
  }

  private fail(): false {
    this.failed = true;
    return false;
  }

  /** The literal s at the cursor, moved past; else a failure. */
  lit(s: string): boolean {
    if (this.failed || !this.text.startsWith(s, this.pos)) return this.fail();
    this.pos += s.length;
    return true;
  }

  /** Whether the literal s is at the cursor (moved past it if so); never a failure. */
  maybe(s: string): boolean {
    if (this.failed || !this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  /** Whether the cursor is at the end of the text; else a failure. */
  end(): boolean {
    return this.pos === this.text.length || this.fail();
  }

  /**
   * A whole number written as JSON writes one (digits, no sign, fraction, exponent or leading zero), as
   * JSON.parse reads it (beyond 15 digits through Number, which rounds as it does); else a failure (-1).
   */
  num(): number {
    if (this.failed) return -1;
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
    const next = t.charCodeAt(p);
    // none, a leading zero, or a fraction or exponent next (. e E)
    if (len === 0 || (len > 1 && t.charCodeAt(start) === DIGIT_0) || next === 46 || next === 101 || next === 69) {
      this.fail();
      return -1;
    }
    this.pos = p;
    return len > 15 ? Number(t.slice(start, p)) : n;
  }

  /** The literal s, then a number. */
  numAfter(s: string): number {
    this.lit(s);
    return this.num();
  }

  /** A block op's name in quotes, one the protocol knows (the general path reads any other as "other"). */
  op(): BlockOp {
    for (let k = 0; k < QUOTED_OPS.length; k++) if (this.maybe(QUOTED_OPS[k]!)) return BLOCK_OPS[k]!;
    this.fail();
    return 'other';
  }

  /** One of the set's keys in quotes, then a colon; else a failure (''). */
  key(keys: KeySet): string {
    for (let k = 0; k < keys.quoted.length; k++) if (this.maybe(keys.quoted[k]!)) return keys.names[k]!;
    this.fail();
    return '';
  }

  /**
   * A histogram as the helper prints it: [[index,count],...], indexes ascending below BUCKETS, counts > 0
   * (what the general path calls normalised); else a failure.
   */
  pairs(): BucketPairs {
    const out: BucketPairs = [];
    if (!this.lit('[') || this.maybe(']')) return out;
    let prev = -1;
    do {
      this.lit('[');
      const i = this.num();
      const c = this.numAfter(',');
      if (!this.lit(']') || i <= prev || i >= BUCKETS || c <= 0 || !Number.isSafeInteger(c)) {
        this.fail();
        return out;
      }
      out.push(pair(i, c));
      prev = i;
    } while (this.maybe(','));
    this.lit(']');
    return out;
  }
}
