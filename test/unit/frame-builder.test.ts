// The seam: the sampler emits one SampleSet per tick and builds its frame from it through the one path replay
// uses (store/frame-maker.ts -> model/frame-builder.ts). Frames rebuilt from the sets, after the recorder's
// codec, equal the frames the live sampler produced; the builder changes none of its inputs.
import { describe, expect, it } from 'vitest';
import { Sampler, type Wants } from '../../src/sampler.js';
import { Store } from '../../src/store/store.js';
import { FrameMaker } from '../../src/store/frame-maker.js';
import { buildFrame } from '../../src/model/frame-builder.js';
import type { LatencyIntervalSample, SampleSet } from '../../src/model/sample-set.js';
import type { Frame, LatencyWindow } from '../../src/model/types.js';
import type { ContainersSource, HostSource, LatencySource, ProcessesSource } from '../../src/sources/types.js';
import type { EbpfStatus } from '../../src/sources/ebpf/supervisor.js';
import type { IntervalData } from '../../src/sources/ebpf/protocol.js';
import { ChainDecoder, ChainEncoder } from '../../src/record/codec.js';
import { sampleGenerator } from './record-helpers.js';

/** Sources that serve a generator's sets (counters as a real machine's), on a clock the test moves. */
function fixtureSources(seed: number) {
  const gen = sampleGenerator({ seed, containers: 6, processes: 40, ebpf: true });
  let cur: SampleSet = gen.next();
  let now = 0;
  let helperUp = true;
  let token = 0;
  let queue: IntervalData[] = [];
  const toInterval = (iv: LatencyIntervalSample, flush: number | null): IntervalData => ({
    kind: 'interval',
    seq: iv.seq,
    monoNs: now * 1e6 - 1e5,
    intervalNs: iv.intervalNs,
    flush,
    block: iv.block,
    runq: iv.runq,
    lost: iv.lost,
  });
  const host: HostSource = { read: async (atMs) => ({ ...cur.host, atMs }) };
  const containers: ContainersSource = {
    sample: async (atMs) => ({ ...cur.containers!, atMs }),
    pidsOf: async () => null,
  };
  const processes: ProcessesSource = { read: async () => ({ rows: cur.processes ?? [], errors: now % 4000 === 0 ? ['processes: /proc/1/stat: EACCES'] : [] }), release: () => {} };
  const latency: LatencySource = {
    status: (): EbpfStatus => ({
      active: helperUp,
      reason: helperUp ? 'ebpf' : 'eBPF: helper exited (restarting in 1 s)',
      badLines: 0,
      lastBad: null,
      lastError: null,
      restarts: 0,
      lost: 0,
      dropped: 0,
      ...(helperUp
        ? { pid: 99, hello: { kind: 'hello', version: 2, pid: 99, intervalMs: 1000, programs: cur.latency!.hello!.programs, failed: {}, cgroup: cur.latency!.hello!.cgroup, histogram: { unit: 'ns', subBucketBits: 3, buckets: 320 }, maps: null } }
        : {}),
    }),
    drain: () => queue.splice(0),
    flush: () => {
      if (!helperUp) return null;
      const t = ++token;
      for (const iv of cur.latency!.intervals) queue.push(toInterval(iv, t));
      return { token: t, done: Promise.resolve(true) };
    },
  };
  return {
    sources: { host, containers, processes, latency },
    clock: { nowMs: () => now, wallMs: () => 1_790_000_000_000 + now, fromMonoNs: (ns: number) => ns / 1e6, toMonoNs: (ms: number) => Math.round(ms * 1e6) },
    step(ms: number, o: { helperUp?: boolean; timerInterval?: boolean } = {}) {
      now += ms;
      cur = gen.next();
      helperUp = o.helperUp ?? true;
      // an interval the helper's own timer ended (placed by its end, not by a flush)
      if (o.timerInterval) for (const iv of cur.latency!.intervals) queue.push(toInterval({ ...iv, seq: iv.seq + 100_000 }, null));
    },
  };
}

