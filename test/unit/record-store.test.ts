// The store on a real SQLite file: what the writer records, the reader gives back exactly, at any time,
// forwards and backwards, while the writer is still writing; metadata as it changes; retention and the
// size cap; one writer; roll-ups that answer a range the same as the raw samples do.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { SampleSet } from '../../src/model/sample-set.js';
import { StoreWriter, type StoreEvent } from '../../src/record/writer.js';
import { StoreReader } from '../../src/record/reader.js';
import { StoreError } from '../../src/record/errors.js';
import { figureAverage, figureQuantile, figuresOfRow, intervalEndWallMs, PeriodAccumulator, type FigureValue } from '../../src/record/rollup.js';
import { figuresOf, firstDifference, sampleGenerator, samples, tempDirs } from './record-helpers.js';
import { figuresOf as catalogueFigures } from '../../src/model/catalogue.js';

const VERSION = '0.1.0-test';
const tmp = tempDirs();
const ID = { hostname: 'testhost', machineId: 'm-1', bootId: 'b-1' };

async function record(dir: string, sets: SampleSet[], o: Partial<Parameters<typeof StoreWriter.open>[0]> = {}): Promise<StoreEvent[]> {
  const events: StoreEvent[] = [];
  const w = StoreWriter.open({ dir, tailtopVersion: VERSION, identity: ID, figuresOf, onEvent: (e) => events.push(e), ...o });
  for (const s of sets) {
    w.append(s);
    await w.idle();
  }
  await w.close();
  return events;
}

