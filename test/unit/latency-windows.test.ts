// The window engine (store/latency-windows.ts): windows are spans of time, an interval belongs to a window
// when it completed inside it, `current` is what completed since the previous tick; running sums agree with
// recomputing from the raw values; maxima are exact; memory does not grow with time; reading changes nothing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BUCKETS as BUCKETS_N, Histogram, bucketLower, maxUs as histMaxUs, percentile, toBuckets } from '../../src/model/histogram.js';
import { WINDOW_MS, latencyFrame, zeroLost } from '../../src/model/latency.js';
import { LATENCY_WINDOWS, type BlockOp, type LatencyWindow } from '../../src/model/types.js';
import { LatencyWindows } from '../../src/store/latency-windows.js';
import { parseLine, type IntervalData } from '../../src/sources/ebpf/protocol.js';
import { packedBucketsOf } from '../../src/model/packed-buckets.js';
import { Ticker, blockRow, devs, runqRow, timed } from './latency-helpers.js';

const count = (f: ReturnType<Ticker['tick']>, w: LatencyWindow | 'current'): number =>
  (w === 'current' ? f.current : f.windows[w]).block.reduce((n, r) => n + r.count, 0);

describe('windows by time', () => {
  it('an interval belongs to a window when it completed inside it: (now - length, now]', () => {
    const k = new Ticker();
    let f = k.tick(0);
    for (let s = 1; s <= 20; s++) f = k.tick(s * 1000, [timed(s * 1000, [blockRow(Array<number>(s).fill(s * 1000))])]);
    expect(count(f, '1s')).toBe(20);
    expect(count(f, '10s')).toBe(11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20);
    expect(count(f, '1m')).toBe(210);
    expect(count(f, '5m')).toBe(210);
    expect(count(f, 'current')).toBe(20);
    expect(f.windows['10s'].seconds).toBe(10);
    expect(f.windows['1s'].block[0]!.bytes).toBe(20 * 4096);
    expect(f.windows['1s'].block[0]!.device).toBe('sda');
    expect(f.windows['10s'].block[0]!.maxUs).toBe(20);
    expect(f.windows['5m'].block[0]!.p50Us).toBeLessThan(f.windows['1s'].block[0]!.p50Us!);
  });

  it('long helper intervals are not dropped by short windows (a 2.5 s interval is in the 1 s window that it completed in)', () => {
    const k = new Ticker();
    k.tick(0);
    // A tick every 250 ms, the helper's intervals 2.5 s long: between two of them the 1 s window may be empty.
    const seen: number[] = [];
    for (let t = 250; t <= 10_000; t += 250) {
      const ivs = t % 2500 === 0 ? [timed(t, [blockRow(Array<number>(10).fill(5000))], [], 2500)] : [];
      const f = k.tick(t, ivs);
      seen.push(count(f, '1s'));
      if (t % 2500 === 0) {
        expect(count(f, 'current')).toBe(10);
        expect(f.current.seconds).toBe(2.5);
        expect(f.current.block[0]!.opsPerSec).toBe(4); // over the interval's own 2.5 s
      }
      expect(count(f, '10s')).toBe(Math.min(4, Math.floor(t / 2500)) * 10);
    }
    // the 1 s window holds the interval for the 1 s after it completed, then nothing
    expect(seen.slice(8, 14)).toEqual([0, 10, 10, 10, 10, 0]);
  });

  it('ten short intervals make one current; the 1 s window is one second of them, not a count of intervals', () => {
    const k = new Ticker();
    k.tick(0);
    // helper intervals of 100 ms, drained every 1000 ms
    let f = k.tick(0);
    for (let tick = 1; tick <= 3; tick++) {
      const ivs = Array.from({ length: 10 }, (_, i) => timed((tick - 1) * 1000 + (i + 1) * 100, [blockRow([1000, 2000])], [], 100));
      f = k.tick(tick * 1000, ivs);
    }
    expect(count(f, 'current')).toBe(20);
    expect(count(f, '1s')).toBe(20);
    expect(f.windows['1s'].seconds).toBeCloseTo(1, 9);
    expect(count(f, '10s')).toBe(60);
  });

  it('a gap (helper stopped) leaves the short windows empty and the long ones holding what is inside', () => {
    const k = new Ticker();
    for (let s = 1; s <= 5; s++) k.tick(s * 1000, [timed(s * 1000, [blockRow([1000])])]);
    const f = k.tick(40_000, [timed(40_000, [blockRow([2000, 2000])])]);
    expect(count(f, '1s')).toBe(2);
    expect(count(f, '10s')).toBe(2);
    expect(count(f, '1m')).toBe(7);
    expect(f.windows['1m'].seconds).toBe(6); // the gap covers nothing
    const later = k.tick(42_000);
    expect(later.windows['1s'].block).toEqual([]);
    expect(count(later, '10s')).toBe(2);
  });

  it('a late answer (completed before the previous tick) counts in the windows but not in current', () => {
    const k = new Ticker();
    k.tick(1000, [timed(1000, [blockRow([1000])])]);
    const f = k.tick(2000, [timed(900, [blockRow([1000, 1000, 1000])]), timed(2000, [blockRow([1000])])]);
    expect(count(f, 'current')).toBe(1);
    expect(count(f, '10s')).toBe(5);
  });

  it('an interval of this tick older than every window (a long gap between ticks) still counts in current', () => {
    const k = new Ticker();
    k.tick(0);
    const f = k.tick(400_000, [timed(50_000, [blockRow([1000, 3000], { cgroup: 7 })])], { block: new Map([[7, 'c7']]), runq: new Map() });
    expect(count(f, 'current')).toBe(2);
    expect(f.current.block[0]!.maxUs).toBe(3);
    expect(f.current.containers['c7']!.io!.count).toBe(2);
    expect(count(f, '5m')).toBe(0);
    expect(count(k.tick(401_000), 'current')).toBe(0);
  });

  it('times that go backwards are taken as the previous time (monotonic)', () => {
    const w = new LatencyWindows();
    w.mark();
    w.add(timed(5000, [blockRow([1000])]));
    w.add(timed(1, [blockRow([1000])]));
    w.advance(5500);
    expect(w.span('1s').count(w.span('1s').totals()[0]!)).toBe(2);
  });
});

