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
import { CHURN_PER_SEC, CONTAINERS, DEVICES, deviceNames, intervalLine, mapsAt } from './latency-load.mjs';

const SECONDS = Number(opt('seconds', '330'));
// The monitor computes per-container latency for `current` and the window on screen; --all-spans: for all
// (as `snapshot` does, once).
const ALL_SPANS = args.includes('--all-spans');
const WINDOW = opt('window', '1s');
const OLD = opt('old', null);
// --root DIR: the build (DIR/dist) to measure, e.g. another worktree's (default: this one's).
const gc = globalThis.gc ?? (() => {});

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
  return { mean: +(t.reduce((a, b) => a + b, 0) / t.length).toFixed(2), p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), max: q(1) };
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
