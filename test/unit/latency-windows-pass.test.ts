// The window engine adds a tick's interval in the same pass over the log as it subtracts what left each window
// (store/latency-windows.ts, addAndSubtract). Reading between add() and advance() makes it add at once
// instead; both ways must give the same frame, containers and maxima included, tick after tick.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { latencyFrame, type CgroupMaps } from '../../src/model/latency.js';
import type { BlockOp, LatencyFrame } from '../../src/model/types.js';
import { LatencyWindows, type TimedInterval } from '../../src/store/latency-windows.js';
import { blockRow, devs, runqRow, timed } from './latency-helpers.js';

const containerOf = new Map([1, 2, 3, 4, 5].map((cg) => [cg, `c${cg}`]));
const maps: CgroupMaps = { block: containerOf, runq: containerOf };

function frameOf(w: LatencyWindows): LatencyFrame {
  return latencyFrame(
    { current: w.span('current'), windows: { '1s': w.span('1s'), '10s': w.span('10s'), '1m': w.span('1m'), '5m': w.span('5m') } },
    { maps, deviceNames: devs, badLines: 0 },
  );
}

describe('adding in the pass that subtracts', () => {
  const ops: BlockOp[] = ['read', 'write'];
  const arbInterval = fc.record({
    back: fc.integer({ min: 0, max: 1500 }),
    rows: fc.array(
      fc.record({
        dev: fc.constantFrom([8, 0] as const, [259, 0] as const),
        op: fc.constantFrom(...ops),
        cgroup: fc.integer({ min: 0, max: 7 }),
        values: fc.array(fc.integer({ min: 0, max: 5e9 }), { minLength: 1, maxLength: 6 }),
      }),
      { maxLength: 6 },
    ),
    runq: fc.array(fc.record({ cgroup: fc.integer({ min: 0, max: 7 }), values: fc.array(fc.integer({ min: 0, max: 1e8 }), { minLength: 1, maxLength: 4 }) }), { maxLength: 3 }),
  });
  // Mostly one interval a second (the pass that adds and subtracts), sometimes none, several, or a long gap.
  const arbTick = fc.record({
    gapMs: fc.oneof(fc.constant(1000), fc.constant(1000), fc.constant(1000), fc.integer({ min: 1, max: 400_000 })),
    ivs: fc.oneof(fc.array(arbInterval, { minLength: 1, maxLength: 1 }), fc.array(arbInterval, { maxLength: 3 })),
  });

  it('gives the same frames as adding at once, containers and maxima included', () => {
    fc.assert(
      fc.property(fc.array(arbTick, { minLength: 1, maxLength: 120 }), (ticks) => {
        const inPass = new LatencyWindows();
        const atOnce = new LatencyWindows();
        let now = 0;
        let prev = -Infinity;
        for (const tk of ticks) {
          now += tk.gapMs;
          const ivs: TimedInterval[] = tk.ivs
            .map((iv) => ({ ...iv, t: now - iv.back }))
            .sort((a, b) => a.t - b.t)
            .map((iv) =>
              timed(
                iv.t,
                iv.rows.map((r) => blockRow(r.values, { major: r.dev[0], minor: r.dev[1], op: r.op, cgroup: r.cgroup })),
                iv.runq.map((r) => runqRow(r.cgroup, r.values)),
              ),
            );
          const isMapped = (cg: number): boolean => containerOf.has(cg);
          inPass.mark(now, isMapped);
          atOnce.mark(now, isMapped);
          for (const iv of ivs) {
            inPass.add(iv, iv.t > prev);
            atOnce.add(iv, iv.t > prev);
            atOnce.span('current'); // a read adds what is pending at once
          }
          inPass.advance(now);
          atOnce.advance(now);
          prev = now;
          expect(frameOf(inPass)).toEqual(frameOf(atOnce));
          expect(inPass.liveRows).toBe(atOnce.liveRows);
        }
      }),
      { numRuns: 150 },
    );
  });
});
