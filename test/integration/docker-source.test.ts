// The container source against a real daemon: figures compared with `docker stats` taken over the same
// window, no stats API calls in steady state, and event-following under churn converging to `docker ps`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveContainers } from '../../src/model/containers.js';
import type { ContainersSample } from '../../src/model/types.js';
import { ContainerSource } from '../../src/sources/docker/container-source.js';
import { requirement } from '../env.js';
import { cliStats, type DaemonHandle, docker, dockerCpuRange, hostCpuTimes, removeAll, run, setupDaemon, sleep, stopDaemon, waitFor } from './docker-helpers.js';

const h: DaemonHandle = await setupDaemon();
const skip = requirement('docker', h.unavailable === null, h.unavailable ?? '');

const P = 'tt-src-';

describe.skipIf(skip !== null)('container source vs docker stats', () => {
  let src: ContainerSource;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await removeAll(h.host, P);
    const net = ['--network', 'none'];
    ids.idle = await run(h.host, `${P}idle`, net, ['sleep', '100000']);
    ids.burn = await run(h.host, `${P}burn`, [...net, '--cpus', '0.5'], ['sh', '-c', 'while :; do :; done']);
    // 64 MiB in a tmpfs (shmem is charged to the container's memory cgroup and is not inactive_file).
    ids.mem = await run(h.host, `${P}mem`, [...net, '--shm-size', '128m', '--label', 'com.docker.compose.project=demo', '--label', 'com.docker.compose.service=cache'], [
      'sh',
      '-c',
      'dd if=/dev/zero of=/dev/shm/fill bs=1M count=64 2>/dev/null; sleep 100000',
    ]);
    ids.disk = await run(h.host, `${P}disk`, [...net, '--memory', '256m', '--cpus', '0.25'], [
      'sh',
      '-c',
      'while :; do dd if=/dev/zero of=/tmp/f bs=1M count=16 oflag=direct 2>/dev/null; rm -f /tmp/f; done',
    ]);
    ids.exited = await run(h.host, `${P}exited`, net, ['true']);
    await docker(h.host, 'wait', ids.exited);
    src = new ContainerSource({ dockerHost: h.host });
    await src.start();
    // The memory hog has to have written its 64 MiB.
    await sleep(1500);
  });

  afterAll(async () => {
    await src?.stop();
    if (!h.unavailable) await removeAll(h.host, P);
    if (h.ownsDaemon) await stopDaemon(h);
  });

  it('discovers meta once and reads cgroup files, not the stats API', async () => {
    const s = await src.sample(performance.now());
    expect(s.daemon).toMatchObject({ state: 'ok', attempt: 0, runtime: 'docker', endpoint: h.host });
    expect(s.errors).toEqual([]);
    const byName = new Map(s.containers.map((c) => [c.meta.name, c]));
    const burn = byName.get(`${P}burn`)!;
    expect(burn.meta).toMatchObject({ id: ids.burn, state: 'running', cpuLimitCores: 0.5, image: 'tailtop-test:busybox', hostNetwork: false });
    expect(burn.meta.initPid).toBeGreaterThan(0);
    expect(burn.counters?.source).toMatch(/^cgroup-v[12]$/);
    const mem = byName.get(`${P}mem`)!;
    expect(mem.meta.composeProject).toBe('demo');
    expect(mem.meta.composeService).toBe('cache');
    expect(mem.meta.labels['tailtop.test']).toBe('1');
    expect(byName.get(`${P}disk`)!.meta.memoryLimitBytes).toBe(256 * 1024 * 1024);
    const exited = byName.get(`${P}exited`)!;
    expect(exited.meta.state).toBe('exited');
    expect(exited.counters).toBeNull();
    expect(exited.error).toBeNull();
  });

  it('CPU within 5 points (docker leaves steal out of its divisor) and memory within 5% of docker stats', async () => {
    const callsBefore = src.debug.apiCalls;
    // The figures are compared over overlapping windows (docker's ~1 s inside our ~2 s); on a loaded machine
    // the share a container gets moves between windows, so a few attempts are allowed.
    // CPU: docker's figure leaves steal out of its divisor (see dockerCpuRange).
    let last: { ok: boolean; rows: string[]; frame: ReturnType<typeof deriveContainers>; hostIdle: number; problems: string[] } | null = null;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const t0 = hostCpuTimes();
      const a: ContainersSample = await src.sample(performance.now());
      const cli = await cliStats(h.host); // waits for two daemon samples (~2 s)
      const b: ContainersSample = await src.sample(performance.now());
      const t1 = hostCpuTimes();
      const total = Math.max(1, t1.total - t0.total);
      const hostIdleShare = (t1.idle - t0.idle) / total;
      const stealShare = (t1.steal - t0.steal) / total;
      const frame = deriveContainers(b, a, b.atMs - a.atMs);
      const byName = new Map(frame.containers.map((c) => [c.name, c]));
      const rows: string[] = [];
      const problems: string[] = [];
      for (const n of ['idle', 'burn', 'mem', 'disk']) {
        const ours = byName.get(`${P}${n}`);
        const theirs = cli.get(`${P}${n}`);
        if (!ours || !theirs || ours.cpuPercent === null || ours.memoryUsedBytes === null) {
          problems.push(`${n}: missing (${JSON.stringify({ ours: !!ours, theirs: !!theirs })})`);
          continue;
        }
        const [lo, hi] = dockerCpuRange(ours.cpuPercent, stealShare);
        rows.push(`${n}: cpu ${ours.cpuPercent.toFixed(1)} (docker may say ${lo.toFixed(1)}..${hi.toFixed(1)}) vs ${theirs.cpuPercent}  mem ${ours.memoryUsedBytes} vs ${theirs.memBytes}`);
        if (theirs.cpuPercent < lo || theirs.cpuPercent > hi) problems.push(`${n} cpu ${ours.cpuPercent.toFixed(1)} vs ${theirs.cpuPercent}`);
        // Within 5% (plus 256 KiB of slack for the tiny containers, whose usage is a few hundred KiB). The disk
        // writer starts a dd (1 MiB buffer) every few milliseconds, so its usage moves by ~1.5 MiB between
        // docker's reading and ours: 2 MiB of slack there.
        const slack = n === 'disk' ? 2 * 1024 * 1024 : 256 * 1024;
        if (Math.abs(ours.memoryUsedBytes - theirs.memBytes) > 0.05 * theirs.memBytes + slack) {
          problems.push(`${n} mem ${ours.memoryUsedBytes} vs ${theirs.memBytes}`);
        }
      }
      // The limited burner gets its 0.5 core unless the host has no idle CPU to give it.
      const burn = byName.get(`${P}burn`);
      if (burn?.cpuPercent != null && hostIdleShare > 0.3 && (burn.cpuPercent < 45 || burn.cpuPercent > 55)) {
        problems.push(`burn at ${burn.cpuPercent.toFixed(1)}% with the host ${(hostIdleShare * 100).toFixed(0)}% idle`);
      }
      last = { ok: problems.length === 0, rows, frame, hostIdle: hostIdleShare, problems };
      console.log(`attempt ${attempt} (host idle ${(hostIdleShare * 100).toFixed(0)}%, steal ${(stealShare * 100).toFixed(1)}%)\n${rows.join('\n')}${problems.length ? `\nproblems: ${problems.join('; ')}` : ''}`);
      if (last.ok) break;
      await sleep(1000);
    }
    expect(last!.problems).toEqual([]);
    const byName = new Map(last!.frame.containers.map((c) => [c.name, c]));
    const burn = byName.get(`${P}burn`)!;
    expect(burn.cpuLimitCores).toBe(0.5);
    // Never above its limit (plus measurement slack).
    expect(burn.cpuPercent!).toBeLessThan(55);
    expect(burn.cpuOfLimitPercent!).toBeCloseTo(burn.cpuPercent! / 0.5, 6);
    if (last!.hostIdle > 0.3) {
      expect(burn.cpuPercent!).toBeGreaterThan(45);
      expect(burn.cpuOfLimitPercent!).toBeGreaterThan(90);
    } else {
      console.warn(`host CPU saturated (${(last!.hostIdle * 100).toFixed(0)}% idle): the burner's ~50% is not checkable now`);
    }
    expect(burn.throttledPercent).not.toBeNull();
    const mem = byName.get(`${P}mem`)!;
    expect(mem.memoryUsedBytes!).toBeGreaterThan(60 * 1024 * 1024);
    expect(mem.memoryUsedBytes!).toBeLessThan(80 * 1024 * 1024);
    expect(byName.get(`${P}disk`)!.memoryLimitBytes).toBe(256 * 1024 * 1024);
    // Steady state with a local daemon: no API call between samples but the liveness ping (GET /_ping every 5 s).
    expect({ ...src.debug.apiCalls, ping: 0 }).toEqual({ ...callsBefore, ping: 0 });
    expect(src.debug.apiCalls.stats).toBe(0);
    expect(src.debug.statsFallback).toEqual([]);
  }, 90_000);

  it('block counters agree with docker stats, both ways (ours read just before and just after theirs)', async () => {
    const ours = async (): Promise<number | null> => {
      const s = await src.sample(performance.now());
      return s.containers.find((c) => c.meta.name === `${P}disk`)!.counters!.blockWriteBytes;
    };
    const before = await ours();
    const out = await docker(h.host, 'stats', '--no-stream', '--format', '{{.BlockIO}}', `${P}disk`);
    const after = await ours();
    // "12.3MB / 45.6MB" (read / write), three significant digits: half a unit of the last digit either way.
    const theirs = out.split('/')[1]!.trim();
    const m = /^([\d.]+)([A-Za-z]+)$/.exec(theirs)!;
    const mult: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 };
    const digits = m[1]!.includes('.') ? m[1]!.split('.')[1]!.length : 0;
    const unit = mult[m[2]!] ?? NaN;
    const theirBytes = Number(m[1]) * unit;
    const rounding = (0.5 * unit) / 10 ** digits;
    console.log(`disk writes: ours ${before} .. ${after} B, docker stats ${theirs}`);
    expect(before).not.toBeNull();
    if (theirBytes === 0 && before === 0 && after === 0) {
      // blkio counts nothing for this container on this kernel (both agree on 0): say so, and check what
      // tailtop shows instead — the eBPF helper's figures — against /proc/diskstats.
      console.warn('blkio reads 0 for the writer on this kernel: checking the eBPF figures against /proc/diskstats instead');
      await checkEbpfInstead();
      return;
    }
    // docker stats read the same cgroup file at a moment between our two readings
    expect(theirBytes).toBeGreaterThanOrEqual(before! - rounding);
    expect(theirBytes).toBeLessThanOrEqual(after! + rounding);
    expect(after!).toBeGreaterThan(before!); // the writer is writing: the check is not between two zeros
  }, 60_000);
});

