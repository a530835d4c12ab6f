#!/usr/bin/env node
// The recording store (src/record/): bytes per sample and per day, writer CPU per tick, seek time in a
// 24-hour store and the time to aggregate 24 hours through the roll-ups.
//
// Samples: REAL SampleSets captured on this machine by bench/record-capture.mjs (host /proc, 20 containers
// of the private dockerd, every process, eBPF intervals), read from --capture (default
// /tmp/tailtop-capture.jsonl.gz); without a capture, the synthetic generator of bench/sample-sets.mjs.
// Roll-up figures: every number of the frames the model derives from (prev, set) (host, disks, net, PSI,
// containers), labelled, about what the metric catalogue will give: a stand-in until it exists.
// The 24-hour store is written through the real writer at a sped-up clock: the capture played in a loop,
// its wall times moved on by one interval a sample (so counters step back once a loop: a keyframe-sized
// difference every loop, more than a real day has).
//   node bench/record.mjs [--capture FILE] [--hours 24] [--keep DIR]
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { args, opt } from './cli-args.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
if (!existsSync(join(root, 'dist', 'record', 'writer.js'))) {
  console.log('record.mjs: skipped: dist/ is not built (npm run build)');
  process.exit(0);
}
const dist = (p) => import(join(root, 'dist', p));
const { StoreWriter } = await dist('record/writer.js');
const { StoreReader } = await dist('record/reader.js');
const { figureQuantile } = await dist('record/rollup.js');
const { deriveHost } = await dist('model/host.js');
const { deriveContainers } = await dist('model/containers.js');
const { sampleGenerator } = await import('./sample-sets.mjs');

const CAPTURE = opt('capture', '/tmp/tailtop-capture.jsonl.gz');
const HOURS = Number(opt('hours', '24'));
const say = (s) => process.stderr.write(`record.mjs: ${s}\n`);
const fmt = (n, d = 1) => n.toFixed(d);
const mib = (b) => `${fmt(b / 1024 ** 2, 1)} MiB`;

let base;
let source;
if (existsSync(CAPTURE)) {
  base = gunzipSync(readFileSync(CAPTURE)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
  const s = base[base.length - 1];
  source = `real capture ${CAPTURE}: ${base.length} samples, ${s.containers?.containers.length ?? 0} containers, ${s.processes?.length ?? 0} processes, eBPF ${s.latency?.status.active ? 'on' : 'off'}`;
} else {
  const g = sampleGenerator({ seed: 1 });
  base = Array.from({ length: 300 }, () => g.next());
  source = 'synthetic samples (bench/sample-sets.mjs): 20 containers, 150 processes, eBPF rows';
}
const INTERVAL = Math.round((base[base.length - 1].wallMs - base[0].wallMs) / (base.length - 1)) || 1000;

/** Every number of a frame object, as figures: id from the path, labels from the row. */
function flatten(prefix, obj, labels, out) {
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'number') out.push({ id: `${prefix}.${k}`, labels, value: v });
    else if (v && typeof v === 'object' && !Array.isArray(v) && k !== 'labels') flatten(`${prefix}.${k}`, v, labels, out);
  }
}

function figuresOf(prev, set) {
  const out = [];
  const dt = prev ? set.atMs - prev.atMs : null;
  const host = deriveHost(set.host, prev?.host ?? null, dt, { showAllDisks: false });
  flatten('host.cpu', host.cpu, undefined, out);
  for (const c of host.cores) flatten('host.core', c, { core: String(c.id) }, out);
  out.push({ id: 'host.ctxsw', value: host.contextSwitchesPerSec });
  if (host.memory) flatten('host.memory', host.memory, undefined, out);
  if (host.load) flatten('host.load', host.load, undefined, out);
  for (const d of host.disks) flatten('disk', d, { device: d.name }, out);
  for (const n of host.net) flatten('net', n, { iface: n.name }, out);
  if (host.pressure) flatten('host.psi', host.pressure, undefined, out);
  if (set.containers) {
    const cf = deriveContainers(set.containers, prev?.containers ?? null, dt);
    for (const c of cf.containers) flatten('container', c, { id: c.id.slice(0, 12), name: c.name }, out);
  }
  return out;
}

