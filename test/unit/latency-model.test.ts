import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LatencyModel,
  WINDOW_MS,
  cgroupMapFromContainers,
  deviceNamesFromDiskstats,
  inactiveFrame,
  type LatencyInterval,
} from '../../src/model/latency.js';
import { Histogram, percentile, toBuckets } from '../../src/model/histogram.js';
import { LATENCY_WINDOWS, type BlockOp, type ContainerCounters } from '../../src/model/types.js';

const SEC = 1_000_000_000;
const devs = deviceNamesFromDiskstats([
  { name: 'sda', major: 8, minor: 0 },
  { name: 'nvme0n1', major: 259, minor: 0 },
]);
const frameOpts = { deviceNames: devs, source: 'ebpf', active: true, badLines: 0 };

type Row = LatencyInterval['block'][number];
function blockRow(values: number[], over: Partial<Row> = {}): Row {
  const h = Histogram.of(values);
  const pairs: [number, number][] = [];
  h.counts.forEach((c, i) => c > 0 && pairs.push([i, c]));
  return {
    major: 8,
    minor: 0,
    op: 'read',
    cgroup: 0,
    count: values.length,
    bytes: values.length * 4096,
    maxNs: Math.max(0, ...values),
    service: pairs,
    total: pairs,
    ...over,
  };
}
function runqRow(cgroup: number, values: number[]): LatencyInterval['runq'][number] {
  const h = Histogram.of(values);
  const pairs: [number, number][] = [];
  h.counts.forEach((c, i) => c > 0 && pairs.push([i, c]));
  return { cgroup, count: values.length, maxNs: Math.max(0, ...values), hist: pairs };
}
function interval(sec: number, block: Row[], runq: LatencyInterval['runq'] = []): LatencyInterval {
  return { monoNs: sec * SEC, intervalNs: SEC, block, runq };
}

