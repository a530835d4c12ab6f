// Podman through its Docker-compatible API: a private `podman system service` on its own socket and storage,
// the same discovery as for Docker (list, inspect, events, runtime "podman") and cgroup counters read for a
// limited burner.
//
// On this kind of sandbox (root without CAP_SYS_RESOURCE) podman's default rlimits for root containers
// (nofile and nproc = 1048576/4194304) cannot be set and every `run` fails with "error setting rlimit type 7:
// operation not permitted"; a containers.conf with lower default_ulimits fixes that.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveContainers } from '../../src/model/containers.js';
import { ContainerSource } from '../../src/sources/docker/container-source.js';
import { requirement } from '../env.js';
import { answers, docker, ensureImage, run, sleep, waitFor, which } from './docker-helpers.js';

const DIR = process.env.TAILTOP_PODMAN_DIR ?? '/tmp/tailtop-podman';
const SOCK = `${DIR}/podman.sock`;
const HOST = `unix://${SOCK}`;

// Under CI=true this must run (.ci/run installs podman); elsewhere it is skipped with the reason printed.
const why = !which('podman')
  ? 'podman not installed'
  : process.getuid?.() !== 0
    ? 'not root (rootful podman service)'
    : !which('docker')
      ? 'docker CLI not installed'
      : null;
const skip = requirement('podman', why === null, why ?? '');

function podmanArgs(): string[] {
  return ['--root', `${DIR}/storage`, '--runroot', `${DIR}/run`, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
}

describe.skipIf(skip !== null)('podman (Docker-compatible socket)', () => {
  let svc: ChildProcess | null = null;
  let src: ContainerSource;
  let serviceLog = '';

  beforeAll(async () => {
    mkdirSync(DIR, { recursive: true });
    rmSync(SOCK, { force: true });
    writeFileSync(`${DIR}/containers.conf`, '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n');
    svc = spawn('podman', [...podmanArgs(), 'system', 'service', '--time=0', HOST], {
      env: { ...process.env, CONTAINERS_CONF: `${DIR}/containers.conf` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    svc.stdout?.on('data', (b: Buffer) => (serviceLog += b.toString()));
    svc.stderr?.on('data', (b: Buffer) => (serviceLog += b.toString()));
    const up = await waitFor(() => answers(HOST), 30_000, 250);
    if (!up) throw new Error(`podman system service did not answer on ${HOST}: ${serviceLog.slice(-500)}`);
    await ensureImage(HOST);
    await docker(HOST, 'rm', '-f', 'tt-pod-burn', 'tt-pod-idle', 'tt-pod-done').catch(() => '');
    await run(HOST, 'tt-pod-burn', ['--network', 'none', '--cpus', '0.5'], ['sh', '-c', 'while :; do :; done']);
    await run(HOST, 'tt-pod-idle', ['--network', 'none', '--label', 'com.docker.compose.project=podproj'], ['sleep', '100000']);
    await run(HOST, 'tt-pod-done', ['--network', 'none'], ['true']);
    await docker(HOST, 'wait', 'tt-pod-done').catch(() => '');
    src = new ContainerSource({ dockerHost: HOST });
    await src.start();
  }, 180_000);

  afterAll(async () => {
    await src?.stop();
    if (svc && svc.exitCode === null) {
      await docker(HOST, 'rm', '-f', 'tt-pod-burn', 'tt-pod-idle', 'tt-pod-done', 'tt-pod-late').catch(() => '');
      const pid = svc.pid;
      svc.kill('SIGTERM');
      await waitFor(() => svc!.exitCode !== null || svc!.signalCode !== null, 15_000);
      if (svc.exitCode === null && svc.signalCode === null && pid) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);

  it('discovers containers with runtime podman and reads their cgroups', async () => {
    const a = await src.sample(performance.now());
    expect(a.daemon).toMatchObject({ state: 'ok', runtime: 'podman', endpoint: HOST });
    expect(a.errors).toEqual([]);
    const byName = new Map(a.containers.map((c) => [c.meta.name, c]));
    expect(byName.get('tt-pod-burn')!.meta).toMatchObject({ runtime: 'podman', state: 'running', cpuLimitCores: 0.5 });
    expect(byName.get('tt-pod-idle')!.meta.composeProject).toBe('podproj');
    expect(byName.get('tt-pod-done')!.meta.state).toBe('exited');
    expect(byName.get('tt-pod-done')!.counters).toBeNull();
    await sleep(2000);
    const b = await src.sample(performance.now());
    const frame = deriveContainers(b, a, b.atMs - a.atMs);
    const burn = frame.containers.find((c) => c.name === 'tt-pod-burn')!;
    expect(burn.source).toMatch(/^cgroup-v[12]$/);
    expect(burn.cpuPercent).not.toBeNull();
    expect(burn.cpuPercent!).toBeLessThan(55);
    expect(burn.cpuPercent!).toBeGreaterThan(5);
    console.log(`podman burner: ${burn.cpuPercent!.toFixed(1)}% (limit 0.5 core)`);
    expect(src.debug.apiCalls.stats).toBe(0);
  }, 60_000);

  it('follows podman events (create, start, rename, remove)', async () => {
    const names = (): string[] => (src.inventory?.list() ?? []).map((m) => `${m.name}:${m.state}`).sort();
    const listBefore = src.debug.apiCalls.list;
    await run(HOST, 'tt-pod-late', ['--network', 'none'], ['sleep', '100000']);
    expect(await waitFor(() => names().includes('tt-pod-late:running'), 10_000)).toBe(true);
    await docker(HOST, 'rename', 'tt-pod-late', 'tt-pod-later');
    expect(await waitFor(() => names().includes('tt-pod-later:running'), 10_000)).toBe(true);
    await docker(HOST, 'rm', '-f', 'tt-pod-later');
    expect(await waitFor(() => !names().some((n) => n.startsWith('tt-pod-late')), 10_000)).toBe(true);
    expect(src.debug.apiCalls.list).toBe(listBefore);
  }, 60_000);
});
