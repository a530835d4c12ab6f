#!/usr/bin/env node
// Latency windows: memory and per-frame time of the window engine (store/latency-windows.ts + the frame
// builder in model/latency.ts) on a busy node: 1000 steady block rows (250 containers x 2 devices x read and
// write, each row a histogram of ~12 service and ~14 total buckets) and 250 run-queue rows every second,
// plus 100 new cgroups a second (one block and one run-queue row each, seen once): short-lived containers,
// known as containers for their first 3 s and then gone, for 5 minutes and a half of simulated time (one
// helper interval per 1 s frame; every window full). Time is simulated, so the run takes seconds; the
// per-frame figure is the (wall) time of mark + add + advance + building the latency frame as the monitor
// asks for it (host rows of every window; the ~550 containers alive for the window on screen, one of them
// with rows and buckets; counts and bytes for `current`). The engine keeps the cgroups' histograms for the
// window on screen only (LatencyWindows.want, as store/frame-maker.ts tells it from the view): --window W
// puts W on screen (default 1s); after the run, the frame after switching to each window in turn is timed
// apart (`switchFrameMs`: the one-off cost of summing the new window's histograms from the log).
// The rows come from the monitor's parser (sources/ebpf/protocol.ts parseLine) reading the helper's interval line,
// as in the monitor (fresh objects every interval); the line is made and parsed outside the timed region
// (the monitor parses a line when the helper prints it), and its time is reported on its own.
//   npm run build && node --expose-gc bench/latency.mjs [--seconds 330] [--window 1s] [--all-spans] [--no-frame] [--old DIR] [--root DIR]
// --all-spans: every window's containers in full (what `snapshot` and the agent ask for); --no-frame: windows only;
// --root DIR: measure the build in DIR/dist (another worktree); --old DIR: the same load through the previous LatencyModel (its model/*.ts of commit c29ad4c transpiled
// into DIR/model/: see BENCHMARKS.md).
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { args, opt, root } from './cli-args.mjs';

const SECONDS = Number(opt('seconds', '330'));
// The monitor computes per-container latency for `current` and the window on screen; --all-spans: for all
// (as `snapshot` does, once).
const ALL_SPANS = args.includes('--all-spans');
const WINDOW = opt('window', '1s');
const OLD = opt('old', null);
// --root DIR: the build (DIR/dist) to measure, e.g. another worktree's (default: this one's).
const gc = globalThis.gc ?? (() => {});

// ---------------------------------------------------------------- the load (seeded: the same every run)
let seed = 4242;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const CONTAINERS = 250;
const DEVICES = [[8, 0], [259, 0]];
const CHURN_PER_SEC = 100;

function bucket(v) {
  if (v < 8) return v;
  const p = 31 - Math.clz32(v);
  return Math.min(319, (p - 2) * 8 + ((v >>> (p - 3)) & 7));
}
const lower = (i) => (i < 8 ? i : (8 + (i & 7)) * 2 ** ((i >> 3) - 1));
const upper = (i) => (i < 8 ? i + 1 : (9 + (i & 7)) * 2 ** ((i >> 3) - 1));

/** A histogram of n values around base ns spread over `width` buckets; returns pairs and a consistent max. */
function hist(n, base, width) {
  const b0 = bucket(base);
  const m = new Map();
  for (let k = 0; k < n; k++) {
    const i = Math.min(319, b0 + Math.floor(rnd() * width));
    m.set(i, (m.get(i) ?? 0) + 1);
  }
  const pairs = [...m.entries()].sort((a, b) => a[0] - b[0]);
  const top = pairs[pairs.length - 1][0];
  const max = Math.floor(lower(top) + rnd() * (upper(top) - lower(top) - 1));
  return { pairs, max };
}

function blockRow(major, minor, op, cgroup, n) {
  const s = hist(n, 50_000 + Math.floor(rnd() * 50_000), 12);
  const t = hist(n, 60_000 + Math.floor(rnd() * 60_000), 14);
  return { major, minor, op, cgroup, count: n, bytes: n * 4096, maxNs: s.max, totalMaxNs: Math.max(t.max, s.max), service: s.pairs, total: t.pairs.map(([i, c]) => [i, c]) };
}

function fixTotal(r) {
  // total >= service per request: make the total max at least the service max, keep it in its bucket
  const top = r.total[r.total.length - 1][0];
  if (r.totalMaxNs >= upper(top) && top < 319) r.totalMaxNs = upper(top) - 1;
  if (r.totalMaxNs < lower(top)) r.totalMaxNs = lower(top);
  return r;
}

function runqRow(cgroup, n) {
  const h = hist(n, 2_000 + Math.floor(rnd() * 4000), 20);
  return { cgroup, count: n, maxNs: h.max, hist: h.pairs };
}

