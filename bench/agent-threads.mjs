#!/usr/bin/env node
// Where `tailtop agent`'s CPU goes by thread, and its resident memory by mapping: one agent per --roots entry
// (builds side by side in one run, each recording to its own temporary store), the benchmarks' 20 containers
// (bench-containers.mjs) on DOCKER_HOST. After --settle seconds, utime+stime of every thread of each agent
// (/proc/PID/task/*/stat; Node names them all "node": the main thread is the one whose id is the pid, the
// others are V8's platform workers (GC, TurboFan), libuv's thread pool and V8's delayed-task thread,
// shown by their offset from the pid) over --seconds, then VmRSS/VmHWM and the largest mappings of
// /proc/PID/smaps (anonymous ones by address and size: glibc's per-thread malloc arenas are 64 MiB-aligned).
// --node-args-list 'A|B|...' gives each agent its own node flags; --perf I records agent I with perf.
//   node bench/agent-threads.mjs [--roots DIR,DIR] [--seconds 60] [--settle 15] [--containers 20] [--node-args-list 'A|B'] [--env-list 'K=V|']
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchContainers, removeBenchContainers } from './bench-containers.mjs';
import { statusKiB, threadTimes } from './proc-stat.mjs';
const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const roots = opt('roots', fileURLToPath(new URL('..', import.meta.url))).split(',');
const SECONDS = Number(opt('seconds', '60')), SETTLE = Number(opt('settle', '15'));
const nodeArgs = opt('node-args', '').split(' ').filter(Boolean);
const nodeArgsList = opt('node-args-list', null)?.split('|');
// --env-list 'K=V K2=V2|...|': extra environment per agent (e.g. MALLOC_ARENA_MAX=2, NODE_OPTIONS=--v8-pool-size=1)
const envList = opt('env-list', null)?.split('|');
const PREFIX = 'tailtop-agent-threads-';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const containers = Number(opt('containers', '20'));
if (containers) startBenchContainers(PREFIX, containers);
// The eBPF helper each agent started (its child tailtop-bpf) and its CPU time (schedstat: ns on CPU, exact);
// with kernel.bpf_stats_enabled=1, the BPF programs' own run time by name (bpftool), charged to whichever task
// ran them (the task iterator's to the helper, the tracepoints' to every task).
const helperOf = (pid) => {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')) === 'tailtop-bpf' && Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === pid) return Number(d);
    } catch {}
  }
  return null;
};
const schedNs = (pid) => { try { return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]); } catch { return NaN; } };
const bpfRun = () => {
  try {
    const m = new Map();
    for (const p of JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))) {
      if (p.run_time_ns === undefined) continue;
      const e = m.get(p.name) ?? { ns: 0, cnt: 0 }; e.ns += p.run_time_ns; e.cnt += p.run_cnt; m.set(p.name, e);
    }
    return m;
  } catch { return new Map(); }
};
const hwm = (pid) => statusKiB(pid, 'VmHWM') / 1024;
const rss = (pid) => statusKiB(pid, 'VmRSS') / 1024;
const procs = roots.map((root, i) => {
  const dir = mkdtempSync(join(tmpdir(), 'tailtop-agent-threads-'));
  const na = nodeArgsList ? nodeArgsList[i].split(' ').filter(Boolean) : nodeArgs;
  const extraEnv = Object.fromEntries((envList?.[i] ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const p = spawn(process.execPath, [...na, join(root, 'dist', 'cli.js'), 'agent', '--store', dir, '--interval', '1000'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: tmpdir(), env: { ...process.env, ...extraEnv } });
  return { root, dir, p, na: [...na, ...Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`)] };
});
try {
  await sleep(SETTLE * 1000);
  const t0 = procs.map((x) => threadTimes(x.p.pid));
  const helpers = procs.map((x) => helperOf(x.p.pid));
  const h0 = helpers.map((h) => (h ? schedNs(h) : NaN));
  const b0 = bpfRun();
  const perfIdx = opt('perf', null);
  let perf = null;
  if (perfIdx !== null) { const { spawn: sp } = await import('node:child_process'); perf = sp('perf', ['record', '-q', '-F', '499', '-g', '-o', join(tmpdir(), 'agent-threads.perf.data'), '-p', String(procs[Number(perfIdx)].p.pid), '--', 'sleep', String(SECONDS)], { stdio: 'inherit' }); }
  const w0 = performance.now();
  let maxRss = procs.map(() => 0);
  for (let s = 0; s < SECONDS; s++) { await sleep(1000); procs.forEach((x, i) => (maxRss[i] = Math.max(maxRss[i], rss(x.p.pid)))); }
  const wall = (performance.now() - w0) / 1000;
  if (perf) await new Promise((r) => (perf.exitCode !== null ? r() : perf.on('exit', r)));
  console.log(`uptime: ${readFileSync('/proc/loadavg', 'utf8').trim()}  wall ${wall.toFixed(1)} s`);
  const b1 = bpfRun();
  if (b1.size) console.log('bpf programs (all agents, bpf_stats): ' + [...b1].map(([k, e]) => { const b = b0.get(k) ?? { ns: 0, cnt: 0 }; return `${k} ${((e.ns - b.ns) / 1e6 / wall).toFixed(3)} ms/s (${((e.cnt - b.cnt) / wall).toFixed(1)} runs/s)`; }).join(', '));
  procs.forEach((x, i) => {
    const t1 = threadTimes(x.p.pid);
    const by = new Map();
    let tot = 0, totU = 0, totS = 0;
    for (const [tid, a] of t1) {
      const b = t0[i].get(tid) ?? { u: 0, s: 0 };
      const du = a.u - b.u, ds = a.s - b.s;
      const k = tid === String(x.p.pid) ? 'main' : `${a.comm}#${Number(tid) - x.p.pid}`;
      const e = by.get(k) ?? { u: 0, s: 0, n: 0 };
      e.u += du; e.s += ds; e.n++; by.set(k, e); tot += du + ds; totU += du; totS += ds;
    }
    const pct = (t) => ((t / 100 / wall) * 100).toFixed(2);
    console.log(`${x.root} ${x.na.join(' ')}: total ${pct(tot)}% (user ${pct(totU)} sys ${pct(totS)}), RSS max ${maxRss[i].toFixed(1)} peak ${hwm(x.p.pid).toFixed(1)} MiB`);
    if (helpers[i]) console.log(`   helper tailtop-bpf (pid ${helpers[i]}): ${(((schedNs(helpers[i]) - h0[i]) / 1e9 / wall) * 100).toFixed(3)}% of a core (schedstat)`);
    // resident memory by kind of mapping
    const kinds = new Map(); let name = '', size = 0;
    for (const line of readFileSync(`/proc/${x.p.pid}/smaps`, 'utf8').split('\n')) {
      const h = /^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+\S+\s+\S+\s+\d+\s*(.*)$/.exec(line);
      if (h) { size = (parseInt(h[2], 16) - parseInt(h[1], 16)) / 1024; name = h[3] || `anon@${h[1].slice(-9)}:${size}K`; if (name.startsWith('/')) name = name.includes('node') && !name.includes('.node') ? 'node binary' : name.split('/').pop(); continue; }
      const m = /^Rss:\s+(\d+) kB/.exec(line); if (m) kinds.set(name, (kinds.get(name) ?? 0) + Number(m[1]));
    }
    const anonTotal = [...kinds].filter(([k]) => k.startsWith('anon@')).reduce((a, [, v]) => a + v, 0);
    console.log(`   rss: anon total ${(anonTotal / 1024).toFixed(1)}; ` + [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k} ${(v / 1024).toFixed(1)}`).join(', '));
    for (const [k, e] of [...by].sort((a, b) => b[1].u + b[1].s - a[1].u - a[1].s)) console.log(`   ${k.padEnd(18)} x${e.n}: ${pct(e.u + e.s)}% (user ${pct(e.u)} sys ${pct(e.s)})`);
  });
} finally {
  for (const x of procs) x.p.kill('SIGTERM');
  await Promise.all(procs.map((x) => new Promise((r) => (x.p.exitCode !== null || x.p.signalCode !== null ? r() : x.p.on("exit", r)))));
  for (const x of procs) rmSync(x.dir, { recursive: true, force: true });
  if (containers) removeBenchContainers(PREFIX);
}
