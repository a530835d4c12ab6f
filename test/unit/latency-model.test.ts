// The latency model (model/latency.ts): rows per device and op, total (queue included) apart from service,
// the run queue, per-container rows (cgroup maps per hierarchy, nested cgroups, Docker in Docker),
// containers whose I/O cannot be attributed, the merged I/O summary behind the containers table's "IO p99".
import { describe, expect, it } from 'vitest';
import { Histogram, percentile, toBuckets } from '../../src/model/histogram.js';
import { inactiveFrame, latencyFrame, noStartPercent, unattributableContainers, zeroLost } from '../../src/model/latency.js';
import { LATENCY_WINDOWS, type ContainerCounters } from '../../src/model/types.js';
import { Ticker, blockRow, cgroupMapFromContainers, devs, runqRow, timed } from './latency-helpers.js';

describe('rows', () => {
  it('sums cgroups per (device, op), sorts by device then op (the one op order), names unknown devices maj:min', () => {
    const k = new Ticker();
    const f = k.tick(1000, [
      timed(1000, [
        blockRow([1000], { cgroup: 1, op: 'write' }),
        blockRow([2000], { cgroup: 2, op: 'write' }),
        blockRow([3000], { cgroup: 1 }),
        blockRow([4000], { major: 7, minor: 3 }),
        blockRow([5000], { major: 259, minor: 0, op: 'write-zeroes' }),
        blockRow([6000], { major: 259, minor: 0, op: 'secure-erase' }),
        blockRow([5000], { major: 259, minor: 0, op: 'flush' }),
      ]),
    ]);
    const rows = f.windows['1s'].block;
    expect(rows.map((r) => [r.device, r.op, r.count])).toEqual([
      ['7:3', 'read', 1],
      ['nvme0n1', 'flush', 1],
      ['nvme0n1', 'secure-erase', 1],
      ['nvme0n1', 'write-zeroes', 1],
      ['sda', 'read', 1],
      ['sda', 'write', 2],
    ]);
    const w = rows[5]!;
    expect(w.maxUs).toBe(2);
    expect(w.opsPerSec).toBe(2);
    expect(w.bytesPerSec).toBe(2 * 4096);
    expect(w.total).not.toBeNull();
    expect(f.windows['1s'].blockCompleted).toBe(7);
  });

  it('reports total (queue included) percentiles and exact maximum apart from service time', () => {
    const k = new Ticker();
    const f = k.tick(1000, [timed(1000, [blockRow([10_000, 10_000], { totalValues: [10_000, 900_000] })])]);
    const r = f.windows['1s'].block[0]!;
    expect(r.p99Us).toBeCloseTo(10, 0);
    expect(r.maxUs).toBe(10);
    expect(r.total!.p99Us).toBe(percentile(Histogram.of([10_000, 900_000]).noteMax(900_000), 0.99));
    expect(r.total!.maxUs).toBe(900);
  });

  it('computes the rows of a span once when current and a window are the same span, equal to computing them apart', () => {
    const k = new Ticker();
    k.tick(1000, [timed(1000, [blockRow([1000, 5000], { cgroup: 1 }), blockRow([2000], { op: 'write' })], [runqRow(1, [1000, 9000])])]);
    const w = k.w;
    const cur = w.span('current');
    expect(w.span('1s')).toBe(cur); // one interval since the last tick: the engine gives the same span
    const spans = { current: cur, windows: { '1s': cur, '10s': w.span('10s'), '1m': w.span('1m'), '5m': w.span('5m') } };
    const opts = { maps: { block: new Map([[1, 'c1']]), runq: new Map([[1, 'c1']]) }, deviceNames: devs, badLines: 0 };
    const shared = latencyFrame(spans, opts);
    expect(shared.windows['1s'].block).toBe(shared.current.block);
    // the same span behind another object: computed apart
    const apart = latencyFrame({ ...spans, windows: { ...spans.windows, '1s': Object.create(cur) as typeof cur } }, opts);
    expect(apart.windows['1s'].block).not.toBe(apart.current.block);
    expect(shared).toEqual(apart);
    expect(shared.current.block.length).toBe(2);
  });

  it('serviceOnly leaves out the run queue and the total time, and keeps the service figures and buckets as they are', () => {
    const k = new Ticker();
    k.tick(1000, [timed(1000, [blockRow([1000, 5000], { totalValues: [3000, 90_000] })], [runqRow(1, [1000, 9000])])]);
    const w = k.w;
    const spans = { current: w.span('current'), windows: { '1s': w.span('1s'), '10s': w.span('10s'), '1m': w.span('1m'), '5m': w.span('5m') } };
    const opts = { maps: { block: new Map(), runq: new Map() }, deviceNames: devs, badLines: 0 };
    const whole = latencyFrame(spans, opts);
    const lean = latencyFrame(spans, { ...opts, serviceOnly: true });
    for (const f of [lean.current, lean.windows['1s']]) {
      expect(f.runqueue).toBeNull();
      expect(f.block.map((r) => r.total)).toEqual([null]);
    }
    expect(whole.current.runqueue!.count).toBe(2);
    expect(whole.current.block[0]!.total).not.toBeNull();
    const service = (rows: typeof whole.current.block) => rows.map(({ total: _t, ...r }) => r);
    expect(service(lean.current.block)).toEqual(service(whole.current.block));
    expect(service(lean.windows['1s'].block)).toEqual(service(whole.windows['1s'].block));
  });

  it('aggregates the run queue over all cgroups', () => {
    const k = new Ticker();
    const f = k.tick(1000, [timed(1000, [], [runqRow(1, [1000, 2000]), runqRow(2, [3000]), runqRow(0, [70_000])])]);
    const rq = f.windows['1s'].runqueue!;
    expect(rq.count).toBe(4);
    expect(rq.maxUs).toBe(70);
    expect(rq.p50Us).toBe(percentile(Histogram.of([1000, 2000, 3000, 70_000]), 0.5));
  });

  it('counts block I/O without a cgroup (id 0) as unattributed', () => {
    const k = new Ticker();
    const f = k.tick(1000, [timed(1000, [blockRow([1000, 1000], { cgroup: 0 }), blockRow([1000], { cgroup: 5 })])]);
    expect(f.windows['1s'].unattributed).toEqual({ count: 2, bytes: 8192 });
  });

  it('current holds what completed since the previous tick; nothing new is an empty current, not a repeat', () => {
    const k = new Ticker();
    const a = k.tick(2000, [timed(1000, [blockRow([1000])]), timed(2000, [blockRow([1000, 1000])])]);
    expect(a.current.block[0]!.count).toBe(3);
    expect(a.current.block[0]!.buckets).toEqual([[toBuckets(Histogram.of([1000]))[0]![0], 3]]);
    expect(a.current.seconds).toBe(2);
    const b = k.tick(3000);
    expect(b.current.block).toEqual([]); // a gap in the heatmap
    expect(b.windows['10s'].block[0]!.count).toBe(3);
  });
});