const zeroLost = { blockStartDropped: 0, blockNoStart: 0, blockNoStartBytes: 0, blockStale: 0, histFull: 0, histFullBytes: 0, runqStartDropped: 0, partial: 0, partialBytes: 0, merged: 0 };
let nextCgroup = 1_000_000;

// The steady rows of 30 different seconds, made once and used in turn (the engine copies what it keeps), so
// that making the load does not weigh on the figures.
const STEADY = Array.from({ length: 30 }, () => {
  const block = [];
  const runq = [];
  for (let c = 0; c < CONTAINERS; c++) {
    const cg = 1000 + c;
    for (const [major, minor] of DEVICES) for (const op of ['read', 'write']) block.push(fixTotal(blockRow(major, minor, op, cg, 20 + Math.floor(rnd() * 60))));
    runq.push(runqRow(cg, 50 + Math.floor(rnd() * 100)));
  }
  return { block, runq };
});

/** The helper's `interval` line of second `sec` (what bpf/loader.c prints). */
function intervalLine(sec) {
  const block = [...STEADY[sec % STEADY.length].block];
  const runq = [...STEADY[sec % STEADY.length].runq];
  for (let k = 0; k < CHURN_PER_SEC; k++) {
    const cg = nextCgroup++;
    block.push(fixTotal(blockRow(8, 0, 'write', cg, 1 + Math.floor(rnd() * 5))));
    runq.push(runqRow(cg, 1 + Math.floor(rnd() * 10)));
  }
  const { partial, partialBytes, merged, ...lost } = zeroLost;
  return JSON.stringify({ type: 'interval', seq: sec, monoNs: sec * 1e9, intervalNs: 1e9, block, runq, lost, partial: { count: partial, bytes: partialBytes }, merged });
}

// ---------------------------------------------------------------- the engine under test
// The monitor's V8 settings (a young generation that does not grow: src/ui/term/v8-tuning.ts), so that RSS is the
// monitor's.
await import(pathToFileURL(join(root, 'dist', 'ui', 'term', 'v8-tuning.js')).href);
const dist = (p) => import(pathToFileURL(join(OLD ?? join(root, 'dist'), p)).href);
const lat = await dist('model/latency.js');
// The rows the engine gets are those of the monitor's parser (fresh objects each interval, as in the monitor),
// parsed outside the timed region: the monitor parses a line when the helper prints it, not in the frame.
const { parseLine } = await import(pathToFileURL(join(root, 'dist', 'sources', 'ebpf', 'protocol.js')).href);
function interval(sec) {
  const p0 = process.hrtime.bigint();
  const iv = parseLine(intervalLine(sec));
  parseMs.push(Number(process.hrtime.bigint() - p0) / 1e6);
  if (iv.kind !== 'interval') throw new Error(`bench: the parser refused the interval line: ${iv.reason}`);
  return iv;
}
const deviceNames = new Map([['8:0', 'sda'], ['259:0', 'nvme0n1']]);
const CHURN_LIFE_S = 3;
const steady = new Map();
for (let c = 0; c < CONTAINERS; c++) steady.set(1000 + c, `container-${c}`);
/** The containers alive at second `sec`: the steady ones and the churn of the last CHURN_LIFE_S seconds. */
function mapsAt(sec) {
  const m = new Map(steady);
  const from = 1_000_000 + Math.max(0, sec - CHURN_LIFE_S) * CHURN_PER_SEC;
  for (let cg = from; cg < 1_000_000 + sec * CHURN_PER_SEC; cg++) m.set(cg, `short-${cg}`);
  return { block: m, runq: m };
}

let step;
let held = () => null;
const engineMs = [];
/** Time to serialise and parse each interval line (outside the frame). */
const parseMs = [];
if (OLD) {
  const m = new lat.LatencyModel();
  step = (iv, sec) => {
    m.add(iv);
    return m.frame({ maps: mapsAt(sec), deviceNames, source: 'ebpf', active: true, badLines: 0 });
  };
} else {
  const { LatencyWindows } = await dist('store/latency-windows.js');
  const w = new LatencyWindows();
  held = () => w.heldBytes();
  // builds without want() keep every window
  const want = typeof w.want === 'function' ? (ws) => w.want(ws) : () => {};
  step = (iv, sec, win = WINDOW) => {
    const maps = mapsAt(sec);
    const c0 = process.hrtime.bigint();
    w.mark(sec * 1000, (cg, runq) => (runq ? maps.runq : maps.block).has(cg));
    want(ALL_SPANS ? null : [win]);
    w.add({ t: sec * 1000, durationMs: iv.intervalNs / 1e6, block: iv.block, runq: iv.runq, lost: iv.lost });
    w.advance(sec * 1000);
    engineMs.push(Number(process.hrtime.bigint() - c0) / 1e6);
    if (args.includes('--no-frame')) return { windows: { '5m': { block: [], containers: {} } } };
    return lat.latencyFrame(
      { current: w.span('current'), windows: { '1s': w.span('1s'), '10s': w.span('10s'), '1m': w.span('1m'), '5m': w.span('5m') } },
      { maps, deviceNames, badLines: 0, ...(ALL_SPANS ? {} : { containerSpans: ['current', win], countsOnly: ['current'], detailFor: (id) => id === 'container-7' }) },
    );
  };
}

