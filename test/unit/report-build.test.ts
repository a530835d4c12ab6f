// The report's building blocks: the time step for a range, window statistics, heatmaps with percentile
// lines from histograms, figures rounded to display precision, heatmap columns as runs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Histogram, percentile, sparseFromPairs } from '../../src/model/histogram.js';
import { chooseStep, latencyData, MAX_STEPS, windowStats } from '../../src/report/build.js';
import { decodeColumn, encodeColumn, roundFigure, safeText, SIGNIFICANT_DIGITS } from '../../src/report/payload.js';

describe('chooseStep', () => {
  it('24 hours at 1 s samples: 1-minute steps (1440, the 1-minute roll-ups)', () => {
    expect(chooseStep(86400, 1)).toBe(60);
    expect(86400 / chooseStep(86400, 1)).toBe(1440);
  });
  it('short ranges keep the samples; never finer than the sampling interval', () => {
    expect(chooseStep(600, 1)).toBe(1);
    expect(chooseStep(3600, 1)).toBe(2);
    expect(chooseStep(600, 5)).toBe(5);
    expect(chooseStep(7 * 86400, 1)).toBe(600);
  });
  it('property: at most MAX_STEPS steps, and the next smaller nice step would give more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 * 86400 }), fc.constantFrom(1, 2, 5, 10), (range, interval) => {
        const s = chooseStep(range, interval);
        expect(s).toBeGreaterThanOrEqual(interval);
        expect(range / s).toBeLessThanOrEqual(MAX_STEPS);
      }),
    );
  });
});

describe('windowStats', () => {
  it('nearest-rank percentiles over the known samples, gaps left out', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(windowStats(v)).toEqual({ avg: 50.5, min: 1, max: 100, p95: 95, p99: 99, samples: 100 });
    expect(windowStats([null, 3, null, 1])).toEqual({ avg: 2, min: 1, max: 3, p95: 3, p99: 3, samples: 2 });
    expect(windowStats([null, null])).toEqual({ avg: null, min: null, max: null, p95: null, p99: null, samples: 0 });
  });
});

describe('latencyData', () => {
  it('percentile lines per step from that step\'s histogram, totals from all merged (never averaged)', () => {
    const a = Histogram.of([10_000, 20_000, 30_000, 5_000_000]); // one slow request
    const b = Histogram.of(Array.from({ length: 96 }, () => 15_000));
    const l = latencyData('disk.read.latency', 'block', [a, null, b, new Histogram()], 'read');
    expect(l.columns).toEqual([[...sparseFromPairs([]).idx].length ? [] : l.columns![0], null, l.columns![2], []]);
    expect(l.p99).toEqual([percentile(a, 0.99), null, percentile(b, 0.99), null]);
    const all = Histogram.of([10_000, 20_000, 30_000, 5_000_000, ...Array.from({ length: 96 }, () => 15_000)]);
    expect(l.total.count).toBe(100);
    expect(l.total.p99).toBe(percentile(all, 0.99));
    expect(l.total.max).toBe(5000);
    // The average of the two steps' p99 would be far above the merged p99.
    expect(((l.p99[0] ?? 0) + (l.p99[2] ?? 0)) / 2).toBeGreaterThan(l.total.p99! * 10);
    expect(l.op).toBe('read');
    const sum = l.columns!.flatMap((c) => c ?? []).reduce((s, [, n]) => s + n, 0);
    expect(sum).toBe(100);
  });
});

describe('roundFigure', () => {
  it('keeps SIGNIFICANT_DIGITS digits and prints short', () => {
    expect(roundFigure(12.345678)).toBe(12.35);
    expect(roundFigure(123456789)).toBe(123500000);
    expect(roundFigure(0.30000000000000004)).toBe(0.3);
    expect(roundFigure(-3.14159)).toBe(-3.142);
    expect(roundFigure(0)).toBe(0);
    expect(roundFigure(7)).toBe(7);
  });
  it('property: relative error within half a unit of the last digit, printed with at most that many digits', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e300, max: 1e300, noNaN: true }), (v) => {
        const r = roundFigure(v);
        expect(Math.abs(r - v)).toBeLessThanOrEqual(Math.abs(v) * 0.5 * 10 ** (1 - SIGNIFICANT_DIGITS) + Number.MIN_VALUE);
        // Significant digits as printed (JSON prints the same): sign, exponent, point, zeros around left out.
        const digits = String(r).replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
        expect(digits.length).toBeLessThanOrEqual(SIGNIFICANT_DIGITS);
      }),
    );
  });
});

describe('heatmap columns as runs', () => {
  it('adjacent buckets share a run; small gaps are zeros; big gaps start a new run', () => {
    expect(encodeColumn([[97, 12], [98, 31], [99, 4]])).toEqual([97, 3, 12, 31, 4]);
    expect(encodeColumn([[10, 1], [13, 2]])).toEqual([10, 4, 1, 0, 0, 2]);
    expect(encodeColumn([[10, 1], [20, 2]])).toEqual([10, 1, 1, 20, 1, 2]);
    expect(encodeColumn([])).toEqual([]);
  });
  it('property: decode(encode(pairs)) = pairs', () => {
    const pairs = fc.uniqueArray(fc.integer({ min: 0, max: 319 }), { maxLength: 60 }).chain((idx) =>
      fc.tuple(...idx.sort((a, b) => a - b).map((i) => fc.tuple(fc.constant(i), fc.integer({ min: 1, max: 1e9 })))),
    );
    fc.assert(
      fc.property(pairs, (p) => {
        expect(decodeColumn(encodeColumn(p as [number, number][]))).toEqual(p);
      }),
    );
  });
});

describe('safeText', () => {
  it('strips controls, bidi overrides and isolates, zero-width characters; cuts long text', () => {
    expect(safeText('a\u0000b\u001b[31mc\u009bd\u202ee\u2066f\u200bg\ufeffh\u2028i')).toBe('ab[31mcdefghi');
    expect(safeText('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(safeText('日本語 🙂')).toBe('日本語 🙂');
  });
});