describe('containers', () => {
  const counters = (ids: ContainerCounters['cgroupIds'], more: Partial<ContainerCounters> = {}): ContainerCounters =>
    ({ source: 'cgroup-v1', cgroupIds: ids, ...more }) as unknown as ContainerCounters;

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

  it('nested cgroups count to their container; where containers nest, to the innermost one only', () => {
    const nested = (blkio: number[], depth: number) => ({ unified: [], blkio, cpu: [], depth: { unified: 0, blkio: depth, cpu: 0 } });
    const maps = cgroupMapFromContainers(
      [
        // outer (depth 2) holds 11 and 12, and the inner container's cgroup 20 with its own child 21
        { id: 'outer', counters: counters({ unified: null, blkio: 10, cpu: null }, { nestedCgroups: nested([11, 12, 20, 21], 2) }) },
        { id: 'inner', counters: counters({ unified: null, blkio: 20, cpu: null }, { nestedCgroups: nested([21], 4) }) },
      ],
      { cgroup: { block: 'v1-blkio', runq: 'v1-cpu' } },
    );
    expect([...maps.block].sort((a, b) => a[0] - b[0])).toEqual([
      [10, 'outer'],
      [11, 'outer'],
      [12, 'outer'],
      [20, 'inner'],
      [21, 'inner'],
    ]);
    const k = new Ticker();
    const f = k.tick(1000, [timed(1000, [10, 11, 12, 20, 21].map((cg) => blockRow([1000, 2000], { cgroup: cg })))], maps);
    const c = f.windows['1s'].containers;
    expect(c.outer!.block!.reduce((n, r) => n + r.count, 0)).toBe(6);
    expect(c.inner!.block!.reduce((n, r) => n + r.count, 0)).toBe(4);
    // the containers' ops never add up to more than the device's
    expect(c.outer!.io!.count + c.inner!.io!.count).toBeLessThanOrEqual(f.windows['1s'].block[0]!.count);
  });

  it('gives per-container block rows, an I/O summary merged bucket by bucket, and run queue; colliding v1 inode numbers kept apart', () => {
    const k = new Ticker();
    const maps = cgroupMapFromContainers(
      [
        { id: 'aaa', counters: counters({ unified: null, blkio: 100, cpu: 200 }) },
        { id: 'bbb', counters: counters({ unified: null, blkio: 101, cpu: 100 }) },
        { id: 'idle', counters: counters({ unified: null, blkio: 102, cpu: 102 }) },
      ],
      { cgroup: { block: 'v1-blkio', runq: 'v1-cpu' } },
    );
    const f = k.tick(
      1000,
      [
        timed(
          1000,
          [
            blockRow([1000, 2000], { cgroup: 100 }),
            blockRow([500_000], { cgroup: 100, op: 'write', major: 259 }),
            blockRow([9_000_000], { cgroup: 100, op: 'flush' }),
            blockRow([5000], { cgroup: 101, op: 'write' }),
            blockRow([9000], { cgroup: 0 }),
          ],
          [runqRow(100, [10_000]), runqRow(200, [20_000, 30_000])],
        ),
      ],
      maps,
    );
    const c = f.windows['1s'].containers;
    expect(Object.keys(c)).toEqual(['aaa', 'bbb', 'idle']);
    expect(c.aaa!.block!.map((r) => [r.device, r.op, r.count])).toEqual([
      ['nvme0n1', 'write', 1],
      ['sda', 'read', 2],
      ['sda', 'flush', 1],
    ]);
    // "IO p99": reads and writes of every device merged (the flush is not I/O), not a per-row figure
    const io = Histogram.of([1000, 2000, 500_000]).noteMax(500_000);
    expect(c.aaa!.io).toEqual({
      count: 3,
      opsPerSec: 3,
      readBytes: 8192,
      writeBytes: 4096,
      p50Us: percentile(io, 0.5),
      p95Us: percentile(io, 0.95),
      p99Us: percentile(io, 0.99),
      p999Us: percentile(io, 0.999),
      maxUs: 500,
      buckets: toBuckets(io),
    });
    expect(c.aaa!.io!.p99Us).toBeLessThanOrEqual(c.aaa!.io!.maxUs!);
    expect(c.aaa!.runqueue!.count).toBe(2); // cpu cgroup 200
    expect(c.aaa!.runqueue!.maxUs).toBe(30);
    expect(c.bbb!.block!.map((r) => [r.device, r.op, r.count])).toEqual([['sda', 'write', 1]]);
    expect(c.bbb!.runqueue!.count).toBe(1); // cpu cgroup 100, not blkio 100
    expect(c.idle!.block).toEqual([]);
    expect(c.idle!.io!.count).toBe(0);
    expect(c.idle!.blockReason).toBeNull();
    expect(c.idle!.runqueue).toEqual({ count: 0, p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] });
    // The device rows count every cgroup, unknown (0) included.
    expect(f.windows['1s'].block.map((r) => [r.device, r.op, r.count])).toEqual([
      ['nvme0n1', 'write', 1],
      ['sda', 'read', 3],
      ['sda', 'write', 1],
      ['sda', 'flush', 1],
    ]);
  });

  it('says why a container\'s block I/O cannot be attributed: null figures with the reason, never 0', () => {
    const hello = (block: string, programs: Record<string, string> = { block_rq_issue: 'tp_btf', block_rq_complete: 'tp_btf' }) => ({ cgroup: { block }, programs });
    const list = [
      { id: 'noio', counters: counters({ unified: 50, blkio: null, cpu: null }, { ioController: false }) },
      { id: 'ok', counters: counters({ unified: 51, blkio: null, cpu: null }, { ioController: true }) },
      { id: 'v1only', counters: counters({ unified: null, blkio: null, cpu: 3 }) },
    ];
    const v2 = unattributableContainers(list, hello('v2'));
    expect([...v2.keys()]).toEqual(['noio', 'v1only']);
    expect(v2.get('noio')).toMatch(/io controller not enabled.*ancestor/);
    expect(v2.get('v1only')).toMatch(/no cgroup v2 directory/);
    expect(unattributableContainers(list, hello('v1-blkio')).get('v1only')).toMatch(/no blkio cgroup/);
    expect(unattributableContainers(list, hello('v2', { sched_switch: 'tp_btf' })).get('ok')).toMatch(/does not trace block I\/O/);

    const maps = cgroupMapFromContainers(list, { cgroup: { block: 'v2', runq: 'v2' } });
    const k = new Ticker();
    const f = k.tick(1000, [timed(1000, [blockRow([1000], { cgroup: 50 }), blockRow([1000], { cgroup: 51 })], [runqRow(50, [700])])], maps, v2);
    const c = f.windows['1s'].containers;
    expect(c.noio).toMatchObject({ block: null, io: null, blockReason: v2.get('noio') });
    expect(c.noio!.runqueue!.count).toBe(1); // the run queue is still its own
    expect(c.ok!.block![0]!.count).toBe(1);
  });
});

