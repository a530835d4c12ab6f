// The report's document from a real store (synthetic SampleSets through the real writer, the catalogue's
// figuresOf): both paths (raw samples, minute roll-ups) give the same steps and window statistics; the
// figures agree with sums made here from the raw counters (not through the catalogue); disk totals equal the
// counters' difference; heatmaps hold every recorded request; --containers; and the bad input of
// `tailtop report` (empty range, outside the recording, another host, an older store, a selector matching
// nothing): one line, exit 2, no file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SampleSet } from '../../src/model/sample-set.js';
import { figuresOf } from '../../src/model/catalogue.js';
import { parseSelectors } from '../../src/model/container-selector.js';
import { StoreWriter } from '../../src/record/writer.js';
import { StoreReader } from '../../src/record/reader.js';
import { SCHEMA_V0 } from '../../src/record/schema.js';
import { intervalEndWallMs } from '../../src/record/rollup.js';
import { alertIntervals, reportFromStore } from '../../src/report/from-store.js';
import { Recording } from '../../src/agent/recording.js';
import type { AlertTransition } from '../../src/export/alerts.js';
import { toPayload } from '../../src/report/payload.js';
import { ReportError } from '../../src/report/errors.js';
import { re2Compiler, runReportCommand } from '../../src/report/cli.js';
import { samples, tempDirs } from './record-helpers.js';

