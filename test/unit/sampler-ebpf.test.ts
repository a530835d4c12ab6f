// The sampler and the eBPF helper: each tick asks for a flush and places the answering interval at the
// tick; helper intervals are placed by their own end on the sampler's clock; when intervals stop coming,
// the latency figures are withdrawn ("eBPF: no data for N s") and the p99 trend records a gap.
import { describe, expect, it } from 'vitest';
import { Sampler } from '../../src/sampler.js';
import { Store, key } from '../../src/store/store.js';
import type { HostSample } from '../../src/model/types.js';
import type { EbpfStatus } from '../../src/sources/ebpf/supervisor.js';
import type { LatencySource } from '../../src/sources/types.js';
import { parseLine, type Hello, type IntervalData } from '../../src/sources/ebpf/protocol.js';
import { zeroLost } from '../../src/model/latency.js';
import { blockRow } from './latency-helpers.js';

const hello = parseLine(
  JSON.stringify({ type: 'hello', version: 2, pid: 7, intervalMs: 1000, programs: { block_rq_issue: 'tp_btf', block_rq_complete: 'tp_btf' }, cgroup: { block: 'v2', runq: 'v2' }, histogram: { unit: 'ns', subBucketBits: 3, buckets: 320 } }),
) as Hello;

/** Stands in for the supervisor: answers flushes (unless stalled) with intervals the test prepares. */
class FakeEbpf implements LatencySource {
  queue: IntervalData[] = [];
  stalled = false;
  flushes = 0;
  /** Values the next flush's interval holds (ns). */
  next: number[] = [];
  /** The helper's CLOCK_MONOTONIC, ns (1 ms = 1e6). */
  monoNs = 0;
  seq = 0;

  status(): EbpfStatus {
    return { active: true, reason: 'ebpf', badLines: 0, lastBad: null, lastError: null, restarts: 0, lost: 0, dropped: 0, hello, pid: 7 };
  }
  drain(): IntervalData[] {
    return this.queue.splice(0);
  }
  interval(values: number[], flush: number | null, monoNs = this.monoNs, intervalNs = 1e9): IntervalData {
    return { kind: 'interval', seq: ++this.seq, monoNs, intervalNs, flush, block: values.length ? [blockRow(values)] : [], runq: [], lost: zeroLost() };
  }
  flush(): { token: number; done: Promise<boolean> } {
    const token = ++this.flushes;
    if (!this.stalled) this.queue.push(this.interval(this.next, token));
    return { token, done: Promise.resolve(!this.stalled) };
  }
}

function setup() {
  let now = 0;
  const ebpf = new FakeEbpf();
  const store = new Store(50);
  const host = (atMs: number): Promise<HostSample> =>
    Promise.resolve({ atMs, source: 'procfs', stat: null, meminfo: null, loadavg: null, disks: [{ name: 'sda', major: 8, minor: 0, readsCompleted: 0, readSectors: 0, writesCompleted: 0, writeSectors: 0, discardsCompleted: null, flushesCompleted: null, ioTicksMs: 0, parent: null }], net: null, pressure: null, uptimeSec: null, errors: [] });
  const s = new Sampler({
    // the sampler's clock: ms; the helper's: ns since its own origin (here the same origin)
    clock: { nowMs: () => now, wallMs: () => 1_700_000_000_000 + now, fromMonoNs: (ns) => ns / 1e6 },
    store,
    host: { read: host },
    containers: null,
    latency: ebpf,
    refreshMs: 1000,
    showAllDisks: true,
  });
  const at = (ms: number): void => {
    now = ms;
    ebpf.monoNs = ms * 1e6;
  };
  return { s, ebpf, store, at };
}

