// dockerd's CPU cost of watching containers: tailtop (cgroup files + list/inspect/events) vs `docker stats`
// (the stats API, streaming, every container). With N containers running (default 10 idle + 2 burners at
// half a core), dockerd's CPU (utime+stime from /proc/<pid>/stat, % of one core; containerd, its child, shown
// apart) is measured over SECONDS each:
//   (a) idle baseline: nothing watching;
//   (b) the TUI (node dist/cli.js --no-ebpf, refresh 1 s, containers view) in tmux with DOCKER_HOST —
//       tailtop's own CPU is reported too;
//   (c) `docker stats` (streaming, all containers) in tmux — the docker CLI's own CPU is reported too.
// A private dockerd of its own (TAILTOP_DOCKERD_DIR, default /tmp/tailtop-dockerd-bench, no bridge) so no
// other user's API calls land in the figures; started and stopped here (unless --docker-host is given).
// Prints a markdown table; asserts nothing. Needs root, dockerd, the docker CLI, tmux and busybox-static.
//   node bench/docker.mjs [--seconds 30] [--idle 10] [--burners 2] [--docker-host unix:///path.sock]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { args, opt } from './cli-args.mjs';
import { childPids, ownTicks } from './proc-stat.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SECONDS = Number(opt('seconds', '30'));
const IDLE = Number(opt('idle', '10'));
const BURNERS = Number(opt('burners', '2'));
const WARMUP_MS = 5000;
const HZ = 100;
const DIR = process.env.TAILTOP_DOCKERD_DIR ?? '/tmp/tailtop-dockerd-bench';
const PREFIX = 'tt-bench-docker-';
const IMAGE = process.env.TAILTOP_TEST_IMAGE ?? 'tailtop-test:busybox';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function say(s) {
  process.stderr.write(`docker.mjs: ${s}\n`);
}

function skip(why) {
  console.log(`docker.mjs: skipped: ${why}`);
  process.exit(0);
}

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
if (!existsSync(join(root, 'dist', 'cli.js'))) skip('dist/cli.js is not built (npm run build)');
for (const c of ['docker', 'tmux']) if (!have(c)) skip(`${c} not installed`);

// ------------------------------------------------------------------------------------------ the daemon
let host = opt('docker-host', null);
let ownDaemon = false;
const dockerdEnv = { ...process.env, TAILTOP_DOCKERD_DIR: DIR, TAILTOP_DOCKERD_FLAGS: `${process.env.TAILTOP_DOCKERD_FLAGS ?? ''} --bridge=none`.trim() };
if (!host) {
  if (process.getuid?.() !== 0 || !have('dockerd')) skip('needs root and dockerd for a private daemon (or pass --docker-host)');
  const up = spawnSync('bash', [join(root, 'scripts', 'dockerd.sh'), 'status'], { env: dockerdEnv }).status === 0;
  const r = spawnSync('bash', [join(root, 'scripts', 'dockerd.sh'), 'start'], { env: dockerdEnv, encoding: 'utf8' });
  if (r.status !== 0) skip(`scripts/dockerd.sh start failed: ${r.stderr.trim().split('\n').at(-1)}`);
  host = `unix://${DIR}/docker.sock`;
  ownDaemon = !up;
}
const denv = { ...process.env, DOCKER_HOST: host };
const docker = (...a) => execFileSync('docker', a, { env: denv, encoding: 'utf8', maxBuffer: 64 << 20 }).trim();
const mk = spawnSync('sh', [join(root, 'scripts', 'make-test-image.sh')], { env: denv, encoding: 'utf8' });
if (mk.status !== 0) skip(`make-test-image.sh failed: ${mk.stderr.trim()}`);

