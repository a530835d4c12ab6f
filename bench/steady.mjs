#!/usr/bin/env node
// Steady state: the monitor (in tmux at 160x50, started as `npm start` starts it, eBPF on) and `tailtop agent`
// (as its systemd unit runs it: contrib/tailtop-agent.service's environment), side by side for --minutes,
// with the benchmarks' 20 containers (bench-containers.mjs; --containers 0 uses those already on
// DOCKER_HOST). Every 30 s: resident memory (VmRSS), its peak so far (VmHWM) and CPU (utime+stime of the
// process and its children). A one-minute benchmark (tui.mjs, agent-threads.mjs) ends before the 5-minute
// latency windows, the rings and V8's old generation have filled; this one reports the figures after
// --warm minutes (default 5): CPU over the rest of the run, the largest RSS seen then, and the peak.
//   npm run build && node bench/steady.mjs [--minutes 10] [--warm 5] [--containers 20] [--root DIR] [--only tui,agent]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opt, root, startCommand, unitEnv } from './cli-args.mjs';
import { haveDocker, removeBenchContainers, startBenchContainers } from './bench-containers.mjs';
import { cpuTicks, statusKiB } from './proc-stat.mjs';

const MINUTES = Number(opt('minutes', '10'));
const WARM = Number(opt('warm', '5'));
const CONTAINERS = Number(opt('containers', '20'));
const ONLY = opt('only', 'tui,agent').split(',');
const PREFIX = 'tailtop-steady-';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SOCKET = `tailtop-steady-${process.pid}`;
const tmux = (...a) => execFileSync('tmux', ['-L', SOCKET, ...a], { encoding: 'utf8' });

function sample(pid) {
  return { ticks: cpuTicks(pid), rss: statusKiB(pid, 'VmRSS') / 1024, hwm: statusKiB(pid, 'VmHWM') / 1024 };
}

if (CONTAINERS > 0) {
  if (!haveDocker) throw new Error('--containers needs DOCKER_HOST (scripts/dockerd.sh) and the docker CLI');
  startBenchContainers(PREFIX, CONTAINERS);
}
const work = mkdtempSync(join(tmpdir(), 'tailtop-steady-'));
const procs = [];
try {
  if (ONLY.includes('tui')) {
    tmux('new-session', '-d', '-s', 'tui', '-x', '160', '-y', '50', `cd ${root} && exec ${startCommand(root)}`);
    await sleep(1000);
    procs.push({ name: 'tui', pid: Number(tmux('display-message', '-p', '-t', 'tui', '#{pane_pid}').trim()) });
  }
  if (ONLY.includes('agent')) {
    const p = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'agent', '--store', join(work, 'store'), '--interval', '1000'], {
      stdio: ['ignore', 'ignore', 'inherit'], cwd: tmpdir(), env: { ...process.env, ...unitEnv(root) },
    });
    procs.push({ name: 'agent', pid: p.pid, child: p });
  }
  const rows = procs.map(() => []);
  const t0 = performance.now();
  for (let s = 0; s <= MINUTES * 60; s += 30) {
    const at = (performance.now() - t0) / 1000;
    procs.forEach((p, i) => rows[i].push({ at, ...sample(p.pid) }));
    console.log(`${Math.round(at).toString().padStart(4)} s  ` + procs.map((p, i) => {
      const r = rows[i].at(-1);
      return `${p.name} rss ${r.rss.toFixed(1)} peak ${r.hwm.toFixed(1)} MiB`;
    }).join('   ') + `   load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
    if (s < MINUTES * 60) await sleep(t0 + (s + 30) * 1000 - performance.now());
  }
  const summary = {};
  procs.forEach((p, i) => {
    const warm = rows[i].filter((r) => r.at >= WARM * 60 - 1);
    const a = warm[0], b = warm.at(-1);
    summary[p.name] = {
      cpuPercentAfterWarm: +(((b.ticks - a.ticks) / 100 / (b.at - a.at)) * 100).toFixed(2),
      rssMaxAfterWarmMiB: +Math.max(...warm.map((r) => r.rss)).toFixed(1),
      rssEndMiB: +b.rss.toFixed(1),
      peakMiB: +b.hwm.toFixed(1),
    };
  });
  console.log(JSON.stringify({ root, minutes: MINUTES, warmMinutes: WARM, loadavg: readFileSync('/proc/loadavg', 'utf8').trim(), ...summary }, null, 2));
} finally {
  try {
    tmux('kill-server');
  } catch {
    // no tmux session was started
  }
  for (const p of procs) p.child?.kill('SIGTERM');
  await sleep(1500);
  rmSync(work, { recursive: true, force: true });
  if (CONTAINERS > 0) removeBenchContainers(PREFIX);
}
