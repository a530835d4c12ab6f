// Attribution says when it can't, and never counts twice, on a real run: two containers given a loop device
// (one writing and reading itself, one idle whose nested cgroup — made below its blkio cgroup from the host,
// as systemd or Docker-in-Docker would — holds a host writer), then `tailtop snapshot --json`:
// - the nested cgroup's I/O counts to its container;
// - the sum of the containers' block ops never exceeds the device's;
// - a container whose cgroup the helper's hierarchy does not have is "—" with the reason (cgroup v1: none;
//   checked through the model in latency-model.test.ts, and here that every container says why or has rows).
// Needs root, BTF, a private dockerd (scripts/dockerd.sh), losetup, dd.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO, builtCli, inCI, requirement, runImage } from '../env.js';
import { docker, removeAll, run, setupDaemon, stopDaemon, type DaemonHandle } from './docker-helpers.js';
import { sleep } from '../wait.js';
import { ebpfUnmet } from './ebpf-env.js';
import { LoopDevices } from './loop-devices.js';

const pexec = promisify(execFile);
const BIN = join(REPO, 'bpf', 'tailtop-bpf');
const P = 'tt-attr-';
const IMG = runImage('/dev/shm', 'attr');

const unmet = (): string | null => ebpfUnmet(BIN, ['losetup', 'dd', 'docker']);
const why = unmet();
const skip = requirement('eBPF attribution', why === null, why ?? '') !== null || builtCli() !== null;

interface Row { device: string; op: string; count: number; bytes: number }
interface Doc {
  host: { disks: { name: string; source: string }[] };
  containers: { id: string; name: string; blockSource: string; latency: { block: Row[] | null; blockReason: string | null; io: { count: number } | null } | null }[];
  latency: { active: boolean; block: Row[]; unattributed: { count: number } };
}

describe.skipIf(skip)('block I/O attribution to containers (real kernel, real dockerd)', () => {
  let d: DaemonHandle;
  const devices = new LoopDevices();
  let loop = '';
  let nested = '';
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    d = await setupDaemon();
    if (d.unavailable) {
      if (inCI) throw new Error(`docker needed under CI: ${d.unavailable}`);
      return;
    }
    await removeAll(d.host, P);
    loop = await devices.make(IMG, 128);
    const dev = ['--network', 'none', '--device', loop];
    await run(d.host, `${P}busy`, dev, ['sh', '-c', `while :; do dd if=/dev/zero of=${loop} bs=4k count=500 oflag=direct 2>/dev/null; dd if=${loop} of=/dev/null bs=4k count=500 iflag=direct 2>/dev/null; done`]);
    const idle = await run(d.host, `${P}idle`, dev, ['sleep', '100000']);
    // A nested cgroup below the idle container's blkio cgroup, with a writer from the host in it.
    const pid = Number(await docker(d.host, 'inspect', '-f', '{{.State.Pid}}', idle));
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:([^:]*,)?blkio(,[^:]*)?:/.test(l));
    if (line) {
      nested = join('/sys/fs/cgroup/blkio', line.split(':').slice(2).join(':'), 'tailtop-nested');
    } else {
      // cgroup v2: the unified directory (the io controller must be enabled below it for this to count)
      const v2 = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))!;
      nested = join('/sys/fs/cgroup', v2.slice(3), 'tailtop-nested');
    }
    mkdirSync(nested);
    const w = spawn('sh', ['-c', `echo $$ > ${nested}/cgroup.procs && exec sh -c 'while :; do dd if=/dev/zero of=${loop} bs=4k count=300 oflag=direct 2>/dev/null; sleep 0.05; done'`], { stdio: 'ignore' });
    children.push(w);
    await sleep(1500);
  }, 180_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await sleep(300);
    if (d && !d.unavailable) await removeAll(d.host, P).catch(() => undefined);
    for (let i = 0; i < 20 && nested; i++) {
      try {
        rmdirSync(nested);
        break;
      } catch {
        await sleep(100);
      }
    }
    await devices.removeAll();
    if (d?.ownsDaemon) await stopDaemon(d).catch(() => undefined);
  });

  it('nested cgroups count to their container, and the containers never add up to more than the device', async () => {
    if (d.unavailable) return;
    const { stdout } = await pexec(process.execPath, [CLI, 'snapshot', '--json', '--interval', '2000', '--all-disks'], { env: { ...process.env, DOCKER_HOST: d.host }, maxBuffer: 64 << 20 });
    const doc = JSON.parse(stdout) as Doc;
    expect(doc.latency.active).toBe(true);
    const name = loop.replace('/dev/', '');
    const ops = (rows: Row[] | null | undefined): number => (rows ?? []).filter((r) => r.device === name && (r.op === 'read' || r.op === 'write')).reduce((n, r) => n + r.count, 0);
    const device = ops(doc.latency.block);
    const mine = doc.containers.filter((c) => c.name.startsWith(P));
    const busy = mine.find((c) => c.name === `${P}busy`)!;
    const idle = mine.find((c) => c.name === `${P}idle`)!;
    const all = doc.containers.reduce((n, c) => n + ops(c.latency?.block), 0);
    console.log(`device ${name}: ${device} reads+writes; busy ${ops(busy.latency?.block)}, idle (nested writer) ${ops(idle.latency?.block)}, all containers ${all}`);
    expect(device).toBeGreaterThan(500);
    expect(ops(busy.latency?.block)).toBeGreaterThan(100);
    expect(ops(idle.latency?.block)).toBeGreaterThan(100); // only its nested cgroup writes
    expect(busy.blockSource).toBe('ebpf');
    expect(all).toBeLessThanOrEqual(device);
    for (const c of doc.containers) {
      // every container either has rows or says why not: never 0 labelled ebpf without being attributable
      if (c.latency && c.latency.block === null) expect(c.latency.blockReason).toMatch(/\S/);
      else if (c.latency) expect(c.latency.blockReason).toBeNull();
    }
  }, 120_000);
});
