#!/usr/bin/env node
// Latency frame, builds side by side in one process: each build (--root DIR, two or more) gets the same helper
// lines (bench/latency-load.mjs) and parses them with its own parser, then runs the frame as the monitor does
// (mark + want + add + advance + the latency frame), the builds taking turns every second (which goes first
// alternates), so that both see the same machine at the same moment: on a shared machine the separate runs of
// bench/latency.mjs differ by more than the changes measured here. Each frame's phases are timed in sequence
// (mark, add, advance, spans, frame), and the frames of the builds are compared as JSON (every --compare-every
// frames; any difference is printed and counted).
//   npm run build && node --expose-gc bench/latency-ab.mjs --root BEFORE --root AFTER [--window 5m] [--seconds 390]
//     [--last 120] [--compare-every 5] [--all-spans]
// Figures: per build, the last --last frames' wall ms (p10 / p50 / p90 / p95 / mean) of the whole step, its CPU
// time p50, each phase's p50, and the frames that held a garbage collection (PerformanceObserver's gc entries)
// with the p50 of those that did not. With one --root it runs that build alone.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { args, opt } from './cli-args.mjs';
import { deviceNames, intervalLine, mapsAt } from './latency-load.mjs';

const roots = args.flatMap((a, i) => (a === '--root' ? [resolve(args[i + 1])] : []));
if (roots.length < 1) throw new Error('latency-ab: give the builds to compare (--root DIR --root DIR)');
const SECONDS = Number(opt('seconds', '390'));
const WINDOW = opt('window', '5m');
const LAST = Number(opt('last', '120'));
const COMPARE_EVERY = Number(opt('compare-every', '5'));
const ALL_SPANS = args.includes('--all-spans');
const gc = globalThis.gc ?? (() => {});

await import(pathToFileURL(join(roots[0], 'dist', 'ui', 'term', 'v8-tuning.js')).href);

// Garbage collections (start, end in performance.now() ms), to tell the frames that held one.
const gcs = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.startTime + e.duration]);
}).observe({ entryTypes: ['gc'] });

const now = () => process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;

const builds = [];
for (const root of roots) {
  const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
  const lat = await dist('model/latency.js');
  const { parseLine } = await dist('sources/ebpf/protocol.js');
  const { LatencyWindows } = await dist('store/latency-windows.js');
  const w = new LatencyWindows();
  const t = { total: [], cpu: [], mark: [], add: [], advance: [], spans: [], frame: [], parse: [], at: [] };
  builds.push({ root, lat, parseLine, w, t });
}

function step(b, line, sec) {
  const p0 = now();
  const iv = b.parseLine(line);
  const p1 = now();
  if (iv.kind !== 'interval') throw new Error(`latency-ab: ${b.root} refused the line: ${iv.reason}`);
  const maps = mapsAt(sec);
  const w = b.w;
  const u0 = process.cpuUsage();
  const f0 = performance.now();
  const c0 = now();
  w.mark(sec * 1000, (cg, runq) => (runq ? maps.runq : maps.block).has(cg));
  w.want(ALL_SPANS ? null : [WINDOW]);
  const c1 = now();
  w.add({ t: sec * 1000, durationMs: iv.intervalNs / 1e6, block: iv.block, runq: iv.runq, lost: iv.lost });
  const c2 = now();
  w.advance(sec * 1000);
  const c3 = now();
  const spans = { current: w.span('current'), windows: { '1s': w.span('1s'), '10s': w.span('10s'), '1m': w.span('1m'), '5m': w.span('5m') } };
  const c4 = now();
  const frame = b.lat.latencyFrame(spans, {
    maps,
    deviceNames,
    badLines: 0,
    ...(ALL_SPANS ? {} : { containerSpans: ['current', WINDOW], countsOnly: ['current'], detailFor: (id) => id === 'container-7' }),
  });
  const c5 = now();
  const f1 = performance.now();
  const u = process.cpuUsage(u0);
  const t = b.t;
  t.parse.push(ms(p0, p1));
  t.mark.push(ms(c0, c1));
  t.add.push(ms(c1, c2));
  t.advance.push(ms(c2, c3));
  t.spans.push(ms(c3, c4));
  t.frame.push(ms(c4, c5));
  t.total.push(ms(c0, c5));
  t.cpu.push((u.user + u.system) / 1000);
  t.at.push([f0, f1]);
  return frame;
}

