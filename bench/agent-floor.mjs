#!/usr/bin/env node
// The floor under issue 9's agent target: what Node itself costs to make the agent's reads and its writes,
// with no parsing, no figures and no codec. A real `tailtop agent` (the unit's environment, eBPF on, 1 s) runs
// first; its main thread's reads are counted by `strace -y` over --trace seconds (how often each file was read
// a second). Then three Node processes run beside it, each with the same environment, ticking at 1 s:
//   bare      a 1 s timer and nothing else
//   reads     the agent's reads: every host and cgroup file it read, as many times a tick; /proc/PID/stat of
//             every process (readdir of /proc each tick, descriptors kept as the agent keeps them); as many
//             /proc/PID/cmdline and status reads a tick as the agent made, over the live pids in turn
//   reads+db  the same, and one INSERT a tick of --bytes bytes (default 980: what the agent's store grows a
//             second, BENCHMARKS.md) into a better-sqlite3 file in WAL mode with synchronous=NORMAL (as the agent)
// After --settle seconds each one's CPU (utime+stime of all its threads) is taken over --seconds, the agent's
// too (its eBPF helper apart). Uses the containers on DOCKER_HOST (bench-containers.mjs starts 20). Skips,
// saying why, without strace.
//   npm run build && node bench/agent-floor.mjs [--trace 10] [--settle 60] [--seconds 180] [--bytes 980] [--root DIR]
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { args, opt, root, unitEnv } from './cli-args.mjs';
import { dirBytes, ownTicks, statusKiB } from './proc-stat.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PID_FILE = /^\/proc\/\d+\/(stat|cmdline|status)$/;

if (args[0] === '--child') await child(args[1], opt('plan', ''), opt('db', ''));
else await main();

/** One floor process: MODE bare, reads or reads+db, following the plan file the parent wrote. */
async function child(mode, planFile, dbFile) {
  const plan = JSON.parse(readFileSync(planFile, 'utf8'));
  const buf = Buffer.alloc(64 << 10);
  const fixed = [];
  for (const [path, times] of plan.fixed) {
    try {
      fixed.push({ fd: openSync(path, 'r'), times });
    } catch {
      // a file gone since the trace (a process that ended)
    }
  }
  const statFds = new Map();
  let insert = null;
  let blob = null;
  if (mode === 'reads+db') {
    const Database = createRequire(join(root, 'package.json'))('better-sqlite3');
    const db = new Database(dbFile);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE IF NOT EXISTS tick (t INTEGER PRIMARY KEY, data BLOB NOT NULL)');
    insert = db.prepare('INSERT INTO tick (t, data) VALUES (?, ?)');
    blob = Buffer.alloc(plan.bytesPerTick, 0x5a);
  }
  let turn = 0;
  const once = (path) => {
    try {
      const fd = openSync(path, 'r');
      try {
        readSync(fd, buf, 0, buf.length, 0);
      } finally {
        closeSync(fd);
      }
    } catch {
      // ended meanwhile
    }
  };
  setInterval(() => {
    if (mode === 'bare') return;
    for (const f of fixed) for (let i = 0; i < f.times; i++) readSync(f.fd, buf, 0, buf.length, 0);
    const pids = readdirSync('/proc').filter((n) => n.charCodeAt(0) <= 57);
    const live = new Set(pids);
    for (const [pid, fd] of statFds) {
      if (!live.has(pid)) {
        closeSync(fd);
        statFds.delete(pid);
      }
    }
    for (const pid of pids) {
      try {
        let fd = statFds.get(pid);
        if (fd === undefined) statFds.set(pid, (fd = openSync(`/proc/${pid}/stat`, 'r')));
        readSync(fd, buf, 0, buf.length, 0);
      } catch {
        // ended meanwhile
      }
    }
    for (let i = 0; i < plan.cmdline; i++) once(`/proc/${pids[turn++ % pids.length]}/cmdline`);
    for (let i = 0; i < plan.status; i++) once(`/proc/${pids[turn++ % pids.length]}/status`);
    if (insert) insert.run(Date.now(), blob);
  }, 1000);
  await new Promise(() => {});
}

