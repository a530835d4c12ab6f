// The suite's global set-up and teardown.
//
// Set-up: builds dist/ once so the e2e and integration tests run the real CLI (type errors are reported by
// `npm test`'s typecheck step; here tsc still emits JavaScript). Gives the run an id (TAILTOP_TEST_RUN, in
// the environment of every worker and every process the tests start) and a directory of its own that
// becomes TMPDIR (every temporary file, socket and image of the run lives there). When DOCKER_HOST is unset
// and we are root with dockerd installed, starts the private dockerd (scripts/dockerd.sh) and sets
// DOCKER_HOST for the tests.
//
// Teardown, after a pass, a failure, or Ctrl-C / SIGTERM (vitest's own exit on a signal skips global
// teardowns, so the same synchronous clean-up also runs from a signal handler): removes the containers the
// run created (label tailtop.test.run=<id>), stops the private daemons it started (never one that was
// already running when the run began: another helper's or CI's shared daemon), detaches the loop devices
// and unmounts what it made, ends every process that carries its id, and removes its directory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..');
const DOCKERD_SH = join(REPO, 'scripts', 'dockerd.sh');
/** Label on every container the tests create: the run's id. */
export const RUN_LABEL = 'tailtop.test.run';

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The private daemon directories tests may start a dockerd in (scripts/dockerd.sh layout). */
function daemonDirs(): string[] {
  return [
    process.env.TAILTOP_DOCKERD_DIR ?? '/tmp/tailtop-dockerd',
    process.env.TAILTOP_DOCKERD_RESTART_DIR ?? '/tmp/tailtop-dockerd-restart',
    process.env.TAILTOP_DOCKERD_E2E_DIR ?? '/tmp/tailtop-dockerd-e2e',
  ];
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A dockerd runs for this directory (its pid file names a live process, or its socket exists). */
function daemonRunning(dir: string): boolean {
  for (const f of ['pid', 'launcher.pid']) {
    try {
      const pid = Number(readFileSync(join(dir, f), 'utf8').trim());
      if (pid > 0 && pidAlive(pid)) return true;
    } catch {
      // no pid file
    }
  }
  return false;
}

interface Loop {
  name: string;
  backFile: string;
}

function loops(): Loop[] {
  if (!have('losetup')) return [];
  const r = sh('losetup', ['-J', '-l'], process.env, 10_000);
  if (!r.ok || r.out.trim() === '') return [];
  try {
    const j = JSON.parse(r.out) as { loopdevices?: { name: string; 'back-file'?: string }[] };
    return (j.loopdevices ?? []).map((l) => ({ name: l.name, backFile: (l['back-file'] ?? '').replace(/ \(deleted\)$/, '') }));
  } catch {
    return [];
  }
}

function mountPoints(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter(Boolean)
      .map((p) => p.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  } catch {
    return [];
  }
}

/**
 * An image file of this run outside its directory: the eBPF tests keep loop-device images in /dev/shm or
 * /var/tmp (tmpfs, or a real file system for direct I/O) named by test/env.ts `runImage` with the run's id.
 * Other runs' images (a concurrent run's loop device in use) are never touched.
 */
export function isRunImage(run: string, file: string): boolean {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return base.startsWith(`tailtop-${run}-`) && base.endsWith('.img');
}

/** Files the eBPF tests use as loop-device images outside TMPDIR (/dev/shm, /var/tmp). */
function imageFiles(): string[] {
  const out: string[] = [];
  for (const d of ['/dev/shm', '/var/tmp']) {
    try {
      for (const f of readdirSync(d)) if (/^tailtop-.*\.img$/.test(f)) out.push(join(d, f));
    } catch {
      // no such directory
    }
  }
  return out;
}

/** Pids of processes carrying `TAILTOP_TEST_RUN=<run>` in their environment, but ours and our ancestors. */
function processesOf(run: string, opts: { spareVitest: boolean }): number[] {
  const mark = `TAILTOP_TEST_RUN=${run}`;
  const spare = new Set<number>([process.pid]);
  for (let p = process.ppid; p > 1 && !spare.has(p); ) {
    spare.add(p);
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (spare.has(pid)) continue;
    try {
      if (!readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(mark)) continue;
      if (opts.spareVitest && /node_modules\/vitest\//.test(readFileSync(`/proc/${d}/cmdline`, 'latin1'))) continue;
      out.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface RunState {
  run: string;
  dir: string;
  /** The private daemon directories of this run's environment. */
  daemonDirs: string[];
  daemonsUpAtStart: string[];
  loopsAtStart: string[];
}

/** What the run left, or [] when nothing: used by the teardown and by the test that checks it. */
export function leftovers(s: RunState): string[] {
  const out: string[] = [];
  for (const pid of processesOf(s.run, { spareVitest: true })) out.push(`process ${pid}`);
  for (const l of loops()) if (l.backFile.startsWith(`${s.dir}/`) || isRunImage(s.run, l.backFile)) out.push(`loop ${l.name} (${l.backFile})`);
  for (const m of mountPoints()) if (m === s.dir || m.startsWith(`${s.dir}/`)) out.push(`mount ${m}`);
  for (const d of s.daemonDirs) if (!s.daemonsUpAtStart.includes(d) && daemonRunning(d)) out.push(`dockerd in ${d}`);
  if (existsSync(s.dir)) out.push(`directory ${s.dir}`);
  return out;
}

/** Synchronous (it also runs from a signal handler) and idempotent. */
export function cleanUp(s: RunState, log: (m: string) => void = () => {}, opts: { spareVitest: boolean } = { spareVitest: true }): void {
  // 1. Containers of this run, on every daemon that answers.
  const hosts = new Set<string>();
  if (process.env.DOCKER_HOST) hosts.add(process.env.DOCKER_HOST);
  for (const d of s.daemonDirs) if (daemonRunning(d)) hosts.add(`unix://${join(d, 'docker.sock')}`);
  if (have('docker')) {
    for (const host of hosts) {
      const env = { ...process.env, DOCKER_HOST: host };
      const ids = sh('docker', ['ps', '-aq', '--filter', `label=${RUN_LABEL}=${s.run}`], env, 20_000);
      const list = ids.ok ? ids.out.split('\n').filter((x) => /^[0-9a-f]{12,64}$/.test(x)) : [];
      if (list.length) {
        log(`removing ${list.length} container(s) on ${host}`);
        sh('docker', ['rm', '-f', ...list], env, 60_000);
      }
    }
  }
  // 2. The private daemons the run started (never one that was up when it began).
  for (const d of s.daemonDirs) {
    if (s.daemonsUpAtStart.includes(d) || !daemonRunning(d)) continue;
    log(`stopping the dockerd the run started in ${d}`);
    sh(DOCKERD_SH, ['stop'], { ...process.env, TAILTOP_DOCKERD_DIR: d });
  }
  // 3. Every process of the run: SIGTERM, then SIGKILL what is left after 2 s.
  let pids = processesOf(s.run, opts);
  if (pids.length) log(`ending ${pids.length} process(es) of the run`);
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // gone
    }
  }
  for (let i = 0; i < 20 && pids.some(pidAlive); i++) sleepSync(100);
  pids = pids.filter(pidAlive);
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
  // 4. Mounts under the run's directory, then its loop devices (and the eBPF tests' image files).
  for (const m of mountPoints().reverse()) {
    if (m === s.dir || m.startsWith(`${s.dir}/`)) {
      log(`unmounting ${m}`);
      sh('umount', ['-l', m], process.env, 10_000);
    }
  }
  for (const l of loops()) {
    if (l.backFile.startsWith(`${s.dir}/`) || isRunImage(s.run, l.backFile)) {
      log(`detaching ${l.name} (${l.backFile})`);
      sh('losetup', ['-d', l.name], process.env, 10_000);
    }
  }
  for (const f of imageFiles()) if (isRunImage(s.run, f)) rmSync(f, { force: true });
  // 5. The run's directory.
  try {
    rmSync(s.dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    log(`could not remove ${s.dir}: ${(e as Error).message}`);
  }
}

export default function setup(): () => void {
  // Every project of the config runs the global set-up; the first one in this process does the work.
  const g = globalThis as { __tailtopRun?: RunState };
  if (g.__tailtopRun) return () => {};
  if (process.env.TAILTOP_TEST_NO_BUILD !== '1') {
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { encoding: 'utf8', cwd: REPO });
    if (r.status !== 0) console.warn(`global-setup: tsc reported errors (dist/ emitted anyway):\n${(r.stdout ?? '').split('\n').slice(0, 10).join('\n')}`);
  }
  const run = process.env.TAILTOP_TEST_RUN || `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const dir = join(tmpdir(), `tailtop-test-${run}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const state: RunState = {
    run,
    dir,
    daemonDirs: daemonDirs(),
    daemonsUpAtStart: daemonDirs().filter(daemonRunning),
    loopsAtStart: loops().map((l) => l.name),
  };
  g.__tailtopRun = state;
  process.env.TAILTOP_TEST_RUN = run;
  process.env.TMPDIR = dir;

  // The private dockerd, when nothing names a daemon and we may start one.
  if (!process.env.DOCKER_HOST && process.getuid?.() === 0 && have('dockerd') && have('docker')) {
    const ddir = daemonDirs()[0]!;
    const r = sh(DOCKERD_SH, ['start'], { ...process.env, TAILTOP_DOCKERD_DIR: ddir });
    const m = /export DOCKER_HOST=(\S+)/.exec(r.out);
    if (r.ok && m) process.env.DOCKER_HOST = m[1];
    else console.warn(`global-setup: scripts/dockerd.sh start failed: ${r.out.trim().split('\n').at(-1) ?? ''}`);
  }

  let done = false;
  const teardown = (signal?: NodeJS.Signals): void => {
    if (done) return;
    done = true;
    const log = (m: string): void => void process.stderr.write(`global-teardown: ${m}\n`);
    cleanUp(state, log, { spareVitest: signal === undefined });
    const left = leftovers(state);
    if (left.length) log(`left behind: ${left.join(', ')}`);
  };
  // vitest exits on SIGINT/SIGTERM without running global teardowns: run ours first, synchronously.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.prependListener(sig, () => teardown(sig));
  return () => teardown();
}
