// The roll-up rows are the store's format (docs/store.md): the accumulators may get faster, never give
// other rows. The expectation is what main 508471e wrote for the same samples.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MinuteRollups, type RollupRow } from '../../src/record/rollup.js';
import { encodeRollup } from '../../src/record/rollup-codec.js';
import { Sketch } from '../../src/record/sketch.js';
import { figuresOf as catalogueFigures } from '../../src/model/catalogue.js';
import type { SampleSet } from '../../src/model/sample-set.js';
import { samples } from './record-helpers.js';

describe('roll-up rows', () => {
  it('are the bytes main 508471e wrote for a chain of samples (catalogue figures, latency intervals)', () => {
    const sets = samples(400, { seed: 23, containers: 8, processes: 30 });
    const acc = new MinuteRollups(catalogueFigures);
    const rows: RollupRow[] = [];
    let prev: SampleSet | null = null;
    for (const s of sets) {
      acc.add(prev, s);
      rows.push(...acc.closeBefore(Math.floor(s.wallMs / 60_000) * 60_000));
      prev = s;
    }
    rows.push(...acc.closeAll());
    expect(rows.length).toBeGreaterThan(3);
    const h = createHash('sha256');
    for (const r of rows) h.update(encodeRollup(r));
    expect(h.digest('hex')).toBe('3f91479a836bb4541bf72f8fb2446dee4e3c44e0fe029b60f150a5ff0af24e88');
  });
});

describe('sketch', () => {
  it('runs of one value count as the same buckets as each value added on its own', () => {
    const values = fc.array(fc.oneof(fc.constantFrom(0, -0, 1e-12, 5, 5, 5, -3.5, 1e18, 1e30), fc.double({ noNaN: false })), { maxLength: 200 });
    fc.assert(
      fc.property(values, fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 200, maxLength: 200 }), (vs, times) => {
        const s = new Sketch();
        const ref = new Sketch();
        vs.forEach((v, i) => {
          s.add(v, times[i]);
          const one = new Sketch();
          one.add(v, times[i]);
          ref.merge(one.toData());
        });
        expect(s.toData()).toEqual(ref.toData());
        expect(s.count).toBe(ref.count);
        expect(s.quantile(0.5)).toBe(ref.quantile(0.5));
      }),
    );
  });
});