describe('sampler and the eBPF helper', () => {
  it('each tick flushes; the answer is that tick\'s interval; timer intervals are placed by their own end', async () => {
    const { s, ebpf, at } = setup();
    at(0);
    await s.tick();
    at(1000);
    ebpf.next = [1000, 2000];
    let f = await s.tick();
    expect(ebpf.flushes).toBe(2);
    expect(f.latency!.active).toBe(true);
    expect(f.latency!.current.block[0]!.count).toBe(2);
    expect(f.host.disks[0]!.source).toBe('ebpf');
    // 10 s later: 9 timer intervals came in between (one per second), and the flush's answer
    for (let k = 2; k <= 10; k++) ebpf.queue.push(ebpf.interval([5000], null, k * 1e9));
    at(11_000);
    ebpf.next = [7000];
    f = await s.tick();
    expect(f.latency!.current.block[0]!.count).toBe(10);
    expect(f.latency!.windows['1s'].block[0]!.count).toBe(1); // only the flush's answer ended in (10 s, 11 s]
    expect(f.latency!.windows['10s'].block[0]!.count).toBe(10); // (1 s, 11 s]: not the one that ended at 1 s
    expect(f.latency!.windows['1m'].block[0]!.count).toBe(12);
  });

  it('an interval stamped in the future cannot push the windows ahead: it is placed at the tick that read it', async () => {
    const { s, ebpf, at } = setup();
    at(1000);
    await s.tick();
    ebpf.queue.push(ebpf.interval([1000], null, 9e18)); // year 292 on the helper's clock
    at(2000);
    let f = await s.tick();
    expect(f.latency!.windows['1s'].block[0]!.count).toBe(1);
    at(3000);
    ebpf.next = [3000];
    f = await s.tick();
    expect(f.latency!.current.block[0]!.count).toBe(1); // later intervals still count, in their own time
    expect(f.latency!.windows['10s'].block[0]!.count).toBe(2);
  });

  it('no interval for longer than the helper\'s interval + 1 s: "eBPF: no data for N s", dashes, a gap in the p99 trend; then live again', async () => {
    const { s, ebpf, store, at } = setup();
    ebpf.next = [1000];
    for (let t = 1000; t <= 3000; t += 1000) {
      at(t);
      await s.tick();
    }
    ebpf.stalled = true; // SIGSTOP, a hung read, a dead helper whose pipe is still open
    const seen: string[] = [];
    for (let t = 4000; t <= 7000; t += 1000) {
      at(t);
      const f = await s.tick();
      seen.push(f.latency!.active ? 'live' : f.latency!.source);
      if (!f.latency!.active) expect(f.latency!.windows['5m'].block).toEqual([]);
      if (!f.latency!.active) expect(f.host.disks[0]!.source).toBe('diskstats');
    }
    // the last data ended at 3 s: at 4 s and 5 s it is within 1 s + 1 s; at 6 s and 7 s overdue
    expect(seen).toEqual(['live', 'live', 'eBPF: no data for 3 s', 'eBPF: no data for 4 s']);
    const p99 = store.values(key.lat('sda', 'read', 'p99'));
    // 1-3 s: a point each; 4-5 s: the 1 s window is empty (no new interval): a gap, not the old point again
    // (the store keeps the catalogue's unit, seconds: 1 us)
    expect([...p99].map((v) => (Number.isNaN(v) ? null : v * 1e6))).toEqual([1, 1, 1, null, null, null, null]);
    ebpf.stalled = false;
    at(8000);
    const f = await s.tick();
    expect(f.latency!.active).toBe(true);
    expect(f.latency!.current.block[0]!.count).toBe(1);
  });
});

describe('a dead helper whose pipe a descendant still holds (fake helper, real supervisor)', () => {
  it('the figures are withdrawn within the helper\'s interval + 1 s, whatever the supervisor makes of it', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const { EbpfSupervisor } = await import('../../src/sources/ebpf/supervisor.js');
    const { systemClock } = await import('../../src/clock.js');
    const fake = fileURLToPath(new URL('../fixtures/ebpf/fake-helper.mjs', import.meta.url));
    let orphan = 0;
    const ebpf = new EbpfSupervisor({
      helperPath: fake,
      btfPath: null,
      intervalMs: 100,
      backoff: { initialMs: 60_000 },
      spawn: (cmd, args, o) => {
        const c = spawn(process.execPath, [cmd, ...args], { ...o, env: { ...process.env, FAKE_HELPER_MODE: 'orphan' } });
        c.stderr!.on('data', (d: Buffer) => {
          const m = /orphan (\d+)/.exec(d.toString());
          if (m) orphan = Number(m[1]);
        });
        return c;
      },
    });
    const host = (atMs: number): Promise<HostSample> =>
      Promise.resolve({ atMs, source: 'procfs', stat: null, meminfo: null, loadavg: null, disks: [], net: null, pressure: null, uptimeSec: null, errors: [] });
    const s = new Sampler({ clock: systemClock, store: new Store(50), host: { read: host }, containers: null, latency: ebpf, refreshMs: 250, showAllDisks: true });
    try {
      await ebpf.start();
      expect(await ebpf.waitReady(10_000)).toBe(true);
      const t0 = performance.now();
      let f = await s.tick();
      while (f.latency!.active && performance.now() - t0 < 5000) {
        await new Promise((r) => setTimeout(r, 100));
        f = await s.tick();
      }
      console.log(`withdrawn after ${Math.round(performance.now() - t0)} ms: ${f.latency!.source}`);
      expect(f.latency!.active).toBe(false);
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(f.latency!.windows['1s'].block).toEqual([]);
    } finally {
      if (orphan) process.kill(orphan, 'SIGKILL');
      await ebpf.stop();
    }
  }, 20_000);
});