/**
 * `snapshot --json` with eBPF: the writer's block I/O comes from eBPF (blockSource "ebpf", bytes written), and
 * on every disk the helper covers, its reads and writes equal the kernel's (host.disks[].diskstats) within 1%, plus the I/O
 * that completes in the gaps between its interval's ends and the moments diskstats was read (latency.cutSkewMs).
 */
async function checkEbpfInstead(): Promise<void> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { CLI, REPO, builtCli, inCI } = await import('../env.js');
  const { existsSync } = await import('node:fs');
  if (builtCli() !== null || !existsSync(`${REPO}/bpf/tailtop-bpf`) || process.getuid?.() !== 0) {
    if (inCI) throw new Error('the eBPF check needs the built CLI, the helper and root');
    return;
  }
  type Doc = {
    intervalSec: number;
    host: { disks: { name: string; source: string; diskstats?: { readOpsPerSec: number; writeOpsPerSec: number } }[] };
    containers: { name: string; blockSource: string; blockWriteBytesPerSec: number | null }[];
    latency: { active: boolean; cutSkewMs: number | null; block: { device: string; op: string; count: number }[] };
  };
  let doc: Doc | null = null;
  for (let k = 0; k < 5 && !(doc && doc.latency.cutSkewMs !== null && doc.latency.cutSkewMs <= 2); k++) {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'snapshot', '--json', '--interval', '1000'], { env: { ...process.env, DOCKER_HOST: h.host }, maxBuffer: 64 << 20 });
    doc = JSON.parse(stdout) as Doc;
  }
  expect(doc!.latency.active).toBe(true);
  const disk = doc!.containers.find((c) => c.name === `${P}disk`)!;
  expect(disk.blockSource).toBe('ebpf');
  expect(disk.blockWriteBytesPerSec!).toBeGreaterThan(0);
  for (const d of doc!.host.disks.filter((x) => x.source === 'ebpf')) {
    for (const op of ['read', 'write'] as const) {
      const ebpf = doc!.latency.block.filter((r) => r.device === d.name && r.op === op).reduce((n, r) => n + r.count, 0);
      const perSec = op === 'read' ? d.diskstats!.readOpsPerSec : d.diskstats!.writeOpsPerSec;
      const kernel = Math.round(perSec * doc!.intervalSec);
      // The helper's interval ends up to cutSkewMs away from the moment /proc/diskstats was read, at its start
      // and at its end: an I/O completing in either gap is counted by one and not the other.
      const skewOps = (perSec * 2 * (doc!.latency.cutSkewMs ?? 0)) / 1000;
      const allowed = Math.max(2, kernel * 0.01) + skewOps;
      console.log(`${d.name} ${op}: eBPF ${ebpf}, diskstats ${kernel}, cut skew ${doc!.latency.cutSkewMs} ms (allowed ±${allowed.toFixed(1)})`);
      expect(Math.abs(ebpf - kernel)).toBeLessThanOrEqual(allowed);
    }
  }
}

