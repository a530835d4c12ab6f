// Query ranges over a real store file (synthetic samples through the real writer): the document's rates are
// the counter deltas over exactly the range, block I/O counts the sum of the intervals that ended in it,
// `window` statistics those of the per-sample catalogue figures (brute force over the raw samples), and
// the tier rule keeps long ranges off the raw rows.
import { describe, expect, it } from 'vitest';
import type { SampleSet } from '../../src/model/sample-set.js';
import { StoreWriter } from '../../src/record/writer.js';
import { StoreReader } from '../../src/record/reader.js';
import { intervalEndWallMs } from '../../src/record/rollup.js';
import { figuresOf } from '../../src/model/catalogue.js';
import { queryRange, RangeError } from '../../src/query/range.js';
import { samples, tempDirs } from './record-helpers.js';

const tmp = tempDirs();
const ID = { hostname: 'testhost', machineId: 'm-1', bootId: 'b-1' };
const START = Date.UTC(2026, 0, 1, 10, 0, 0);

async function record(dir: string, sets: SampleSet[]): Promise<void> {
  const w = StoreWriter.open({ dir, tailtopVersion: 't', identity: ID, figuresOf });
  for (const s of sets) {
    w.append(s);
    await w.idle();
  }
  await w.close();
}

describe('queryRange', () => {
  it('computes the snapshot over exactly [from, to] from counters and merged intervals', async () => {
    const dir = tmp();
    const sets = samples(400, { seed: 3, containers: 5, processes: 20, startWallMs: START + 500 });
    await record(dir, sets);
    const r = StoreReader.open(dir);
    const from = START + 65_000;
    const to = START + 250_000;
    const { document: d } = queryRange(r, from, to, { version: 't' });
    const first = sets.find((s) => s.wallMs >= from)!;
    const last = [...sets].reverse().find((s) => s.wallMs <= to)!;
    expect(d.range.firstSampleMs).toBe(first.wallMs);
    expect(d.range.lastSampleMs).toBe(last.wallMs);
    expect(d.intervalSec).toBeCloseTo((last.atMs - first.atMs) / 1000, 9);
    // host CPU from the /proc/stat deltas of the two edge samples
    const t = (s: SampleSet) => s.host.stat!.total;
    const sum = (c: ReturnType<typeof t>) => c.user + c.nice + c.system + c.idle + c.iowait + c.irq + c.softirq + c.steal;
    const busy = 1 - (t(last).idle + t(last).iowait - t(first).idle - t(first).iowait) / (sum(t(last)) - sum(t(first)));
    expect(d.host.cpu.percent).toBeCloseTo(100 * busy, 6);
    // container CPU from cgroup counters
    for (const c of last.containers!.containers) {
      const before = first.containers!.containers.find((x) => x.meta.id === c.meta.id)!;
      const want = ((c.counters!.cpuUsageNs! - before.counters!.cpuUsageNs!) / 1e9 / ((last.atMs - first.atMs) / 1000)) * 100;
      expect(d.containers.find((x) => x.id === c.meta.id)!.cpuPercent).toBeCloseTo(want, 6);
    }
    // block counts: the sum of the intervals that ended in [from, to)
    const counts = new Map<string, number>();
    let seconds = 0;
    for (const s of sets) {
      for (const iv of s.latency?.intervals ?? []) {
        const end = intervalEndWallMs(s.wallMs, s.latency!, iv);
        if (end < from || end >= to) continue;
        seconds += iv.intervalNs / 1e9;
        for (const b of iv.block) if (b.op === 'write' || b.op === 'read') counts.set(`${b.major}:${b.minor}:${b.op}`, (counts.get(`${b.major}:${b.minor}:${b.op}`) ?? 0) + b.count);
      }
    }
    expect(seconds).toBeGreaterThan(100);
    expect(d.latency.seconds).toBeCloseTo(seconds, 6);
    const names = new Map(last.host.disks!.map((x) => [`${x.major}:${x.minor}`, x.name]));
    for (const [k, n] of counts) {
      const [maj, min, op] = k.split(':');
      const row = d.latency.block.find((b) => b.device === (names.get(`${maj}:${min}`) ?? `${maj}:${min}`) && b.op === op);
      expect(row?.count ?? 0).toBe(n);
    }
    // eBPF disk rates are those counts over the covered seconds
    for (const disk of d.host.disks.filter((x) => x.source === 'ebpf')) {
      const w = d.latency.block.filter((b) => b.device === disk.name && b.op === 'write').reduce((a, b) => a + b.count, 0);
      expect(disk.writeOpsPerSec).toBeCloseTo(w / seconds, 6);
    }
    // window statistics: brute force over the samples' catalogue figures (raw samples in [from, to))
    const vals = new Map<string, number[]>();
    let prev: SampleSet | null = null;
    for (const s of sets) {
      if (s.wallMs >= from && s.wallMs < to) {
        for (const f of figuresOf(prev, s)) {
          const k = `${f.id}|${JSON.stringify(f.labels)}`;
          (vals.get(k) ?? vals.set(k, []).get(k)!).push(f.value);
        }
      }
      prev = s;
    }
    expect(d.window.samples).toBe(sets.filter((s) => s.wallMs >= from && s.wallMs < to).length);
    let checked = 0;
    for (const [id, entry] of Object.entries(d.window.figures)) {
      for (const v of entry.values) {
        const xs = vals.get(`${id}|${JSON.stringify(v.labels)}`)!;
        expect(xs, id).toBeDefined();
        expect(v.count).toBe(xs.length);
        expect(v.min).toBe(Math.min(...xs));
        expect(v.max).toBe(Math.max(...xs));
        expect(v.avg!).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / xs.length, 6);
        const sorted = [...xs].sort((a, b) => a - b);
        const p99 = sorted[Math.ceil(0.99 * sorted.length) - 1]!;
        expect(Math.abs(v.p99! - p99)).toBeLessThanOrEqual(Math.abs(p99) * 0.011 + 1e-9);
        checked++;
      }
    }
    expect(checked).toBe(vals.size);
    expect(d.window.figures['container.cpu_percent']!.unit).toBe('percent');
    expect(d.range.sources.minutes).toBeGreaterThan(0);
    r.close();
  });

  it('reads whole minutes from roll-ups, and gives a series per step', async () => {
    const dir = tmp();
    const sets = samples(600, { seed: 5, containers: 3, processes: 5, startWallMs: START });
    await record(dir, sets);
    const r = StoreReader.open(dir);
    const { document: d, series } = queryRange(r, START, START + 600_000, { version: 't', stepMs: 120_000 });
    expect(d.range.sources.rawSamples).toBe(0);
    expect(d.range.sources.minutes).toBe(10);
    expect(series!.steps).toHaveLength(5);
    expect(series!.steps.reduce((a, s) => a + s.samples, 0)).toBe(d.window.samples);
    const total = (rows: { op: string; count: number }[]) => rows.filter((b) => b.op === 'write').reduce((a, b) => a + b.count, 0);
    expect(series!.steps.reduce((a, s) => a + total(s.latency?.block ?? []), 0)).toBe(total(d.latency.block));
    r.close();
  });

  it('says what the store holds when nothing was recorded in the range', async () => {
    const dir = tmp();
    await record(dir, samples(10, { seed: 1, startWallMs: START }));
    const r = StoreReader.open(dir);
    expect(() => queryRange(r, START + 3_600_000, START + 7_200_000, { version: 't' })).toThrow(RangeError);
    expect(() => queryRange(r, START + 3_600_000, START + 7_200_000, { version: 't' })).toThrow(/nothing recorded from .* it holds 2026-01-01T10:00:01.000Z \.\. /);
    r.close();
  });
});
