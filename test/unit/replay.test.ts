// Replay over a real store file: the frame at any recorded time equals the frame the live path produced
// (the same FrameMaker fed every sample in order), stepping forwards then back returns the same frame, and
// play advances by recorded time at the chosen speed.
import { describe, expect, it } from 'vitest';
import type { SampleSet } from '../../src/model/sample-set.js';
import type { Frame } from '../../src/model/types.js';
import { StoreReader } from '../../src/record/reader.js';
import { FrameMaker } from '../../src/store/frame-maker.js';
import { Store } from '../../src/store/store.js';
import { figuresOf } from '../../src/model/catalogue.js';
import { Replay, type Timer } from '../../src/replay/replay.js';
import { firstDifference, recordSets, samples, tempDirs } from './record-helpers.js';
import { key } from '../../src/store/store.js';

const tmp = tempDirs();
const START = Date.UTC(2026, 0, 1, 10, 0, 0);
const OPTS = { showAllDisks: false, clockTicks: 100, view: { latencyWindow: '1m' as const, containerId: null } };

const record = recordSets;

function liveFrames(sets: SampleSet[]): { frames: Frame[]; store: Store } {
  const maker = new FrameMaker({ ...OPTS });
  const store = new Store(300);
  const frames = sets.map((s) => {
    const f = maker.next(s);
    store.push(f);
    return f;
  });
  return { frames, store };
}

