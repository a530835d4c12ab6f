// Nothing is lost silently: each cause of an event the helper cannot use is made to happen for real and
// counted (docs/ebpf-protocol.md, "lost"), and what was counted plus what was lost adds up to the kernel's
// own accounting (/proc/diskstats) over a window cut by flushes:
// - requests in flight when the helper attaches complete with no start;
// - a start map too small for the queue depth drops starts (and those requests complete with no start);
// - a histogram map too small for the rows drops events (their bytes counted too);
// - a run-queue start map too small drops wakeups;
// - a loop device reading past the end of its shrunken backing file completes a request in two parts: the
//   first part is folded into the request (its bytes counted with it), not lost.
// The map sizes come from TAILTOP_BPF_MAX_INFLIGHT / _HIST / _RUNQ. Needs root, BTF, fio, losetup, perl.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { REPO, requirement, runImage } from '../env.js';
import { sleep } from '../wait.js';
import { ebpfUnmet } from './ebpf-env.js';
import { LoopDevices, startFio, type FioJob, type LoopOptions } from './loop-devices.js';

const pexec = promisify(execFile);
const BIN = join(REPO, 'bpf', 'tailtop-bpf');

const unmet = (): string | null => ebpfUnmet(BIN, ['fio', 'losetup', 'perl', 'dd', 'truncate']);
const why = unmet();
const skip = requirement('eBPF lost events', why === null, why ?? '') !== null;

type Lost = Record<string, number>;
interface Row { major: number; minor: number; op: string; count: number; bytes: number }
interface Interval { type: 'interval'; seq: number; monoNs: number; flush?: number; block: Row[]; runq: { count: number }[]; lost: Lost; partial: { count: number; bytes: number } }

/** The helper with a line reader; flush() cuts an interval and resolves with it. */
class Helper {
  readonly proc: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  private token = 0;
  stderr = '';

  constructor(args: string[], env: Record<string, string> = {}) {
    this.proc = spawn(BIN, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => this.lines.push(JSON.parse(l) as Record<string, unknown>));
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  async waitFor<T>(pick: (l: Record<string, unknown>) => T | undefined, what: string, ms = 15_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      for (const l of this.lines) {
        const v = pick(l);
        if (v !== undefined) return v;
      }
      if (this.proc.exitCode !== null) throw new Error(`helper exited ${this.proc.exitCode} waiting for ${what}: ${this.stderr}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${this.stderr}`);
      await sleep(10);
    }
  }

  hello(): Promise<Record<string, unknown>> {
    return this.waitFor((l) => (l.type === 'hello' ? l : undefined), 'hello');
  }

  intervals(): Interval[] {
    return this.lines.filter((l) => l.type === 'interval') as unknown as Interval[];
  }

  /** Ends the interval now; resolves with it. */
  async flush(): Promise<Interval> {
    const t = ++this.token;
    this.proc.stdin!.write(`flush ${t}\n`);
    return this.waitFor((l) => (l.type === 'interval' && l.flush === t ? (l as unknown as Interval) : undefined), `flush ${t}`);
  }

  /**
   * Ends the interval at a moment 30 ms ahead and calls `read` at that same moment (both watch the clock).
   * `skewNs`: how far apart the helper's switch of maps (its interval's monoNs) and the read were, as both
   * clocks say: a busy machine can run either late.
   */
  async cut<T>(read: () => T): Promise<{ interval: Interval; read: T; skewNs: number }> {
    const t = ++this.token;
    const at = process.hrtime.bigint() + 30_000_000n; // CLOCK_MONOTONIC, as the helper's
    this.proc.stdin!.write(`flush ${t} at ${at}\n`);
    await sleep(25);
    while (process.hrtime.bigint() < at) {
      // the last milliseconds
    }
    const readNs = process.hrtime.bigint();
    const r = read();
    const interval = await this.waitFor((l) => (l.type === 'interval' && l.flush === t ? (l as unknown as Interval) : undefined), `flush ${t}`);
    return { interval, read: r, skewNs: Math.abs(interval.monoNs - Number(readNs)) };
  }