/** The capture in a loop, wall and sampler clocks moved on one interval a sample. */
function* looped(n, startWall) {
  const span = base.length * INTERVAL;
  for (let i = 0; i < n; i++) {
    const s = base[i % base.length];
    const loop = Math.floor(i / base.length);
    const shift = startWall - base[0].wallMs + loop * span;
    const lat = s.latency && { ...s.latency, clockMonoNs: s.latency.clockMonoNs === null ? null : s.latency.clockMonoNs + loop * span * 1e6, intervals: s.latency.intervals.map((iv) => ({ ...iv, monoNs: iv.monoNs + loop * span * 1e6 })) };
    yield { ...s, wallMs: s.wallMs + shift, atMs: s.atMs + loop * span, latency: lat };
  }
}

function tableBytes(file) {
  const db = new Database(file, { readonly: true });
  const sum = (t) => db.prepare(`SELECT COALESCE(SUM(LENGTH(data)), 0) AS b, COUNT(*) AS n FROM ${t}`).get();
  const out = { block: sum('block'), rollup: sum('rollup'), meta: sum('container_meta'), pages: db.pragma('page_count', { simple: true }) * db.pragma('page_size', { simple: true }) };
  db.close();
  return out;
}

const ID = { hostname: 'bench', machineId: 'bench', bootId: 'bench' };
const dirs = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tailtop-bench-record-'));
  dirs.push(d);
  return d;
};

// ------------------------------------------------------------------ 1. size and writer cost on the capture
async function writeAll(dir, sets, withFigures) {
  const w = StoreWriter.open({ dir, tailtopVersion: 'bench', identity: ID, figuresOf: withFigures ? figuresOf : null, intervalMs: INTERVAL });
  const perTick = [];
  const c0 = process.cpuUsage();
  for (const s of sets) {
    const t = process.cpuUsage();
    w.append(s);
    const d = process.cpuUsage(t);
    perTick.push((d.user + d.system) / 1000);
    // a real agent waits an interval between ticks: let the packing on the thread pool finish
    if (s.wallMs % 60_000 < INTERVAL) await w.idle();
  }
  await w.close();
  const all = process.cpuUsage(c0);
  perTick.sort((a, b) => a - b);
  return { cpuMsPerTick: (all.user + all.system) / 1000 / sets.length, p50: perTick[Math.floor(perTick.length / 2)], p99: perTick[Math.floor(perTick.length * 0.99)], max: perTick[perTick.length - 1] };
}

say(source);
// the codec round-trips the samples exactly (same JSON; the samples hold no -0/NaN: JSON.parse made them)
{
  const { ChainEncoder, ChainDecoder } = await dist('record/codec.js');
  const enc = new ChainEncoder();
  const dec = new ChainDecoder();
  for (const s of base) if (JSON.stringify(dec.decode(enc.encode(s))) !== JSON.stringify(s)) throw new Error('round trip failed');
  say(`round trip of ${base.length} samples: exact`);
}
const warm = tmp();
await writeAll(warm, [...looped(base.length, Date.UTC(2026, 0, 1))], true); // JIT warm-up
const d1 = tmp();
const N = Math.max(base.length, 1200);
const costFig = await writeAll(d1, [...looped(N, Date.UTC(2026, 0, 2))], true);
const d2 = tmp();
const costRaw = await writeAll(d2, [...looped(N, Date.UTC(2026, 0, 3))], false);
const t1 = tableBytes(join(d1, 'tailtop.db'));
const fileBytes = statSync(join(d1, 'tailtop.db')).size;

// ------------------------------------------------------------------ 2. a 24-hour store
const day = tmp();
const n24 = Math.round((HOURS * 3_600_000) / INTERVAL);
const start24 = Date.UTC(2026, 0, 10, 0, 0, 0);
say(`writing ${n24} samples (${HOURS} h at ${INTERVAL} ms) through the writer`);
let t = performance.now();
{
  const w = StoreWriter.open({ dir: day, tailtopVersion: 'bench', identity: ID, figuresOf, intervalMs: INTERVAL, maxBytes: 8 * 1024 ** 3 });
  let i = 0;
  for (const s of looped(n24, start24)) {
    w.append(s);
    if (++i % 600 === 0) await w.idle();
  }
  await w.close();
}
const genS = (performance.now() - t) / 1000;
const dayFile = join(day, 'tailtop.db');
const dayBytes = statSync(dayFile).size;
const t24 = tableBytes(dayFile);

