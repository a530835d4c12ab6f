// model/seeded-random.ts: mulberry32, the one seeded generator of the synthetic data (the report's sample
// document, bench/sample-sets.mjs). The streams are pinned: a change would change every synthetic figure.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/model/seeded-random.js';

describe('mulberry32', () => {
  it('gives the same numbers for the same seed (the streams the synthetic data was made with)', () => {
    const take = (seed: number, n = 3) => {
      const r = mulberry32(seed);
      return Array.from({ length: n }, r);
    };
    expect(take(1)).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    expect(take(42)).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    expect(take(0xffffffff)).toEqual([0.8964226141106337, 0.189478256739676, 0.7156526781618595]);
    expect(take(-1)).toEqual(take(0xffffffff)); // the seed as an unsigned 32-bit integer
    expect(take(7, 100)).toEqual(take(7, 100));
    expect(take(7, 10)).not.toEqual(take(8, 10));
  });

  it('numbers in [0, 1), spread evenly', () => {
    const r = mulberry32(123);
    const bins = new Array<number>(10).fill(0);
    let [min, max] = [Infinity, -Infinity];
    for (let i = 0; i < 100_000; i++) {
      const x = r();
      [min, max] = [Math.min(min, x), Math.max(max, x)];
      bins[Math.floor(x * 10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    for (const b of bins) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });
});