describe('running sums are exact', () => {
  const ops: BlockOp[] = ['read', 'write', 'flush'];
  const arbTick = fc.record({
    gapMs: fc.oneof(fc.constant(1000), fc.constant(250), fc.integer({ min: 1, max: 90_000 })),
    ivs: fc.array(
      fc.record({
        back: fc.integer({ min: 0, max: 3000 }),
        durationMs: fc.integer({ min: 1, max: 5000 }),
        rows: fc.array(
          fc.record({
            dev: fc.constantFrom([8, 0] as const, [259, 0] as const),
            op: fc.constantFrom(...ops),
            cgroup: fc.integer({ min: 0, max: 3 }),
            values: fc.array(fc.integer({ min: 0, max: 5e12 }), { minLength: 1, maxLength: 5 }),
          }),
          { maxLength: 4 },
        ),
        runq: fc.array(fc.record({ cgroup: fc.integer({ min: 0, max: 3 }), values: fc.array(fc.integer({ min: 0, max: 1e8 }), { minLength: 1, maxLength: 4 }) }), { maxLength: 2 }),
      }),
      { maxLength: 3 },
    ),
  });

  it('every window, and current, equal merging the raw values of the intervals that completed inside it', () => {
    fc.assert(
      fc.property(fc.array(arbTick, { minLength: 1, maxLength: 80 }), (ticks) => {
        const k = new Ticker();
        const raw: { t: number; rows: { key: string; values: number[] }[]; rq: number[]; dur: number; tick: number }[] = [];
        let now = 0;
        let lastT = -Infinity;
        let f = k.tick(0);
        let tick = 0;
        for (const tk of ticks) {
          const prev = now;
          now += tk.gapMs;
          tick++;
          const ivs = tk.ivs
            .map((iv) => ({ ...iv, t: Math.max(prev - 2000, now - iv.back) }))
            .sort((a, b) => a.t - b.t)
            .map((iv) => {
              const t = Math.max(iv.t, lastT);
              lastT = t;
              raw.push({
                t,
                dur: iv.durationMs,
                tick,
                rows: iv.rows.map((r) => ({ key: `${devs.get(`${r.dev[0]}:${r.dev[1]}`)} ${r.op}`, values: r.values })),
                rq: iv.runq.flatMap((r) => r.values),
              });
              return timed(
                iv.t,
                iv.rows.map((r) => blockRow(r.values, { major: r.dev[0], minor: r.dev[1], op: r.op, cgroup: r.cgroup })),
                iv.runq.map((r) => runqRow(r.cgroup, r.values)),
                iv.durationMs,
              );
            });
          f = k.tick(now, ivs);
        }
        const prevTick = now - ticks[ticks.length - 1]!.gapMs;
        const check = (name: string, inside: typeof raw, got: typeof f.current): void => {
          const expected = new Map<string, number[]>();
          for (const r of inside) for (const row of r.rows) expected.set(row.key, [...(expected.get(row.key) ?? []), ...row.values]);
          expect(got.block.map((r) => `${r.device} ${r.op}`).sort(), name).toEqual([...expected.keys()].sort());
          expect(got.seconds, name).toBeCloseTo(inside.reduce((s, r) => s + r.dur, 0) / 1000, 6);
          for (const r of got.block) {
            const vals = expected.get(`${r.device} ${r.op}`)!;
            const h = Histogram.of(vals);
            expect(r.count, name).toBe(vals.length);
            expect(r.buckets, name).toEqual(toBuckets(h));
            expect(r.maxUs, name).toBe(Math.max(...vals) / 1000);
            expect(r.p99Us, name).toBe(percentile(h, 0.99));
            expect(r.p50Us, name).toBe(percentile(h, 0.5));
          }
          const rq = inside.flatMap((r) => r.rq);
          if (rq.length > 0) {
            expect(got.runqueue!.count, name).toBe(rq.length);
            expect(got.runqueue!.maxUs, name).toBe(Math.max(...rq) / 1000);
          } else if (got.runqueue) expect(got.runqueue.count).toBe(0);
        };
        check('current', raw.filter((r) => r.tick === tick && r.t > prevTick), f.current);
        for (const w of LATENCY_WINDOWS) check(w, raw.filter((r) => r.t > now - WINDOW_MS[w] && r.t <= now), f.windows[w]);
        // The log gives the same as the running sums for any window it still holds.
        const span = k.w.sumSpan(now - 60_000, now);
        const fromLog = latencyFrame({ current: span, windows: { '1s': span, '10s': span, '1m': span, '5m': span } }, { maps: { block: new Map(), runq: new Map() }, deviceNames: devs, badLines: 0 });
        expect(fromLog.current.block).toEqual(f.windows['1m'].block);
        expect(fromLog.current.runqueue).toEqual(f.windows['1m'].runqueue);
      }),
      { numRuns: 150 },
    );
  });

  it('percentiles come from merged buckets, never averaged', () => {
    const k = new Ticker();
    // 9 quiet seconds and one slow one: the 10 s p99 is the slow requests', not an average of p99s.
    for (let s = 1; s <= 9; s++) k.tick(s * 1000, [timed(s * 1000, [blockRow(Array<number>(100).fill(100_000))])]);
    const f = k.tick(10_000, [timed(10_000, [blockRow(Array<number>(20).fill(50_000_000))])]);
    const w = f.windows['10s'].block[0]!;
    expect(w.count).toBe(920);
    expect(w.p50Us).toBeGreaterThanOrEqual(100);
    expect(w.p50Us).toBeLessThan(112.5);
    expect(w.p99Us).toBe(50_000); // rank 911 of 920 lands among the 20 slow ones (exact max)
    expect(w.p95Us).toBe(w.p50Us); // rank 874 is still a quiet one
  });
  it('counts, bytes and bucket counts beyond 2^31 (the largest the parser takes) come back exact from the log and the sums', () => {
    const k = new Ticker();
    const big = 2 ** 40 - 3;
    const row = (bytes: number): ReturnType<typeof blockRow> => ({ ...blockRow([5000]), count: big + 1, bytes, service: [[2, 1], [40, big]], total: [[2, 1], [41, big]], maxNs: bucketLower(40), totalMaxNs: bucketLower(41) });
    k.tick(1000, [timed(1000, [row(2 ** 50 - 1)])]);
    const f = k.tick(2000, [timed(2000, [row(2 ** 49)])]);
    const all = f.windows['10s'].block[0]!;
    expect([all.count, all.bytes]).toEqual([2 * (big + 1), 2 ** 50 - 1 + 2 ** 49]);
    expect(all.buckets.reduce((n, b) => n + b[1], 0)).toBe(2 * (big + 1));
    // `current` and the 1 s window are read from the log
    for (const got of [f.current.block[0]!, f.windows['1s'].block[0]!]) {
      expect([got.count, got.bytes, got.maxUs]).toEqual([big + 1, 2 ** 49, bucketLower(40) / 1000]);
      expect(got.buckets.reduce((n, b) => n + b[1], 0)).toBe(big + 1);
    }
  });
});

