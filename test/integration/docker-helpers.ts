// Shared set-up for the real-daemon tests. DOCKER_HOST from the environment (`.ci/run` sets it through
// scripts/dockerd.sh); when it is unset and we are root with dockerd installed, the private daemon is started
// here through the same script and stopped after.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO, inCI } from '../env.js';
import { RUN_LABEL } from '../global-setup.js';

const pexec = promisify(execFile);

export const DOCKERD_SH = join(REPO, 'scripts', 'dockerd.sh');
export const MAKE_IMAGE_SH = join(REPO, 'scripts', 'make-test-image.sh');
export const IMAGE = process.env.TAILTOP_TEST_IMAGE ?? 'tailtop-test:busybox';
/** Label on every container these tests create, so clean-up never touches anything else. */
export const LABEL = 'tailtop.test';

/** The labels of a test container: ours, and the run's (the global teardown removes what a run left). */
export function testLabels(): string[] {
  return ['--label', `${LABEL}=1`, '--label', `${RUN_LABEL}=${process.env.TAILTOP_TEST_RUN ?? 'none'}`];
}

/** Whether `cmd` is on PATH. */
export function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface DaemonHandle {
  /** DOCKER_HOST for the CLI and the source. */
  host: string;
  /** The socket path of a unix DOCKER_HOST, else null. */
  socketPath: string | null;
  /** We started the private dockerd (and may restart/stop it). */
  ownsDaemon: boolean;
  /** The private daemon's directory when it is scripts/dockerd.sh's (restartable), else null. */
  dockerdDir: string | null;
  /** Why the tests cannot run, or null. */
  unavailable: string | null;
}