const tmp = tempDirs();
const VERSION = '0.1.0-test';
const START = Date.UTC(2026, 0, 1, 10, 0, 30);
const N = 1500;
let dir: string;
let sets: SampleSet[];
let reader: StoreReader;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailtop-report-store-')); // kept for the whole file (tmp() dirs go after each test)
  sets = samples(N, { seed: 11, containers: 5, processes: 20, startWallMs: START });
  // This machine's identity (the CLI refuses another host's store unless --other-host).
  const w = StoreWriter.open({ dir, tailtopVersion: VERSION, figuresOf });
  for (const s of sets) w.append(s);
  await w.idle();
  await w.close();
  reader = StoreReader.open(dir);
}, 60_000);
afterAll(() => {
  reader?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const FROM = START + 90_000; // 10:02:00
const TO = START + 1_290_000; // 10:22:00: 20 whole minutes

describe('reportFromStore', () => {
  it('short steps from raw samples and minute steps from the roll-ups agree; statistics are the range query\'s', () => {
    const raw = reportFromStore(reader, { fromMs: FROM, toMs: TO, tailtopVersion: VERSION, path: 'raw' });
    const rolled = reportFromStore(reader, { fromMs: FROM, toMs: TO, tailtopVersion: VERSION, path: 'rollup' });
    expect(raw.data.stepSec).toBe(1);
    expect(rolled.data.stepSec).toBe(60);
    expect(raw.data.time.length).toBe(1200);
    expect(rolled.data.time.length).toBe(20);
    expect(raw.samples).toBe(1200);
    const pairs = (d: typeof raw.data) => [
      ...d.series.map((s) => [`host/${s.id}`, s] as const),
      ...d.disks.flatMap((x) => x.series.map((s) => [`${x.name}/${s.id}`, s] as const)),
      ...d.containers.flatMap((c) => c.series.map((s) => [`${c.name}/${s.id}`, s] as const)),
    ];
    const a = new Map(pairs(raw.data));
    const b = new Map(pairs(rolled.data));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(a.size).toBeGreaterThan(60);
    for (const [k, s] of a) {
      const t = b.get(k)!;
      // A minute step's value is the mean of its 60 one-second steps.
      for (let m = 0; m < 20; m++) {
        const xs = s.values.slice(m * 60, m * 60 + 60).filter((v): v is number => v !== null);
        if (xs.length === 0) expect(t.values[m], `${k}[${m}]`).toBeNull();
        else if (!k.includes('/disk.') || !k.startsWith('loop')) expect(t.values[m], `${k}[${m}]`).toBeCloseTo(xs.reduce((x, y) => x + y, 0) / xs.length, 6);
      }
      expect(t.stats, k).toEqual(s.stats);
    }
    // Heatmaps: a minute's column is the sum of its seconds' columns.
    const lat = (d: typeof raw.data) => d.disks.flatMap((x) => x.latency.map((l) => [`${x.name}/${l.id}`, l] as const));
    const la = new Map(lat(raw.data));
    const lb = new Map(lat(rolled.data));
    expect(la.size).toBeGreaterThan(0);
    for (const [k, l] of la) {
      for (let m = 0; m < 20; m++) {
        const sum = new Map<number, number>();
        for (const col of l.columns!.slice(m * 60, m * 60 + 60)) for (const [i, c] of col ?? []) sum.set(i, (sum.get(i) ?? 0) + c);
        expect(lb.get(k)!.columns![m], `${k}[${m}]`).toEqual([...sum].sort((x, y) => x[0] - y[0]));
      }
    }
  });

  it("a container's CPU per step equals Δusage/Δwall from its raw counters, averaged over the step", () => {
    const r = reportFromStore(reader, { fromMs: FROM, toMs: TO, tailtopVersion: VERSION, path: 'rollup' });
    const burner = r.data.containers.find((c) => c.name.includes('burner'))!;
    const cpu = burner.series.find((s) => s.id === 'container.cpu_percent')!;
    expect(cpu.unit).toBe('percent');
    for (let step = 0; step < 20; step++) {
      const lo = FROM + step * 60_000;
      let sum = 0;
      let n = 0;
      for (let i = 1; i < sets.length; i++) {
        const s = sets[i]!;
        if (s.wallMs < lo || s.wallMs >= lo + 60_000) continue;
        const p = sets[i - 1]!;
        const c = s.containers!.containers.find((x) => x.meta.id === burner.id)!;
        const q = p.containers!.containers.find((x) => x.meta.id === burner.id)!;
        sum += ((c.counters!.cpuUsageNs! - q.counters!.cpuUsageNs!) / 1e6 / (s.containers!.atMs - p.containers!.atMs)) * 100;
        n++;
      }
      expect(cpu.values[step]).toBeCloseTo(sum / n, 6);
    }
    expect(burner.id).toMatch(/^[0-9a-f]{64}$/);
    expect(burner.labels['com.docker.compose.project']).toBe('bench');
  });

  it("disk totals are the counters' difference; the heatmap holds every request recorded in the range", () => {
    const r = reportFromStore(reader, { fromMs: FROM, toMs: TO, tailtopVersion: VERSION });
    expect(r.data.stepSec).toBe(1);
    const inside = sets.filter((s) => s.wallMs >= FROM && s.wallMs < TO);
    const first = inside[0]!.host.disks!.find((d) => d.name === 'vda')!;
    const last = inside[inside.length - 1]!.host.disks!.find((d) => d.name === 'vda')!;
    const vda = r.data.disks.find((d) => d.name === 'vda')!;
    expect(vda.totals).toEqual({
      reads: last.readsCompleted - first.readsCompleted,
      writes: last.writesCompleted - first.writesCompleted,
      readBytes: (last.readSectors - first.readSectors) * 512,
      writeBytes: (last.writeSectors - first.writeSectors) * 512,
      from: inside[0]!.wallMs / 1000,
      to: inside[inside.length - 1]!.wallMs / 1000,
    });
    // Requests per op on vda (254:0) in intervals that ended inside the range, summed here from the sets.
    const want = new Map<string, number>();
    for (const s of sets) {
      for (const iv of s.latency?.intervals ?? []) {
        const end = intervalEndWallMs(s.wallMs, s.latency!, iv);
        if (end < FROM || end >= TO) continue;
        // (the synthetic rows' histograms hold more than their `count`: the heatmap is the histograms)
        for (const row of iv.block) if (row.major === 254 && row.minor === 0) want.set(row.op, (want.get(row.op) ?? 0) + row.service.reduce((a, [, n]) => a + n, 0));
      }
    }
    expect(want.size).toBeGreaterThan(0);
    for (const l of vda.latency) {
      const cells = (l.columns ?? []).flatMap((c) => c ?? []).reduce((a, [, n]) => a + n, 0);
      expect(cells, l.op).toBe(want.get(l.op!));
      expect(l.total.count).toBe(want.get(l.op!));
    }
    expect(r.data.recorded.ebpf).toEqual({ on: true });
    expect(r.data.runq!.total.count).toBeGreaterThan(0);
  });

  it('--containers: names, RE2 regexes and labels; a selector matching nothing is refused', () => {
    const names = (sel: string[]) =>
      reportFromStore(reader, { fromMs: FROM, toMs: TO, tailtopVersion: VERSION, path: 'rollup', selectors: parseSelectors(sel, re2Compiler), selectorTexts: sel }).data;
    const w = names(['~WRITER']);
    expect(w.containers.map((c) => c.name).sort()).toEqual(['bench-writer-1', 'bench-writer-2']);
    expect(w.containerFilter).toEqual({ selectors: ['~WRITER'], matched: 2, total: 5 });
    expect(names(['com.docker.compose.service=cache', 'bench-idle-4']).containers.map((c) => c.name).sort()).toEqual(['bench-cache-3', 'bench-idle-4']);
    expect(() => names(['~nomatch'])).toThrow(ReportError);
    expect(() => names(['~nomatch'])).toThrow('--containers "~nomatch" matched none of the 5 containers recorded in the range');
    // RE2: no backreferences (and linear time for the rest).
    expect(() => parseSelectors(['~(a)\\1'], re2Compiler)).toThrow(/--containers "~\(a\)\\\\1": invalid regex/);
  });

  it('a range outside the recording is refused with what the store holds', () => {
    expect(() => reportFromStore(reader, { fromMs: START - 7_200_000, toMs: START - 3_600_000, tailtopVersion: VERSION })).toThrow(
      /^the range 2026-01-01T08:00:30Z to 2026-01-01T09:00:30Z is outside the recording in .*tailtop\.db \(it holds 2026-01-01T10:00:31Z to 2026-01-01T10:25:30Z\)$/,
    );
  });
});

describe('tailtop report (in process)', () => {
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runReportCommand(args, VERSION, { out: (s) => out.push(s), err: (s) => err.push(s) }, START + 1_500_000);
    return { code, out: out.join(''), err: err.join('') };
  };
  const outDir = () => {
    const d = join(tmp(), 'out');
    mkdirSync(d);
    return d;
  };

  it('writes one file and says what it read', async () => {
    const d = outDir();
    const file = join(d, 'r.html');
    const r = await run(['--store', dir, '--from', String(FROM / 1000), '--to', String(TO / 1000), '-o', file]);
    expect(r.err).toMatch(/^tailtop report: wrote .*r\.html \(\d+ bytes; 1200 steps of 1 s; 1200 samples, statistics from 0 hour rows, 20 minute rows, 0 raw samples; 5 containers\)\n$/);
    expect(r.code).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(readdirSync(d)).toEqual(['r.html']);
  });

  it('takes relative times as separate arguments (`--from -1410s`), as the README shows them', async () => {
    const d = outDir();
    const rel = await run(['--store', dir, '--from', '-1410s', '--to', '-210s', '-o', join(d, 'rel.html')]);
    const abs = await run(['--store', dir, '--from', String(FROM / 1000), '--to', String(TO / 1000), '-o', join(d, 'abs.html')]);
    expect(rel.code, rel.err).toBe(0);
    expect(rel.err.replace('rel.html', 'abs.html')).toBe(abs.err);
    expect(readFileSync(join(d, 'rel.html'), 'utf8')).toBe(readFileSync(join(d, 'abs.html'), 'utf8'));
  });

  const bad: [string, string[], RegExp][] = [
    ['an empty range', ['--from', '10:05', '--to', '10:05'], /^tailtop: --from .* is not before --to .*: the range is empty\n$/],
    ['a range outside the recording', ['--from', String(START / 1000 - 7200), '--to', String(START / 1000 - 3600)], /^tailtop: the range .* is outside the recording in .*\(it holds .*\)\n$/],
    ['a selector matching nothing', ['--from', String(FROM / 1000), '--to', String(TO / 1000), '--containers', 'nosuch'], /^tailtop: --containers "nosuch" matched none of the 5 containers recorded in the range\n$/],
    ['a bad regex (RE2 has no look-ahead)', ['--containers', '~a(?=b)'], /^tailtop: --containers "~a\(\?=b\)": invalid regex: .*\n$/],
    ['no -o', [], /^tailtop: -o FILE.html is required/],
  ];
  for (const [what, args, msg] of bad) {
    it(`${what}: one line, exit 2, no file`, async () => {
      const d = outDir();
      const r = await run(['--store', dir, ...args, ...(what === 'no -o' ? [] : ['-o', join(d, 'r.html')])]);
      expect(r.err).toMatch(msg);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.code).toBe(2);
      expect(readdirSync(d)).toEqual([]);
    });
  }

  it("a store of another host: refused (exit 2, no file) unless --other-host", async () => {
    const other = tmp();
    const w = StoreWriter.open({ dir: other, tailtopVersion: VERSION, identity: { hostname: 'elsewhere', machineId: 'ffffffffffffffffffffffffffffffff', bootId: 'b' }, figuresOf });
    for (const s of sets.slice(0, 200)) w.append(s);
    await w.close();
    const d = outDir();
    const args = ['--store', other, '--from', String(START / 1000), '--to', String(START / 1000 + 120), '-o', join(d, 'r.html')];
    const r = await run(args);
    expect(r.err).toMatch(/^tailtop: store .*tailtop\.db was recorded on host elsewhere \(machine-id f{32}\), not this one \(.*\): pass --other-host to report on a copied store\n$/);
    expect(r.code).toBe(2);
    expect(readdirSync(d)).toEqual([]);
    const ok = await run([...args, '--other-host']);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(d, 'r.html'), 'utf8')).toContain('elsewhere');
  });

  it('a store of an older version: refused with the version it needs (exit 2, no file)', async () => {
    const old = tmp();
    const db = new Database(join(old, 'tailtop.db'));
    db.exec(SCHEMA_V0);
    const put = db.prepare('INSERT INTO meta VALUES (?, ?)');
    put.run('schema_version', '0');
    put.run('tailtop_version', '0.0.9');
    put.run('hostname', 'testhost');
    db.close();
    const d = outDir();
    const r = await run(['--store', old, '-o', join(d, 'r.html')]);
    expect(r.err).toMatch(/^tailtop: store .*tailtop\.db has schema 0 \(written by tailtop 0\.0\.9\); tailtop 0\.1\.0-test reads schema 2: run `tailtop agent --store .*` once to migrate it\n$/);
    expect(r.code).toBe(2);
    expect(readdirSync(d)).toEqual([]);
  });

  it('a range in a gap of the recording: one line, exit 2, no file', async () => {
    const gappy = tmp();
    const w = StoreWriter.open({ dir: gappy, tailtopVersion: VERSION, figuresOf });
    for (const s of samples(90, { seed: 2, containers: 1, processes: 5, startWallMs: START })) w.append(s);
    for (const s of samples(90, { seed: 2, containers: 1, processes: 5, startWallMs: START + 3_600_000 })) w.append(s);
    await w.close();
    const d = outDir();
    const r = await run(['--store', gappy, '--from', String(START / 1000 + 600), '--to', String(START / 1000 + 1800), '-o', join(d, 'r.html')]);
    expect(r.err).toBe(
      `tailtop: no samples recorded between 2026-01-01T10:10:30Z and 2026-01-01T10:30:30Z in ${gappy}/tailtop.db (it holds 2026-01-01T10:00:31Z to 2026-01-01T11:02:00Z, with gaps where no agent ran)\n`,
    );
    expect(r.code).toBe(2);
    expect(readdirSync(d)).toEqual([]);
  });

  it('a missing store: one line naming it, exit 2', async () => {
    const d = outDir();
    const r = await run(['--store', join(d, 'nostore'), '-o', join(d, 'r.html')]);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain('nostore');
    expect(existsSync(join(d, 'r.html'))).toBe(false);
  });
});