describe('maxima', () => {
  it('each window has the exact maximum of the intervals inside it (sliding maximum), never one that left', () => {
    const k = new Ticker();
    const maxes = [5, 90, 3, 7, 60, 2, 1, 8, 4, 30, 6, 9, 11, 2];
    let f = k.tick(0);
    maxes.forEach((m, i) => {
      f = k.tick((i + 1) * 1000, [timed((i + 1) * 1000, [blockRow([m * 1000, 1000])])]);
      const inside = (n: number): number => Math.max(...maxes.slice(Math.max(0, i + 1 - n), i + 1));
      expect(f.windows['1s'].block[0]!.maxUs).toBe(inside(1));
      expect(f.windows['10s'].block[0]!.maxUs).toBe(inside(10));
      expect(f.windows['1m'].block[0]!.maxUs).toBe(inside(60));
    });
  });

  it('long runs of falling maxima (a row\'s deque grows and wraps round), for the device and a container, in every window', () => {
    const k = new Ticker();
    const maps = { block: new Map([[5, 'c5']]), runq: new Map<number, string>() };
    // falling for 200 s, rising for 50 s, scattered for 300 s (entries expire: the ring's oldest is not at
    // its start), then falling for 350 s (the ring grows from there, its entries wrapped round)
    const maxOf = (s: number): number => (s <= 200 ? 1e6 - s * 1000 : s <= 250 ? 1e5 + s * 3000 : s <= 550 ? 1e5 + ((s * 37) % 11) * 1000 : 1e7 - s * 1000);
    const seen: number[] = [];
    for (let s = 1; s <= 900; s++) {
      seen.push(maxOf(s));
      const f = k.tick(s * 1000, [timed(s * 1000, [blockRow([maxOf(s), 1000], { cgroup: 5 })])], maps);
      for (const w of ['10s', '1m', '5m'] as const) {
        const n = WINDOW_MS[w] / 1000;
        const want = Math.max(...seen.slice(-n)) / 1000;
        expect(f.windows[w].block[0]!.maxUs, `${w} at ${s}`).toBe(want);
        expect(f.windows[w].containers.c5!.io!.maxUs, `${w} c5 at ${s}`).toBe(want);
      }
    }
  });

  it('a percentile is never above the maximum, and the maximum never below its top bucket', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 44 }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (vals, q) => {
        const h = Histogram.of(vals);
        const p = percentile(h, q)!;
        const m = histMaxUs(h)!;
        expect(p).toBeLessThanOrEqual(m);
        expect(m).toBe(Math.max(...vals) / 1000);
        // a maximum that disagrees with the buckets is raised to the top bucket's lower bound
        const liar = Histogram.of(vals);
        liar.maxNs = 0;
        let top = 0;
        liar.counts.forEach((c, i) => c > 0 && (top = i));
        expect(histMaxUs(liar)).toBe(bucketLower(top) / 1000);
        expect(percentile(liar, q)!).toBeLessThanOrEqual(histMaxUs(liar)!);
      }),
    );
  });
});

