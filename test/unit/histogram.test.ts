import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BUCKETS,
  Histogram,
  LAST_BUCKET,
  bucketIndex,
  bucketLower,
  bucketUpper,
  bucketWidth,
  count,
  maxUs,
  merge,
  percentile,
  percentileNs,
  percentilesInto,
  percentilesOf,
  rankOf,
  sparseFromPairs,
  subtract,
  summarizeRange,
  toBuckets,
  toPairs,
  toSparse,
} from '../../src/model/histogram.js';

/** The protocol doc's formula, computed with BigInt (no float shortcuts). */
function docIndex(v: bigint): number {
  if (v < 8n) return Number(v);
  const p = BigInt(v.toString(2).length - 1);
  const i = Number((p - 2n) * 8n + ((v >> (p - 3n)) & 7n));
  return Math.min(i, 319);
}

function exactPercentile(sorted: number[], q: number): number {
  return sorted[rankOf(q, sorted.length) - 1]!;
}

const QS = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];
const MAX_VALUE = bucketLower(LAST_BUCKET) - 1; // below the open last bucket

// Several shapes of data, spanning nanoseconds to seconds (whole ns, as the kernel measures).
const logUniform = fc.double({ min: 0, max: Math.log10(MAX_VALUE), noNaN: true }).map((e) => Math.floor(10 ** e));
const distributions = {
  'small ints': fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 300 }),
  'log-uniform ns..s': fc.array(logUniform, { minLength: 1, maxLength: 300 }),
  'disk-like µs..ms': fc.array(fc.integer({ min: 20_000, max: 50_000_000 }), { minLength: 1, maxLength: 300 }),
  'exponential around 100 µs': fc
    .array(fc.double({ min: 1e-9, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 })
    .map((us) => us.map((u) => Math.floor(-Math.log(u) * 100_000) + 0)), // + 0: u = 1 gives -0, not a latency
  'bimodal (cache hit / miss)': fc
    .array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1000 })), { minLength: 1, maxLength: 300 })
    .map((xs) => xs.map(([hit, j]) => (hit ? 2_000 + j : 8_000_000 + j * 1000))),
  'constant with outliers': fc
    .tuple(fc.integer({ min: 1, max: 1e9 }), fc.array(fc.integer({ min: 0, max: 1e10 }), { maxLength: 3 }), fc.integer({ min: 1, max: 200 }))
    .map(([c, outliers, n]) => [...Array<number>(n).fill(c), ...outliers]),
};

describe('bucket scheme', () => {
  it('has 320 contiguous buckets, exact below 8 ns, at most 12.5% wide', () => {
    expect(BUCKETS).toBe(320);
    for (let i = 0; i < 8; i++) {
      expect(bucketLower(i)).toBe(i);
      expect(bucketUpper(i)).toBe(i + 1);
    }
    expect(bucketLower(8)).toBe(8);
    expect(bucketUpper(8)).toBe(9);
    expect(bucketLower(16)).toBe(16);
    expect(bucketUpper(16)).toBe(18);
    for (let i = 0; i < LAST_BUCKET; i++) {
      expect(bucketUpper(i)).toBe(bucketLower(i + 1));
      expect(bucketIndex(bucketLower(i))).toBe(i);
      expect(bucketIndex(bucketUpper(i) - 1)).toBe(i);
      if (i >= 8) expect(bucketWidth(i)).toBeLessThanOrEqual(bucketLower(i) / 8);
    }
  });

  it('matches the protocol formula (BigInt) for values from 0 to past the last bucket', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 52n }), (v) => {
        expect(bucketIndex(Number(v))).toBe(docIndex(v));
      }),
      { numRuns: 2000 },
    );
    for (let p = 0; p < 53; p++) {
      for (const d of [-1n, 0n, 1n]) {
        const v = 2n ** BigInt(p) + d;
        if (v >= 0n) expect(bucketIndex(Number(v))).toBe(docIndex(v));
      }
    }
  });

  it('puts every value inside its bucket', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_VALUE }), (v) => {
        const i = bucketIndex(v);
        expect(bucketLower(i)).toBeLessThanOrEqual(v);
        expect(v).toBeLessThan(bucketUpper(i));
      }),
      { numRuns: 2000 },
    );
  });

  it('clamps huge values into the last bucket and odd inputs into range', () => {
    expect(bucketIndex(2 ** 60)).toBe(LAST_BUCKET);
    expect(bucketIndex(Infinity)).toBe(LAST_BUCKET);
    expect(bucketIndex(-5)).toBe(0);
    expect(bucketIndex(NaN)).toBe(0);
    expect(bucketIndex(9.9)).toBe(bucketIndex(9));
  });
});