/** The agent's main thread's reads over `seconds`: each file's reads a second, by strace -y. */
function traceReads(pid, seconds, out) {
  spawnSync('timeout', ['-s', 'INT', String(seconds), 'strace', '-y', '-e', 'trace=pread64,read', '-o', out, '-p', String(pid)]);
  const perPath = new Map();
  for (const m of readFileSync(out, 'utf8').matchAll(/^(?:pread64|read)\(\d+<([^>]+)>/gm)) perPath.set(m[1], (perPath.get(m[1]) ?? 0) + 1);
  const fixed = [];
  let stat = 0;
  let cmdline = 0;
  let status = 0;
  for (const [path, n] of perPath) {
    const kind = PID_FILE.exec(path)?.[1];
    if (kind === 'stat') stat += n;
    else if (kind === 'cmdline') cmdline += n;
    else if (kind === 'status') status += n;
    else if ((path.startsWith('/proc/') || path.startsWith('/sys/')) && n / seconds >= 0.5) fixed.push([path, Math.round(n / seconds)]);
  }
  return { fixed, stat: stat / seconds, cmdline: Math.round(cmdline / seconds), status: Math.round(status / seconds) };
}

async function main() {
  const TRACE = Number(opt('trace', '10'));
  const SETTLE = Number(opt('settle', '60'));
  const SECONDS = Number(opt('seconds', '180'));
  if (spawnSync('strace', ['-V'], { stdio: 'ignore' }).error) {
    console.log('agent-floor: skipped: strace is not installed (apt-get install strace)');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'tailtop-agent-floor-'));
  const store = join(work, 'store');
  const env = { ...process.env, ...unitEnv(root) };
  const agent = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'agent', '--store', store, '--interval', '1000'], {
    stdio: ['ignore', 'ignore', 'inherit'], cwd: tmpdir(), env,
  });
  const floors = [];
  try {
    await sleep(SETTLE * 1000);
    const traced = traceReads(agent.pid, TRACE, join(work, 'strace.txt'));
    const bytesPerTick = Number(opt('bytes', '980'));
    const planFile = join(work, 'plan.json');
    writeFileSync(planFile, JSON.stringify({ ...traced, bytesPerTick }));
    const fixedReads = traced.fixed.reduce((n, [, t]) => n + t, 0);
    console.log(`the agent's main thread over ${TRACE} s: ${fixedReads} host/cgroup reads a tick over ${traced.fixed.length} files, ` +
      `${traced.stat.toFixed(0)} /proc/PID/stat, ${traced.cmdline} cmdline, ${traced.status} status reads a tick; the floor writes ${bytesPerTick} B a tick`);
    for (const mode of ['bare', 'reads', 'reads+db']) {
      const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, '--plan', planFile, '--db', join(work, 'floor.db'), '--root', root], {
        stdio: ['ignore', 'ignore', 'inherit'], cwd: tmpdir(), env,
      });
      floors.push({ mode, p });
    }
    await sleep(SETTLE * 1000);
    const procs = [{ name: 'tailtop agent', pid: agent.pid }, ...floors.map((f) => ({ name: `floor: ${f.mode}`, pid: f.p.pid }))];
    const t0 = performance.now();
    const s0 = dirBytes(store);
    const c0 = procs.map((p) => ownTicks(p.pid));
    await sleep(SECONDS * 1000);
    const wall = (performance.now() - t0) / 1000;
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`over ${wall.toFixed(0)} s (load ${load}), all side by side; % of one core (every thread), RSS at the end; ` +
      `the agent's store grew ${((dirBytes(store) - s0) / wall).toFixed(0)} B a second`);
    console.log('| process | CPU % | RSS MiB |');
    console.log('|---|---|---|');
    procs.forEach((p, i) => {
      console.log(`| ${p.name} | ${(((ownTicks(p.pid) - c0[i]) / 100 / wall) * 100).toFixed(2)} | ${(statusKiB(p.pid, 'VmRSS') / 1024).toFixed(1)} |`);
    });
  } finally {
    for (const f of floors) f.p.kill('SIGKILL');
    agent.kill('SIGTERM');
    await new Promise((r) => (agent.exitCode !== null ? r() : agent.on('exit', r)));
    rmSync(work, { recursive: true, force: true });
  }
}