let compared = 0;
let differ = 0;
const loads = [];
for (let sec = 1; sec <= SECONDS; sec++) {
  const line = intervalLine(sec);
  const order = sec % 2 === 0 ? builds : [...builds].reverse();
  const frames = new Map();
  for (const b of order) frames.set(b, step(b, line, sec));
  if (sec % COMPARE_EVERY === 0 || sec === SECONDS) {
    const json = builds.map((b) => JSON.stringify(frames.get(b)));
    compared++;
    if (json.some((j) => j !== json[0])) {
      differ++;
      if (differ <= 3) {
        let i = 0;
        while (i < json[0].length && json[1][i] === json[0][i]) i++;
        console.error(`frame ${sec} differs at char ${i}: ${json[0].slice(Math.max(0, i - 80), i + 80)}\n  vs ${json[1].slice(Math.max(0, i - 80), i + 80)}`);
      }
    }
  }
  if (sec % 60 === 0) loads.push(loadavg()[0].toFixed(2));
  if (sec % 30 === 0) gc();
}

await new Promise((r) => setTimeout(r, 50)); // (the last GC entries)
/** Per frame: the GC time inside it, ms. */
const gcIn = (at) =>
  at.map(([a, b]) => {
    let ms = 0;
    for (const [x, y] of gcs) if (y > a && x < b) ms += Math.min(b, y) - Math.max(a, x);
    return ms;
  });
const q = (xs, p) => {
  const t = xs.slice(-LAST).sort((a, b) => a - b);
  return +t[Math.min(t.length - 1, Math.floor(p * t.length))].toFixed(2);
};
const mean = (xs) => +(xs.slice(-LAST).reduce((a, b) => a + b, 0) / Math.min(LAST, xs.length)).toFixed(2);
const out = {
  window: ALL_SPANS ? 'every window, all containers' : WINDOW,
  seconds: SECONDS,
  lastFrames: LAST,
  loadEveryMinute: loads,
  framesCompared: compared,
  framesDiffering: differ,
  builds: builds.map((b) => {
    const g = gcIn(b.t.at).slice(-LAST);
    const quiet = b.t.total.slice(-LAST).filter((_, i) => g[i] === 0);
    return {
      root: b.root,
      wallMs: { p10: q(b.t.total, 0.1), p50: q(b.t.total, 0.5), p90: q(b.t.total, 0.9), p95: q(b.t.total, 0.95), mean: mean(b.t.total) },
      cpuMsP50: q(b.t.cpu, 0.5),
      phaseMsP50: { mark: q(b.t.mark, 0.5), add: q(b.t.add, 0.5), advance: q(b.t.advance, 0.5), spans: q(b.t.spans, 0.5), frame: q(b.t.frame, 0.5) },
      parseMsP50: q(b.t.parse, 0.5),
      framesWithGc: g.filter((x) => x > 0).length,
      gcMsInFramesMean: +(g.reduce((a, x) => a + x, 0) / g.length).toFixed(2),
      wallMsP50WithoutGc: quiet.length ? q(quiet, 0.5) : null,
    };
  }),
};
// (phases an instrumented copy of a build records in globalThis.__ph: name -> ms per frame)
if (globalThis.__ph) {
  out.instrumented = {};
  for (const [k, xs] of Object.entries(globalThis.__ph)) out.instrumented[k] = q(xs, 0.5);
}
console.log(JSON.stringify(out, null, 2));
