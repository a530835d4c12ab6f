#!/usr/bin/env node
// What V8's optimising compiler (TurboFan) still does in a long-running agent, and which functions it compiles
// more than once. A function's optimised code is held by the closures that run it (the feedback vector keeps it
// only weakly), so a closure made anew each tick — an arrow passed to map/sort, a helper defined inside a
// per-container function — loses its code at every full garbage collection and is compiled again a few seconds
// later, for as long as the process runs. This bench runs `tailtop agent` (the unit's environment, as steady.mjs)
// with --trace-opt --print-opt-source for --minutes, and prints per --every minutes the CPU of the main thread,
// of the other threads (V8's compiler and GC helper, libuv's pool) and of the eBPF helper, and the number of
// compilations; then the functions compiled more than once, by source position. Uses the containers already
// on DOCKER_HOST (bench-containers.mjs starts 20).
//   npm run build && node bench/recompiles.mjs [--minutes 20] [--every 5] [--root DIR] [--top 25]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opt, root, unitEnv } from './cli-args.mjs';
import { childPids, ownTicks, threadTimes } from './proc-stat.mjs';

const MINUTES = Number(opt('minutes', '20'));
const EVERY = Number(opt('every', '5'));
const TOP = Number(opt('top', '25'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU clock ticks of the agent's main thread, of its other threads (V8's compiler and GC helper, libuv's pool:
 * all named "node"; the main thread is the one whose id is the pid) and of its children (the helper). */
function threadTicks(pid) {
  const out = { main: 0, workers: 0, helper: 0 };
  for (const [tid, t] of threadTimes(pid)) out[Number(tid) === pid ? 'main' : 'workers'] += t.u + t.s;
  for (const c of childPids(pid)) {
    try {
      out.helper += ownTicks(c);
    } catch {
      // the helper restarting
    }
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'tailtop-recompiles-'));
let trace = '';
const agent = spawn(process.execPath, ['--trace-opt', '--print-opt-source', join(root, 'dist', 'cli.js'), 'agent', '--store', join(work, 'store'), '--interval', '1000'], {
  stdio: ['ignore', 'pipe', 'inherit'], cwd: tmpdir(), env: { ...process.env, ...unitEnv(root) },
});
agent.stdout.setEncoding('utf8');
agent.stdout.on('data', (d) => (trace += d));

/** The compilations in `text`: each top-level function's "file:name start" and its first source line. */
function compilations(text) {
  const out = [];
  const re = /^--- FUNCTION SOURCE \((.*?)\) id\{\d+,-1\} start\{(\d+)\} ---\n(.*)$/gm;
  for (let m; (m = re.exec(text)); ) out.push({ where: `${m[1].replace(`file://${root}/`, '')} @${m[2]}`, src: m[3].slice(0, 90) });
  return out;
}

try {
  const t0 = performance.now();
  let prev = threadTicks(agent.pid);
  let seen = 0;
  console.log(`agent of ${root}, ${MINUTES} min; % of one core per ${EVERY} min (CLK_TCK 100)`);
  console.log('minutes | main thread | other threads | helper | total | TurboFan compilations');
  for (let m = EVERY; m <= MINUTES; m += EVERY) {
    await sleep(t0 + m * 60_000 - performance.now());
    const cur = threadTicks(agent.pid);
    const pct = (k) => (cur[k] - prev[k]) / (EVERY * 60);
    const all = compilations(trace);
    const total = pct('main') + pct('workers') + pct('helper');
    console.log(`${m - EVERY}-${m} | ${pct('main').toFixed(3)} | ${pct('workers').toFixed(3)} | ${pct('helper').toFixed(3)} | ${total.toFixed(3)} | ${all.length - seen}`);
    seen = all.length;
    prev = cur;
  }
  const by = new Map();
  for (const c of compilations(trace)) {
    const e = by.get(c.where) ?? { n: 0, src: c.src };
    e.n++;
    by.set(c.where, e);
  }
  const again = [...by].filter(([, e]) => e.n > 1).sort((a, b) => b[1].n - a[1].n);
  console.log(`\n${seen} compilations of ${by.size} functions; ${again.reduce((s, [, e]) => s + e.n - 1, 0)} of them again (${again.length} functions):`);
  for (const [where, e] of again.slice(0, TOP)) console.log(`${String(e.n).padStart(4)}  ${where}  ${e.src}`);
} finally {
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  rmSync(work, { recursive: true, force: true });
}