  /**
   * A window of `ms` between two cuts, each with its read of /proc/diskstats: its intervals, the requests the
   * kernel completed in it, and how many of those the cuts' measured skew can put on the other side.
   */
  async window(name: string, ms: number): Promise<{ win: Interval[]; kernel: number; skewed: number; cutsMs: string }> {
    const { interval: a, read: d1, skewNs: s1 } = await this.cut(() => diskstats(name));
    await sleep(ms);
    const { interval: b, read: d2, skewNs: s2 } = await this.cut(() => diskstats(name));
    const kernel = d2.ios - d1.ios;
    return { win: this.between(a, b), kernel, skewed: withinCuts(kernel, a, b, s1 + s2), cutsMs: `${(s1 / 1e6).toFixed(2)} and ${(s2 / 1e6).toFixed(2)} ms` };
  }

  /** Intervals after `after` (by seq) up to and including `upto`. */
  between(after: Interval, upto: Interval): Interval[] {
    return this.intervals().filter((i) => i.seq > after.seq && i.seq <= upto.seq);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin!.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
}

const sum = (ivs: Interval[], f: (i: Interval) => number): number => ivs.reduce((n, i) => n + f(i), 0);
const lost = (ivs: Interval[], k: string): number => sum(ivs, (i) => i.lost[k] ?? 0);
const rows = (ivs: Interval[], dev: { major: number; minor: number }, ops = ['read', 'write']): Row[] =>
  ivs.flatMap((i) => i.block.filter((r) => r.major === dev.major && r.minor === dev.minor && ops.includes(r.op)));
const countOf = (rs: Row[]): number => rs.reduce((n, r) => n + r.count, 0);
/**
 * Requests completed between a cut and its read of /proc/diskstats (the skews, ns) are counted on one side
 * only: `kernel` requests over the window from interval `a` to `b`, at their mean rate.
 */
const withinCuts = (kernel: number, a: Interval, b: Interval, skewsNs: number): number => Math.ceil((kernel / (b.monoNs - a.monoNs)) * skewsNs);

function devOf(loop: string): { major: number; minor: number; name: string } {
  const name = loop.replace('/dev/', '');
  const [major, minor] = readFileSync(`/sys/block/${name}/dev`, 'utf8').trim().split(':').map(Number);
  return { major: major!, minor: minor!, name };
}

/** reads + writes completed (diskstats fields 1 and 5) and read sectors. */
function diskstats(name: string): { ios: number; reads: number; readSectors: number } {
  for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[2] === name) return { ios: Number(f[3]) + Number(f[7]), reads: Number(f[3]), readSectors: Number(f[5]) };
  }
  throw new Error(`${name} not in /proc/diskstats`);
}

const devices = new LoopDevices();
const children: ChildProcess[] = [];
const jobs: FioJob[] = [];
const helpers: Helper[] = [];

async function makeLoop(file: string, sizeMiB: number, opts: LoopOptions = {}): Promise<ReturnType<typeof devOf> & { path: string }> {
  const loop = await devices.make(file, sizeMiB, opts);
  return { ...devOf(loop), path: loop };
}

function fio(loop: string, extra: string[]): FioJob {
  const job = startFio(loop, ['--name=load', ...extra], 60);
  jobs.push(job);
  return job;
}

function helper(args: string[], env: Record<string, string> = {}): Helper {
  const h = new Helper(args, env);
  helpers.push(h);
  return h;
}

afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const j of jobs.splice(0)) j.kill();
  await Promise.all(helpers.splice(0).map((h) => h.stop()));
  await sleep(200);
});

afterAll(async () => {
  await devices.removeAll();
});

