#!/usr/bin/env node
// Where `tailtop agent`'s CPU and memory go: the real agent (dist/agent/agent.js, as `tailtop agent` with no
// --listen runs it: SampleSets recorded, no frames) in this process, with each part of a tick timed in CPU
// time (process.cpuUsage around the synchronous part of each call: the host files, the containers' cgroup
// files, the process table, the recorder), the garbage collector's pauses, and at the end what the resident
// memory is made of: pages of the node binary itself (file-backed, shared with every node process), other
// files, anonymous memory, and the V8 heap's spaces. Start containers first (bench/bench-containers.mjs, or
// `node bench/agent-parts.mjs --containers 20` starts the benchmarks' mix and removes it afterwards).
//   npm run build && node bench/agent-parts.mjs [--seconds 30] [--settle 12] [--containers 0] [--no-ebpf] [--v8-default]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { haveDocker, removeBenchContainers, startBenchContainers } from './bench-containers.mjs';
import { args, opt } from './cli-args.mjs';

const SECONDS = Number(opt('seconds', '30'));
const SETTLE = Number(opt('settle', '12'));
const CONTAINERS = Number(opt('containers', '0'));
const EBPF = !args.includes('--no-ebpf') && process.getuid?.() === 0;
const PREFIX = 'tailtop-agent-parts-';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// V8's young generation kept small, as `tailtop agent` does (src/agent/cli.ts); --v8-default leaves V8 alone.
if (!args.includes('--v8-default')) await import('../dist/ui/term/v8-tuning.js');

if (CONTAINERS > 0) {
  if (!haveDocker) throw new Error('--containers needs DOCKER_HOST (scripts/dockerd.sh) and the docker CLI');
  startBenchContainers(PREFIX, CONTAINERS);
}
const { Agent } = await import('../dist/agent/agent.js');
const dir = mkdtempSync(join(tmpdir(), 'tailtop-agent-parts-'));
const agent = await Agent.start({
  storeDir: dir, intervalMs: 1000, retainMs: 7 * 86_400_000, maxBytes: 2 ** 31, version: 'bench',
  dockerHost: process.env.DOCKER_HOST ?? null, docker: true, ebpf: EBPF, showAllDisks: false, frames: false, say: () => {},
});

const cpu = new Map();
const cpuOf = (label, fn) => {
  const t = process.cpuUsage();
  try {
    return fn();
  } finally {
    const u = process.cpuUsage(t);
    cpu.set(label, (cpu.get(label) ?? 0) + (u.user + u.system) / 1000);
  }
};
const wrap = (obj, name, label) => {
  const f = obj[name].bind(obj);
  obj[name] = (...a) => cpuOf(label, () => f(...a));
};
// The sampler's sources and the recorder's listener (internal fields: this is a benchmark, not an API).
const s = agent.sampler;
wrap(s.deps.host, 'read', 'host files');
wrap(s.processes, 'read', 'process table');
await sleep(SETTLE * 1000);
if (s.deps.containers) wrap(s.deps.containers, 'sample', 'containers (cgroup files)');
for (const l of s.listeners('sample-set')) {
  s.off('sample-set', l);
  s.on('sample-set', (set) => cpuOf('recording (codec, roll-ups, SQLite)', () => l(set)));
}
let gcMs = 0;
const gc = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
gc.observe({ entryTypes: ['gc'] });
cpu.clear();
const c0 = process.cpuUsage();
const w0 = performance.now();
await sleep(SECONDS * 1000);
const c = process.cpuUsage(c0);
const wall = performance.now() - w0;
gc.disconnect();
const ticks = wall / 1000;
const perTick = (ms) => Math.round((ms / ticks) * 100) / 100;

// Resident memory by mapping.
const rss = { nodeBinaryKiB: 0, otherFilesKiB: 0, anonKiB: 0 };
let name = '';
for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
  const head = /^[0-9a-f]+-[0-9a-f]+\s+\S+\s+\S+\s+\S+\s+\d+\s*(.*)$/.exec(line);
  if (head) {
    name = head[1];
    continue;
  }
  const m = /^Rss:\s+(\d+) kB/.exec(line);
  if (!m) continue;
  const kib = Number(m[1]);
  if (name === process.execPath) rss.nodeBinaryKiB += kib;
  else if (name.startsWith('/')) rss.otherFilesKiB += kib;
  else rss.anonKiB += kib;
}
const status = readFileSync('/proc/self/status', 'utf8');
const kib = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)[1]);
const mib = (x) => Math.round((x / 1024) * 10) / 10;
const out = {
  containers: s.deps.containers ? 'attached' : 'none',
  processes: (await s.processes.read()).rows.length,
  ebpf: EBPF,
  v8: args.includes('--v8-default') ? 'default' : 'young generation kept small (ui/term/v8-tuning.ts)',
  seconds: Math.round(wall / 1000),
  loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  cpuPercentOfOneCore: Math.round(((c.user + c.system) / 1000 / wall) * 10000) / 100,
  msPerTick: {
    total: perTick((c.user + c.system) / 1000),
    ...Object.fromEntries([...cpu].map(([k, v]) => [k, perTick(v)])),
    'gc pauses (main thread)': perTick(gcMs),
  },
  memoryMiB: {
    rss: mib(kib('VmRSS')),
    peak: mib(kib('VmHWM')),
    nodeBinaryPages: mib(rss.nodeBinaryKiB),
    otherFilePages: mib(rss.otherFilesKiB),
    anonymous: mib(rss.anonKiB),
    v8Spaces: Object.fromEntries(v8.getHeapSpaceStatistics().filter((x) => x.physical_space_size > 0).map((x) => [x.space_name, mib(x.physical_space_size / 1024)])),
  },
};
await agent.stop();
rmSync(dir, { recursive: true, force: true });
if (CONTAINERS > 0) removeBenchContainers(PREFIX);
console.log(JSON.stringify(out, null, 2));
process.exit(0);
