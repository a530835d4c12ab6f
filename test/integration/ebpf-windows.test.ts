// Windows in time against the kernel's own accounting. Under steady fio load on a loop device:
// - `tailtop snapshot --json --interval N` reports in latency.block[] the requests /proc/diskstats counted
//   between its two samples (the same snapshot's host.disks[].diskstats), within 1% (or the few requests the
//   cuts' measured skew can move), for N = 250, 1000, 2500 and 8000 ms;
// - the monitor's per-frame path (the sampler with the real helper, 250 ms refresh) does the same for every
//   frame: a frame's `current` is (previous tick, this tick], cut by a flush at the tick (within the helper's
//   wake-up latency: each frame within 2%, on average within 0.5%).
// Needs root, kernel BTF, fio and losetup; runs under CI=true.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO, builtCli, requirement, runImage } from '../env.js';
import { sleep } from '../wait.js';
import { Sampler } from '../../src/sampler.js';
import { Store } from '../../src/store/store.js';
import { systemClock } from '../../src/clock.js';
import { readHostSample } from '../../src/sources/procfs/read-host.js';
import { EbpfSupervisor } from '../../src/sources/ebpf/supervisor.js';
import { ebpfUnmet } from './ebpf-env.js';
import { LoopDevices, startFio, waitForWrites, type FioJob } from './loop-devices.js';

const pexec = promisify(execFile);
const BIN = join(REPO, 'bpf', 'tailtop-bpf');
const IMG = runImage('/dev/shm', 'windows');

const unmet = (): string | null => ebpfUnmet(BIN, ['fio', 'losetup']);
const why = unmet();
const skip = requirement('eBPF windows', why === null, why ?? '') !== null || builtCli() !== null;

const loops = new LoopDevices();
let loop = '';
let fio: FioJob | null = null;

/** Reads and writes of one op per the snapshot's latency rows and per its diskstats figures. */
interface Counts {
  ebpf: { read: number; write: number; readBytes: number; writeBytes: number };
  kernel: { read: number; write: number; readBytes: number; writeBytes: number };
}

