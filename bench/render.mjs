// Render micro-benchmark: the TUI (built, from dist/) over an in-memory terminal at 160x50, fed as fast as
// it can go with frames that are either synthetic (default: seeded pseudo-random figures shaped like a small
// host, the same for every run and build, so two builds can be compared) or from the real sampler (--real:
// procfs of this host; the sampler tick is then measured too). Reports, per frame, the CPU time of
// tui.update() (CPU of this process, so other load on the machine matters less than in bench/tui.mjs),
// garbage-collection time and count, and terminal bytes written.
//   npm run build && node bench/render.mjs [--frames 600] [--root DIR] [--term xterm-256color] [--real] [--profile]
// --profile wraps the measured loop in the inspector's CPU profiler and prints the top self-time functions.
import { PassThrough, Writable } from 'node:stream';
import { PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { args, opt, root } from './cli-args.mjs';

const FRAMES = Number(opt('frames', '600'));
const WARMUP = Math.min(300, Math.max(20, Math.floor(FRAMES / 2)));
const TERM = opt('term', 'xterm-256color');
const PROFILE = args.includes('--profile');
const REAL = args.includes('--real');
const ALLOC = args.includes('--alloc');
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);

const { Store } = await dist('store/store.js');
const { Sampler } = await dist('sampler.js');
const { readHostSample } = await dist('sources/procfs/read-host.js');
const { createTui } = await dist('ui/app.js');
const { defaultTheme } = await dist('config/themes.js');
const { bindings } = await dist('ui/keys.js');

let written = 0;
const output = new Writable({
  write(chunk, _enc, cb) {
    written += chunk.length;
    cb();
  },
});
Object.assign(output, { isTTY: true, columns: 160, rows: 50 });
const input = new PassThrough();
Object.assign(input, { isTTY: true, setRawMode: () => input });

// A clock that advances one second per tick, so rates look like a 1 s refresh.
let now = 0;
const clock = { nowMs: () => now, wallMs: () => 1_700_000_000_000 + now };
const store = new Store(300);
const sampler = new Sampler({ clock, store, host: { read: (atMs) => readHostSample({ atMs }) }, containers: null, latency: null, refreshMs: 1000, showAllDisks: false });
const tui = createTui({
  store,
  facts: { hostname: 'benchhost', kernel: '6.1.0', os: 'Linux', cpuModel: 'x', cpuCount: 2 },
  theme: defaultTheme(),
  bindings: bindings(),
  refreshMs: 1000,
  input,
  output,
  terminal: TERM,
  cols: 160,
  rows: 50,
  onRefreshChange: () => {},
  onWantsChange: () => {},
  onQuit: () => {},
});

let gcMs = 0;
let gcCount = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcCount++;
  }
});
obs.observe({ entryTypes: ['gc'] });

// Seeded generator (LCG) for the synthetic frames.
let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
let frameNo = 0;
function synthFrame() {
  const i = frameNo++;
  const cpu = (p) => ({ percent: p, user: p * 0.6, nice: 0, system: p * 0.3, idle: 100 - p, iowait: p * 0.1, irq: 0, softirq: 0, steal: 0 });
  const psi = (a) => ({ avg10: a, avg60: a / 2, avg300: a / 4, percent: a * rnd() });
  return {
    atMs: now,
    wallMs: 1_700_000_000_000 + now,
    elapsedMs: 1000,
    host: {
      source: 'procfs',
      cpu: cpu(rnd() * 30),
      cores: [0, 1].map((id) => ({ id, ...cpu(rnd() * 40) })),
      contextSwitchesPerSec: Math.round(2000 + rnd() * 500),
      memory: { totalBytes: 24 * 2 ** 30, availableBytes: 23 * 2 ** 30, usedBytes: 2 ** 30 + Math.round(rnd() * 2 ** 24), buffersBytes: 2 ** 26, cachedBytes: 2 ** 29, swapTotalBytes: 0, swapUsedBytes: 0 },
      load: { one: rnd() * 2, five: 1.1, fifteen: 0.9, running: 1 + Math.floor(rnd() * 3), total: 81 },
      disks: ['vda', 'vdb'].map((name) => ({ name, readBytesPerSec: rnd() < 0.7 ? 0 : rnd() * 2 ** 20, writeBytesPerSec: rnd() * 2 ** 18, readOpsPerSec: 1, writeOpsPerSec: 5, utilPercent: rnd() * 5, partitions: [], source: 'diskstats' })),
      net: ['eth0', 'lo'].map((name) => ({ name, rxBytesPerSec: rnd() * 4000, txBytesPerSec: rnd() * 3000, rxPacketsPerSec: 10, txPacketsPerSec: 10, rxErrorsPerSec: 0, txErrorsPerSec: 0, rxDropsPerSec: 0, txDropsPerSec: 0 })),
      pressure: { cpu: { some: psi(rnd() * 3), full: null }, memory: { some: psi(0), full: psi(0) }, io: { some: psi(rnd()), full: psi(rnd() / 2) } },
      uptimeSec: 2700 + i,
    },
    containers: null,
    processes: null,
    latency: null,
    errors: [],
  };
}