describe('store round trip', () => {
  it('gives back every recorded sample exactly, in order, and at any time', async () => {
    const dir = tmp();
    const sets = samples(400, { seed: 7, intervalMs: 1000, startWallMs: Date.UTC(2026, 0, 1, 10, 0, 30) });
    await record(dir, sets);
    const r = StoreReader.open(dir);
    expect(r.span()).toEqual({ fromMs: sets[0]!.wallMs, toMs: sets[399]!.wallMs });
    const got = [...r.range(sets[0]!.wallMs, sets[399]!.wallMs + 1)];
    expect(got.length).toBe(400);
    for (let i = 0; i < 400; i++) expect(firstDifference(got[i]!.set, sets[i])).toBeNull();
    expect(got.map((g) => g.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    for (const i of [0, 1, 59, 60, 61, 200, 398, 399]) {
      const s = sets[i]!;
      expect(r.at(s.wallMs)!.seq).toBe(i + 1);
      expect(r.at(s.wallMs + 999)!.seq).toBe(i + 1);
      expect(r.after(s.wallMs - 999)!.seq).toBe(i + 1);
      expect(r.next(i + 1)?.seq ?? null).toBe(i === 399 ? null : i + 2);
      expect(r.previous(i + 1)?.seq ?? null).toBe(i === 0 ? null : i);
    }
    expect(r.at(sets[0]!.wallMs - 1)).toBeNull();
    expect(r.after(sets[399]!.wallMs + 1)).toBeNull();
    const back = [...r.rangeBackwards(sets[50]!.wallMs, sets[150]!.wallMs)];
    expect(back.map((b) => b.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 150 - i));
    // stream(): the samples of range(), decoded as they are read (a fresh reader: nothing cached; then
    // with the segments range() cached)
    const fresh = StoreReader.open(dir);
    for (const reader of [fresh, r]) {
      for (const [a, b] of [[sets[0]!.wallMs, sets[399]!.wallMs + 1], [sets[50]!.wallMs - 1, sets[150]!.wallMs], [sets[59]!.wallMs + 1, sets[61]!.wallMs + 1], [0, sets[0]!.wallMs], [sets[399]!.wallMs + 1, Infinity]] as const) {
        const streamed = [...reader.stream(a, b)];
        expect(streamed.map((x) => x.seq)).toEqual([...r.range(a, b)].map((x) => x.seq));
        for (const x of streamed) expect(firstDifference(x.set, sets[x.seq - 1])).toBeNull();
      }
    }
    fresh.close();
    expect(r.containersAt(sets[10]!.wallMs).map((m) => m.name)).toEqual(sets[10]!.containers!.containers.map((c) => c.meta.name));
    expect(r.sessions()).toHaveLength(1);
    expect(r.sessions()[0]!.endedMs).not.toBeNull();
    r.close();
  });

  it('reads what a writer is still writing (unpacked ticks and blocks), consistently', async () => {
    const dir = tmp();
    const g = sampleGenerator({ seed: 2, startWallMs: Date.UTC(2026, 0, 1, 10, 0, 0) });
    const w = StoreWriter.open({ dir, tailtopVersion: VERSION, identity: ID });
    const sets: SampleSet[] = [];
    for (let i = 0; i < 150; i++) {
      sets.push(g.next());
      w.append(sets[i]!);
    }
    await w.idle();
    const r = StoreReader.open(dir);
    const db = new Database(join(dir, 'tailtop.db'), { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM tick').get() as { n: number }).n).toBeGreaterThan(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM block').get() as { n: number }).n).toBeGreaterThan(0);
    db.close();
    const got = [...r.range(0, Infinity)];
    expect(got.length).toBe(150);
    for (let i = 0; i < 150; i++) expect(firstDifference(got[i]!.set, sets[i])).toBeNull();
    const r2 = StoreReader.open(dir);
    const streamed = [...r2.stream(0, Infinity)];
    r2.close();
    expect(streamed.map((x) => x.seq)).toEqual(got.map((x) => x.seq));
    for (let i = 0; i < 150; i++) expect(firstDifference(streamed[i]!.set, sets[i])).toBeNull();
    // more ticks after the reader opened: a new snapshot per call sees them
    for (let i = 0; i < 70; i++) {
      sets.push(g.next());
      w.append(sets[sets.length - 1]!);
    }
    await w.idle();
    expect(r.at(Infinity)!.seq).toBe(220);
    expect(firstDifference(r.at(Infinity)!.set, sets[219])).toBeNull();
    await w.close();
    expect(firstDifference(r.at(sets[219]!.wallMs)!.set, sets[219])).toBeNull();
    r.close();
  });

  it('every tick is committed when append() returns, a lone row as much as one with a base row or metadata', async () => {
    const dir = tmp();
    const g = sampleGenerator({ seed: 5, startWallMs: Date.UTC(2026, 0, 1, 10, 0, 30) });
    const w = StoreWriter.open({ dir, tailtopVersion: VERSION, identity: ID });
    const db = new Database(join(dir, 'tailtop.db'), { readonly: true });
    const count = (): number => (db.prepare('SELECT COUNT(*) AS n FROM tick').get() as { n: number }).n + (db.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM block').get() as { n: number }).n;
    for (let i = 1; i <= 40; i++) {
      expect(w.append(g.next())).toBe(true);
      await w.idle();
      expect(count()).toBe(i);
    }
    db.close();
    await w.close();
  });

  it('stores container metadata only when it changes', async () => {
    const dir = tmp();
    const g = sampleGenerator({ seed: 4, containers: 5 });
    const sets = Array.from({ length: 120 }, () => g.next());
    // one container stops halfway: one more metadata row, and the samples say so
    for (let i = 60; i < 120; i++) {
      const c = sets[i]!.containers!.containers[2]!;
      sets[i]!.containers!.containers[2] = { ...c, meta: { ...c.meta, state: 'exited', initPid: null } };
    }
    await record(dir, sets);
    const db = new Database(join(dir, 'tailtop.db'), { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM container_meta').get() as { n: number }).n).toBe(6);
    db.close();
    const r = StoreReader.open(dir);
    expect(r.containersAt(sets[59]!.wallMs)[2]!.state).toBe('running');
    expect(r.containersAt(sets[60]!.wallMs)[2]!.state).toBe('exited');
    expect(firstDifference(r.at(sets[100]!.wallMs)!.set, sets[100])).toBeNull();
    r.close();
  });

  it('keeps the sessions apart and continues the sequence after a restart', async () => {
    const dir = tmp();
    const sets = samples(130, { seed: 5 });
    await record(dir, sets.slice(0, 70));
    await record(dir, sets.slice(70));
    const r = StoreReader.open(dir);
    const got = [...r.range(0, Infinity)];
    expect(got.map((g) => g.seq)).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
    expect([...r.stream(0, Infinity)].map((g) => [g.seq, g.session])).toEqual(got.map((g) => [g.seq, g.session]));
    expect(new Set(got.slice(0, 70).map((g) => g.session)).size).toBe(1);
    expect(got[69]!.session).not.toBe(got[70]!.session);
    expect(r.sessions()).toHaveLength(2);
    for (let i = 0; i < 130; i++) expect(firstDifference(got[i]!.set, sets[i])).toBeNull();
    r.close();
  });
});

describe('base rows', () => {
  it('chains continue a base row: one an hour per writer; the oldest go with the last block that continues them', async () => {
    const dir = tmp();
    const opts = { seed: 5, intervalMs: 10_000, startWallMs: Date.UTC(2026, 0, 1, 10, 0, 5) };
    const sets = samples(900, opts); // 2.5 h
    const base = (sql: string): unknown => {
      const db = new Database(join(dir, 'tailtop.db'), { readonly: true });
      try {
        return db.prepare(sql).get();
      } finally {
        db.close();
      }
    };
    await record(dir, sets.slice(0, 800));
    // a new base at the first minute that starts an hour or more after the last one
    const starts: number[] = [];
    for (let i = 0; i < 800; i++) {
      const w = sets[i]!.wallMs;
      const newMinute = i === 0 || Math.floor(w / 60_000) !== Math.floor(sets[i - 1]!.wallMs / 60_000);
      if (newMinute && (starts.length === 0 || w - starts.at(-1)! >= 3_600_000)) starts.push(w);
    }
    expect(starts).toHaveLength(3);
    expect(base('SELECT group_concat(wall_ms) AS w FROM base ORDER BY id')).toEqual({ w: starts.join(',') });
    expect(base('SELECT COUNT(*) AS n FROM block WHERE base IS NULL')).toEqual({ n: 0 });
    // a block whose first frame is a difference from its base is small: only the first of the hour holds it whole
    expect(base('SELECT COUNT(*) AS n FROM block b JOIN base ON base.id = b.base WHERE b.first_ms = base.wall_ms')).toEqual({ n: 3 });
    await record(dir, sets.slice(800)); // a new writer starts its own base
    expect(base('SELECT COUNT(*) AS n FROM base')).toEqual({ n: 4 });
    const r = StoreReader.open(dir);
    const got = [...r.range(0, Infinity)];
    expect(got.length).toBe(900);
    for (let i = 0; i < 900; i++) expect(firstDifference(got[i]!.set, sets[i])).toBeNull();
    for (const i of [0, 359, 360, 361, 719, 720, 799, 800, 899]) expect(r.at(sets[i]!.wallMs)!.seq).toBe(i + 1);
    r.close();
    // Retention of 40 minutes: the blocks before go, and the bases no chain continues any more with them.
    const more = samples(960, opts).slice(900);
    await record(dir, more, { retainMs: 40 * 60_000 });
    expect(base('SELECT COUNT(*) AS n FROM base WHERE id NOT IN (SELECT base FROM block) AND id NOT IN (SELECT base FROM tick WHERE base IS NOT NULL)')).toEqual({ n: 0 });
    expect(base('SELECT COUNT(*) AS n FROM block WHERE base NOT IN (SELECT id FROM base)')).toEqual({ n: 0 });
    expect((base('SELECT MIN(wall_ms) AS a FROM base') as { a: number }).a).toBeGreaterThan(starts[0]!);
    const r2 = StoreReader.open(dir);
    const kept = [...r2.range(0, Infinity)];
    expect(kept.at(-1)!.set.wallMs).toBe(more.at(-1)!.wallMs);
    for (const k of kept) expect(firstDifference(k.set, [...sets, ...more][k.seq - 1])).toBeNull();
    r2.close();
  });

  it('a damaged base row: one line naming the file for the minutes that continue it', async () => {
    const dir = tmp();
    await record(dir, samples(130, { seed: 2, startWallMs: Date.UTC(2026, 0, 1, 10, 0, 0) }));
    const db = new Database(join(dir, 'tailtop.db'));
    db.prepare('UPDATE base SET crc = crc + 1').run();
    db.close();
    const r = StoreReader.open(dir);
    expect(() => r.at(Date.UTC(2026, 0, 1, 10, 1, 30))).toThrow(new RegExp(`^store ${join(dir, 'tailtop.db')} is damaged: checksum mismatch .* while seeking$`));
    r.close();
  });
});

describe('retention and size cap', () => {
  it('drops what is older than the retention, in bounded steps', async () => {
    const dir = tmp();
    const sets = samples(60 * 30, { seed: 8, containers: 2, processes: 5, intervalMs: 1000 });
    await record(dir, sets, { retainMs: 10 * 60_000 });
    const r = StoreReader.open(dir);
    const span = r.span()!;
    const newest = sets[sets.length - 1]!.wallMs;
    expect(span.toMs).toBe(newest);
    // pruned once a minute by block: at most a minute (and a step) older than the retention
    expect(span.fromMs).toBeGreaterThanOrEqual(newest - 12 * 60_000);
    expect(span.fromMs).toBeLessThanOrEqual(newest - 10 * 60_000);
    expect(r.rollups('minute', 0, newest - 12 * 60_000)).toEqual([]);
    r.close();
  });

  it('keeps the file (with its WAL) under the size cap: the oldest data goes first', async () => {
    const dir = tmp();
    const cap = 1024 ** 2;
    const g = sampleGenerator({ seed: 9 });
    const w = StoreWriter.open({ dir, tailtopVersion: VERSION, identity: ID, maxBytes: cap });
    let worst = 0;
    let last: SampleSet | null = null;
    for (let i = 0; i < 2000; i++) {
      last = g.next();
      w.append(last);
      if (i % 60 === 59) {
        await w.idle();
        if (i > 600) worst = Math.max(worst, w.sizeBytes());
      }
    }
    await w.close();
    const file = join(dir, 'tailtop.db');
    expect(statSync(file).size).toBeLessThanOrEqual(cap);
    expect(worst).toBeLessThanOrEqual(cap * 1.1);
    const r = StoreReader.open(dir);
    expect(r.span()!.toMs).toBe(last!.wallMs);
    expect(r.span()!.fromMs).toBeGreaterThan(last!.wallMs - 2000 * 1000 + 60_000);
    r.close();
  });

  it('refuses a cap below 1 MiB and a retention of 0', () => {
    const dir = tmp();
    expect(() => StoreWriter.open({ dir, tailtopVersion: VERSION, maxBytes: 1000 })).toThrow(/at least 1 MiB/);
    expect(() => StoreWriter.open({ dir, tailtopVersion: VERSION, retainMs: 0 })).toThrow(/retention/);
  });
});

describe('one writer', () => {
  it('a second writer on the same store refuses with a line naming the file and the holder', async () => {
    const dir = tmp();
    const w = StoreWriter.open({ dir, tailtopVersion: VERSION, identity: ID });
    w.append(samples(1)[0]!);
    let err: unknown;
    try {
      StoreWriter.open({ dir, tailtopVersion: VERSION, identity: ID });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe('locked');
    expect((err as StoreError).message).toBe(
      `store ${join(dir, 'tailtop.db')} is being written by another tailtop (pid ${process.pid}, recording since ${new Date((StoreReader.open(dir).sessions()[0]!.startedMs)).toISOString()}); one writer per store`,
    );
    await w.close();
    const again = StoreWriter.open({ dir, tailtopVersion: VERSION, identity: ID });
    await again.close();
  });

  it('refuses a store recorded on another host', async () => {
    const dir = tmp();
    await record(dir, samples(3));
    expect(() => StoreWriter.open({ dir, tailtopVersion: VERSION, identity: { hostname: 'other', machineId: 'm-2', bootId: 'x' } })).toThrow(
      `store ${join(dir, 'tailtop.db')} was recorded on host testhost (machine-id m-1), not this one (other, m-2): use another --store`,
    );
  });
});

describe('roll-ups', () => {
  const start = Date.UTC(2026, 0, 1, 9, 58, 20);

  /** Brute force over the raw samples: figures of samples in [a, b), intervals that ended in [a, b). */
  function direct(sets: SampleSet[], a: number, b: number) {
    const figs = new Map<string, number[]>();
    let blockCount = 0;
    let runqCount = 0;
    let prev: SampleSet | null = null;
    for (const s of sets) {
      if (s.wallMs >= a && s.wallMs < b) {
        for (const f of figuresOf(prev, s)) {
          if (f.value === null) continue;
          const k = `${f.id}|${JSON.stringify(f.labels ?? {})}`;
          figs.set(k, [...(figs.get(k) ?? []), f.value]);
        }
      }
      for (const iv of s.latency?.intervals ?? []) {
        const end = intervalEndWallMs(s.wallMs, s.latency!, iv);
        if (end >= a && end < b) {
          blockCount += iv.block.reduce((n, x) => n + x.count, 0);
          runqCount += iv.runq.reduce((n, x) => n + x.count, 0);
        }
      }
      prev = s;
    }
    return { figs, blockCount, runqCount };
  }

  it('a range of hours is answered by hour rows, minute rows and raw edges, equal to the raw samples', async () => {
    const dir = tmp();
    // 10 s ticks from 09:58:30 to 12:03:20: hours 10:00 and 11:00 complete, 09:00 with its last 2 minutes
    const sets = samples(6 * 60 * 2 + 6 * 35, { seed: 11, containers: 3, processes: 10, intervalMs: 10_000, startWallMs: start });
    for (const s of sets) s.latency!.intervals[0]!.intervalNs = 10e9;
    await record(dir, sets, { intervalMs: 10_000 });
    const r = StoreReader.open(dir);
    expect(r.rollups('hour', 0, Infinity).map((h) => new Date(h.startMs).toISOString())).toEqual(['2026-01-01T09:00:00.000Z', '2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z']);
    const a = Date.UTC(2026, 0, 1, 9, 59, 35);
    const b = Date.UTC(2026, 0, 1, 12, 1, 45);
    const agg = r.aggregate(a, b, figuresOf);
    expect(agg.sources.hours).toBe(2);
    expect(agg.sources.minutes).toBe(1); // 12:00
    expect(agg.sources.rawSamples).toBe(2 + 5); // 09:59:40, :50 and 12:01:00 to :40
    const want = direct(sets, a, b);
    expect(agg.samples).toBe(sets.filter((s) => s.wallMs >= a && s.wallMs < b).length);
    expect(agg.latency.block.reduce((n, x) => n + x.count, 0)).toBe(want.blockCount);
    expect(agg.latency.runq.reduce((n, x) => n + x.count, 0)).toBe(want.runqCount);
    expect(agg.figures.length).toBe(want.figs.size);
    for (const f of agg.figures) {
      const vals = want.figs.get(`${f.id}|${JSON.stringify(f.labels)}`)!;
      expect(f.count).toBe(vals.length);
      expect(f.min).toBe(Math.min(...vals));
      expect(f.max).toBe(Math.max(...vals));
      expect(figureAverage(f)!).toBeCloseTo(vals.reduce((x, y) => x + y, 0) / vals.length, 6);
      const sorted = [...vals].sort((x, y) => x - y);
      const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
      expect(Math.abs(figureQuantile(f, 0.95)! - p95)).toBeLessThanOrEqual(Math.abs(p95) * 0.0101 + 1e-9);
    }
    r.close();
  });

  it('latency of a minute row: counts, bytes and buckets summed, maxima exact', async () => {
    const dir = tmp();
    const sets = samples(180, { seed: 12, startWallMs: Date.UTC(2026, 0, 1, 0, 0, 0) - 1000 });
    await record(dir, sets);
    const r = StoreReader.open(dir);
    const m = Date.UTC(2026, 0, 1, 0, 1, 0);
    const [row] = r.rollups('minute', m, m + 60_000);
    const ivs = sets.flatMap((s) => s.latency!.intervals.filter((iv) => {
      const end = intervalEndWallMs(s.wallMs, s.latency!, iv);
      return end >= m && end < m + 60_000;
    }));
    expect(row!.latency.intervals).toBe(ivs.length);
    const rows = ivs.flatMap((iv) => iv.runq.filter((x) => x.cgroup === 1));
    const merged = row!.latency.runq.find((x) => x.cgroup === 1)!;
    expect(merged.count).toBe(rows.reduce((n, x) => n + x.count, 0));
    expect(merged.maxNs).toBe(Math.max(...rows.map((x) => x.maxNs)));
    expect(merged.hist.reduce((n, x) => n + x[1], 0)).toBe(merged.count);
    r.close();
  });
});

describe('compressing on the writer\'s thread', () => {
  it('stores the same blocks and roll-up rows, byte for byte, as compressing on the thread pool', async () => {
    const sets = samples(200, { seed: 21, containers: 4, processes: 20 }); // crosses minute boundaries
    const a = tmp();
    const b = tmp();
    await record(a, sets, { now: () => 0 });
    await record(b, sets, { now: () => 0, compressInline: true });
    const rows = (dir: string): unknown => {
      const db = new Database(join(dir, 'tailtop.db'), { readonly: true });
      try {
        return {
          block: db.prepare('SELECT first_seq, last_seq, first_ms, last_ms, count, codec, raw_bytes, crc, data FROM block ORDER BY first_seq').all(),
          rollup: db.prepare('SELECT tier, start_ms, samples, codec, raw_bytes, crc, data FROM rollup ORDER BY tier, start_ms').all(),
        };
      } finally {
        db.close();
      }
    };
    const ra = rows(a) as { block: unknown[]; rollup: unknown[] };
    expect(ra.block.length).toBeGreaterThan(1);
    expect(ra.rollup.length).toBeGreaterThan(1);
    expect(rows(b)).toEqual(ra);
  });
});

describe('roll-ups of shared label sets', () => {
  it('a frozen label set shared by every sample rolls up exactly as a fresh copy of it each time', () => {
    const sets = samples(30, { seed: 4, containers: 3 });
    const frozen = new Map<string, Readonly<Record<string, string>>>();
    const share = (f: FigureValue, i: number): FigureValue => {
      if (!f.labels) return f;
      const k = JSON.stringify(f.labels);
      let l = frozen.get(k);
      // every 7th sample a second frozen copy of the same labels (a label memo that was cleared)
      if (!l || i % 7 === 0) frozen.set(k, (l = Object.freeze({ ...f.labels })));
      return { ...f, labels: l };
    };
    const fresh = new PeriodAccumulator('minute', 0);
    const shared = new PeriodAccumulator('minute', 0);
    let prev: SampleSet | null = null;
    sets.forEach((s, i) => {
      const figs = [...catalogueFigures(prev, s)];
      fresh.addSample(s.wallMs, figs.map((f) => ({ ...f, labels: f.labels && { ...f.labels } })));
      // mixed: some samples with fresh labels, the rest with the shared frozen ones
      shared.addSample(s.wallMs, i % 5 === 0 ? figs : figs.map((f) => share(f, i)));
      prev = s;
    });
    expect(shared.finish()).toEqual(fresh.finish());
    expect(fresh.finish().figures.ids.length).toBeGreaterThan(50);
  });
});

describe('hour rows', () => {
  it('are the same whether the writer ran through the hour or restarted in it (recomputed from the minute rows)', async () => {
    const sets = samples(6 * 80, { seed: 13, containers: 2, processes: 5, intervalMs: 10_000, startWallMs: Date.UTC(2026, 0, 1, 5, 50, 0) });
    const through = tmp();
    await record(through, sets, { intervalMs: 10_000 });
    const restarted = tmp();
    await record(restarted, sets.slice(0, 200), { intervalMs: 10_000 });
    await record(restarted, sets.slice(200), { intervalMs: 10_000 });
    const a = StoreReader.open(through);
    const b = StoreReader.open(restarted);
    const ha = a.rollups('hour', 0, Infinity);
    const hb = b.rollups('hour', 0, Infinity);
    expect(ha.map((h) => h.startMs)).toEqual([Date.UTC(2026, 0, 1, 5), Date.UTC(2026, 0, 1, 6)]);
    expect(hb.map((h) => h.startMs)).toEqual(ha.map((h) => h.startMs));
    for (let i = 0; i < ha.length; i++) {
      expect(hb[i]!.samples).toBe(ha[i]!.samples);
      expect(hb[i]!.latency).toEqual(ha[i]!.latency);
      const fa = figuresOfRow(ha[i]!);
      const fb = figuresOfRow(hb[i]!);
      // the restart loses the rate of the first sample after it (no previous sample in its session)
      const ctx = (f: typeof fa) => f.filter((x) => x.id !== 'host.ctxsw_rate' && x.id !== 'container.cpu_percent');
      expect(ctx(fb)).toEqual(ctx(fa));
    }
    a.close();
    b.close();
  });
});

describe('closing', () => {
  it('closeSync() while a minute is being compressed loses neither its block nor its roll-up row', async () => {
    const dir = tmp();
    const sets = samples(130, { seed: 14, startWallMs: Date.UTC(2026, 0, 1, 0, 0, 59) });
    const w = StoreWriter.open({ dir, tailtopVersion: VERSION, identity: ID, figuresOf });
    // 00:01 packs when 00:02 starts (its roll-up row is queued after); 00:02 packs when 00:03 starts, taking
    // 00:01's row along: close while that compression is in flight
    for (const s of sets.slice(0, 61)) w.append(s);
    await w.idle();
    for (const s of sets.slice(61)) w.append(s);
    w.closeSync();
    await new Promise((r) => setTimeout(r, 200)); // the compression finishes after the close
    const r = StoreReader.open(dir);
    expect([...r.range(0, Infinity)].length).toBe(130);
    const rows = r.rollups('minute', 0, Infinity);
    expect(rows.map((m) => new Date(m.startMs).toISOString().slice(11, 16))).toEqual(['00:01', '00:02', '00:03']);
    expect(rows.reduce((n, m) => n + m.samples, 0)).toBe(130);
    const db = new Database(join(dir, 'tailtop.db'), { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM tick').get() as { n: number }).n).toBe(0);
    db.close();
    r.close();
  });
});

describe('recovery of roll-ups', () => {
  it('a minute stored without its row (the writer died between the two commits) gets it back, the same', async () => {
    const dir = tmp();
    const sets = samples(300, { seed: 15, containers: 2, processes: 5, startWallMs: Date.UTC(2026, 0, 1, 7, 0, 0) });
    await record(dir, sets);
    const r0 = StoreReader.open(dir);
    const before = r0.rollups('minute', 0, Infinity);
    r0.close();
    const db = new Database(join(dir, 'tailtop.db'));
    const m = Date.UTC(2026, 0, 1, 7, 2);
    expect(db.prepare('DELETE FROM rollup WHERE tier = 1 AND start_ms = ?').run(m).changes).toBe(1);
    db.close();
    const events: StoreEvent[] = [];
    const w = StoreWriter.open({ dir, tailtopVersion: VERSION, identity: ID, figuresOf, onEvent: (e) => events.push(e) });
    await w.close();
    expect(events.map((e) => e.message)).toEqual([`store ${join(dir, 'tailtop.db')}: recovered 0 ticks and the roll-ups of 1 minute(s) after an unclean stop`]);
    const r = StoreReader.open(dir);
    const after = r.rollups('minute', 0, Infinity);
    expect(after.map((x) => x.startMs)).toEqual(before.map((x) => x.startMs));
    const i = before.findIndex((x) => x.startMs === m);
    expect(after[i]!.samples).toBe(before[i]!.samples);
    expect(after[i]!.latency).toEqual(before[i]!.latency);
    expect(figuresOfRow(after[i]!)).toEqual(figuresOfRow(before[i]!));
    r.close();
    // a clean store: nothing to recover
    const quiet: StoreEvent[] = [];
    await (await StoreWriter.open({ dir, tailtopVersion: VERSION, identity: ID, onEvent: (e) => quiet.push(e) })).close();
    expect(quiet).toEqual([]);
  });
});
