#!/usr/bin/env node
// `tailtop agent` cost: the built agent records to a temporary store; after a settle, its CPU (utime+stime of
// the node process; the eBPF helper's own CPU is measured apart) over a window, its peak RSS (VmHWM) and the
// store's growth per sample. Start containers first for the 20-container scenario (the agent finds them
// through DOCKER_HOST). Figures are printed, never asserted.
//   node bench/agent.mjs [--seconds 60] [--settle 5] [--interval 1000] [--args '--no-ebpf'] [--root DIR]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { args, opt, root } from './cli-args.mjs';
import { childPids, dirBytes, ownTicks, statusKiB } from './proc-stat.mjs';

const SECONDS = Number(opt('seconds', '60'));
const SETTLE = Number(opt('settle', '5'));
const INTERVAL = opt('interval', '1000');
const EXTRA = opt('args', '').split(' ').filter(Boolean);
const HZ = 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


const dir = mkdtempSync(join(tmpdir(), 'tailtop-agent-bench-'));
const agent = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'agent', '--store', dir, '--interval', INTERVAL, ...EXTRA], {
  env: { ...process.env, TAILTOP_AGENT_TRACE: '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let ticksSeen = 0;
agent.stdout.on('data', (d) => (ticksSeen += String(d).split('\n').filter((l) => l.startsWith('recorded')).length));
try {
  await sleep(SETTLE * 1000);
  const helper = childPids(agent.pid)[0];
  const t0 = ownTicks(agent.pid);
  const h0 = helper ? ownTicks(helper) : 0;
  const s0 = ticksSeen;
  const b0 = dirBytes(dir);
  const w0 = performance.now();
  await sleep(SECONDS * 1000);
  const wall = (performance.now() - w0) / 1000;
  const cpu = ((ownTicks(agent.pid) - t0) / HZ / wall) * 100;
  const helperCpu = helper ? ((ownTicks(helper) - h0) / HZ / wall) * 100 : null;
  const samples = ticksSeen - s0;
  const bytes = dirBytes(dir) - b0;
  console.log(`agent ${EXTRA.join(' ') || '(eBPF on)'}: CPU ${cpu.toFixed(2)}% of a core, peak RSS ${(statusKiB(agent.pid, 'VmHWM') / 1024).toFixed(1)} MiB, ` +
    `helper CPU ${helperCpu === null ? '—' : `${helperCpu.toFixed(2)}%`}, ${samples} samples in ${wall.toFixed(0)} s, store +${bytes} bytes (${samples ? Math.round(bytes / samples) : '—'} B/sample, WAL and pages included)`);
} finally {
  agent.kill('SIGTERM');
  await new Promise((r) => agent.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
