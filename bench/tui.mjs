// TUI benchmark: runs a monitor in tmux at 160x50 for DURATION seconds and reports its CPU (% of one
// core), peak RSS, bytes written to the terminal per second, and time to the first frame.
// The same measurement is made for tailtop, gtop (npm package, the same blessed stack), btop and htop.
//   node bench/tui.mjs [--seconds 60] [--only tailtop,gtop,btop,htop] [--runs 1] [--root DIR] [--node-options '...'] [--settle 3]
// --root runs tailtop from DIR (a directory with dist/, themes/, package.json) instead of the repository, the way
// its `npm start` does (its node flags);
// --runs repeats each measurement and prints every run (the machine is noisy: compare medians).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { args, opt, root, startCommand } from './cli-args.mjs';
import { cpuTicks, statusKiB } from './proc-stat.mjs';

const RUNS = Math.max(1, Number(opt('runs', '1')));
// --node-options "..." runs tailtop with NODE_OPTIONS (e.g. V8 heap flags) to compare settings.
const NODE_OPTIONS = opt('node-options', '');
// --settle: seconds between the first frame and the measured window (start-up work: module loading, JIT,
// the first garbage collections). The issue's figures use the default, 3.
const SETTLE = Number(opt('settle', '3'));
// --args: tailtop's own flags (default --no-ebpf, as the other monitors have no eBPF; pass '' for eBPF on).
const TAILTOP_ARGS = opt('args', '--no-ebpf');
const SECONDS = Number(opt('seconds', '60'));
const ONLY = opt('only', 'tailtop,gtop,btop,htop').split(',');
const HZ = 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A private tmux server: other tmux users (tests, other benches) neither see nor race with it.
const SOCKET = `tailtop-bench-${process.pid}`;
function tmux(...a) {
  return execFileSync('tmux', ['-L', SOCKET, ...a], { encoding: 'utf8' });
}

function gtopCommand(dir) {
  const bin = join(dir, 'node_modules', '.bin', 'gtop');
  if (!existsSync(bin)) {
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', dir, 'gtop@1.1.5'], { stdio: 'ignore' });
    if (r.status !== 0) return null;
  }
  return existsSync(bin) ? `exec ${bin}` : null;
}

async function measure(name, command, readyPattern) {
  const session = `bench-${name}-${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), 'tailtop-bench-'));
  const out = join(work, 'pane.out');
  const t0 = performance.now();
  tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50', `cd ${root} && ${command}`);
  tmux('pipe-pane', '-t', session, '-o', `cat >> ${out}`);
  let firstFrameMs = null;
  while (performance.now() - t0 < 15_000) {
    const screen = tmux('capture-pane', '-p', '-t', session);
    if (readyPattern.test(screen)) {
      firstFrameMs = performance.now() - t0;
      break;
    }
    await sleep(10);
  }
  const pid = Number(tmux('display-message', '-p', '-t', session, '#{pane_pid}').trim());
  // Let start-up settle before the measured window.
  await sleep(SETTLE * 1000);
  const bytes0 = existsSync(out) ? statSync(out).size : 0;
  const c0 = cpuTicks(pid);
  const w0 = performance.now();
  await sleep(SECONDS * 1000);
  const c1 = cpuTicks(pid);
  const w1 = performance.now();
  const bytes1 = existsSync(out) ? statSync(out).size : 0;
  const rss = statusKiB(pid, 'VmHWM');
  tmux('kill-session', '-t', session);
  rmSync(work, { recursive: true, force: true });
  const wallSec = (w1 - w0) / 1000;
  return {
    name,
    cpuPercent: ((c1 - c0) / HZ / wallSec) * 100,
    peakRssMiB: rss / 1024,
    bytesPerSec: (bytes1 - bytes0) / wallSec,
    firstFrameMs,
  };
}

async function main() {
  const gdir = join(tmpdir(), 'tailtop-bench-gtop');
  const runs = [];
  if (ONLY.includes('tailtop'))
    runs.push(['tailtop', `${NODE_OPTIONS ? `NODE_OPTIONS='${NODE_OPTIONS}' ` : ''}exec ${startCommand(root)} --refresh 1000 ${TAILTOP_ARGS}`, /CPU/]);
  if (ONLY.includes('gtop')) {
    const g = gtopCommand(gdir);
    if (g) runs.push(['gtop', g, /CPU History|Memory/]);
    else console.log('gtop: could not be installed from npm; skipped');
  }
  if (ONLY.includes('btop') && existsSync('/usr/bin/btop')) {
    // btop's default refresh is 2 s: give it a private config with 1 s like the others.
    const cfg = mkdtempSync(join(tmpdir(), 'tailtop-bench-btop-'));
    mkdirSync(join(cfg, 'btop'));
    writeFileSync(join(cfg, 'btop', 'btop.conf'), 'update_ms = 1000\n');
    runs.push(['btop', `XDG_CONFIG_HOME=${cfg} exec btop --utf-force`, /cpu|CPU/]);
  }
  if (ONLY.includes('htop') && existsSync('/usr/bin/htop')) runs.push(['htop', 'exec htop -d 10', /PID/]);
  const results = [];
  for (const [name, cmd, ready] of runs) {
    for (let i = 0; i < RUNS; i++) {
      process.stderr.write(`measuring ${name} for ${SECONDS}s${RUNS > 1 ? ` (run ${i + 1}/${RUNS})` : ''}...\n`);
      const r = await measure(name, cmd, ready);
      process.stderr.write(`  cpu ${r.cpuPercent.toFixed(2)}%  rss ${r.peakRssMiB.toFixed(1)} MiB  ${r.bytesPerSec.toFixed(0)} B/s  first ${r.firstFrameMs?.toFixed(0)} ms\n`);
      results.push(r);
    }
  }
  console.log(`\nTUI at 160x50, 1 s refresh, ${SECONDS} s window (after ${SETTLE} s settle)`);
  console.log('| monitor | CPU % of one core | peak RSS MiB | terminal bytes/s | first frame ms |');
  console.log('|---|---|---|---|---|');
  for (const r of results)
    console.log(`| ${r.name} | ${r.cpuPercent.toFixed(2)} | ${r.peakRssMiB.toFixed(1)} | ${r.bytesPerSec.toFixed(0)} | ${r.firstFrameMs == null ? 'n/a' : r.firstFrameMs.toFixed(0)} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