// seek: fresh reader per seek (no warm segment cache), random times across the day
const seeks = [];
let rnd = 12345;
const next = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
for (let i = 0; i < 40; i++) {
  const at = start24 + Math.floor(next() * HOURS * 3_600_000);
  const s0 = performance.now();
  const r = StoreReader.open(day);
  const got = r.at(at);
  const stepped = r.previous(got.seq);
  seeks.push(performance.now() - s0);
  if (!got || !stepped) throw new Error('seek found nothing');
  r.close();
}
seeks.sort((a, b) => a - b);

// aggregate a whole day (edges not on minute boundaries) through the tiers, figures and latency
const r = StoreReader.open(day);
const a0 = start24 + 37_500;
const b0 = start24 + HOURS * 3_600_000 - 22_500;
t = performance.now();
const agg = r.aggregate(a0, b0, figuresOf);
const aggMs = performance.now() - t;
const cpuFig = agg.figures.find((f) => f.id === 'host.cpu.percent');
const p99 = cpuFig ? figureQuantile(cpuFig, 0.99) : null;

// raw iteration (replay speed): one hour forwards
t = performance.now();
let rawN = 0;
for (const _ of r.range(start24 + 3_600_000, start24 + 2 * 3_600_000)) rawN++;
const rawS = (performance.now() - t) / 1000;
r.close();

const perSample = t1.block.b / N;
const rollPerMin = t1.rollup.b / Math.max(1, t1.rollup.n);
console.log(`\n## Recording store (bench/record.mjs)\n`);
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${mib(totalmem())} RAM, node ${process.version}. Samples: ${source}; interval ${INTERVAL} ms.\n`);
console.log('| figure | value |');
console.log('|---|---|');
console.log(`| blocks (samples, brotli): bytes per sample | ${fmt(perSample, 0)} B |`);
console.log(`| roll-up rows (minute + hour, ${agg.figures.length} figures): bytes per minute | ${fmt(rollPerMin, 0)} B |`);
console.log(`| container metadata rows | ${t1.meta.n} rows, ${t1.meta.b} B |`);
console.log(`| whole file / sample (${N} samples, incl. free pages) | ${fmt(fileBytes / N, 0)} B |`);
console.log(`| per day at ${INTERVAL} ms, from the above | ${mib(perSample * 86_400_000 / INTERVAL + rollPerMin * 1440 * 61 / 60)} |`);
console.log(`| ${HOURS}-hour store written through the writer: file size | ${mib(dayBytes)} (blocks ${mib(t24.block.b)}, roll-ups ${mib(t24.rollup.b)}) |`);
console.log(`| writer CPU per tick, with roll-up figures (mean / p50 / p99 / max) | ${fmt(costFig.cpuMsPerTick, 2)} / ${fmt(costFig.p50, 2)} / ${fmt(costFig.p99, 2)} / ${fmt(costFig.max, 2)} ms |`);
console.log(`| writer CPU per tick, samples only (mean / p50 / p99 / max) | ${fmt(costRaw.cpuMsPerTick, 2)} / ${fmt(costRaw.p50, 2)} / ${fmt(costRaw.p99, 2)} / ${fmt(costRaw.max, 2)} ms |`);
console.log(`| writing ${n24} samples at a sped-up clock | ${fmt(genS, 0)} s |`);
console.log(`| seek to a random time in ${HOURS} h (open + at + previous; median / max of 40) | ${fmt(seeks[20], 1)} / ${fmt(seeks[39], 1)} ms |`);
console.log(`| aggregate ${HOURS} h through roll-ups (${agg.sources.hours} hour rows, ${agg.sources.minutes} minute rows, ${agg.sources.rawSamples} raw samples) | ${fmt(aggMs, 0)} ms |`);
console.log(`| raw iteration (replay), one hour | ${rawN} samples in ${fmt(rawS, 2)} s (${fmt(rawN / rawS, 0)}/s) |`);
console.log(`\nhost CPU p99 over the day from the sketch: ${p99 === null ? '—' : fmt(p99, 1)}%; latency intervals merged: ${agg.latency.intervals}`);

if (opt('keep', null) === null) for (const d of dirs) rmSync(d, { recursive: true, force: true });
else say(`stores kept in ${dirs.join(' ')}`);