function dockerCli(host: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return pexec('docker', args, { env: { ...process.env, DOCKER_HOST: host }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
}

export async function docker(host: string, ...args: string[]): Promise<string> {
  const r = await dockerCli(host, args);
  return r.stdout.trim();
}

export async function answers(host: string): Promise<boolean> {
  try {
    await dockerCli(host, ['version', '--format', '{{.Server.Version}}']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds or starts a daemon. Tests of one file share it (the script is idempotent: a second caller gets the
 * running one). `ownsDaemon` is true only when this call started it.
 */
/** The daemon for a suite that cannot run without one: throws when there is none (saying it is needed under CI),
 * and removes the containers named with `prefix` that an earlier run left. */
export async function requireDaemon(prefix: string): Promise<DaemonHandle> {
  const d = await setupDaemon();
  if (d.unavailable) throw new Error(inCI ? `docker needed under CI: ${d.unavailable}` : d.unavailable);
  await removeAll(d.host, prefix);
  return d;
}

export async function setupDaemon(): Promise<DaemonHandle> {
  const dir = process.env.TAILTOP_DOCKERD_DIR ?? '/tmp/tailtop-dockerd';
  const fromEnv = process.env.DOCKER_HOST;
  if (!which('docker')) return { host: '', socketPath: null, ownsDaemon: false, dockerdDir: null, unavailable: 'docker CLI not installed' };
  if (fromEnv) {
    if (!(await answers(fromEnv))) {
      return { host: fromEnv, socketPath: null, ownsDaemon: false, dockerdDir: null, unavailable: `DOCKER_HOST=${fromEnv} does not answer` };
    }
    const sock = fromEnv.startsWith('unix://') ? fromEnv.slice(7) : null;
    const ours = sock !== null && sock === join(dir, 'docker.sock');
    await ensureImage(fromEnv);
    return { host: fromEnv, socketPath: sock, ownsDaemon: false, dockerdDir: ours ? dir : null, unavailable: null };
  }
  if (process.getuid?.() !== 0) return { host: '', socketPath: null, ownsDaemon: false, dockerdDir: null, unavailable: 'DOCKER_HOST unset and not root (cannot start a private dockerd)' };
  if (!which('dockerd')) return { host: '', socketPath: null, ownsDaemon: false, dockerdDir: null, unavailable: 'DOCKER_HOST unset and dockerd not installed' };
  const host = `unix://${join(dir, 'docker.sock')}`;
  const wasUp = await answers(host);
  try {
    await pexec(DOCKERD_SH, ['start'], { env: { ...process.env, TAILTOP_DOCKERD_DIR: dir }, timeout: 120_000 });
  } catch (e) {
    return { host, socketPath: null, ownsDaemon: false, dockerdDir: null, unavailable: `scripts/dockerd.sh start failed: ${(e as Error).message.split('\n')[0]}` };
  }
  await ensureImage(host);
  return { host, socketPath: join(dir, 'docker.sock'), ownsDaemon: !wasUp, dockerdDir: dir, unavailable: null };
}

export async function ensureImage(host: string): Promise<void> {
  await pexec(MAKE_IMAGE_SH, [], { env: { ...process.env, DOCKER_HOST: host }, timeout: 120_000 });
}

export async function stopDaemon(h: DaemonHandle): Promise<void> {
  if (!h.dockerdDir) return;
  await pexec(DOCKERD_SH, ['stop'], { env: { ...process.env, TAILTOP_DOCKERD_DIR: h.dockerdDir }, timeout: 120_000 });
}

export async function startDaemon(h: DaemonHandle): Promise<void> {
  if (!h.dockerdDir) throw new Error('not our daemon');
  await pexec(DOCKERD_SH, ['start'], { env: { ...process.env, TAILTOP_DOCKERD_DIR: h.dockerdDir }, timeout: 120_000 });
}

/** Runs a detached test container; returns its id. */
export async function run(host: string, name: string, args: string[], cmd: string[]): Promise<string> {
  return docker(host, 'run', '-d', '--name', name, ...testLabels(), ...args, IMAGE, ...cmd);
}

/** Removes the test containers whose names start with `prefix` (only ours: filtered by label). */
export async function removeAll(host: string, prefix: string): Promise<void> {
  const ids = (await docker(host, 'ps', '-aq', '--filter', `label=${LABEL}`, '--filter', `name=^${prefix}`)).split('\n').filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) await docker(host, 'rm', '-f', ...ids.slice(i, i + 50)).catch(() => '');
}

export interface CliStats {
  name: string;
  id: string;
  cpuPercent: number;
  memBytes: number;
  memLimitBytes: number;
}

const UNITS: Record<string, number> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

export function parseSize(s: string): number {
  const m = /^\s*([\d.]+)\s*([A-Za-z]+)\s*$/.exec(s);
  if (!m) return NaN;
  const u = UNITS[m[2]!];
  return u === undefined ? NaN : Number(m[1]) * u;
}

/** `docker stats --no-stream` for all running containers. */
export async function cliStats(host: string): Promise<Map<string, CliStats>> {
  const out = await docker(host, 'stats', '--no-stream', '--format', '{{json .}}');
  const m = new Map<string, CliStats>();
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    const j = JSON.parse(line) as Record<string, string>;
    const [used, limit] = (j.MemUsage ?? '').split('/');
    m.set(j.Name!, {
      name: j.Name!,
      id: j.ID!,
      cpuPercent: Number((j.CPUPerc ?? '').replace('%', '')),
      memBytes: parseSize(used ?? ''),
      memLimitBytes: parseSize(limit ?? ''),
    });
  }
  return m;
}

/** Host CPU jiffies from /proc/stat: idle (+ iowait), steal, and the total of the first eight fields. */
export function hostCpuTimes(): { idle: number; steal: number; total: number } {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: v[3]! + v[4]!, steal: v[7] ?? 0, total: v.reduce((x, y) => x + y, 0) };
}

/**
 * Where `docker stats` may put a container's CPU% given ours (Δusage / Δwall) over an enclosing window with
 * `stealShare` of the host's time stolen: dockerd divides by the host CPU time of the first seven /proc/stat
 * fields, which leave steal out, so on a VM its figure reads high by up to 1 / (1 − steal). Steal comes in
 * bursts and docker's ~1 s window sits inside ours: anywhere from ours to ours by docker's divisor, 5 points
 * either side.
 */
export function dockerCpuRange(ours: number, stealShare: number): [number, number] {
  return [ours - 5, ours / (1 - Math.min(0.9, stealShare)) + 5];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `ms` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(stepMs);
  }
}

export function podmanAvailable(): boolean {
  return which('podman') && existsSync('/usr/bin/podman');
}

/** A process's cgroup CPU time (ns), read here (v1 cpuacct.usage, v2 cpu.stat usage_usec): the kernel's count. */
export function cgroupCpuNs(pid: number): number {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').map((l) => l.split(':'));
  const v1 = lines.find((f) => f[1]!.split(',').includes('cpuacct'));
  if (v1) return Number(readFileSync(join('/sys/fs/cgroup', v1[1]!, v1[2]!, 'cpuacct.usage'), 'utf8'));
  const stat = readFileSync(join('/sys/fs/cgroup', lines.find((f) => f[0] === '0')![2]!, 'cpu.stat'), 'utf8');
  return Number(/^usage_usec (\d+)$/m.exec(stat)![1]) * 1000;
}