describe.skipIf(skip)('lost events, by cause, for real', () => {
  it('requests in flight when the helper attaches complete with no start; afterwards counted + lost = diskstats', async () => {
    const dev = await makeLoop(runImage(process.env.TAILTOP_EBPF_DISK_DIR ?? '/var/tmp', 'lost-inflight'), 128, { fill: true, directIo: 'required' });
    const load = fio(dev.path, ['--rw=randread', '--ioengine=io_uring', '--iodepth=16']);
    await sleep(1500); // a long run in flight: 16 requests queued at any moment
    load.running();
    // On a busy host fio may take longer to reach its steady state: attach only once requests flow.
    for (let k = 0, prev = diskstats(dev.name).ios; ; k++) {
      await sleep(100);
      const now = diskstats(dev.name).ios;
      if (now - prev > 50) break;
      if (k >= 100) throw new Error(`fio on ${dev.path} completed ${now - prev} requests in 100 ms after 10 s: no flow to attach to`);
      prev = now;
    }
    // The completion program attaches before the issue program, so a request in flight in between completes
    // without a start. With iodepth 16 there nearly always is one, but a loaded machine can leave fio off the
    // CPU with all 16 completed for the millisecond the attach takes: then 0 is the truth, and the helper is
    // started again (the window after the attach still has to account for every completion, see below).
    let h: Helper | null = null;
    let first: Interval | null = null;
    let d1 = diskstats(dev.name);
    let s1 = 0;
    for (let attempt = 1; attempt <= 5; attempt++) {
      load.running();
      h = helper(['--interval-ms', '60000', '--no-runq'], { TAILTOP_BPF_DEVICE: `${dev.major}:${dev.minor}` });
      await h.hello();
      ({ interval: first, read: d1, skewNs: s1 } = await h.cut(() => diskstats(dev.name)));
      if ((first.lost.blockNoStart ?? 0) >= 1) break;
      console.log(`attach ${attempt}: no request in flight while the helper attached; again`);
      await h.stop();
    }
    await sleep(1000);
    const { interval: second, read: d2, skewNs: s2 } = await h!.cut(() => diskstats(dev.name));
    const noStart = first!.lost.blockNoStart ?? 0;
    const win = h!.between(first!, second);
    const skewed = withinCuts(d2.ios - d1.ios, first!, second, s1 + s2);
    console.log(`in flight at attach: ${noStart} completions without a start (fio iodepth 16); next window: ${countOf(rows(win, dev))} timed, ${lost(win, 'blockNoStart')} without start, diskstats ${d2.ios - d1.ios}, ${skewed} within the cuts' skew`);
    // the 16 in flight, and those issued while the helper attached its programs one by one (completion
    // first, then issue: a millisecond or two at this rate)
    expect(noStart).toBeGreaterThanOrEqual(1);
    expect(noStart).toBeLessThanOrEqual(256);
    expect(lost(win, 'blockNoStart')).toBe(0);
    expect(Math.abs(countOf(rows(win, dev)) - (d2.ios - d1.ios))).toBeLessThanOrEqual((d2.ios - d1.ios) * 0.01 + skewed);
  }, 60_000);

  it('a start map smaller than the queue depth: starts dropped, their requests complete without start, nothing unaccounted', async () => {
    const dev = await makeLoop(runImage('/dev/shm', 'lost-small-map'), 128);
    const h = helper(['--interval-ms', '60000', '--no-runq'], { TAILTOP_BPF_MAX_INFLIGHT: '4', TAILTOP_BPF_DEVICE: `${dev.major}:${dev.minor}` });
    expect((await h.hello()).maps).toMatchObject({ inflight: 4 });
    fio(dev.path, ['--rw=randrw', '--ioengine=io_uring', '--iodepth=32']);
    await sleep(500);
    // at this rate, over a hundred thousand a second, a millisecond of skew is a hundred requests
    const { win, kernel, skewed, cutsMs } = await h.window(dev.name, 1500);
    const timed = countOf(rows(win, dev));
    const dropped = lost(win, 'blockStartDropped');
    const noStart = lost(win, 'blockNoStart');
    console.log(`start map of 4, iodepth 32: ${timed} timed, ${dropped} starts dropped, ${noStart} completions without start; diskstats ${kernel}; cuts ${cutsMs} from the reads (${skewed} requests)`);
    expect(dropped).toBeGreaterThan(0);
    // each dropped start is a request that completes untimed (give or take those in flight at the cuts)
    expect(Math.abs(noStart - dropped)).toBeLessThanOrEqual(64);
    expect(Math.abs(timed + noStart - kernel)).toBeLessThanOrEqual(kernel * 0.01 + skewed);
  }, 60_000);

  it('a histogram map too small for the rows: events not counted are counted as lost, with their bytes', async () => {
    const dev = await makeLoop(runImage('/dev/shm', 'lost-small-hist'), 128);
    // two entries hold one (device, op, cgroup) row (service and total): reads fit, writes do not
    const h = helper(['--interval-ms', '60000', '--no-runq'], { TAILTOP_BPF_MAX_HIST: '2', TAILTOP_BPF_DEVICE: `${dev.major}:${dev.minor}` });
    expect((await h.hello()).maps).toMatchObject({ hist: 2 });
    fio(dev.path, ['--rw=randrw', '--ioengine=psync']);
    await sleep(500);
    const { win, kernel, skewed } = await h.window(dev.name, 1500);
    const timed = countOf(rows(win, dev));
    const full = lost(win, 'histFull');
    console.log(`histogram map of 2: ${timed} timed, ${full} not counted (${lost(win, 'histFullBytes')} bytes); diskstats ${kernel}; ${skewed} requests within the cuts' skew`);
    expect(full).toBeGreaterThan(0);
    expect(lost(win, 'histFullBytes')).toBeGreaterThanOrEqual(full * 4096);
    expect(Math.abs(timed + full - kernel)).toBeLessThanOrEqual(kernel * 0.01 + skewed);
  }, 60_000);

  it('a run-queue start map too small: wakeups not timed are counted', async () => {
    const h = helper(['--interval-ms', '60000', '--no-block'], { TAILTOP_BPF_MAX_RUNQ: '2' });
    expect((await h.hello()).maps).toMatchObject({ runq: 2 });
    // 16 sleepers waking every millisecond: far more waiting wakeups than 2 slots
    for (let i = 0; i < 16; i++) children.push(spawn('perl', ['-e', 'select(undef,undef,undef,0.001) while 1'], { stdio: 'ignore' }));
    await sleep(300);
    const a = await h.flush();
    await sleep(1000);
    const b = await h.flush();
    const win = h.between(a, b);
    const dropped = lost(win, 'runqStartDropped');
    console.log(`run-queue map of 2: ${sum(win, (i) => i.runq.reduce((n, r) => n + r.count, 0))} wakeups timed, ${dropped} not`);
    expect(dropped).toBeGreaterThan(0);
  }, 60_000);

  it('a request completed in two parts (a loop device reading past its shrunken file): folded into one, bytes as diskstats', async () => {
    const file = runImage(process.env.TAILTOP_EBPF_DISK_DIR ?? '/var/tmp', 'lost-partial');
    const dev = await makeLoop(file, 4, { fill: true, directIo: 'required' });
    const h = helper(['--interval-ms', '60000', '--no-runq'], { TAILTOP_BPF_DEVICE: `${dev.major}:${dev.minor}` });
    await h.hello();
    // the last 4 KiB of the device now lie half past the end of its file: the read comes back short
    await pexec('truncate', ['-s', String(4 * 1024 * 1024 - 2048), file]);
    const a = await h.flush();
    const d1 = diskstats(dev.name);
    await pexec('dd', [`if=${dev.path}`, 'of=/dev/null', 'bs=4096', 'skip=1023', 'count=1', 'iflag=direct']).catch(() => undefined); // the second part fails: EIO
    const b = await h.flush();
    const d2 = diskstats(dev.name);
    const win = h.between(a, b);
    const reads = rows(win, dev, ['read']);
    const partial = sum(win, (i) => i.partial.count);
    const partialBytes = sum(win, (i) => i.partial.bytes);
    console.log(`short read: ${JSON.stringify(reads.map((r) => [r.count, r.bytes]))}, partial ${partial} (${partialBytes} bytes), diskstats reads ${d2.reads - d1.reads} sectors ${d2.readSectors - d1.readSectors}`);
    expect(partial).toBeGreaterThanOrEqual(1);
    expect(partialBytes).toBeGreaterThanOrEqual(512);
    // one request, as diskstats counts it, with every byte of both parts
    expect(countOf(reads) + lost(win, 'blockNoStart')).toBe(d2.reads - d1.reads);
    expect(reads.reduce((n, r) => n + r.bytes, 0)).toBe((d2.readSectors - d1.readSectors) * 512);
  }, 60_000);
});