describe('memory', () => {
  it('is bounded: rows that left every window are freed and reused; the log keeps only the longest window', () => {
    const k = new Ticker();
    let held = 0;
    for (let s = 1; s <= 1200; s++) {
      // 20 steady rows and 5 new cgroups every second
      const rows = [
        ...Array.from({ length: 20 }, (_, i) => blockRow([1000 + i, 50_000], { cgroup: 1 + i })),
        ...Array.from({ length: 5 }, (_, i) => blockRow([2000], { cgroup: 1000 + s * 5 + i, op: 'write' })),
      ];
      k.tick(s * 1000, [timed(s * 1000, rows, [runqRow(1000 + s, [500])])]);
      if (s === 600) held = k.w.heldBytes();
    }
    // 20 steady + 2 totals + 5 per second for 300 s of churn (+1 s, the 5 m window) and their run queues
    expect(k.w.liveRows).toBeLessThanOrEqual(20 + 3 + 301 * 6);
    expect(k.w.intervalCount).toBeLessThanOrEqual(300);
    expect(k.w.heldBytes()).toBeLessThanOrEqual(held * 1.5); // no growth after the windows filled
  });

  it('a log of many chunks (entries never straddle one; old chunks go): sums stay exact', () => {
    const k = new Ticker();
    // 120 rows of 64 busy buckets each: ~30 KiB a second, 300 s of it in the log: several 1 MiB chunks
    const values = (s: number, r: number): number[] => Array.from({ length: 64 * 3 }, (_, i) => 100_000 * 2 ** (i / 24) + ((s * 7 + r) % 5));
    let f = k.tick(0);
    const per = new Map<number, number>();
    for (let s = 1; s <= 420; s++) {
      const rows = Array.from({ length: 120 }, (_, r) => blockRow(values(s, r).slice(0, 100 + ((s + r) % 90)), { cgroup: r + 1 }));
      per.set(s, rows.reduce((n, r) => n + r.count, 0));
      f = k.tick(s * 1000, [timed(s * 1000, rows)]);
    }
    const sum = (from: number): number => [...per].filter(([s]) => s > from).reduce((n, [, c]) => n + c, 0);
    expect(k.w.heldBytes()).toBeGreaterThan(4 << 20); // several log chunks were needed
    expect(f.windows['5m'].block[0]!.count).toBe(sum(120));
    expect(f.windows['1m'].block[0]!.count).toBe(sum(360));
    expect(f.windows['10s'].block[0]!.count).toBe(sum(410));
    const fromLog = k.w.sumSpan(120_000, 420_000);
    expect(fromLog.count(fromLog.totals()[0]!)).toBe(sum(120));
  });

  it('laying the arena out again (every 60 intervals) keeps every sum: the windows equal the log, containers included', () => {
    const k = new Ticker();
    const cgroups = new Map([1, 2, 3, 4, 5, 6].map((cg) => [cg, `c${cg}`]));
    const maps = { block: cgroups, runq: cgroups };
    for (let s = 1; s <= 200; s++) {
      // buckets that drift (segments grow and move), rows that come and go (segments freed and reused)
      const rows = [1, 2, 3, 4, 5, 6]
        .filter((cg) => (s + cg) % 7 !== 0)
        .map((cg) => blockRow(Array.from({ length: 3 + ((s * cg) % 9) }, (_, i) => Math.round(1000 * 2 ** (((s + i * cg) % 40) / 3))), { cgroup: cg, op: cg % 2 ? 'read' : 'write' }));
      const f = k.tick(s * 1000, [timed(s * 1000, rows, [runqRow(1 + (s % 6), [500 * (s % 13) + 1]), runqRow(100 + s, [s])])], maps);
      if (s % 20 !== 0 && s !== 61 && s !== 121) continue;
      const span = k.w.sumSpan(s * 1000 - 300_000, s * 1000);
      const fromLog = latencyFrame({ current: span, windows: { '1s': span, '10s': span, '1m': span, '5m': span } }, { maps, deviceNames: devs, badLines: 0 });
      expect(f.windows['5m'], `second ${s}`).toEqual(fromLog.current);
    }
  });

  it('the windows wanted (want): every window and container reads the same as an engine keeping all, whatever the set and its changes', () => {
    const all = new Ticker();
    const some = new Ticker();
    const cgroups = new Map([1, 2, 3, 4, 5, 6].map((cg) => [cg, `c${cg}`]));
    const maps = { block: cgroups, runq: cgroups };
    // the set changes while windows are full and while they fill; [] keeps no cgroup histogram at all
    const sets: (LatencyWindow[] | null)[] = [['1s'], ['5m'], ['10s', '1m'], [], ['1m'], null, ['10s'], ['5m', '1s']];
    for (let s = 1; s <= 420; s++) {
      if (s % 50 === 1) some.w.want(sets[Math.floor(s / 50) % sets.length]!);
      const rows = [1, 2, 3, 4, 5, 6]
        .filter((cg) => (s + cg) % 7 !== 0 && (cg !== 6 || s < 30 || s > 340))
        .map((cg) => blockRow(Array.from({ length: 3 + ((s * cg) % 9) }, (_, i) => Math.round(1000 * 2 ** (((s + i * cg) % 40) / 3))), { cgroup: cg, op: cg % 2 ? 'read' : 'write' }));
      const ivs = [timed(s * 1000, rows, [runqRow(1 + (s % 6), [500 * (s % 13) + 1]), runqRow(100 + s, [s])])];
      const a = all.tick(s * 1000, ivs, maps);
      const b = some.tick(s * 1000, ivs, maps);
      expect(b, `second ${s}`).toEqual(a);
    }
  });

  it('a window wanted again is summed from the log: it equals the log summed from scratch', () => {
    const k = new Ticker();
    const cgroups = new Map([1, 2, 3].map((cg) => [cg, `c${cg}`]));
    const maps = { block: cgroups, runq: cgroups };
    k.w.want([]);
    for (let s = 1; s <= 330; s++) {
      if (s === 200) k.w.want(['5m']);
      if (s === 260) k.w.want(['10s']);
      if (s === 261) k.w.want(['1m', '5m']);
      const rows = [1, 2, 3].map((cg) => blockRow([1000 * cg + s, 50_000 * ((s % 5) + 1)], { cgroup: cg }));
      const f = k.tick(s * 1000, [timed(s * 1000, rows, [runqRow(cg(s), [s * 10])])], maps);
      if (s < 200 || s % 10 !== 0) continue;
      for (const w of ['1m', '5m'] as const) {
        const span = k.w.sumSpan(s * 1000 - WINDOW_MS[w], s * 1000);
        const fromLog = latencyFrame({ current: span, windows: { '1s': span, '10s': span, '1m': span, '5m': span } }, { maps, deviceNames: devs, badLines: 0 });
        expect(f.windows[w], `${w} at second ${s}`).toEqual(fromLog.current);
      }
    }
    function cg(s: number): number {
      return 1 + (s % 3);
    }
  });

  it('a segment that moves down covers its data, not its old empty ends (it does not double at each move); sums stay exact', () => {
    const k = new Ticker();
    const cgroups = new Map([[1, 'c1']]);
    const maps = { block: cgroups, runq: cgroups };
    k.w.want(['5m']);
    // each interval 4 buckets, 4 below the previous ones: after 8 intervals the data spans 32 buckets
    for (let s = 1; s <= 8; s++) {
      const b = 104 - 4 * s;
      const f = k.tick(s * 1000, [timed(s * 1000, [blockRow([0, 1, 2, 3].map((i) => bucketLower(b + i)), { cgroup: 1 })])], maps);
      const span = k.w.sumSpan(s * 1000 - WINDOW_MS['5m'], s * 1000);
      const fromLog = latencyFrame({ current: span, windows: { '1s': span, '10s': span, '1m': span, '5m': span } }, { maps, deviceNames: devs, badLines: 0 });
      expect(f.windows['5m'], `at second ${s}`).toEqual(fromLog.current);
    }
    const [row] = k.w.rowsOfCgroup(1);
    // 32 buckets (the old growth reached 128)
    expect(k.w.segmentSize(row!, 0)).toBe(32);
  });

  it('a window not wanted keeps no histogram for the cgroups: less memory', () => {
    const all = new Ticker();
    const none = new Ticker();
    none.w.want([]);
    for (let s = 1; s <= 120; s++) {
      const rows = Array.from({ length: 200 }, (_, cg) => blockRow([1000 + cg, 2 ** ((s + cg) % 30)], { cgroup: cg + 1 }));
      all.tick(s * 1000, [timed(s * 1000, rows)]);
      none.tick(s * 1000, [timed(s * 1000, rows)]);
    }
    expect(none.w.heldBytes()).toBeLessThan(all.w.heldBytes() - 512 * 1024);
  });

  it('reset forgets everything', () => {
    const k = new Ticker();
    k.tick(1000, [timed(1000, [blockRow([1000])])]);
    k.w.reset();
    expect(k.w.liveRows).toBe(0);
    expect(k.frame().windows['5m'].block).toEqual([]);
  });
});