describe('LatencyModel windows', () => {
  it('1 s, 10 s and 5 m windows sum the right intervals', () => {
    const m = new LatencyModel();
    for (let s = 1; s <= 20; s++) m.add(interval(s, [blockRow(Array<number>(s).fill(s * 1000))]));
    const f = m.frame(frameOpts);
    expect(f.active).toBe(true);
    expect(f.source).toBe('ebpf');
    const cnt = (w: (typeof LATENCY_WINDOWS)[number]): number => f.windows[w].block[0]!.count;
    expect(cnt('1s')).toBe(20);
    expect(cnt('10s')).toBe(11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20);
    expect(cnt('1m')).toBe(210);
    expect(cnt('5m')).toBe(210);
    expect(f.windows['1s'].block[0]!.bytes).toBe(20 * 4096);
    expect(f.windows['1s'].block[0]!.device).toBe('sda');
    // Exact maxima per window, although the running sums cannot subtract a maximum.
    expect(f.windows['10s'].block[0]!.maxUs).toBe(20);
    expect(f.windows['5m'].block[0]!.p50Us).toBeLessThan(f.windows['1s'].block[0]!.p50Us!);
  });

  it('keeps at most 300 intervals and the 5 m window is the newest 300 s', () => {
    const m = new LatencyModel();
    for (let s = 1; s <= 400; s++) {
      m.add(interval(s, [blockRow([s * 1000])], [runqRow(1, [s])]));
      expect(m.size).toBeLessThanOrEqual(300);
    }
    const f = m.frame(frameOpts);
    expect(f.windows['5m'].block[0]!.count).toBe(300);
    expect(f.windows['5m'].runqueue!.count).toBe(300);
    expect(f.windows['1m'].block[0]!.count).toBe(60);
    expect(f.windows['5m'].block[0]!.maxUs).toBe(400);
    // The oldest value still inside is 101 s -> 101 µs.
    const h = Histogram.of(Array.from({ length: 300 }, (_, k) => (101 + k) * 1000));
    expect(f.windows['5m'].block[0]!.buckets).toEqual(toBuckets(h));
    expect(f.windows['5m'].block[0]!.p50Us).toBe(percentile(h.noteMax(400_000), 0.5));
  });

  it('a smaller maxIntervals bounds even the 5 m window', () => {
    const m = new LatencyModel({ maxIntervals: 10 });
    for (let s = 1; s <= 50; s++) m.add(interval(s, [blockRow([1000])]));
    expect(m.size).toBe(10);
    expect(m.frame(frameOpts).windows['5m'].block[0]!.count).toBe(10);
  });

  it('a gap (helper restarted) empties the short windows, not the long ones', () => {
    const m = new LatencyModel();
    for (let s = 1; s <= 5; s++) m.add(interval(s, [blockRow([1000])]));
    m.add(interval(40, [blockRow([2000, 2000])]));
    const f = m.frame(frameOpts);
    expect(f.windows['1s'].block[0]!.count).toBe(2);
    expect(f.windows['10s'].block[0]!.count).toBe(2);
    expect(f.windows['1m'].block[0]!.count).toBe(7);
  });

  it('tolerates jitter in interval ends (half a step of slack)', () => {
    const m = new LatencyModel();
    const ends = [1.0, 2.03, 2.98, 4.01, 5.0, 6.05, 6.97, 8.0, 9.02, 9.99, 11.01, 12.0];
    for (const e of ends) m.add(interval(e, [blockRow([1000])]));
    const f = m.frame(frameOpts);
    expect(f.windows['1s'].block[0]!.count).toBe(1);
    expect(f.windows['10s'].block[0]!.count).toBe(10);
  });

  it('survives a clock that goes backwards (treated as the next step)', () => {
    const m = new LatencyModel();
    m.add(interval(100, [blockRow([1000])]));
    m.add(interval(1, [blockRow([1000])]));
    const f = m.frame(frameOpts);
    expect(f.windows['1s'].block[0]!.count).toBe(1);
    expect(f.windows['10s'].block[0]!.count).toBe(2);
  });

  it('running sums equal merging the raw intervals of each window (random gaps, random rows)', () => {
    const ops: BlockOp[] = ['read', 'write', 'flush'];
    const arbInterval = fc.record({
      gap: fc.oneof(fc.constant(1), fc.constant(1), fc.integer({ min: 1, max: 90 })),
      rows: fc.array(
        fc.record({
          dev: fc.constantFrom([8, 0] as const, [259, 0] as const),
          op: fc.constantFrom(...ops),
          cgroup: fc.integer({ min: 0, max: 3 }),
          values: fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 5 }),
        }),
        { maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(fc.array(arbInterval, { minLength: 1, maxLength: 120 }), fc.integer({ min: 5, max: 300 }), (ivs, cap) => {
        const m = new LatencyModel({ maxIntervals: cap });
        const raw: { t: number; rows: { dev: string; op: BlockOp; values: number[] }[] }[] = [];
        let t = 0;
        for (const iv of ivs) {
          t += iv.gap;
          m.add(interval(t, iv.rows.map((r) => blockRow(r.values, { major: r.dev[0], minor: r.dev[1], op: r.op, cgroup: r.cgroup }))));
          raw.push({ t, rows: iv.rows.map((r) => ({ dev: devs.get(`${r.dev[0]}:${r.dev[1]}`)!, op: r.op, values: r.values })) });
        }
        const f = m.frame(frameOpts);
        const kept = raw.slice(-cap);
        for (const w of LATENCY_WINDOWS) {
          const inside = kept.filter((r) => (t - r.t) * 1000 < WINDOW_MS[w] - 500);
          const expected = new Map<string, number[]>();
          for (const r of inside) for (const row of r.rows) expected.set(`${row.dev} ${row.op}`, [...(expected.get(`${row.dev} ${row.op}`) ?? []), ...row.values]);
          const got = f.windows[w].block;
          expect(got.map((r) => `${r.device} ${r.op}`).sort()).toEqual([...expected.keys()].sort());
          for (const r of got) {
            const vals = expected.get(`${r.device} ${r.op}`)!;
            const h = Histogram.of(vals);
            expect(r.count).toBe(vals.length);
            expect(r.buckets).toEqual(toBuckets(h));
            expect(r.maxUs).toBe(Math.max(...vals) / 1000);
            expect(r.p99Us).toBe(percentile(h, 0.99));
            expect(r.p50Us).toBe(percentile(h, 0.5));
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('reads percentiles from merged buckets, never by averaging', () => {
    const m = new LatencyModel();
    // 9 quiet seconds and one slow one: the 10 s p99 is the slow requests', not an average of p99s.
    for (let s = 1; s <= 9; s++) m.add(interval(s, [blockRow(Array<number>(100).fill(100_000))]));
    m.add(interval(10, [blockRow(Array<number>(20).fill(50_000_000))]));
    const w = m.frame(frameOpts).windows['10s'].block[0]!;
    expect(w.count).toBe(920);
    expect(w.p50Us).toBeGreaterThanOrEqual(100);
    expect(w.p50Us).toBeLessThan(112.5);
    expect(w.p99Us).toBe(50_000); // rank 911 of 920 lands among the 20 slow ones (exact max)
    expect(w.p95Us).toBe(w.p50Us); // rank 874 is still a quiet one
    const perSecondP99 = m.frame(frameOpts).windows['1s'].block[0]!.p99Us!;
    const averaged = (9 * w.p50Us! + perSecondP99) / 10;
    expect(averaged).not.toBeCloseTo(w.p99Us!, -2);
  });
});

describe('LatencyModel rows', () => {
  it('sums cgroups per (device, op), sorts by device then op, names unknown devices maj:min', () => {
    const m = new LatencyModel();
    m.add(
      interval(1, [
        blockRow([1000], { cgroup: 1, op: 'write' }),
        blockRow([2000], { cgroup: 2, op: 'write' }),
        blockRow([3000], { cgroup: 1 }),
        blockRow([4000], { major: 7, minor: 3 }),
        blockRow([5000], { major: 259, minor: 0, op: 'flush' }),
      ]),
    );
    const rows = m.frame(frameOpts).windows['1s'].block;
    expect(rows.map((r) => [r.device, r.op, r.count])).toEqual([
      ['7:3', 'read', 1],
      ['nvme0n1', 'flush', 1],
      ['sda', 'read', 1],
      ['sda', 'write', 2],
    ]);
    const w = rows[3]!;
    expect(w.maxUs).toBe(2);
    expect(w.total).not.toBeNull();
  });

  it('reports total (queue included) percentiles separately from service time', () => {
    const m = new LatencyModel();
    const svc = blockRow([10_000, 10_000]);
    const tot = Histogram.of([10_000, 900_000]);
    const pairs: [number, number][] = [];
    tot.counts.forEach((c, i) => c > 0 && pairs.push([i, c]));
    m.add(interval(1, [{ ...svc, total: pairs }]));
    const r = m.frame(frameOpts).windows['1s'].block[0]!;
    expect(r.p99Us).toBeCloseTo(10, 0);
    expect(r.maxUs).toBe(10);
    expect(r.total!.p99Us).toBe(percentile(Histogram.fromPairs(pairs), 0.99));
    expect(r.total!.maxUs).toBeGreaterThanOrEqual(900);
    expect(r.total!.maxUs).toBeLessThan(900 * 1.125);
    // With the optional exact total maximum, it is exact.
    const m2 = new LatencyModel();
    m2.add(interval(1, [{ ...svc, total: pairs, totalMaxNs: 900_000 }]));
    expect(m2.frame(frameOpts).windows['1s'].block[0]!.total!.maxUs).toBe(900);
  });

  it('gives no total figures when the helper sent none', () => {
    const m = new LatencyModel();
    m.add(interval(1, [{ ...blockRow([1000]), total: [] }]));
    expect(m.frame(frameOpts).windows['1s'].block[0]!.total).toBeNull();
  });

  it('aggregates the run queue over all cgroups', () => {
    const m = new LatencyModel();
    m.add(interval(1, [], [runqRow(1, [1000, 2000]), runqRow(2, [3000]), runqRow(0, [70_000])]));
    const rq = m.frame(frameOpts).windows['1s'].runqueue!;
    expect(rq.count).toBe(4);
    expect(rq.maxUs).toBe(70);
    expect(rq.p50Us).toBe(percentile(Histogram.of([1000, 2000, 3000, 70_000]), 0.5));
  });

  it('an active frame with no data yet has empty rows and a zero run-queue count', () => {
    const f = new LatencyModel().frame(frameOpts);
    expect(f.active).toBe(true);
    expect(f.current).toEqual([]);
    for (const w of LATENCY_WINDOWS) {
      expect(f.windows[w].block).toEqual([]);
      expect(f.windows[w].runqueue).toEqual({ count: 0, p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] });
    }
  });

  it('current holds the intervals added since the previous frame', () => {
    const m = new LatencyModel();
    m.add(interval(1, [blockRow([1000])]));
    m.add(interval(2, [blockRow([1000, 1000])]));
    const a = m.frame(frameOpts);
    expect(a.current[0]!.count).toBe(3);
    expect(a.current[0]!.buckets).toEqual([[toBuckets(Histogram.of([1000]))[0]![0], 3]]);
    const b = m.frame(frameOpts);
    expect(b.current).toEqual([]); // a gap in the heatmap
    expect(b.windows['10s'].block[0]!.count).toBe(3);
  });
});

describe('containers', () => {
  const counters = (ids: ContainerCounters['cgroupIds']): ContainerCounters =>
    ({ source: 'cgroup-v1', cgroupIds: ids }) as unknown as ContainerCounters;

  it('maps cgroup ids per hierarchy (v1: blkio for block, cpu for runq)', () => {
    const list = [
      { id: 'aaa', counters: counters({ unified: null, blkio: 100, cpu: 200 }) },
      { id: 'bbb', counters: counters({ unified: null, blkio: 101, cpu: 100 }) },
      { id: 'ccc', counters: null },
      { id: 'ddd', counters: counters({ unified: null, blkio: null, cpu: null }) },
    ];
    const v1 = cgroupMapFromContainers(list, { cgroup: { block: 'v1-blkio', runq: 'v1-cpu' } });
    expect([...v1.block]).toEqual([
      [100, 'aaa'],
      [101, 'bbb'],
    ]);
    expect([...v1.runq]).toEqual([
      [200, 'aaa'],
      [100, 'bbb'],
    ]);
    const v2 = cgroupMapFromContainers([{ id: 'x', counters: counters({ unified: 5000, blkio: 1, cpu: 2 }) }], { cgroup: { block: 'v2', runq: 'v2' } });
    expect([...v2.block]).toEqual([[5000, 'x']]);
    expect([...v2.runq]).toEqual([[5000, 'x']]);
    const odd = cgroupMapFromContainers(list, { cgroup: { block: 'v9', runq: 'v2' } });
    expect(odd.block.size + odd.runq.size).toBe(0);
  });

  it('gives per-container block rows and run queue, with colliding v1 inode numbers kept apart', () => {
    const m = new LatencyModel();
    m.add(
      interval(
        1,
        [blockRow([1000, 2000], { cgroup: 100 }), blockRow([5000], { cgroup: 101, op: 'write' }), blockRow([9000], { cgroup: 0 })],
        [runqRow(100, [10_000]), runqRow(200, [20_000, 30_000])],
      ),
    );
    const maps = cgroupMapFromContainers(
      [
        { id: 'aaa', counters: counters({ unified: null, blkio: 100, cpu: 200 }) },
        { id: 'bbb', counters: counters({ unified: null, blkio: 101, cpu: 100 }) },
        { id: 'idle', counters: counters({ unified: null, blkio: 102, cpu: 102 }) },
      ],
      { cgroup: { block: 'v1-blkio', runq: 'v1-cpu' } },
    );
    const f = m.frame({ ...frameOpts, maps });
    const c = f.windows['1s'].containers;
    expect(Object.keys(c)).toEqual(['aaa', 'bbb', 'idle']);
    expect(c.aaa!.block.map((r) => [r.device, r.op, r.count])).toEqual([['sda', 'read', 2]]);
    expect(c.aaa!.runqueue!.count).toBe(2); // cpu cgroup 200
    expect(c.aaa!.runqueue!.maxUs).toBe(30);
    expect(c.bbb!.block.map((r) => [r.device, r.op, r.count])).toEqual([['sda', 'write', 1]]);
    expect(c.bbb!.runqueue!.count).toBe(1); // cpu cgroup 100, not blkio 100
    expect(c.idle).toEqual({ block: [], runqueue: { count: 0, p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] } });
    // The device rows count every cgroup, unknown (0) included.
    expect(f.windows['1s'].block.map((r) => r.count)).toEqual([3, 1]);
  });

  it('accepts one map for both hierarchies (cgroup v2)', () => {
    const m = new LatencyModel();
    m.add(interval(1, [blockRow([1000], { cgroup: 7 })], [runqRow(7, [500])]));
    const f = m.frame({ ...frameOpts, cgroupToContainer: new Map([[7, 'web']]) });
    expect(f.windows['1s'].containers.web!.block[0]!.count).toBe(1);
    expect(f.windows['1s'].containers.web!.runqueue!.count).toBe(1);
  });
});

describe('inactive', () => {
  it('says why and has no rows', () => {
    const m = new LatencyModel();
    m.add(interval(1, [blockRow([1000])]));
    const f = m.frame({ ...frameOpts, active: false, source: 'eBPF: kernel has no BTF', badLines: 3 });
    expect(f).toEqual(inactiveFrame('eBPF: kernel has no BTF', 3));
    expect(f.source).toBe('eBPF: kernel has no BTF');
    expect(f.active).toBe(false);
    expect(f.badLines).toBe(3);
    expect(f.current).toEqual([]);
    for (const w of LATENCY_WINDOWS) expect(f.windows[w]).toEqual({ seconds: 0, block: [], runqueue: null, containers: {} });
  });

  it('reset forgets everything', () => {
    const m = new LatencyModel();
    m.add(interval(1, [blockRow([1000])]));
    m.reset();
    expect(m.size).toBe(0);
    expect(m.frame(frameOpts).windows['5m'].block).toEqual([]);
  });
});

describe('deviceNamesFromDiskstats', () => {
  it('maps maj:min to names', () => {
    expect(devs.get('8:0')).toBe('sda');
    expect(devs.get('259:0')).toBe('nvme0n1');
    expect(devs.size).toBe(2);
  });
});