describe('percentiles', () => {
  for (const [name, arb] of Object.entries(distributions)) {
    it(`are within one bucket width of the exact percentile, never below: ${name}`, () => {
      fc.assert(
        fc.property(arb, (values) => {
          const h = Histogram.of(values);
          const sorted = [...values].sort((a, b) => a - b);
          expect(count(h)).toBe(values.length);
          for (const q of QS) {
            const exact = exactPercentile(sorted, q);
            const got = percentileNs(h, q)!;
            expect(got).toBeGreaterThanOrEqual(exact);
            expect(got - exact).toBeLessThan(bucketWidth(bucketIndex(exact)));
            expect(percentile(h, q)).toBeCloseTo(got / 1000, 9);
          }
          expect(percentileNs(h, 1)).toBe(sorted[sorted.length - 1]); // the max is exact
          expect(maxUs(h)).toBe(sorted[sorted.length - 1]! / 1000);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('hold the same bound without an exact maximum (bucket counts only)', () => {
    fc.assert(
      fc.property(distributions['log-uniform ns..s'], (values) => {
        const h = sparseFromPairs(toPairs(Histogram.of(values)));
        expect(h.maxNs).toBeNull();
        const sorted = [...values].sort((a, b) => a - b);
        for (const q of QS) {
          const exact = exactPercentile(sorted, q);
          const got = percentileNs(h, q)!;
          expect(got).toBeGreaterThanOrEqual(exact);
          expect(got - exact).toBeLessThan(bucketWidth(bucketIndex(exact)));
        }
      }),
    );
  });

  it('are null for an empty histogram', () => {
    const h = new Histogram();
    expect(percentile(h, 0.5)).toBeNull();
    expect(maxUs(h)).toBeNull();
    expect(toBuckets(h)).toEqual([]);
  });

  it('read the last (open) bucket as the exact maximum', () => {
    const h = Histogram.of([10, 2 ** 45]);
    expect(percentileNs(h, 1)).toBe(2 ** 45);
    expect(percentileNs(h, 0.5)).toBe(10);
  });

  it('are monotone in q', () => {
    fc.assert(
      fc.property(distributions['log-uniform ns..s'], (values) => {
        const h = Histogram.of(values);
        let prev = -Infinity;
        for (const q of QS) {
          const v = percentileNs(h, q)!;
          expect(v).toBeGreaterThanOrEqual(prev);
          prev = v;
        }
      }),
    );
  });
});

describe('percentilesOf', () => {
  it('copies the five percentile figures, in document order, and nothing else', () => {
    const row = { count: 3, buckets: [[1, 3]], maxUs: 9, p999Us: 8, p99Us: null, p95Us: 5, p50Us: 1, extra: 'x' };
    const p = percentilesOf(row);
    expect(Object.entries(p)).toEqual([['p50Us', 1], ['p95Us', 5], ['p99Us', null], ['p999Us', 8], ['maxUs', 9]]);
  });
});

describe('summarizeRange and percentilesInto', () => {
  it('give the figures of percentile() and maxUs(), with or without the buckets, and nothing for an empty histogram', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 60 }), fc.option(fc.integer({ min: 0, max: 2 ** 40 })), (values, extra) => {
        const h = Histogram.of(values);
        let lo = BUCKETS;
        let hi = -1;
        h.counts.forEach((c, i) => {
          if (c > 0) {
            if (i < lo) lo = i;
            if (i > hi) hi = i;
          }
        });
        // a maximum at or above the top bucket's lower bound (as the engine's are)
        const maxNs = values.length === 0 ? null : Math.max(...values, extra ?? 0);
        const s = summarizeRange(h.counts, lo, hi, values.length, maxNs);
        const t = summarizeRange(h.counts, lo, hi, values.length, maxNs, false);
        const out = new Float64Array(5).fill(-1);
        const ok = percentilesInto(h.counts, lo, hi, values.length, maxNs, out);
        expect(ok).toBe(values.length > 0);
        if (!ok) {
          expect(s).toEqual({ p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] });
          expect([...out]).toEqual([-1, -1, -1, -1, -1]);
          return;
        }
        const m = Histogram.of(values);
        m.maxNs = maxNs;
        expect(s.p50Us).toBe(percentile(m, 0.5));
        expect(s.p999Us).toBe(percentile(m, 0.999));
        expect(s.maxUs).toBe(maxUs(m));
        expect(s.buckets).toEqual(toBuckets(m));
        expect(t).toEqual({ ...s, buckets: [] });
        expect([...out]).toEqual([s.p50Us, s.p95Us, s.p99Us, s.p999Us, s.maxUs]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('merge and subtract', () => {
  const data = distributions['log-uniform ns..s'];
  const same = (a: Histogram, b: Histogram): void => {
    expect(Array.from(a.counts)).toEqual(Array.from(b.counts));
    expect(a.total).toBe(b.total);
    expect(a.maxNs).toBe(b.maxNs);
  };

  it('is commutative and associative, dense or sparse', () => {
    fc.assert(
      fc.property(data, data, data, (xa, xb, xc) => {
        const [a, b, c] = [Histogram.of(xa), Histogram.of(xb), Histogram.of(xc)];
        same(merge(a, b), merge(b, a));
        same(merge(merge(a, b), c), merge(a, merge(b, c)));
        same(merge(toSparse(a), toSparse(b)), merge(a, b));
      }),
    );
  });

  it('then reading percentiles equals the percentiles of the concatenated data', () => {
    fc.assert(
      fc.property(fc.array(data, { minLength: 1, maxLength: 6 }), (parts) => {
        const merged = parts.map((p) => toSparse(Histogram.of(p))).reduce<Histogram>((acc, h) => acc.mergeFrom(h), new Histogram());
        const all = Histogram.of(parts.flat());
        same(merged, all);
        for (const q of QS) expect(percentile(merged, q)).toBe(percentile(all, q));
        expect(toBuckets(merged)).toEqual(toBuckets(all));
      }),
    );
  });

  it('subtract undoes merge (running window sums)', () => {
    fc.assert(
      fc.property(data, data, (xa, xb) => {
        const a = Histogram.of(xa);
        const b = Histogram.of(xb);
        const back = subtract(merge(a, b), b);
        expect(Array.from(back.counts)).toEqual(Array.from(a.counts));
        expect(back.total).toBe(a.total);
        // The maximum cannot be un-merged: it stays an upper bound.
        expect(back.maxNs).toBeGreaterThanOrEqual(a.maxNs!);
        const empty = subtract(a, toSparse(a));
        expect(empty.total).toBe(0);
        expect(empty.maxNs).toBeNull();
        expect(percentile(empty, 0.99)).toBeNull();
      }),
    );
  });

  it('subtract never goes below zero', () => {
    const a = Histogram.of([100]);
    const b = Histogram.of([100, 100, 5000]);
    const d = subtract(a, b);
    expect(d.total).toBe(0);
    expect(Array.from(d.counts).every((c) => c === 0)).toBe(true);
  });
});

describe('conversions', () => {
  it('toBuckets gives [upperBoundUs, count] ascending', () => {
    const h = Histogram.of([3, 3, 1000, 1_000_000]);
    expect(toBuckets(h)).toEqual([
      [bucketUpper(3) / 1000, 2],
      [bucketUpper(bucketIndex(1000)) / 1000, 1],
      [bucketUpper(bucketIndex(1_000_000)) / 1000, 1],
    ]);
  });

  it('sparse from pairs sums duplicates and skips invalid pairs', () => {
    const h = sparseFromPairs(
      [
        [96, 3],
        [97, 40],
        [96, 1],
        [400, 5],
        [-1, 5],
        [1.5, 2],
        [98, 0],
      ],
      91234,
    );
    expect(Array.from(h.idx)).toEqual([96, 97]);
    expect(Array.from(h.counts)).toEqual([4, 40]);
    expect(h.total).toBe(44);
    expect(h.maxNs).toBe(91234);
  });
});