describe('reading changes nothing', () => {
  it('frames read twice are equal, and reading moves no window', () => {
    const k = new Ticker();
    for (let s = 1; s <= 30; s++) k.tick(s * 1000, [timed(s * 1000, [blockRow([s * 1000], { cgroup: s % 3 })], [runqRow(1, [s * 100])])]);
    const held = k.w.heldBytes();
    const a = k.frame();
    k.w.sumSpan(0, 30_000);
    k.w.span('5m');
    const b = k.frame();
    expect(b).toEqual(a);
    expect(k.w.heldBytes()).toBe(held);
    expect(b.windows['10s'].block[0]!.count).toBe(10);
  });

  it('an empty engine reads as empty windows with a zero run-queue count once time has been covered', () => {
    const k = new Ticker();
    const f = k.tick(1000, [timed(1000, [])]);
    expect(f.active).toBe(true);
    for (const w of LATENCY_WINDOWS) {
      expect(f.windows[w].block).toEqual([]);
      expect(f.windows[w].runqueue).toEqual({ count: 0, p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] });
      expect(f.windows[w].lost).toEqual(zeroLost());
    }
  });
});

describe('lost events', () => {
  it('are summed per window like the rows', () => {
    const k = new Ticker();
    k.tick(1000, [timed(1000, [blockRow([1000])], [], 1000, { blockNoStart: 2, histFull: 1 })]);
    const f = k.tick(2000, [timed(2000, [blockRow([1000])], [], 1000, { blockNoStart: 1, partial: 3 })]);
    expect(f.current.lost).toMatchObject({ blockNoStart: 1, histFull: 0, partial: 3 });
    expect(f.windows['10s'].lost).toMatchObject({ blockNoStart: 3, histFull: 1, partial: 3 });
    expect(f.windows['1s'].lost.blockNoStart).toBe(1);
    const later = k.tick(20_000);
    expect(later.windows['10s'].lost).toEqual(zeroLost());
    expect(later.windows['1m'].lost.blockNoStart).toBe(3);
  });
});