describe('inactive and losses', () => {
  it('an inactive frame says why and has no rows', () => {
    const f = inactiveFrame('eBPF: kernel has no BTF', 3);
    expect(f.source).toBe('eBPF: kernel has no BTF');
    expect(f.active).toBe(false);
    expect(f.badLines).toBe(3);
    for (const w of [...LATENCY_WINDOWS.map((x) => f.windows[x]), f.current]) {
      expect(w).toEqual({ seconds: 0, block: [], runqueue: null, containers: {}, lost: zeroLost(), blockCompleted: 0, unattributed: { count: 0, bytes: 0 } });
    }
  });

  it('the share of block completions without a start counts them among all completions', () => {
    const k = new Ticker();
    const f = k.tick(1000, [timed(1000, [blockRow(Array<number>(996).fill(1000))], [], 1000, { blockNoStart: 4 })]);
    expect(noStartPercent(f.windows['1s'])).toBe(0.4);
    expect(noStartPercent(k.tick(5000).windows['1s'])).toBeNull();
  });
});

describe('deviceNamesFromDiskstats', () => {
  it('maps maj:min to names', () => {
    expect(devs.get('8:0')).toBe('sda');
    expect(devs.get('259:0')).toBe('nvme0n1');
    expect(devs.size).toBe(2);
  });
});