/** Runs a live sampler over the fixture sources; returns every (set, frame) it emitted. */
async function liveRun(seed: number, ticks: number, wants: Wants): Promise<{ sets: SampleSet[]; frames: Frame[] }> {
  const f = fixtureSources(seed);
  const s = new Sampler({ clock: f.clock, store: new Store(50), ...f.sources, refreshMs: 1000, showAllDisks: false });
  s.setWants(wants);
  const sets: SampleSet[] = [];
  const frames: Frame[] = [];
  s.on('frame', (frame, set) => {
    frames.push(frame);
    sets.push(set);
  });
  for (let i = 0; i < ticks; i++) {
    // the helper dies for two ticks (figures withdrawn), and intervals of its own timer come in between
    f.step(1000, { helperUp: i < 8 || i > 9, timerInterval: i % 5 === 3 });
    if (i === 12) s.setWants({ ...wants, processes: false }); // processes off: their rates start over
    if (i === 15) s.setWants(wants);
    await s.tick();
  }
  return { sets, frames };
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

const wants: Wants = { processes: true, containerId: null, cursorContainerId: null, latencyWindow: '10s' };

describe('frame builder: frames from recorded SampleSets equal the live ones', () => {
  it('the sampler emits one set per tick with counters as read, eBPF intervals placed on its clock', async () => {
    const { sets, frames } = await liveRun(3, 6, wants);
    expect(sets).toHaveLength(6);
    expect(frames.map((f) => f.atMs)).toEqual(sets.map((s) => s.atMs));
    const s = sets[2]!;
    expect(s.latency!.hello).toMatchObject({ pid: 99, intervalMs: 1000 });
    expect(s.latency!.clockMonoNs).toBe(s.atMs * 1e6);
    // the flush's answer is placed at the tick that asked for it
    expect(s.latency!.intervals.every((iv) => iv.t === s.atMs && iv.flush !== null)).toBe(true);
    expect(s.errors).toEqual([]);
    expect(sets[3]!.errors).toEqual([{ source: 'processes', message: 'processes: /proc/1/stat: EACCES' }]);
    expect(frames[3]!.errors).toContainEqual({ source: 'processes', message: 'processes: /proc/1/stat: EACCES' });
    expect(frames[5]!.latency!.active).toBe(true);
    expect(frames[5]!.containers!.containers[0]!.cpuPercent).toBeGreaterThan(0);
  });

  it('replayed through the recorder codec and a new FrameMaker, every frame equals the live one', async () => {
    const { sets, frames } = await liveRun(7, 24, wants);
    const enc = new ChainEncoder();
    const dec = new ChainDecoder();
    const replayed = sets.map((s) => deepFreeze(dec.decode(enc.encode(s)) as SampleSet));
    const maker = new FrameMaker({ showAllDisks: false, clockTicks: 100, view: { latencyWindow: '10s', containerId: null } });
    const rebuilt = replayed.map((s) => maker.next(s));
    // the live run saw the helper die (withdrawn) and come back, processes off and on again
    expect(frames[9]!.latency!.active).toBe(false);
    expect(frames[13]!.processes).toBeNull();
    expect(frames[16]!.processes!.some((p) => p.cpuPercent !== null)).toBe(true);
    for (let i = 0; i < frames.length; i++) expect(rebuilt[i], `frame ${i}`).toEqual(frames[i]);
  });

  it('the builder is a function of its inputs: the same sets give the same frames, and change nothing', async () => {
    const { sets } = await liveRun(11, 12, wants);
    deepFreeze(sets);
    const a = new FrameMaker({ showAllDisks: false, clockTicks: 100 });
    const b = new FrameMaker({ showAllDisks: false, clockTicks: 100 });
    const fa = sets.map((s) => a.next(s));
    a.reset();
    const again = sets.map((s) => a.next(s));
    const fb = sets.map((s) => b.next(s));
    expect(again).toEqual(fa);
    expect(fb).toEqual(fa);
    // without latency input the frame says so instead of showing stale figures; without prev there are no rates
    const first = buildFrame(sets[4]!, null, null, { showAllDisks: false, clockTicks: 100 });
    expect(first.elapsedMs).toBeNull();
    expect(first.host.cpu.percent).toBeNull();
    expect(first.latency!.active).toBe(false);
  });

  it('a view (window on screen, open container) changes which container figures are computed, not the sets', async () => {
    const { sets } = await liveRun(5, 4, wants);
    const all = new FrameMaker({ showAllDisks: false, clockTicks: 100 });
    const viewed = new FrameMaker({ showAllDisks: false, clockTicks: 100, view: { latencyWindow: '1m', containerId: null } });
    const fa = sets.map((s) => all.next(s));
    const fv = sets.map((s) => viewed.next(s));
    expect(Object.keys(fa[3]!.latency!.windows['5m'].containers).length).toBeGreaterThan(0);
    expect(fv[3]!.latency!.windows['5m'].containers).toEqual({});
    expect(fv[3]!.host).toEqual(fa[3]!.host);
  });

  it('the window on screen (the engine keeps its containers\' histograms only): its figures equal those of a maker keeping all, across switches', async () => {
    const { sets } = await liveRun(7, 8, wants);
    const all = new FrameMaker({ showAllDisks: false, clockTicks: 100 });
    const viewed = new FrameMaker({ showAllDisks: false, clockTicks: 100, view: { latencyWindow: '1m', containerId: null } });
    const shown: LatencyWindow[] = ['1m', '1m', '10s', '5m', '5m', '1s', '1m', '10s'];
    let compared = 0;
    sets.forEach((set, i) => {
      viewed.options.view = { latencyWindow: shown[i]!, containerId: null };
      const a = all.next(set).latency!;
      const v = viewed.next(set).latency!;
      if (!a.active) return;
      const w = shown[i]!;
      for (const [id, c] of Object.entries(a.windows[w].containers)) {
        const got = v.windows[w].containers[id]!;
        const pick = (x: typeof c) => ({ io: x.io && { ...x.io, buckets: null }, runqueue: x.runqueue && { ...x.runqueue, buckets: null } });
        expect(pick(got), `${w} ${id}`).toEqual(pick(c));
        if (c.io && c.io.count > 0) compared++;
      }
      expect(v.windows[w].block).toEqual(a.windows[w].block);
    });
    expect(compared).toBeGreaterThan(0);
  });
});