describe('cgroups of no container (mark with isMapped)', () => {
  // One tick a second: mark(now, isMapped), the interval that completed at now, advance.
  const run = (w: LatencyWindows, now: number, rows: ReturnType<typeof blockRow>[], mapped: ReadonlySet<number>): void => {
    w.mark(now, (cg) => mapped.has(cg));
    w.add(timed(now, rows));
    w.advance(now);
  };
  const rowsOf = (w: LatencyWindows, cg: number): number => w.span('5m').rowsOfCgroup(cg).length;
  const io = (cg: number): ReturnType<typeof blockRow> => blockRow([1000], { cgroup: cg });

  it('keep rows of their own for unmappedMs after first seen, then count in the totals only', () => {
    const w = new LatencyWindows(LATENCY_WINDOWS, 10_000);
    const none = new Set<number>();
    // cgroup 7 does I/O every second from 1 s to 20 s, never a container's
    for (let t = 1000; t <= 10_000; t += 1000) run(w, t, [io(7)], none);
    expect(rowsOf(w, 7)).toBe(1);
    run(w, 11_000, [io(7)], none); // first seen at 1 s
    expect(rowsOf(w, 7)).toBe(0);
    for (let t = 12_000; t <= 20_000; t += 1000) run(w, t, [io(7)], none);
    expect(rowsOf(w, 7)).toBe(0);
    // its events still count in the device's totals, in every window
    const f = latencyFrame({ current: w.span('current'), windows: { '1s': w.span('1s'), '10s': w.span('10s'), '1m': w.span('1m'), '5m': w.span('5m') } }, { maps: { block: new Map(), runq: new Map() }, deviceNames: devs, badLines: 0 });
    expect(count(f, '5m')).toBe(20);
    expect(count(f, 'current')).toBe(1);
    // forgotten once quiet for unmappedMs: new again, with rows of its own for another unmappedMs
    for (let t = 21_000; t <= 28_000; t += 1000) run(w, t, [], none);
    run(w, 29_000, [io(7)], none); // 9 s after its last I/O: still remembered
    expect(rowsOf(w, 7)).toBe(0);
    for (let t = 30_000; t <= 38_000; t += 1000) run(w, t, [], none);
    run(w, 39_000, [io(7)], none); // 10 s after
    expect(rowsOf(w, 7)).toBe(1);
    for (let t = 40_000; t <= 48_000; t += 1000) run(w, t, [], none);
    expect(rowsOf(w, 7)).toBe(1);
    run(w, 49_000, [], none);
    expect(rowsOf(w, 7)).toBe(0);
  });

  it('a cgroup that gets its container within unmappedMs keeps its rows (and its history)', () => {
    const w = new LatencyWindows(LATENCY_WINDOWS, 10_000);
    const none = new Set<number>();
    const seven = new Set([7]);
    run(w, 1000, [io(7), io(8)], none);
    for (let t = 2000; t <= 4000; t += 1000) run(w, t, [], none);
    for (let t = 5000; t <= 30_000; t += 1000) run(w, t, [], seven);
    expect(rowsOf(w, 7)).toBe(1);
    expect(rowsOf(w, 8)).toBe(0);
    expect(w.span('5m').count(w.span('5m').rowsOfCgroup(7)[0]!)).toBe(1);
  });

  it('a container gone: its cgroup keeps its rows for unmappedMs more', () => {
    const w = new LatencyWindows(LATENCY_WINDOWS, 10_000);
    const seven = new Set([7]);
    for (let t = 1000; t <= 5000; t += 1000) run(w, t, [io(7)], seven);
    for (let t = 6000; t <= 15_000; t += 1000) run(w, t, [], new Set());
    expect(rowsOf(w, 7)).toBe(1);
    for (let t = 16_000; t <= 17_000; t += 1000) run(w, t, [], new Set());
    expect(rowsOf(w, 7)).toBe(0);
    expect(w.liveRows).toBe(1); // the device's total
  });

  it('many cgroups seen once: rows stay bounded by unmappedMs of churn', () => {
    const w = new LatencyWindows(LATENCY_WINDOWS, 10_000);
    for (let s = 1; s <= 120; s++) {
      const born = Array.from({ length: 20 }, (_, i) => 10_000 + s * 20 + i);
      // each is a container for 3 s after it first did I/O
      const mapped = new Set(Array.from({ length: 60 }, (_, i) => 10_000 + (s - 2) * 20 + i));
      run(w, s * 1000, born.map(io), mapped);
    }
    // 20 new a second, each kept for 3 s as a container and 10 s (+ the tick it is noticed) after
    expect(w.liveRows).toBeLessThanOrEqual(1 + 20 * 15);
    expect(w.liveRows).toBeGreaterThanOrEqual(1 + 20 * 12);
  });
});

