#!/usr/bin/env node
// `tailtop agent` beside a recorder nobody here wrote, on the same host at the same time: atop (Debian's
// package) writing its raw log every second (`atop -w FILE 1`: every process, as the agent records every tick).
// The agent runs with the systemd unit's environment and eBPF; both start together, and after --settle seconds
// each one's CPU (utime+stime from /proc/PID/stat; the agent's eBPF helper apart, from its schedstat) is taken
// over --seconds, with its RSS at the end and the bytes each has written (atop's log; the agent's store dir).
// Uses the containers already on DOCKER_HOST (bench-containers.mjs starts 20). Skips, saying why, without atop.
//   npm run build && node bench/agent-peers.mjs [--settle 120] [--seconds 180] [--root DIR]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opt, root, unitEnv } from './cli-args.mjs';
import { childPids, dirBytes, ownTicks, statusKiB } from './proc-stat.mjs';

const SETTLE = Number(opt('settle', '120'));
const SECONDS = Number(opt('seconds', '180'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (spawnSync('atop', ['-V'], { stdio: 'ignore' }).error) {
  console.log('agent-peers: skipped: atop is not installed (apt-get install atop)');
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'tailtop-agent-peers-'));
const store = join(work, 'store');
const atopLog = join(work, 'atop.raw');
const agent = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'agent', '--store', store, '--interval', '1000'], {
  stdio: ['ignore', 'ignore', 'inherit'], cwd: tmpdir(), env: { ...process.env, ...unitEnv(root) },
});
const atop = spawn('atop', ['-w', atopLog, '1'], { stdio: 'ignore' });

/** The agent's eBPF helper's CPU time in ns (schedstat: exact), 0 while it has none. */
function helperNs() {
  let ns = 0;
  for (const c of childPids(agent.pid)) {
    try {
      ns += Number(readFileSync(`/proc/${c}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // restarting
    }
  }
  return ns;
}

try {
  await sleep(SETTLE * 1000);
  const t0 = performance.now();
  const a0 = ownTicks(agent.pid);
  const h0 = helperNs();
  const p0 = ownTicks(atop.pid);
  const s0 = dirBytes(store);
  const l0 = statSync(atopLog).size;
  await sleep(SECONDS * 1000);
  const wall = (performance.now() - t0) / 1000;
  const pct = (ticks) => ((ticks / 100 / wall) * 100).toFixed(2);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`after ${SETTLE} s, over ${wall.toFixed(0)} s (load ${load}); % of one core, RSS at the end, bytes written a second`);
  console.log('| recorder | CPU % | RSS MiB | bytes/s written |');
  console.log('|---|---|---|---|');
  console.log(`| tailtop agent (eBPF helper apart: ${((((helperNs() - h0) / 1e9) / wall) * 100).toFixed(3)}%) | ${pct(ownTicks(agent.pid) - a0)} | ${(statusKiB(agent.pid, 'VmRSS') / 1024).toFixed(1)} | ${((dirBytes(store) - s0) / wall).toFixed(0)} |`);
  console.log(`| atop -w 1 s | ${pct(ownTicks(atop.pid) - p0)} | ${(statusKiB(atop.pid, 'VmRSS') / 1024).toFixed(1)} | ${((statSync(atopLog).size - l0) / wall).toFixed(0)} |`);
} finally {
  atop.kill('SIGTERM');
  agent.kill('SIGTERM');
  await new Promise((r) => (agent.exitCode !== null ? r() : agent.on('exit', r)));
  rmSync(work, { recursive: true, force: true });
}