describe('what the monitor asks for', () => {
  it('containers for `current` and the window on screen only; rows and buckets for the open container only', () => {
    const k = new Ticker();
    const maps = { block: new Map([[10, 'open'], [11, 'other']]), runq: new Map([[10, 'open'], [11, 'other']]) };
    k.tick(1000, [timed(1000, [blockRow([1000, 2000], { cgroup: 10 }), blockRow([3000], { cgroup: 11, op: 'write' })], [runqRow(11, [500])])], maps);
    const w = k.w;
    const f = latencyFrame(
      { current: w.span('current'), windows: { '1s': w.span('1s'), '10s': w.span('10s'), '1m': w.span('1m'), '5m': w.span('5m') } },
      { maps, deviceNames: devs, badLines: 0, containerSpans: ['current', '10s'], countsOnly: ['current'], detailFor: (id) => id === 'open' },
    );
    expect(Object.keys(f.windows['1s'].containers)).toEqual([]);
    expect(Object.keys(f.windows['5m'].containers)).toEqual([]);
    expect(f.windows['1s'].block.length).toBe(2); // host rows for every window
    // current: counts and bytes only (the table's block rates)
    expect(f.current.containers.other).toEqual({
      block: null,
      blockReason: null,
      io: { count: 1, opsPerSec: 1, readBytes: 0, writeBytes: 4096, p50Us: null, p95Us: null, p99Us: null, p999Us: null, maxUs: null, buckets: [] },
      runqueue: null,
    });
    expect(f.current.containers.open!.io!.readBytes).toBe(8192);
    for (const span of [f.windows['10s']]) {
      const open = span.containers.open!;
      expect(open.block!.map((r) => r.count)).toEqual([2]);
      expect(open.io!.buckets.length).toBeGreaterThan(0);
      const other = span.containers.other!;
      expect(other.block).toBeNull(); // not computed: the summary only
      expect(other.blockReason).toBeNull(); // (not "unattributable")
      expect(other.io).toMatchObject({ count: 1, writeBytes: 4096, p99Us: 3, maxUs: 3, buckets: [] });
      expect(other.runqueue).toMatchObject({ count: 1, maxUs: 0.5, buckets: [] });
    }
  });
});
