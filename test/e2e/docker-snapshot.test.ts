// `tailtop snapshot --json` with a real Docker daemon, as a user or a script runs it: its containers[] agree
// with `docker stats --no-stream` taken at the same time (CPU within 5 points, allowing for dockerd leaving
// steal out of its divisor; memory within 5%) and with the container's own cgroup files (limits, memory used
// = usage − inactive_file, pids), and `--processes` puts each container's processes under it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, CLI as cli, requirement } from '../env.js';
import { cliStats, docker, dockerCpuRange, hostCpuTimes, removeAll, run as runContainer, setupDaemon, sleep } from '../integration/docker-helpers.js';

const pexec = promisify(execFile);
const P = 'tt-snap-';
const KEYS = [
  'id', 'name', 'image', 'runtime', 'state', 'cpuPercent', 'cpuLimitCores', 'memoryUsedBytes', 'memoryLimitBytes',
  'netRxBytesPerSec', 'netTxBytesPerSec', 'blockReadBytesPerSec', 'blockWriteBytesPerSec', 'pids', 'throttledPercent', 'source',
];

const d = await setupDaemon();
const skip =
  builtCli() ??
  requirement('docker', d.unavailable === null, d.unavailable ?? '');

interface SnapContainer {
  id: string;
  name: string;
  cpuPercent: number | null;
  cpuLimitCores: number | null;
  memoryUsedBytes: number | null;
  memoryLimitBytes: number | null;
  pids: number | null;
  source: string;
  processes?: { pid: number; command: string; containerId: string | null }[];
  [k: string]: unknown;
}

async function snapshot(intervalMs: number, extra: string[] = []): Promise<{ containers: SnapContainer[] }> {
  const r = await pexec(process.execPath, [cli, 'snapshot', '--json', '--no-ebpf', '--interval', String(intervalMs), ...extra], {
    env: { ...process.env, DOCKER_HOST: d.host },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return JSON.parse(r.stdout) as { containers: SnapContainer[] };
}

/** A container's cgroup directory for `controller` (v1) or its unified directory (v2), from its init pid. */
function cgroupDir(pid: number, controller: string): { dir: string; v2: boolean } {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const v1 = lines.map((l) => l.split(':')).find((f) => f[1]!.split(',').includes(controller));
  if (v1) return { dir: join('/sys/fs/cgroup', v1[1]!, v1[2]!), v2: false };
  const unified = lines.find((l) => l.startsWith('0::'))!;
  return { dir: join('/sys/fs/cgroup', unified.slice(3)), v2: true };
}

const file = (dir: string, name: string): string => readFileSync(join(dir, name), 'utf8').trim();
const statKey = (text: string, key: string): number => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)![1]);