let allocBytes = 0;
let allocFrames = 0;
async function run(n, measure) {
  let tickUs = 0;
  let updateUs = 0;
  for (let i = 0; i < n; i++) {
    now += 1000;
    const a = process.cpuUsage();
    if (REAL) await sampler.tick();
    else store.push(synthFrame());
    const b = process.cpuUsage();
    const h0 = process.memoryUsage().heapUsed;
    tui.update();
    const h1 = process.memoryUsage().heapUsed;
    const c = process.cpuUsage();
    // Bytes allocated by one update, from frames without a collection in them (heap only grew).
    if (measure && h1 >= h0) {
      allocBytes += h1 - h0;
      allocFrames++;
    }
    if (measure) {
      tickUs += b.user - a.user + b.system - a.system;
      updateUs += c.user - b.user + c.system - b.system;
    }
  }
  return { tickUs, updateUs };
}

await run(WARMUP, false); // fill the rings (300 frames) and let the JIT settle
await new Promise((r) => setTimeout(r, 50));
gcMs = 0;
gcCount = 0;
written = 0;
let session = null;
if (ALLOC) {
  const { Session } = await import('node:inspector/promises');
  session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
} else if (PROFILE) {
  const { Session } = await import('node:inspector/promises');
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
// Batches of 50 frames: the minimum per-frame time over the batches is what the code costs when the
// (noisy, shared) machine lets it run; the median is printed beside it.
const batches = [];
const r = { tickUs: 0, updateUs: 0 };
for (let done = 0; done < FRAMES; done += 50) {
  const b = await run(Math.min(50, FRAMES - done), true);
  r.tickUs += b.tickUs;
  r.updateUs += b.updateUs;
  batches.push(b.updateUs / Math.min(50, FRAMES - done));
}
batches.sort((a, b) => a - b);
await new Promise((res) => setTimeout(res, 50));
if (session && ALLOC) {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const self = new Map();
  let total = 0;
  const walk = (n) => {
    const f = n.callFrame;
    const k = `${f.functionName || '(anon)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + n.selfSize);
    total += n.selfSize;
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  console.log(`\nallocation by function, top 30 (sampled, ${(total / FRAMES / 1024).toFixed(0)} KiB/frame):`);
  for (const [k, b] of top) console.log(`${((b / total) * 100).toFixed(1).padStart(5)}%  ${(b / FRAMES / 1024).toFixed(1).padStart(7)} KiB/frame  ${k}`);
} else if (session) {
  const { profile } = await session.post('Profiler.stop');
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map();
  for (let i = 0; i < profile.samples.length; i++) hits.set(profile.samples[i], (hits.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  let total = 0;
  for (const [id, us] of hits) {
    const n = byId.get(id);
    const f = n.callFrame;
    const k = `${f.functionName || '(anon)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + us);
    total += us;
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  console.log(`\nself time, top 30 (of ${(total / 1000).toFixed(0)} ms):`);
  for (const [k, us] of top) console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / FRAMES).toFixed(0).padStart(6)} µs/frame  ${k}`);
}
obs.disconnect();
tui.destroy();
const mem = process.memoryUsage();
console.log(`\nrender bench: ${FRAMES} ${REAL ? 'real' : 'synthetic'} frames at 160x50, TERM=${TERM}`);
console.log(`${REAL ? 'sampler tick' : 'store.push  '}   ${(r.tickUs / FRAMES / 1000).toFixed(3)} ms CPU/frame`);
console.log(`tui.update()   ${(r.updateUs / FRAMES / 1000).toFixed(3)} ms CPU/frame (min batch ${(batches[0] / 1000).toFixed(3)}, median ${(batches[batches.length >> 1] / 1000).toFixed(3)})`);
console.log(`allocated      ${(allocBytes / Math.max(1, allocFrames) / 1024).toFixed(1)} KiB/frame in tui.update()`);
console.log(`GC             ${(gcMs / FRAMES).toFixed(3)} ms/frame (${(gcCount / FRAMES).toFixed(2)} collections/frame)`);
console.log(`terminal       ${(written / FRAMES).toFixed(0)} bytes/frame`);
console.log(`heap used      ${(mem.heapUsed / 2 ** 20).toFixed(1)} MiB, rss ${(mem.rss / 2 ** 20).toFixed(1)} MiB`);
process.exit(0);