describe.skipIf(skip !== null)('event following under churn', () => {
  const C = 'tt-churn-';
  let src: ContainerSource;

  beforeAll(async () => {
    await removeAll(h.host, C);
    src = new ContainerSource({ dockerHost: h.host });
    await src.start();
  });

  afterAll(async () => {
    await src?.stop();
    if (!h.unavailable) await removeAll(h.host, C);
  });

  it('50 containers started and removed quickly: the set converges to docker ps', async () => {
    const listBefore = src.debug.apiCalls.list;
    const names = Array.from({ length: 50 }, (_, i) => `${C}${i}`);
    // Start all 50 (10 at a time), remove every other one, stop a few more.
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(names.slice(i, i + 10).map((n) => run(h.host, n, ['--network', 'none'], ['sleep', '100000'])));
    }
    const removed = names.filter((_, i) => i % 2 === 0);
    await docker(h.host, 'rm', '-f', ...removed);
    const stopped = names.filter((_, i) => i % 2 === 1 && i % 5 === 0);
    await docker(h.host, 'stop', '-t', '0', ...stopped);

    const expected = async (): Promise<Map<string, string>> => {
      const out = await docker(h.host, 'ps', '-a', '--filter', `name=^${C}`, '--format', '{{.Names}} {{.State}}');
      return new Map(out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
    };
    const want = await expected();
    expect(want.size).toBe(25);
    const ours = (): Map<string, string> =>
      new Map((src.inventory?.list() ?? []).filter((m) => m.name.startsWith(C)).map((m) => [m.name, m.state]));
    const same = (): boolean => {
      const o = ours();
      if (o.size !== want.size) return false;
      for (const [n, st] of want) if (o.get(n) !== st) return false;
      return true;
    };
    const converged = await waitFor(same, 15_000);
    expect(Object.fromEntries(ours())).toEqual(Object.fromEntries(want));
    expect(converged).toBe(true);
    // Followed by events: never re-listed.
    expect(src.debug.apiCalls.list).toBe(listBefore);
    expect(src.debug.apiCalls.stats).toBe(0);
    const s = await src.sample(performance.now());
    expect(s.containers.filter((c) => c.meta.name.startsWith(C)).length).toBe(25);

    // Remove the rest: the set empties.
    await removeAll(h.host, C);
    expect(await waitFor(() => ours().size === 0, 15_000)).toBe(true);
  }, 180_000);
});