// ---------------------------------------------------------------- run
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
// Build the inputs as we go (the helper's lines are parsed one interval at a time, too), but measure only
// the engine: generate first, then time the step.
gc();
gc();
const baseline = rssMiB();
const mem0 = process.memoryUsage();
const times = [];
const cpuTimes = [];
let frame;
let peak = baseline;
for (let sec = 1; sec <= SECONDS; sec++) {
  const iv = interval(sec);
  const u0 = process.cpuUsage();
  const c0 = process.hrtime.bigint();
  frame = step(iv, sec);
  times.push(Number(process.hrtime.bigint() - c0) / 1e6);
  const u = process.cpuUsage(u0);
  cpuTimes.push((u.user + u.system) / 1000);
  if (sec % 30 === 0) {
    gc();
    peak = Math.max(peak, rssMiB());
  }
}
gc();
gc();
const after = rssMiB();
const f5 = frame.windows['5m'];
const engineMean = engineMs.length ? +(engineMs.slice(-60).reduce((a, b) => a + b, 0) / 60).toFixed(2) : null;
// The frame after switching the window on screen, each in turn (not with --all-spans: nothing to switch).
const switchFrameMs = {};
if (!ALL_SPANS && !OLD) {
  const order = ['10s', '1m', '5m', '1s'].filter((x) => x !== WINDOW);
  let sec = SECONDS;
  for (const win of [...order, WINDOW]) {
    // two frames on each: the switch, then one steady
    for (let k = 0; k < 2; k++) {
      const iv = interval(++sec);
      const c0 = process.hrtime.bigint();
      step(iv, sec, win);
      const ms = Number(process.hrtime.bigint() - c0) / 1e6;
      if (k === 0) switchFrameMs[`to ${win}`] = +ms.toFixed(1);
    }
  }
}
const mem1 = process.memoryUsage();
const mib = (x) => +(x / 2 ** 20).toFixed(1);
peak = Math.max(peak, after);
const stats = (xs) => {
  const t = xs.slice(-60).sort((a, b) => a - b);
  const q = (p) => +t[Math.min(t.length - 1, Math.floor(p * t.length))].toFixed(2);
  return { mean: +(t.reduce((a, b) => a + b, 0) / t.length).toFixed(2), p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) };
};
console.log(
  JSON.stringify(
    {
      engine: OLD ? 'old LatencyModel (300 intervals kept as objects)' : 'LatencyWindows (running sums + varint log)',
      containersFor: OLD || ALL_SPANS ? 'current and every window' : `current and the ${WINDOW} window (the one on screen)`,
      simulatedSeconds: SECONDS,
      steadyBlockRows: CONTAINERS * DEVICES.length * 2,
      newCgroupsPerSecond: CHURN_PER_SEC,
      rssBaselineMiB: +baseline.toFixed(1),
      rssAfterMiB: +after.toFixed(1),
      rssAboveBaselineMiB: +(after - baseline).toFixed(1),
      peakAboveBaselineMiB: +(peak - baseline).toFixed(1),
      engineTypedArraysMiB: held() === null ? null : +(held() / 2 ** 20).toFixed(1),
      growthMiB: { heapUsed: mib(mem1.heapUsed - mem0.heapUsed), heapTotal: mib(mem1.heapTotal - mem0.heapTotal), arrayBuffers: mib(mem1.arrayBuffers - mem0.arrayBuffers) },
      msPerFrameLast60: stats(times),
      // CPU time of the process (all its threads: GC helpers too) during the frame: on a shared machine the
      // wall time above also holds the time other processes had the CPU.
      cpuMsPerFrameLast60: stats(cpuTimes),
      // not in the frame: the helper's line as JSON.stringify makes it, then the monitor's parseLine
      msToMakeAndParseEachIntervalLine: stats(parseMs.slice(0, SECONDS)),
      ...(engineMean !== null ? { msOfItAddingAndAdvancing: engineMean } : {}),
      ...(Object.keys(switchFrameMs).length ? { switchFrameMs } : {}),
      check: { '5mRequests': f5.block.reduce((n, r) => n + r.count, 0), containers: Object.keys(f5.containers).length },
    },
    null,
    2,
  ),
);