describe.skipIf(skip !== null)('snapshot --json with a real Docker daemon', () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await removeAll(d.host, P);
    const net = ['--network', 'none'];
    ids.burn = await runContainer(d.host, `${P}burn`, [...net, '--cpus', '0.5', '-m', '128m'], ['sh', '-c', 'while :; do :; done']);
    // 48 MiB in a tmpfs: shmem is charged to the container and is not inactive_file.
    ids.mem = await runContainer(d.host, `${P}mem`, [...net, '--shm-size', '96m'], [
      'sh',
      '-c',
      'dd if=/dev/zero of=/dev/shm/fill bs=1M count=48 2>/dev/null; sleep 100000',
    ]);
    await sleep(1500);
  }, 120_000);

  afterAll(async () => {
    if (!d.unavailable) await removeAll(d.host, P);
  }, 120_000);

  it('containers[] agrees with docker stats taken at the same time', async () => {
    let problems: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const t0 = hostCpuTimes();
      // docker stats waits for two daemon samples (~1 s apart): its window sits inside our 2.5 s one.
      const [snap, cli] = await Promise.all([snapshot(2500), sleep(300).then(() => cliStats(d.host))]);
      const t1 = hostCpuTimes();
      const steal = (t1.steal - t0.steal) / Math.max(1, t1.total - t0.total);
      problems = [];
      const rows: string[] = [];
      for (const n of ['burn', 'mem']) {
        const ours = snap.containers.find((c) => c.name === `${P}${n}`);
        const theirs = cli.get(`${P}${n}`);
        if (!ours || !theirs || ours.cpuPercent === null || ours.memoryUsedBytes === null) {
          problems.push(`${n}: missing`);
          continue;
        }
        expect(Object.keys(ours)).toEqual(expect.arrayContaining(KEYS));
        const [lo, hi] = dockerCpuRange(ours.cpuPercent, steal);
        rows.push(`${n}: cpu ${ours.cpuPercent.toFixed(1)} (docker may say ${lo.toFixed(1)}..${hi.toFixed(1)}) vs ${theirs.cpuPercent}  mem ${ours.memoryUsedBytes} vs ${theirs.memBytes}`);
        if (theirs.cpuPercent < lo || theirs.cpuPercent > hi) problems.push(`${n} cpu ${ours.cpuPercent.toFixed(1)} vs ${theirs.cpuPercent}`);
        if (Math.abs(ours.memoryUsedBytes - theirs.memBytes) > 0.05 * theirs.memBytes + 256 * 1024) problems.push(`${n} mem ${ours.memoryUsedBytes} vs ${theirs.memBytes}`);
      }
      console.log(`attempt ${attempt} (steal ${(steal * 100).toFixed(1)}%)\n${rows.join('\n')}${problems.length ? `\nproblems: ${problems.join('; ')}` : ''}`);
      if (problems.length === 0) break;
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('containers[] agrees with the cgroup files', async () => {
    const snap = await snapshot(1000);
    for (const n of ['burn', 'mem']) {
      const c = snap.containers.find((x) => x.name === `${P}${n}`)!;
      const pid = Number(await docker(d.host, 'inspect', '--format', '{{.State.Pid}}', ids[n]!));
      const mem = cgroupDir(pid, 'memory');
      const pidsDir = cgroupDir(pid, 'pids');
      expect(c.id).toBe(ids[n]);
      expect(c.source).toBe(mem.v2 ? 'cgroup-v2' : 'cgroup-v1');
      const usage = Number(file(mem.dir, mem.v2 ? 'memory.current' : 'memory.usage_in_bytes'));
      const inactive = statKey(file(mem.dir, 'memory.stat'), mem.v2 ? 'inactive_file' : 'total_inactive_file');
      console.log(`${n}: memory used ${c.memoryUsedBytes} vs files ${usage - inactive}; pids ${c.pids}`);
      expect(Math.abs(c.memoryUsedBytes! - (usage - inactive))).toBeLessThanOrEqual(0.02 * (usage - inactive) + 128 * 1024);
      expect(c.pids).toBe(Number(file(pidsDir.dir, 'pids.current')));
    }
    const burn = snap.containers.find((x) => x.name === `${P}burn`)!;
    const cpu = cgroupDir(Number(await docker(d.host, 'inspect', '--format', '{{.State.Pid}}', ids.burn!)), 'cpu');
    const [quota, period] = cpu.v2
      ? file(cpu.dir, 'cpu.max').split(' ').map(Number)
      : [Number(file(cpu.dir, 'cpu.cfs_quota_us')), Number(file(cpu.dir, 'cpu.cfs_period_us'))];
    expect(burn.cpuLimitCores).toBe(quota! / period!);
    expect(burn.cpuLimitCores).toBe(0.5);
    const memDir = cgroupDir(Number(await docker(d.host, 'inspect', '--format', '{{.State.Pid}}', ids.burn!)), 'memory');
    expect(burn.memoryLimitBytes).toBe(Number(file(memDir.dir, memDir.v2 ? 'memory.max' : 'memory.limit_in_bytes')));
    expect(burn.memoryLimitBytes).toBe(128 * 1024 * 1024);
  }, 60_000);

  it('--processes lists each container\'s processes under it', async () => {
    const snap = await snapshot(500, ['--processes']);
    const burn = snap.containers.find((x) => x.name === `${P}burn`)!;
    const pid = Number(await docker(d.host, 'inspect', '--format', '{{.State.Pid}}', ids.burn!));
    expect(burn.processes).toBeDefined();
    const init = burn.processes!.find((p) => p.pid === pid);
    expect(init?.command).toContain('while :; do :; done');
    expect(burn.processes!.every((p) => p.containerId === ids.burn)).toBe(true);
  }, 60_000);
});
