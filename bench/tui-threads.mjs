#!/usr/bin/env node
// The monitor (one per --roots entry, side by side, each in its own tmux pane at 160x50, 1 s refresh): its CPU
// by thread (the main thread; the others are V8's compiler and GC workers and libuv's pool) over a window after
// --settle seconds, the peak and largest RSS, and the resident memory by mapping (node's binary, the V8 heap's
// 256 KiB pages, malloc's heap and the worker threads' arenas, libraries). --window2 AT,LEN measures a second
// window from AT seconds after the start; --trace prints RSS/peak over time; --pages runs node-pages.mjs on
// each (node's binary by section). Start the containers first (bench-containers.mjs) for the issue's scenario.
//   node bench/tui-threads.mjs [--roots DIR,DIR] [--seconds 30] [--settle 3] [--window2 90,60] [--args '']
//     [--node-args-list 'A|B'] [--env-list 'K=V|'] [--trace] [--pages]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { args, opt, root } from './cli-args.mjs';
import { statusKiB, threadTimes } from './proc-stat.mjs';

const roots = opt('roots', root).split(',');
const SECONDS = Number(opt('seconds', '30'));
const SETTLE = Number(opt('settle', '3'));
const nodeArgs = opt('node-args-list', null)?.split('|');
const envs = opt('env-list', null)?.split('|');
const TUI_ARGS = opt('args', '');
const SOCKET = `tailtop-threads-${process.pid}`;
const tmux = (...a) => execFileSync('tmux', ['-L', SOCKET, ...a], { encoding: 'utf8' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const status = (pid, k) => statusKiB(pid, k) / 1024;

/** Resident MiB by mapping: node's binary, other files by name, anonymous ones by their size in KiB. */
function mappings(pid) {
  const kinds = new Map();
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const h = /^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+\S+\s+\S+\s+\d+\s*(.*)$/.exec(line);
    if (h) {
      name = h[3] || `anon:${(parseInt(h[2], 16) - parseInt(h[1], 16)) / 1024}K`;
      if (name.startsWith('/')) name = /\/node$/.test(name) ? 'node binary' : name.split('/').pop();
      continue;
    }
    const m = /^Rss:\s+(\d+) kB/.exec(line);
    if (m) kinds.set(name, (kinds.get(name) ?? 0) + Number(m[1]) / 1024);
  }
  const anon = [...kinds].filter(([k]) => k.startsWith('anon:')).reduce((a, [, v]) => a + v, 0);
  return `anonymous ${anon.toFixed(1)} MiB; ${[...kinds].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`;
}

const procs = roots.map((dir, i) => {
  const extra = `${envs?.[i] ?? ''} exec node ${nodeArgs?.[i] ?? ''}`.trim();
  tmux('new-session', '-d', '-s', `t${i}`, '-x', '160', '-y', '50', `cd ${dir} && ${extra} dist/cli.js --refresh 1000 ${TUI_ARGS}`);
  return { dir, label: `${dir} ${envs?.[i] ?? ''} ${nodeArgs?.[i] ?? ''}`.trim(), session: `t${i}` };
});
await sleep(300);
for (const p of procs) p.pid = Number(tmux('display-message', '-p', '-t', p.session, '#{pane_pid}').trim());
const t0 = performance.now();
const trace = procs.map(() => []);
const tracer = setInterval(() => procs.forEach((p, i) => trace[i].push([(performance.now() - t0) / 1000, status(p.pid, 'VmRSS'), status(p.pid, 'VmHWM')])), 200);

async function measure(seconds, title) {
  const before = procs.map((p) => threadTimes(p.pid));
  const w0 = performance.now();
  const maxRss = procs.map(() => 0);
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    procs.forEach((p, i) => (maxRss[i] = Math.max(maxRss[i], status(p.pid, 'VmRSS'))));
  }
  const wall = (performance.now() - w0) / 1000;
  console.log(`${title}: ${wall.toFixed(1)} s, load average ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  procs.forEach((p, i) => {
    let main = 0;
    let other = 0;
    for (const [tid, a] of threadTimes(p.pid)) {
      const b = before[i].get(tid) ?? { u: 0, s: 0 };
      const d = a.u - b.u + a.s - b.s;
      if (tid === String(p.pid)) main += d;
      else other += d;
    }
    const pct = (t) => ((t / 100 / wall) * 100).toFixed(2);
    console.log(`${p.label}: CPU ${pct(main + other)}% of a core (main ${pct(main)}, other threads ${pct(other)}); RSS max ${maxRss[i].toFixed(1)}, peak ${status(p.pid, 'VmHWM').toFixed(1)} MiB`);
    console.log(`   ${mappings(p.pid)}`);
  });
}

try {
  await sleep(1200 + SETTLE * 1000);
  await measure(SECONDS, `window ${(1.5 + SETTLE).toFixed(1)}-${(1.5 + SETTLE + SECONDS).toFixed(1)} s`);
  const w2 = opt('window2', null);
  if (w2) {
    const [at, len] = w2.split(',').map(Number);
    await sleep(Math.max(0, at * 1000 - (performance.now() - t0)));
    await measure(len, `window ${at}-${at + len} s`);
  }
  clearInterval(tracer);
  if (args.includes('--trace'))
    procs.forEach((p, i) => {
      let last = -1;
      const pts = trace[i].filter(([t]) => (t < 6 || t - last >= 1 ? ((last = t), true) : false));
      console.log(`RSS/peak MiB over time, ${p.label}: ${pts.map(([t, r, h]) => `${t.toFixed(1)}s ${r.toFixed(0)}/${h.toFixed(0)}`).join(' ')}`);
    });
  if (args.includes('--pages')) {
    const pages = fileURLToPath(new URL('node-pages.mjs', import.meta.url));
    for (const p of procs) console.log(`${p.label}:\n${execFileSync(process.execPath, [pages, String(p.pid)], { encoding: 'utf8' })}`);
  }
} finally {
  clearInterval(tracer);
  for (const p of procs) {
    try {
      tmux('send-keys', '-t', p.session, 'q');
    } catch {
      // already gone
    }
  }
  await sleep(2000);
  try {
    tmux('kill-server');
  } catch {
    // every session ended
  }
}
