// A private dockerd of its own, for two things that would disturb a shared one:
// 1. A "remote" endpoint (the same daemon over loopback TCP): counters come from the stats API fallback
//    (one-shot, cumulative), and the CPU they give agrees with the cgroup reading over the same window.
// 2. Daemon restart: the source reports "reconnecting" with an attempt count while dockerd is down, then
// recovers (re-subscribes, re-lists) when it is back. Uses its own private dockerd (own directory, no bridge)
// so that stopping it never disturbs the daemon other test files share.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerSource } from '../../src/sources/docker/container-source.js';
import { requirement } from '../env.js';
import { deriveContainers } from '../../src/model/containers.js';
import { type DaemonHandle, docker, ensureImage, run, sleep, startDaemon, stopDaemon, waitFor, which } from './docker-helpers.js';

const DIR = process.env.TAILTOP_DOCKERD_RESTART_DIR ?? '/tmp/tailtop-dockerd-restart';
const TCP_PORT = Number(process.env.TAILTOP_DOCKERD_TCP_PORT ?? 23750);
// No bridge (the shared daemon owns docker0); also listen on loopback TCP to play a remote DOCKER_HOST.
process.env.TAILTOP_DOCKERD_FLAGS = `${process.env.TAILTOP_DOCKERD_FLAGS ?? ''} --bridge=none -H tcp://127.0.0.1:${TCP_PORT}`.trim();

const why =
  process.getuid?.() !== 0 ? 'not root (the test starts and stops its own dockerd)' : !which('dockerd') || !which('docker') ? 'dockerd or the docker CLI is not installed' : null;
const skip = requirement('docker restart', why === null, why ?? '');

const h: DaemonHandle = { host: `unix://${DIR}/docker.sock`, socketPath: `${DIR}/docker.sock`, ownsDaemon: true, dockerdDir: DIR, unavailable: why };

