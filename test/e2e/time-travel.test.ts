// Time travel for real: `tailtop agent` records this machine (the private dockerd's containers, eBPF as root)
// while a container burns one core between two known times and a loop device gets a known number of direct
// writes. `snapshot --from --to` over those ranges shows the burner at what the kernel's cpuacct gave it inside
// (one core on a quiet machine) and ~0% outside, and the
// loop device's write count equals the /proc/diskstats delta the test read itself, from the recorded
// counters and from the eBPF intervals alike. `tailtop replay` in tmux: jump to a time and see the container
// that was busy then; the step keys move the header's time.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, CLI, inCI, REPO, requirement } from '../env.js';
import { hasTmux, sessionsKilledAfterEach, startTmux } from './tmux.js';
import { cgroupCpuNs, docker, removeAll, run, sleep } from '../integration/docker-helpers.js';

const root = process.getuid?.() === 0;
const host = process.env['DOCKER_HOST'] ?? '';
const haveDocker = !!host && spawnSync('docker', ['version'], { stdio: 'ignore' }).status === 0;
const skip =
  builtCli() ??
  requirement('Docker (DOCKER_HOST)', haveDocker, 'the time-travel run records a container of the private dockerd') ??
  requirement('root (eBPF, loop devices)', root, 'the time-travel run needs eBPF and a loop device') ??
  requirement('tmux', hasTmux(), 'tmux is not installed');
if (inCI && skip) throw new Error(`time-travel e2e cannot run under CI: ${skip}`);

const NAME = `tt9-burn-${process.pid}`;
let dir = '';
let agent: ChildProcess | null = null;
let agentErr = '';
let loop = '';
let img = '';
const recorded: number[] = [];
/** Known times (ms). */
const t: Record<string, number> = {};
let writes = 0;
let diskstatsDelta = 0;

function diskstatsWrites(dev: string): number {
  for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[2] === dev) return Number(f[7]);
  }
  throw new Error(`${dev} not in /proc/diskstats`);
}

/** The kernel's own count of the burner's CPU over the busy range, read by the test at its two ends. */
const kernelBusy: { at: number; ns: number }[] = [];
/** What the burner got over the busy range by that count, % of one core. */
function kernelBusyPct(): number {
  expect(kernelBusy).toHaveLength(2);
  const [k0, k1] = kernelBusy as [{ at: number; ns: number }, { at: number; ns: number }];
  return ((k1.ns - k0.ns) / 1e6 / (k1.at - k0.at)) * 100;
}