describe('current', () => {
  it('reads the same as the log of its intervals, with one interval a tick (each row one entry) or several', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.constantFrom<BlockOp>('read', 'write', 'flush'), fc.array(fc.integer({ min: 0, max: 2 ** 34 }), { minLength: 1, maxLength: 20 })), { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 8 }),
        (intervals, perTick) => {
          const w = new LatencyWindows();
          let t = 0;
          let k = 0;
          for (const n of perTick) {
            const from = t;
            w.mark();
            for (let j = 0; j < n; j++) {
              const rows = intervals[k++ % intervals.length]!;
              t += 500;
              w.add(timed(t, rows.map(([cg, op, v]) => blockRow(v, { cgroup: cg, op, totalValues: v.map((x) => x + 7) })), rows.map(([cg, , v]) => runqRow(cg, v))));
            }
            w.advance(t);
            const cur = w.span('current');
            const log = w.sumSpan(from, t);
            expect(cur.seconds).toBe(log.seconds);
            expect(cur.lost).toEqual(log.lost);
            expect(cur.totals()).toEqual(log.totals());
            for (const row of [...log.totals(), ...[1, 2, 3, 4].flatMap((cg) => w.span('5m').rowsOfCgroup(cg))]) {
              expect(cur.count(row)).toBe(log.count(row));
              expect(cur.bytes(row)).toBe(log.bytes(row));
              for (const h of [0, 1] as const) {
                const a = new Float64Array(BUCKETS_N);
                const b = new Float64Array(BUCKETS_N);
                expect(cur.addHist(row, h, a)).toBe(log.addHist(row, h, b));
                expect(a).toEqual(b);
                expect(cur.max(row, h)).toBe(log.max(row, h));
              }
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("the parser's typed buckets", () => {
  it('an engine fed parsed lines (their buckets read from the parser typed arrays) reads the same as one fed the same rows as pairs', () => {
    const typed = new Ticker();
    const pairs = new Ticker();
    const cgroups = new Map([1, 2, 3, 4, 5].map((cg) => [cg, `c${cg}`]));
    const maps = { block: cgroups, runq: cgroups };
    typed.w.want(['5m']);
    pairs.w.want(['5m']);
    for (let s = 1; s <= 330; s++) {
      const block = [1, 2, 3, 4, 5, 100 + s]
        .filter((cg) => (s + cg) % 5 !== 0)
        .map((cg) => blockRow(Array.from({ length: 1 + ((s * cg) % 7) }, (_, i) => Math.round(900 * 2 ** (((s + i * cg) % 37) / 3))), { cgroup: cg, op: (['read', 'write', 'flush'] as const)[(s + cg) % 3]!, minor: cg % 2 }));
      // counts past 2^31 (the parser takes up to 2^40)
      const big = blockRow([5000, 9000], { cgroup: 2 });
      big.service = big.service.map(([i, c]) => [i, c * 2 ** 33]);
      big.total = big.total.map(([i, c]) => [i, c * 2 ** 33]);
      big.count *= 2 ** 33;
      big.bytes *= 2 ** 33;
      if (s % 4 === 0) block.push(big);
      const runq = [1, 3, 100 + s].map((cg) => runqRow(cg, Array.from({ length: 1 + ((s + cg) % 4) }, (_, i) => 300 * (i + 1) + s)));
      const line = JSON.stringify({ type: 'interval', seq: s, monoNs: s * 1e9, intervalNs: 1e9, block, runq, lost: zeroLost() });
      const iv = parseLine(line) as IntervalData;
      expect(iv.kind).toBe('interval');
      expect(packedBucketsOf(iv.block, iv.runq)).toBeDefined();
      const a = typed.tick(s * 1000, [timed(s * 1000, iv.block, iv.runq)], maps);
      // copies of the row arrays: no typed buckets for these
      const b = pairs.tick(s * 1000, [timed(s * 1000, [...iv.block], [...iv.runq])], maps);
      expect(a, `second ${s}`).toEqual(b);
    }
  });
});