describe('alert intervals from the recorded alert transitions', () => {
  // Real path: a Recording (the agent's and --record's) stores the transitions the AlertBoard returns.
  const S = Math.floor(Date.now() / 1000) * 1000 + 5000; // after the session row's start (the system clock)
  const at = (sec: number): number => S + sec * 1000;
  const tr = (sec: number, rule: string, to: AlertTransition['to'], labels: Record<string, string> = {}, severity = 'warning', from: AlertTransition['from'] = 'pending'): AlertTransition => ({
    atMs: at(sec),
    rule,
    severity,
    labels,
    from,
    to,
    value: 0.0612345,
    expr: 'x > 1',
    summary: null,
  });
  let adir: string;
  let areader: StoreReader;
  beforeAll(async () => {
    adir = mkdtempSync(join(tmpdir(), 'tailtop-report-alerts-'));
    const rec = Recording.open({ dir: adir, version: VERSION, intervalMs: 1000, retainMs: 7 * 86_400_000, maxBytes: 1024 ** 3, figuresOf });
    const byTime = new Map<number, AlertTransition[]>();
    const add = (t: AlertTransition): void => void byTime.set(t.atMs, [...(byTime.get(t.atMs) ?? []), t]);
    add(tr(20, 'cpu-high', 'pending', {}, 'warning', 'inactive')); // not stored
    add(tr(30, 'cpu-high', 'firing'));
    add(tr(100, 'cpu-high', 'resolved', {}, 'warning', 'firing')); // before the range: left out
    add(tr(60, 'disk-slow', 'firing', { device: 'sda' }, 'critical'));
    add(tr(200, 'disk-slow', 'resolved', { device: 'sda' }, 'critical', 'firing')); // starts before the range
    add(tr(250, 'mem', 'firing', { container: 'ev\u202eil\u0007-1', 'x\u0000y': 'a\u2066b' }, 'info'));
    add(tr(300, 'mem', 'resolved', { container: 'ev\u202eil\u0007-1', 'x\u0000y': 'a\u2066b' }, 'info', 'firing'));
    add(tr(310, 'mem', 'inactive', { container: 'other' }, 'info')); // a pending one going away: not stored
    add(tr(400, 'load', 'firing', { instance_role: 'db' }, 'page')); // never resolved
    for (const s of samples(600, { seed: 3, containers: 2, startWallMs: S })) {
      rec.writer.append(s);
      rec.recordAlerts(byTime.get(s.wallMs) ?? []);
    }
    rec.writer.recordEvent('alert', at(350), '{"state":"firing","rule":'); // a damaged row: skipped
    rec.writer.recordEvent('alert', at(351), JSON.stringify({ state: 'firing', rule: 7 })); // not an alert record: skipped
    await rec.close();
    rec.recordAlerts([tr(590, 'late', 'firing')]); // after close: nothing, no throw
    areader = StoreReader.open(adir);
  }, 60_000);
  afterAll(() => {
    areader?.close();
    if (adir) rmSync(adir, { recursive: true, force: true });
  });

  it('firing and resolved transitions are stored as alert events (pending and inactive are not)', () => {
    const rows = areader.events(0, Number.MAX_SAFE_INTEGER).filter((e) => e.kind === 'alert');
    expect(rows).toHaveLength(9);
    expect(JSON.parse(rows[0]!.message)).toEqual({ state: 'firing', rule: 'cpu-high', severity: 'warning', labels: {}, value: 0.0612345, summary: null });
  });

  it('pairs them into intervals clipped to the range; one still firing at the end runs to the range end', () => {
    const r = reportFromStore(areader, { fromMs: at(120), toMs: at(500), tailtopVersion: VERSION });
    expect(r.data.alerts).toEqual([
      { name: 'disk-slow', severity: 'critical', subject: 'sda', from: at(120) / 1000, to: at(200) / 1000, message: 'disk-slow (device=sda); value 0.06123 when it fired' },
      { name: 'mem', severity: 'info', subject: 'evil-1', from: at(250) / 1000, to: at(300) / 1000, message: 'mem (container=evil-1, xy=ab); value 0.06123 when it fired' },
      { name: 'load', severity: 'warning', from: at(400) / 1000, to: null, message: 'load (instance_role=db); value 0.06123 when it fired' },
    ]);
    // The page's contract accepts them.
    expect(() => toPayload(r.data)).not.toThrow();
    // Past the end of the recording: the alert never resolved ends where its session (the process) ended.
    const later = reportFromStore(areader, { fromMs: at(380), toMs: at(700), tailtopVersion: VERSION });
    const ended = areader.sessions()[0]!.endedMs!;
    expect(ended).toBeGreaterThan(at(590));
    expect(later.data.alerts.map((a) => [a.name, a.from, a.to])).toEqual([['load', at(400) / 1000, ended / 1000]]);
  });

  it('--containers leaves out alerts on other containers', () => {
    const r = reportFromStore(areader, { fromMs: at(120), toMs: at(500), tailtopVersion: VERSION, selectors: parseSelectors(['~^bench-'], re2Compiler) });
    expect(r.data.alerts.map((a) => a.name)).toEqual(['disk-slow', 'load']);
  });

  it('a firing whose session ended (crash) ends at the next session; a resolved whose firing was pruned starts at its session', () => {
    const ev = (t: number, state: string, rule: string) => ({ wallMs: t, kind: 'alert', message: JSON.stringify({ state, rule, severity: 'warning', labels: {}, value: 1, summary: 'sum' }) });
    const sess = (id: number, startedMs: number, endedMs: number | null) => ({ id, startedMs, endedMs, pid: 1, bootId: null, hostname: 'h', tailtopVersion: VERSION, intervalMs: 1000 });
    const got = alertIntervals(
      [ev(1500, 'resolved', 'orphan'), ev(2000, 'firing', 'a'), ev(5000, 'firing', 'a'), ev(6000, 'resolved', 'a'), { wallMs: 6500, kind: 'gap', message: 'x' }],
      [sess(1, 1000, null), sess(2, 4000, null)],
      0,
      10_000,
    );
    expect(got.map((a) => [a.name, a.from, a.to, a.message])).toEqual([
      ['orphan', 1, 1.5, 'sum; value 1 when it resolved'],
      ['a', 2, 4, 'sum; value 1 when it fired'],
      ['a', 5, 6, 'sum; value 1 when it fired'],
    ]);
  });
});
