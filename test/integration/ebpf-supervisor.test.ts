// The real eBPF helper under the supervisor: needs root (or CAP_BPF+CAP_PERFMON), a kernel with BTF and
// bpf/tailtop-bpf (built here with `make -C bpf` when missing). Under CI=true these must run.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirement } from '../env.js';
import { pidExists as alive, sleep, until } from '../wait.js';
import { EbpfSupervisor } from '../../src/sources/ebpf/supervisor.js';
import { compileSupervisor, runnerPath } from '../fixtures/ebpf/compile.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const helper = `${root}bpf/tailtop-bpf`;
const makefile = `${root}bpf/Makefile`;
const BTF = '/sys/kernel/btf/vmlinux';

// Build the helper if it is missing (at collection time, so that the requirement below sees the result).
let buildError = '';
if (!existsSync(helper) && existsSync(makefile)) {
  try {
    execFileSync('make', ['-C', `${root}bpf`], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    buildError = (e.stderr?.toString().trim().split('\n').pop() ?? e.message).slice(0, 200);
  }
}

const isRoot = process.getuid?.() === 0;
const why = !isRoot
  ? 'needs root'
  : !existsSync(BTF)
    ? `kernel has no BTF (${BTF})`
    : !existsSync(helper)
      ? `bpf/tailtop-bpf not built${buildError ? `: ${buildError}` : ''}`
      : '';
const skip = requirement('eBPF supervisor', why === '', why) !== null;

/** Pids of tailtop-bpf processes whose parent is `ppid`. */
function helpersOf(ppid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const parent = Number(stat.slice(close + 2).split(' ')[1]);
      if (comm === 'tailtop-bpf' && parent === ppid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe.skipIf(skip)('eBPF helper under the supervisor (real)', () => {
  let sup: EbpfSupervisor;
  const seen: number[] = [];

  beforeAll(() => {
    sup = new EbpfSupervisor({ helperPath: helper, intervalMs: 200, backoff: { initialMs: 300, maxMs: 2000 } });
  });
  afterAll(async () => {
    await sup?.stop();
  });

  it('starts the helper, sees hello and intervals', async () => {
    await sup.start();
    expect(await sup.waitReady(20_000)).toBe(true);
    const st = sup.status();
    expect(st.active).toBe(true);
    expect(st.reason).toBe('ebpf');
    expect(st.hello?.version).toBe(2);
    expect(st.hello?.intervalMs).toBe(200);
    expect(Object.keys(st.hello?.programs ?? {})).toContain('block_rq_complete');
    expect(st.pid).toBeGreaterThan(0);
    seen.push(st.pid!);
    expect(await sup.waitInterval(5_000)).toBe(true);
    expect(await sup.waitInterval(5_000)).toBe(true);
    const ivs = sup.drain();
    expect(ivs.length).toBeGreaterThanOrEqual(2);
    for (let k = 1; k < ivs.length; k++) expect(ivs[k]!.seq).toBe(ivs[k - 1]!.seq + 1);
    expect(sup.status().badLines).toBe(0);
  });

  it('restarts the helper after SIGKILL and intervals resume', async () => {
    const first = sup.status().pid!;
    process.kill(first, 'SIGKILL');
    await until(() => !sup.status().active, 5_000, 'the supervisor to notice');
    expect(sup.status().reason).toBe('eBPF: helper killed by SIGKILL');
    expect(await sup.waitReady(20_000)).toBe(true);
    const st = sup.status();
    expect(st.restarts).toBe(1);
    expect(st.pid).not.toBe(first);
    seen.push(st.pid!);
    sup.drain();
    expect(await sup.waitInterval(5_000)).toBe(true);
    const ivs = sup.drain();
    expect(ivs.length).toBeGreaterThanOrEqual(1);
    expect(ivs[0]!.seq).toBeLessThan(10); // a new helper counts from 1 again
  });

  it('leaves no helper behind after stop()', async () => {
    await sup.stop();
    expect(sup.status()).toMatchObject({ active: false, reason: 'eBPF: stopped' });
    for (const pid of seen) expect(alive(pid)).toBe(false);
    expect(helpersOf(process.pid)).toEqual([]);
    await sleep(700); // longer than the restart backoff: nothing comes back
    expect(helpersOf(process.pid)).toEqual([]);
  });

  it('a SIGKILLed tailtop leaves no helper behind (PDEATHSIG / stdin EOF)', async () => {
    const compiled = compileSupervisor();
    const child = spawn(process.execPath, [runnerPath, compiled, helper, 'hang'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const closed = new Promise((r) => child.on('close', r));
    await until(() => /^(helper|failed) /m.test(out), 30_000, 'the child supervisor to start the helper');
    const m = /^helper (\d+)$/m.exec(out);
    expect(m, out).not.toBeNull();
    const pid = Number(m![1]);
    expect(helpersOf(child.pid!)).toEqual([pid]);
    child.kill('SIGKILL');
    await closed;
    await until(() => !alive(pid), 5_000, `helper ${pid} to exit after its parent died`);
  });
});

describe.skipIf(skip)('old data never passes for live (real helper, SIGSTOP)', () => {
  it('a stopped helper: the latency figures go to "—" with "eBPF: no data for N s", the p99 trend records gaps; SIGCONT brings them back', async () => {
    const { Sampler } = await import('../../src/sampler.js');
    const { Store, key } = await import('../../src/store/store.js');
    const { systemClock } = await import('../../src/clock.js');
    const { readHostSample } = await import('../../src/sources/procfs/read-host.js');
    const ebpf = new EbpfSupervisor({ helperPath: helper, intervalMs: 500, extraArgs: ['--no-runq'] });
    const store = new Store(100);
    const sampler = new Sampler({ clock: systemClock, store, host: { read: (atMs) => readHostSample({ atMs }) }, containers: null, latency: ebpf, refreshMs: 250, showAllDisks: true });
    // some block I/O of our own, so that the trend has points: direct writes to a file under /var/tmp
    const writer = spawn('sh', ['-c', 'while :; do dd if=/dev/zero of=/var/tmp/tailtop-stale-$$ bs=4k count=50 oflag=direct 2>/dev/null; sleep 0.05; done; '], { stdio: 'ignore', detached: true });
    try {
      await ebpf.start();
      expect(await ebpf.waitReady(20_000)).toBe(true);
      const frames: { active: boolean; source: string }[] = [];
      const tick = async (): Promise<void> => {
        const f = await sampler.tick();
        frames.push({ active: f.latency!.active, source: f.latency!.source });
        await sleep(250);
      };
      for (let i = 0; i < 8; i++) await tick();
      expect(frames.at(-1)).toEqual({ active: true, source: 'ebpf' });
      const dev = store.latest()!.latency!.windows['1s'].block.find((r) => r.op === 'write')?.device;
      expect(dev).toBeDefined();
      const pid = ebpf.status().pid!;
      process.kill(pid, 'SIGSTOP');
      const stoppedAt = frames.length;
      for (let i = 0; i < 16; i++) await tick();
      const during = frames.slice(stoppedAt);
      console.log(`while stopped: ${during.map((f) => (f.active ? 'live' : f.source)).join(' | ')}`);
      // overdue after the helper's interval (0.5 s) + 1 s: from then on never "live"
      const firstStale = during.findIndex((f) => !f.active);
      expect(firstStale).toBeGreaterThanOrEqual(0);
      expect(firstStale).toBeLessThanOrEqual(8);
      expect(during.slice(firstStale).every((f) => !f.active && /^eBPF: no data for \d+ s$/.test(f.source))).toBe(true);
      // the p99 trend: gaps (NaN) while stopped, never the last point again and again
      const p99 = [...store.values(key.lat(dev!, 'write', 'p99'))];
      expect(p99.slice(-8).every((v) => Number.isNaN(v))).toBe(true);
      process.kill(pid, 'SIGCONT');
      const resumedAt = frames.length;
      for (let i = 0; i < 12; i++) await tick();
      expect(frames.slice(resumedAt).some((f) => f.active)).toBe(true);
      expect(frames.at(-1)!.active).toBe(true);
    } finally {
      try {
        process.kill(-writer.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      await ebpf.stop();
      execFileSync('sh', ['-c', 'rm -f /var/tmp/tailtop-stale-*']);
    }
  }, 60_000);
});