describe('replay', () => {
  it('rebuilds the live frame at any recorded time, and the graphs the live store held', async () => {
    const dir = tmp();
    const sets = samples(500, { seed: 11, containers: 5, processes: 30, startWallMs: START });
    await record(dir, sets);
    const { frames } = liveFrames(sets);
    const r = StoreReader.open(dir);
    const replay = new Replay(r, { frame: { ...OPTS } });
    for (const i of [0, 1, 2, 59, 60, 61, 299, 300, 301, 302, 303, 420, 499]) {
      expect(replay.jump(sets[i]!.wallMs)).toBe(true);
      expect(replay.current!.seq).toBe(i + 1);
      expect(firstDifference(replay.store.latest(), frames[i]), `frame ${i}`).toBeNull();
    }
    // the rings: the live store after sample 450 and replay at 450
    const live = liveFrames(sets.slice(0, 451)).store;
    replay.jump(sets[450]!.wallMs);
    for (const k of [key.hostCpu, key.diskWrite('vda'), key.ctrCpu(sets[0]!.containers!.containers[0]!.meta.id)]) expect(replay.store.values(k).length).toBe(300);
    // every series and heatmap the live store held, value for value (the frames before the target are built
    // for the rings only)
    expect(live.seriesNames().length).toBeGreaterThan(50);
    expect(replay.store.seriesCount()).toBe(live.seriesCount());
    for (const k of live.seriesNames()) expect([...replay.store.values(k)], k).toEqual([...live.values(k)]);
    for (const op of ['write', 'flush'] as const) {
      expect(live.heatmap('vda', op).length, op).toBeGreaterThan(0);
      expect(replay.store.heatmap('vda', op), op).toEqual(live.heatmap('vda', op));
    }
    r.close();
  });

  it('the graphs of a disk with eBPF I/O in the last 5 minutes but none in some intervals equal the live ones', async () => {
    // Such a disk's rates come from eBPF (0) in every frame, not from /proc/diskstats: the frames built for
    // the rings must know the devices of the 5 m window too.
    const dir = tmp();
    const sets = samples(330, { seed: 14, containers: 3, processes: 5, startWallMs: START }).map((s, i) =>
      i % 4 === 0 && s.latency ? { ...s, latency: { ...s.latency, intervals: s.latency.intervals.map((iv) => ({ ...iv, block: [] })) } } : s,
    );
    await record(dir, sets);
    const live = liveFrames(sets).store;
    const r = StoreReader.open(dir);
    const replay = new Replay(r, { frame: { ...OPTS } });
    replay.jump(sets[329]!.wallMs);
    const vda = [...live.values(key.diskWrite('vda'))];
    expect(vda.filter((v) => v === 0).length).toBeGreaterThan(50);
    expect([...replay.store.values(key.diskWrite('vda'))]).toEqual(vda);
    for (const k of live.seriesNames()) expect([...replay.store.values(k)], k).toEqual([...live.values(k)]);
    r.close();
  });

  it('a jump shortly after a restart of the recorder rebuilds from that session only', async () => {
    const dir = tmp();
    const sets = samples(160, { seed: 13, containers: 3, processes: 10, startWallMs: START });
    await record(dir, sets.slice(0, 100));
    await record(dir, sets.slice(100));
    const r = StoreReader.open(dir);
    const replay = new Replay(r, { frame: { ...OPTS } });
    const { frames, store } = liveFrames(sets.slice(100, 141));
    expect(replay.jump(sets[140]!.wallMs)).toBe(true);
    expect(replay.current!.seq).toBe(141);
    expect(firstDifference(replay.store.latest(), frames[40]), 'frame 140').toBeNull();
    expect(replay.store.count).toBe(41);
    for (const k of store.seriesNames()) expect([...replay.store.values(k)], k).toEqual([...store.values(k)]);
    // the last sample of the first session: its own session's frames
    expect(replay.jump(sets[99]!.wallMs)).toBe(true);
    expect(firstDifference(replay.store.latest(), liveFrames(sets.slice(0, 100)).frames[99])).toBeNull();
    r.close();
  });

  it('stepping forwards then back returns the same frame; steps follow the recording', async () => {
    const dir = tmp();
    const sets = samples(200, { seed: 12, containers: 3, processes: 10, startWallMs: START + 30_000 });
    await record(dir, sets);
    const { frames } = liveFrames(sets);
    const r = StoreReader.open(dir);
    const replay = new Replay(r, { frame: { ...OPTS } });
    replay.jump(sets[100]!.wallMs);
    const at100 = replay.store.latest();
    for (let k = 1; k <= 7; k++) {
      expect(replay.stepForward()).toBe(true);
      expect(replay.current!.set.wallMs).toBe(sets[100 + k]!.wallMs);
      expect(firstDifference(replay.store.latest(), frames[100 + k]), `forward ${k}`).toBeNull();
    }
    for (let k = 6; k >= 0; k--) {
      expect(replay.stepBack()).toBe(true);
      expect(firstDifference(replay.store.latest(), frames[100 + k]), `back to ${k}`).toBeNull();
    }
    expect(firstDifference(replay.store.latest(), at100)).toBeNull();
    // a minute each way, clamped to the recording
    expect(replay.move(60_000)).toBe(true);
    expect(replay.current!.set.wallMs).toBe(sets[160]!.wallMs);
    expect(replay.move(-3_600_000)).toBe(true);
    expect(replay.current!.seq).toBe(1);
    expect(replay.stepBack()).toBe(false);
    replay.jump(sets[199]!.wallMs);
    expect(replay.stepForward()).toBe(false);
    r.close();
  });

  it('plays at 1x, 10x and 60x of recorded time', async () => {
    const dir = tmp();
    const sets = samples(300, { seed: 13, containers: 2, processes: 5, startWallMs: START });
    await record(dir, sets);
    const r = StoreReader.open(dir);
    let tick: (() => void) | null = null;
    const timer: Timer = { every: (_ms, fn) => ((tick = fn), () => (tick = null)) };
    const replay = new Replay(r, { frame: { ...OPTS } }, timer);
    let changes = 0;
    replay.onChange = () => changes++;
    replay.jump(sets[10]!.wallMs);
    replay.togglePlay();
    for (let k = 0; k < 8; k++) tick!(); // 2 s at 1x
    expect(replay.current!.seq).toBe(13);
    expect(replay.cycleSpeed()).toBe(10);
    for (let k = 0; k < 4; k++) tick!(); // 1 s at 10x
    expect(replay.current!.seq).toBe(23);
    expect(replay.cycleSpeed()).toBe(60);
    tick!(); // 250 ms at 60x = 15 s
    expect(replay.current!.seq).toBe(38);
    expect(changes).toBeGreaterThan(3);
    replay.togglePlay();
    expect(tick).toBeNull();
    expect(replay.cycleSpeed()).toBe(1);
    r.close();
  });

  it('warms up in slices without changing the frame on screen; a jump ends the warm-up at once', async () => {
    const dir = tmp();
    const sets = samples(400, { seed: 17, containers: 3, processes: 10, startWallMs: START });
    await record(dir, sets);
    const { frames } = liveFrames(sets);
    const live = liveFrames(sets.slice(0, 381)).store;
    const r = StoreReader.open(dir);
    const queue: (() => void)[] = [];
    const timer: Timer = {
      every: () => () => {},
      soon: (fn) => {
        queue.push(fn);
        return () => {
          const i = queue.indexOf(fn);
          if (i >= 0) queue.splice(i, 1);
        };
      },
    };
    const replay = new Replay(r, { frame: { ...OPTS } }, timer);
    // before any jump: the newest sample is warmed (history mode), nothing is shown
    let done: boolean | null = null;
    void replay.warmUp(1).then((d) => (done = d));
    let slices = 0;
    while (queue.length > 0) {
      queue.shift()!();
      slices++;
      await Promise.resolve();
    }
    await Promise.resolve();
    expect(done).toBe(true);
    expect(slices).toBeGreaterThan(10); // ~302 samples, a few at a time
    expect(replay.current).toBeNull();
    expect(replay.store.latest()).toBeNull();

    replay.jump(sets[380]!.wallMs);
    const shown = replay.store.latest();
    done = null;
    void replay.warmUp(2).then((d) => (done = d));
    for (let k = 0; k < 5; k++) queue.shift()!();
    expect(replay.store.latest()).toBe(shown); // the warm-up's frames go nowhere
    expect(replay.jump(sets[390]!.wallMs)).toBe(true); // a key: the warm-up stops
    await Promise.resolve();
    expect(done).toBe(false);
    expect(queue).toEqual([]);
    expect(firstDifference(replay.store.latest(), frames[390]), 'frame 390').toBeNull();
    replay.jump(sets[380]!.wallMs);
    // a whole warm-up run leaves the frame and every series as they were
    void replay.warmUp().then((d) => (done = d));
    while (queue.length > 0) queue.shift()!();
    await Promise.resolve();
    expect(done).toBe(true);
    expect(firstDifference(replay.store.latest(), frames[380]), 'frame 380').toBeNull();
    for (const k of live.seriesNames()) expect([...replay.store.values(k)], k).toEqual([...live.values(k)]);
    expect(replay.stepForward()).toBe(true);
    expect(firstDifference(replay.store.latest(), frames[381]), 'frame 381').toBeNull();
    // stop() (the TUI quits) ends a warm-up too
    void replay.warmUp().then((d) => (done = d));
    replay.stop();
    await Promise.resolve();
    expect(done).toBe(false);
    expect(queue).toEqual([]);
    r.close();
  });
});

describe('replay: the header facts', () => {
  it("shows this machine's kernel only for a recording of this boot; otherwise says it is not known", async () => {
    const { StoreWriter } = await import('../../src/record/writer.js');
    const { readHostIdentity } = await import('../../src/record/schema.js');
    const { openRecording } = await import('../../src/replay/cli.js');
    const os = await import('node:os');
    const me = readHostIdentity();
    const open = async (bootId: string | null) => {
      const dir = tmp();
      const w = StoreWriter.open({ dir, tailtopVersion: 't', identity: { hostname: 'rechost', machineId: 'm-1', bootId } });
      for (const s of samples(5, { seed: 4, containers: 1, processes: 2, startWallMs: START })) w.append(s);
      await w.close();
      const r = await openRecording({ dir, version: 't', showAllDisks: false });
      try {
        return r.facts;
      } finally {
        r.close();
      }
    };
    const other = await open('another-boot');
    expect(other).toMatchObject({ hostname: 'rechost', kernel: 'unknown (another boot)', cpuModel: '' });
    if (me.bootId !== null) expect(await open(me.bootId)).toMatchObject({ hostname: 'rechost', kernel: os.release() });
  });
});