/** dockerd's pid: from the private daemon's pid file, else the daemon serving the socket. */
function dockerdPid() {
  const f = join(DIR, 'pid');
  if (host === `unix://${DIR}/docker.sock` && existsSync(f)) return Number(readFileSync(f, 'utf8').trim());
  const sock = host.startsWith('unix://') ? host.slice(7) : null;
  const out = spawnSync('sh', ['-c', `pgrep -x dockerd`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
  for (const p of out) {
    const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
    if (!sock || cmd.some((a) => a.includes(sock))) return p;
  }
  return out[0];
}


const comm = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};


// ------------------------------------------------------------------------------------------ containers
function cleanup() {
  const ids = docker('ps', '-aq', '--filter', `name=^${PREFIX}`).split('\n').filter(Boolean);
  if (ids.length) docker('rm', '-f', ...ids);
}
cleanup();
for (let i = 0; i < IDLE; i++) docker('run', '-d', '--name', `${PREFIX}idle-${i}`, '--network', 'none', IMAGE, 'sleep', '100000');
for (let i = 0; i < BURNERS; i++)
  docker('run', '-d', '--name', `${PREFIX}burn-${i}`, '--network', 'none', '--cpus', '0.5', IMAGE, 'sh', '-c', 'while :; do :; done');
const running = docker('ps', '-q').split('\n').filter(Boolean).length;

// ------------------------------------------------------------------------------------------ tmux
const SOCKET = `tailtop-bench-docker-${process.pid}`;
const tmux = (...a) => execFileSync('tmux', ['-L', SOCKET, ...a], { encoding: 'utf8' });
function startPane(cmd) {
  tmux('new-session', '-d', '-s', 'b', '-x', '160', '-y', '50', 'sh', '-c', `export TERM=tmux-256color LANG=C.UTF-8 DOCKER_HOST='${host}'; exec ${cmd}`);
  return Number(tmux('display-message', '-p', '-t', 'b', '#{pane_pid}').trim());
}
function stopPane() {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
}

/** The watcher really watched: its screen shows what it should (else the figures mean nothing). */
function check(what, re) {
  const pane = tmux('capture-pane', '-p', '-t', 'b');
  if (!re.test(pane)) {
    say(`${what}: the screen does not show ${re}:\n${pane}`);
    process.exitCode = 1;
  }
}

// ------------------------------------------------------------------------------------------ measure
const dpid = dockerdPid();
/** dockerd's own containerd: its child, or (when it was started apart) the one whose state lives under DIR. */
const containerd = () => {
  const kids = childPids(dpid).filter((p) => comm(p) === 'containerd');
  if (kids.length) return kids;
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || comm(Number(e)) !== 'containerd') continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(DIR)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
};

async function measure(label, extra = null) {
  await sleep(WARMUP_MS);
  const ctd = containerd();
  const d0 = ownTicks(dpid);
  const c0 = ctd.reduce((a, p) => a + ownTicks(p), 0);
  const e0 = extra ? ownTicks(extra) : 0;
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const dt = (performance.now() - t0) / 1000;
  const pct = (t) => (t / HZ / dt) * 100;
  const r = {
    label,
    dockerd: pct(ownTicks(dpid) - d0),
    containerd: ctd.length ? pct(ctd.reduce((a, p) => a + ownTicks(p), 0) - c0) : null,
    watcher: extra ? pct(ownTicks(extra) - e0) : null,
  };
  say(`${label}: dockerd ${r.dockerd.toFixed(2)}%${r.watcher != null ? `, watcher ${r.watcher.toFixed(2)}%` : ''}`);
  return r;
}

const results = [];
try {
  say(`dockerd pid ${dpid} (${host}); ${running} containers running (${IDLE} idle, ${BURNERS} burners at 0.5 CPU); ${SECONDS} s windows`);
  results.push(await measure('(a) idle: nothing watching'));

  const tui = startPane(`node ${join(root, 'dist', 'cli.js')} --no-ebpf --refresh 1000`);
  await sleep(1500);
  tmux('send-keys', '-t', 'b', 'c');
  results.push(await measure('(b) tailtop TUI, containers view, 1 s refresh', tui));
  check('tailtop', new RegExp(`Containers ${running}\\b`));
  stopPane();
  await sleep(2000);

  const stats = startPane('docker stats');
  results.push(await measure('(c) docker stats (streaming, all containers)', stats));
  check('docker stats', new RegExp(`${PREFIX}burn-0`));
  stopPane();
} finally {
  stopPane();
  cleanup();
  if (ownDaemon) spawnSync('bash', [join(root, 'scripts', 'dockerd.sh'), 'stop'], { env: dockerdEnv, stdio: 'ignore' });
}

const f = (v) => (v == null ? '—' : `${v.toFixed(2)}%`);
const base = results[0].dockerd;
console.log(`\ndockerd CPU while watching ${running} containers (${IDLE} idle + ${BURNERS} burners), ${SECONDS} s each, % of one core; ${cpus().length} CPUs, ${cpus()[0]?.model ?? ''}\n`);
console.log('| scenario | dockerd | dockerd − idle | containerd | watcher itself |');
console.log('|---|---:|---:|---:|---:|');
for (const r of results)
  console.log(`| ${r.label} | ${f(r.dockerd)} | ${r === results[0] ? '—' : f(r.dockerd - base)} | ${f(r.containerd)} | ${f(r.watcher)} |`);