function snapshot(from: number, to: number): Record<string, any> {
  const r = spawnSync(process.execPath, [CLI, 'snapshot', '--json', '--all-disks', '--store', dir, '--from', String(from / 1000), '--to', String(to / 1000)], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`snapshot --from --to exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, any>;
}

const waitRecorded = async (wallMs: number): Promise<void> => {
  for (let i = 0; i < 100 && !(recorded.length && recorded[recorded.length - 1]! >= wallMs); i++) await sleep(100);
};

describe.skipIf(skip)('time travel on a real recording', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tailtop-tt-'));
    await run(host, NAME, ['--network', 'none'], ['sleep', '3600']);
    img = join(dir, 'tailtop-tt-loop.img');
    execFileSync('truncate', ['-s', '32M', img]);
    loop = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
    agent = spawn(process.execPath, [CLI, 'agent', '--store', join(dir, 'store')], { cwd: REPO, env: { ...process.env, TAILTOP_AGENT_TRACE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stdout!.setEncoding('utf8').on('data', (d: string) => {
      for (const m of d.matchAll(/^recorded (\d+)/gm)) recorded.push(Number(m[1]));
    });
    agent.stderr!.setEncoding('utf8').on('data', (d: string) => (agentErr += d));
    for (let i = 0; i < 200 && recorded.length < 4; i++) await sleep(100);
    expect(recorded.length, agentErr).toBeGreaterThanOrEqual(4);
    dir = join(dir, 'store');
    // idle, then one core burnt for 7 s, idle again
    t.idle0 = Date.now();
    await sleep(3000);
    const pid = Number(await docker(host, 'inspect', '-f', '{{.State.Pid}}', NAME));
    t.burn0 = Date.now();
    await docker(host, 'exec', '-d', NAME, 'busybox', 'timeout', '7', 'sh', '-c', 'while :; do :; done'); // the image has the applet, not its link
    for (const dt of [1500, 6000]) setTimeout(() => kernelBusy.push({ at: Date.now(), ns: cgroupCpuNs(pid) }), t.burn0 + dt - Date.now());
    await sleep(8500);
    t.after0 = Date.now();
    await sleep(4000);
    // a known number of direct writes to the loop device, with quiet on both sides
    const dev = loop.replace('/dev/', '');
    const before = diskstatsWrites(dev);
    t.w0 = Date.now();
    await sleep(1500);
    writes = 300;
    execFileSync('dd', ['if=/dev/zero', `of=${loop}`, 'bs=4k', `count=${writes}`, 'oflag=direct', 'status=none']);
    await sleep(1500);
    t.w1 = Date.now();
    diskstatsDelta = diskstatsWrites(dev) - before;
    await sleep(1500);
    await waitRecorded(t.w1 + 1000);
  }, 120_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((r) => agent!.once('exit', r));
    }
    await removeAll(host, NAME);
    if (loop) spawnSync('losetup', ['-d', loop]);
    if (dir) rmSync(join(dir, '..'), { recursive: true, force: true });
  }, 60_000);

  it('snapshot --from --to: the burner at the kernel count of its CPU while it burnt (one core when quiet) and ~0% outside, from its cgroup counters', () => {
    const busy = snapshot(t.burn0! + 1500, t.burn0! + 6000);
    const idleBefore = snapshot(t.idle0!, t.burn0! - 200);
    const idleAfter = snapshot(t.after0!, t.after0! + 3500);
    const cpu = (d: Record<string, any>): number => d.containers.find((c: { name: string }) => c.name === NAME).cpuPercent;
    // What the burner got, by the kernel's accounting read here: one core on a quiet machine, less when the
    // machine is busy with other tests (it shares 2 cores), never nothing.
    const kernelPct = kernelBusyPct();
    console.log(`burner: tailtop ${cpu(busy).toFixed(1)}% over the recorded range, the kernel's cpuacct ${kernelPct.toFixed(1)}% over the same 4.5 s`);
    expect(kernelPct).toBeGreaterThan(20); // it burnt: idle is under 3%
    expect(Math.abs(cpu(busy) - kernelPct)).toBeLessThanOrEqual(10);
    expect(cpu(busy)).toBeLessThan(105);
    expect(cpu(idleBefore)).toBeLessThan(3);
    expect(cpu(idleAfter)).toBeLessThan(3);
    // the window statistics agree: every sample of the busy range near what the burner got
    const w = busy.window.figures['container.cpu_percent'].values.find((v: { labels: { container: string } }) => v.labels.container === NAME);
    expect(w.min).toBeGreaterThan(kernelPct * 0.5);
    expect(Math.abs(w.avg - kernelPct)).toBeLessThanOrEqual(10);
    expect(busy.range.samples).toBeGreaterThanOrEqual(3);
    expect(busy.schemaVersion).toBe(1);
  });

  it('snapshot --from --to: write counts equal the /proc/diskstats delta (recorded counters and eBPF intervals)', () => {
    // the test's own reading of the kernel's counters: nothing but dd wrote to the device between w0 and w1
    expect(diskstatsDelta, `something else wrote to ${loop} during the test`).toBe(writes);
    const d = snapshot(t.w0!, t.w1!);
    const dev = loop.replace('/dev/', '');
    const disk = d.host.disks.find((x: { name: string }) => x.name === dev);
    expect(disk, JSON.stringify(d.host.disks.map((x: { name: string }) => x.name))).toBeDefined();
    // the kernel's counters over the range (diskstats rates x the span they cover)
    const counted = (disk.diskstats ?? disk).writeOpsPerSec * d.intervalSec;
    expect(Math.round(counted)).toBe(diskstatsDelta);
    // the eBPF intervals that ended in the range, merged
    const row = d.latency.block.find((r: { device: string; op: string }) => r.device === dev && r.op === 'write');
    expect(row.count).toBe(diskstatsDelta);
    expect(row.p99Us).toBeGreaterThan(0);
    expect(row.maxUs).toBeGreaterThanOrEqual(row.p99Us);
  });

  const sessions = sessionsKilledAfterEach();
  it('replay in tmux: a jump shows the container busy then; step keys move the header time', async () => {
    const at = new Date(t.burn0! + 4000).toISOString();
    const s = startTmux(`node ${CLI} replay --store ${dir} --at ${at}`, { cols: 160, rows: 40, cwd: REPO, env: { TERM: 'tmux-256color', LANG: 'C.UTF-8', TZ: 'UTC' } });
    sessions.push(s);
    const hhmmss = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
    const header = (): string => s.capture().split('\n')[0]!;
    await s.waitFor('REPLAY', 15_000);
    const shown = (): number => {
      const m = /REPLAY (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)/.exec(header());
      return Date.parse(`${m![1]}T${m![2]}Z`);
    };
    const t0 = shown();
    // the sample shown is the last one recorded at or before the time asked for (the header shows whole seconds)
    const want = Math.max(...recorded.filter((r) => r <= t.burn0! + 4000));
    expect(want - t0).toBeGreaterThanOrEqual(0);
    expect(want - t0).toBeLessThan(1000);
    s.send('c');
    const busyRow = new RegExp(`${NAME.slice(0, 12)}.*running\\s+(\\d+\\.\\d)%`);
    const screen = await s.waitFor(busyRow, 10_000);
    // busy then: near what the kernel gave the burner over its busy range (one core when the machine is quiet)
    expect(Number(busyRow.exec(screen)![1])).toBeGreaterThan(Math.min(80, kernelBusyPct() * 0.5));
    // step forward twice and back once: the header's time moves by one recorded interval (1 s) each
    const moved = async (from: number, key: string | null): Promise<number> => {
      if (key) s.send(key);
      for (let i = 0; i < 50; i++) {
        await sleep(100);
        const now = shown();
        if (now !== from) return now;
      }
      throw new Error(`the header did not move after ${key ?? 'the jump'}: ${header()}`);
    };
    const t1 = await moved(t0, '.');
    expect(t1 - t0).toBeGreaterThanOrEqual(1000);
    expect(t1 - t0).toBeLessThanOrEqual(2000);
    const t2 = await moved(t1, '.');
    expect(t2 - t1).toBeGreaterThanOrEqual(1000);
    expect(t2 - t1).toBeLessThanOrEqual(2000);
    expect(await moved(t2, ',')).toBe(t1);
    // jump to a typed time after the burn: the container is idle then
    s.send('g');
    await s.waitFor('jump to', 5000);
    const typed = t.after0! + 2000;
    s.send(hhmmss(typed), { literal: true });
    s.send('Enter');
    await moved(t1, null);
    expect(Math.abs(shown() - Math.floor(typed / 1000) * 1000)).toBeLessThanOrEqual(2000);
    const idle = await s.waitFor(new RegExp(`${NAME.slice(0, 12)}.*running\\s+0\\.\\d%`), 5000);
    expect(idle).toContain('REPLAY');
    s.send('q');
    expect(await s.waitExit(10_000)).toBe(0);
  }, 60_000);
});