describe.skipIf(skip !== null)('daemon restart', () => {
  let src: ContainerSource;

  beforeAll(async () => {
    await startDaemon(h);
    await ensureImage(h.host);
    await docker(h.host, 'rm', '-f', 'tt-rs-always', 'tt-rs-once', 'tt-rs-burn').catch(() => '');
    await run(h.host, 'tt-rs-burn', ['--network', 'none', '--cpus', '0.5', '-m', '64m'], ['sh', '-c', 'while :; do :; done']);
    await run(h.host, 'tt-rs-always', ['--network', 'none', '--restart', 'always'], ['sleep', '100000']);
    await run(h.host, 'tt-rs-once', ['--network', 'none'], ['sleep', '100000']);
    src = new ContainerSource({ dockerHost: h.host, backoff: { initialMs: 250, maxMs: 2000 } });
    await src.start();
  }, 180_000);

  afterAll(async () => {
    await src?.stop();
    await docker(h.host, 'rm', '-f', 'tt-rs-always', 'tt-rs-once', 'tt-rs-burn').catch(() => '');
    await stopDaemon(h);
  }, 180_000);

  it('remote endpoint (TCP): stats API fallback agrees with the cgroup reading', async () => {
    const remote = new ContainerSource({ dockerHost: `tcp://127.0.0.1:${TCP_PORT}` });
    try {
      await remote.start();
      const la = await src.sample(performance.now());
      const ra = await remote.sample(performance.now());
      await sleep(2000);
      const lb = await src.sample(performance.now());
      const rb = await remote.sample(performance.now());
      expect(rb.daemon).toMatchObject({ state: 'ok', endpoint: `tcp://127.0.0.1:${TCP_PORT}`, runtime: 'docker' });
      expect(remote.debug.statsReason).toBe(`remote endpoint tcp://127.0.0.1:${TCP_PORT}`);
      const local = deriveContainers(lb, la, lb.atMs - la.atMs).containers.find((c) => c.name === 'tt-rs-burn')!;
      const viaApi = deriveContainers(rb, ra, rb.atMs - ra.atMs).containers.find((c) => c.name === 'tt-rs-burn')!;
      console.log(`burner: cgroup ${local.cpuPercent?.toFixed(1)}% / stats API ${viaApi.cpuPercent?.toFixed(1)}%; mem ${local.memoryUsedBytes} / ${viaApi.memoryUsedBytes}`);
      expect(viaApi.source).toBe('docker-stats');
      expect(local.source).toMatch(/^cgroup-v[12]$/);
      expect(viaApi.cpuPercent).not.toBeNull();
      expect(Math.abs(viaApi.cpuPercent! - local.cpuPercent!)).toBeLessThanOrEqual(5);
      expect(viaApi.cpuLimitCores).toBe(0.5);
      expect(viaApi.memoryLimitBytes).toBe(64 * 1024 * 1024);
      expect(Math.abs(viaApi.memoryUsedBytes! - local.memoryUsedBytes!)).toBeLessThanOrEqual(0.05 * local.memoryUsedBytes! + 256 * 1024);
      // One stats call per running container per sample, and none at all from the local source.
      expect(remote.debug.apiCalls.stats).toBe(2 * 3);
      expect(src.debug.apiCalls.stats).toBe(0);
    } finally {
      await remote.stop();
    }
  }, 60_000);

  it('reports reconnecting with an attempt count, then recovers and lists again', async () => {
    const s0 = await src.sample(performance.now());
    expect(s0.daemon.state).toBe('ok');
    const states0 = Object.fromEntries(s0.containers.map((c) => [c.meta.name, c.meta.state]));
    expect(states0).toEqual({ 'tt-rs-always': 'running', 'tt-rs-once': 'running', 'tt-rs-burn': 'running' });
    const pid0 = s0.containers.find((c) => c.meta.name === 'tt-rs-always')!.meta.initPid;
    const listCalls0 = src.debug.apiCalls.list;

    await stopDaemon(h);
    expect(await waitFor(() => src.inventory?.state === 'reconnecting', 10_000)).toBe(true);
    // Let a few attempts fail (250 ms, 500 ms, 1 s ...).
    expect(await waitFor(() => (src.inventory?.attempt ?? 0) >= 3, 15_000)).toBe(true);
    const down = await src.sample(performance.now());
    expect(down.daemon.state).toBe('reconnecting');
    expect(down.daemon.attempt).toBeGreaterThanOrEqual(3);
    const line = down.errors.find((e) => e.source === 'docker')!.message;
    expect(line).toMatch(/^docker: reconnecting \(attempt \d+\)/);
    expect(line).not.toContain('\n');
    console.log(`while down: ${line}`);

    await startDaemon(h);
    expect(await waitFor(() => src.inventory?.state === 'ok', 20_000)).toBe(true);
    // The restart policy brings one back; the other stays exited. Wait for the events to settle.
    const settled = async (): Promise<boolean> => {
      const s = await src.sample(performance.now());
      const m = Object.fromEntries(s.containers.map((c) => [c.meta.name, c.meta.state]));
      return m['tt-rs-always'] === 'running' && m['tt-rs-once'] === 'exited';
    };
    expect(await waitFor(settled, 20_000, 200)).toBe(true);
    const up = await src.sample(performance.now());
    expect(up.daemon).toMatchObject({ state: 'ok', attempt: 0, runtime: 'docker' });
    expect(up.errors).toEqual([]);
    const always = up.containers.find((c) => c.meta.name === 'tt-rs-always')!;
    expect(always.meta.initPid).not.toBe(pid0);
    expect(always.counters?.source).toMatch(/^cgroup-v[12]$/);
    expect(src.inventory!.connects).toBe(2);
    expect(src.debug.apiCalls.list).toBe(listCalls0 + 1);
    expect(src.debug.apiCalls.stats).toBe(0);
  }, 120_000);
});