describe.skipIf(skip)('eBPF windows against /proc/diskstats (real kernel)', () => {
  beforeAll(async () => {
    loop = await loops.make(IMG, 256);
    // A steady stream of 4 KiB reads and writes: 150 µs of think time after each (a few thousand a second,
    // evenly spread; a rate limit would issue them in bursts, and a burst at a cut would say little about
    // the cut), leaving the CPUs room.
    fio = startFio(loop, ['--name=steady', '--rw=randrw', '--ioengine=psync', '--thinktime=150'], 300);
    await waitForWrites(fio, loop, 100);
  }, 60_000);

  afterAll(async () => {
    fio?.kill();
    await sleep(300);
    await loops.removeAll();
  });

  const name = (): string => loop.replace('/dev/', '');

  interface Doc {
    intervalSec: number;
    host: { disks: { name: string; source: string; diskstats?: { readOpsPerSec: number; writeOpsPerSec: number; readBytesPerSec: number; writeBytesPerSec: number } }[] };
    latency: { active: boolean; seconds: number; cutSkewMs: number | null; block: { device: string; op: string; count: number; bytes: number; p99Us: number; maxUs: number }[]; lost: Record<string, number> };
  }
  const snapshot = async (intervalMs: number): Promise<Doc> => {
    const { stdout } = await pexec(process.execPath, [CLI, 'snapshot', '--json', '--interval', String(intervalMs), '--no-docker', '--all-disks'], { maxBuffer: 64 << 20 });
    return JSON.parse(stdout) as Doc;
  };

  for (const intervalMs of [250, 1000, 2500, 8000]) {
    it(`snapshot --interval ${intervalMs}: latency rows hold the requests diskstats counted between the samples (within 1%, or what the cuts' skew can move)`, async () => {
      // The snapshot says how far apart its eBPF cut and its host read were (cutSkewMs). On a host whose
      // CPUs are all busy a process can be preempted between the two; such a run says so and is taken again.
      // (A cut up to 0.2% of the interval off moves at most 0.2% of the requests; 1.5 ms at 250 ms is 0.6%.)
      const fine = Math.max(1.5, intervalMs * 0.002);
      const counts = (doc: Doc): Counts => {
        const k = doc.host.disks.find((d) => d.name === name())?.diskstats;
        const s = doc.intervalSec;
        const rows = doc.latency.block.filter((r) => r.device === name());
        const sum = (op: string, f: 'count' | 'bytes'): number => rows.filter((r) => r.op === op).reduce((n, r) => n + r[f], 0);
        return {
          ebpf: { read: sum('read', 'count'), write: sum('write', 'count'), readBytes: sum('read', 'bytes'), writeBytes: sum('write', 'bytes') },
          kernel: k
            ? { read: Math.round(k.readOpsPerSec * s), write: Math.round(k.writeOpsPerSec * s), readBytes: Math.round(k.readBytesPerSec * s), writeBytes: Math.round(k.writeBytesPerSec * s) }
            : { read: 0, write: 0, readBytes: 0, writeBytes: 0 },
        };
      };
      // More than 200 reads and 200 writes in the window, so that 1% (or the cuts' skew) is a few requests: fio
      // does far more when it gets the CPU (about 430 of each at 250 ms); a window where it was starved of CPU
      // says little and is taken again, like a late cut.
      const enough = (c: Counts): boolean => c.kernel.read > 200 && c.kernel.write > 200;
      let doc = await snapshot(intervalMs);
      for (let k = 0; k < 8 && !(doc.latency.cutSkewMs! <= fine && enough(counts(doc))); k++) {
        console.log(`--interval ${intervalMs}: cut ${doc.latency.cutSkewMs} ms from the host read, diskstats reads/writes ${counts(doc).kernel.read}/${counts(doc).kernel.write}; again`);
        doc = await snapshot(intervalMs);
      }
      expect(doc.latency.cutSkewMs).toBeLessThanOrEqual(fine);
      expect(doc.latency.active).toBe(true);
      const disk = doc.host.disks.find((d) => d.name === name())!;
      expect(disk.source).toBe('ebpf');
      const s = doc.intervalSec;
      const rows = doc.latency.block.filter((r) => r.device === name());
      const c = counts(doc);
      console.log(`--interval ${intervalMs}: ${s.toFixed(4)} s between samples, eBPF covers ${doc.latency.seconds.toFixed(4)} s, cut ${doc.latency.cutSkewMs!.toFixed(3)} ms from the host read; reads ${c.ebpf.read} (diskstats ${c.kernel.read}), writes ${c.ebpf.write} (diskstats ${c.kernel.write}); lost ${JSON.stringify(doc.latency.lost)}`);
      expect(s * 1000).toBeGreaterThanOrEqual(intervalMs - 1);
      expect(s * 1000).toBeLessThan(intervalMs + 50);
      // The eBPF span and the diskstats span differ by at most the two cuts' distances from their host reads.
      expect(Math.abs(doc.latency.seconds - s) * 1000).toBeLessThanOrEqual(2 * doc.latency.cutSkewMs! + 0.05);
      expect(c.kernel.read).toBeGreaterThan(200);
      expect(c.kernel.write).toBeGreaterThan(200);
      // fio completes one request at a time with 150 µs of think time after each: within a cut's distance from
      // its host read (cutSkewMs, the larger of the two) at most skew / 0.15 ms + 1 requests complete, and
      // those may fall on either side in the two counts. At 250 ms (about 430 of each) that can be more than
      // the 1% (CI: writes 436 vs 428 with cuts 1.05 ms off); at 1 s and more the 1% covers it.
      const moved = 2 * (Math.floor(doc.latency.cutSkewMs! / 0.15) + 1);
      for (const f of ['read', 'write', 'readBytes', 'writeBytes'] as const) {
        const allowed = Math.max(c.kernel[f] * 0.01, moved * (f.endsWith('Bytes') ? 4096 : 1));
        expect(Math.abs(c.ebpf[f] - c.kernel[f]), `${f}: eBPF ${c.ebpf[f]}, diskstats ${c.kernel[f]}, allowed ${allowed}`).toBeLessThanOrEqual(allowed);
      }
      for (const r of rows) expect(r.p99Us).toBeLessThanOrEqual(r.maxUs);
    }, 60_000);
  }

  it('each frame of the monitor (250 ms refresh): current rows = the diskstats delta of that frame', async () => {
    const ebpf = new EbpfSupervisor({ helperPath: BIN, intervalMs: 1000 });
    const store = new Store(100);
    const sampler = new Sampler({ clock: systemClock, store, host: { read: (atMs) => readHostSample({ atMs }) }, containers: null, latency: ebpf, refreshMs: 250, showAllDisks: true });
    try {
      await ebpf.start();
      expect(await ebpf.waitReady(20_000)).toBe(true);
      await sampler.tick();
      let prevSkew = sampler.lastCutSkewMs;
      const errors: number[] = [];
      for (let i = 0; i < 24; i++) {
        await sleep(250);
        const f = await sampler.tick();
        const d = f.host.disks.find((x) => x.name === name())!;
        const kernel = d.diskstats!.readOpsPerSec! * (f.elapsedMs! / 1000) + d.diskstats!.writeOpsPerSec! * (f.elapsedMs! / 1000);
        const mine = f.latency!.current.block.filter((r) => r.device === name() && (r.op === 'read' || r.op === 'write')).reduce((n, r) => n + r.count, 0);
        expect(kernel).toBeGreaterThan(200);
        // The monitor cuts as soon as the helper wakes (no spinning): within the scheduler's wake-up latency of
        // the host read, a fraction of a millisecond on a quiet host, a few on a busy VM. As for the snapshots
        // above, the requests the frame's two measured cuts can move (one per 150 µs of fio's think time) may
        // fall on either side; beyond those, each frame is within 2%.
        const skewMs = Math.max(prevSkew ?? Infinity, sampler.lastCutSkewMs ?? Infinity);
        prevSkew = sampler.lastCutSkewMs;
        const moved = 2 * (Math.floor(skewMs / 0.15) + 1);
        const allowed = Math.max(kernel * 0.02, moved);
        console.log(`frame ${i}: eBPF ${mine}, diskstats ${kernel.toFixed(0)}, cuts ${skewMs.toFixed(2)} ms from the host reads, allowed ${allowed.toFixed(0)}`);
        expect(Math.abs(mine - kernel), `frame ${i}`).toBeLessThanOrEqual(allowed);
        errors.push(Math.abs(mine - kernel) / kernel);
      }
      console.log(`frames ${errors.length}: |eBPF - diskstats| / diskstats max ${(Math.max(...errors) * 100).toFixed(3)}%, mean ${((errors.reduce((a, b) => a + b, 0) / errors.length) * 100).toFixed(3)}%`);
      expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThanOrEqual(0.005);
    } finally {
      await ebpf.stop();
    }
  }, 120_000);
});
