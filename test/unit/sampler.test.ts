// What the sampler asks the container source for: detail files only for the containers the TUI shows
// (or all of them for a snapshot), and a container's own pids when its view is open.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sampler } from '../../src/sampler.js';
import { Store } from '../../src/store/store.js';
import type { ContainersSample, HostSample } from '../../src/model/types.js';
import type { ContainersSource, DetailScope } from '../../src/sources/types.js';
import { closeProcessReaders, openProcessDescriptors } from '../../src/sources/processes/read-processes.js';

function fakeSource(pids: number[] | null) {
  const scopes: string[] = [];
  const pidsAsked: string[] = [];
  const src: ContainersSource = {
    async sample(atMs: number, detail: DetailScope = 'all'): Promise<ContainersSample> {
      scopes.push(detail === 'all' ? 'all' : [...detail].sort().join(','));
      return { atMs, daemon: { state: 'ok', attempt: 0, endpoint: 'unix:///x.sock', runtime: 'docker' }, containers: [], errors: [] };
    },
    async pidsOf(id: string): Promise<number[] | null> {
      pidsAsked.push(id);
      return pids;
    },
  };
  return { src, scopes, pidsAsked };
}

function sampler(src: ContainersSource, root: string): Sampler {
  let t = 0;
  const host = (atMs: number): Promise<HostSample> =>
    Promise.resolve({ atMs, source: 'procfs', stat: null, meminfo: null, loadavg: null, diskstats: null, netdev: null, pressure: null, uptimeSec: null, errors: [] } as unknown as HostSample);
  return new Sampler({
    clock: { nowMs: () => (t += 1000), wallMs: () => Date.now() },
    store: new Store(10),
    host: { read: host },
    containers: src,
    latency: null,
    root,
    refreshMs: 1000,
    showAllDisks: false,
  });
}

describe('sampler: what it asks the container source for', () => {
  it('detail for every container until told otherwise (snapshot), then only the open and the cursor one', async () => {
    const f = fakeSource(null);
    const s = sampler(f.src, '/');
    await s.tick();
    s.setWants({ processes: false, containerId: null, cursorContainerId: 'b' });
    await s.tick();
    s.setWants({ processes: false, containerId: 'a', cursorContainerId: 'b' });
    await s.tick();
    s.setWants({ processes: false, containerId: null, cursorContainerId: null });
    await s.tick();
    s.setWants({ processes: false, containerId: null, allDetail: true });
    await s.tick();
    expect(f.scopes).toEqual(['all', 'b', 'a,b', '', 'all']);
  });

  it("a container's view reads only its cgroup's pids; where they cannot be listed, every process", async () => {
    const root = mkdtempSync(join(tmpdir(), 'tailtop-sampler-')); // an empty /proc: no rows either way
    try {
      const some = fakeSource([1, 2]);
      const s = sampler(some.src, root);
      s.setWants({ processes: true, containerId: 'c1' });
      const fr = await s.tick();
      expect(some.pidsAsked).toEqual(['c1']);
      expect(fr.processes).not.toBeNull();
      // Pids 1 and 2 are read directly (absent here: skipped quietly); /proc itself is never listed.
      expect(fr.errors.filter((e) => e.source === 'processes')).toEqual([]);
      s.setWants({ processes: true, containerId: null });
      const host = await s.tick();
      expect(some.pidsAsked).toEqual(['c1']); // the host's process view lists /proc (missing here: an error)
      expect(host.errors.find((e) => e.source === 'processes')?.message).toMatch(/\/proc: ENOENT/);
      const none = fakeSource(null);
      const s2 = sampler(none.src, root);
      s2.setWants({ processes: true, containerId: 'c2' });
      const fb = await s2.tick();
      expect(none.pidsAsked).toEqual(['c2']);
      expect(fb.errors.find((e) => e.source === 'processes')?.message).toMatch(/\/proc: ENOENT/); // fell back to /proc
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("a stopped or removed container's open view reads no process at all and releases the host scan's descriptors", async () => {
    const root = join(import.meta.dirname, '..', 'fixtures', 'proc-pids');
    closeProcessReaders();
    const gone = fakeSource([]);
    const s = sampler(gone.src, root);
    s.setWants({ processes: true, containerId: null }); // the host's process view: every /proc entry
    const host = await s.tick();
    expect(host.processes!.length).toBeGreaterThan(3);
    expect(openProcessDescriptors()).toBeGreaterThan(3);
    s.setWants({ processes: true, containerId: 'removed' });
    for (let i = 0; i < 3; i++) {
      const fr = await s.tick();
      expect(fr.processes).toEqual([]);
      expect(fr.errors.filter((e) => e.source === 'processes')).toEqual([]);
      expect(openProcessDescriptors()).toBe(0);
    }
    expect(gone.pidsAsked).toEqual(['removed', 'removed', 'removed']);
    // Back to the host table, then no process view at all: its descriptors go again.
    s.setWants({ processes: true, containerId: null });
    await s.tick();
    expect(openProcessDescriptors()).toBeGreaterThan(3);
    s.setWants({ processes: false, containerId: null });
    await s.tick();
    expect(openProcessDescriptors()).toBe(0);
  });
});

describe('sampler without frames (an agent that only records)', () => {
  it('emits every SampleSet from its own loop, builds no frame and puts nothing in the store; tick() refuses', async () => {
    let t = 0;
    const store = new Store(10);
    const host = (atMs: number): Promise<HostSample> =>
      Promise.resolve({ atMs, source: 'procfs', stat: null, meminfo: null, loadavg: null, diskstats: null, netdev: null, pressure: null, uptimeSec: null, errors: [] } as unknown as HostSample);
    const s = new Sampler({
      clock: { nowMs: () => (t += 1000), wallMs: () => Date.now() },
      store,
      host: { read: host },
      containers: fakeSource(null).src,
      latency: null,
      refreshMs: 100,
      showAllDisks: false,
      frames: false,
    });
    const sets: number[] = [];
    let frames = 0;
    s.on('sample-set', (set) => sets.push(set.atMs));
    s.on('frame', () => frames++);
    await expect(s.tick()).rejects.toThrow(/needs frames/);
    s.start();
    await new Promise((r) => setTimeout(r, 350));
    s.stop();
    await s.idle();
    expect(sets.length).toBeGreaterThanOrEqual(2);
    expect(frames).toBe(0);
    expect(store.latest()).toBeNull();
  });
});

describe('sampler cadence', () => {
  /** A recording sampler whose host read takes `workMs` of real time; the real time each tick started. */
  async function starts(refreshMs: number, workMs: number, runMs: number): Promise<number[]> {
    const at: number[] = [];
    let inFlight = 0;
    const host = async (atMs: number): Promise<HostSample> => {
      at.push(performance.now());
      if (++inFlight > 1) throw new Error('ticks overlap');
      await new Promise((r) => setTimeout(r, workMs));
      inFlight--;
      return { atMs, source: 'procfs', stat: null, meminfo: null, loadavg: null, diskstats: null, netdev: null, pressure: null, uptimeSec: null, errors: [] } as unknown as HostSample;
    };
    let t = 0;
    const s = new Sampler({ clock: { nowMs: () => (t += 1), wallMs: () => Date.now() }, host: { read: host }, containers: null, latency: null, refreshMs, showAllDisks: false, frames: false });
    const errors: string[] = [];
    s.on('source-error', (e) => errors.push(e.message));
    s.start();
    await new Promise((r) => setTimeout(r, runMs));
    s.stop();
    await s.idle();
    expect(errors).toEqual([]);
    return at;
  }
  const gaps = (at: number[]): number[] => at.slice(1).map((v, i) => v - at[i]!).sort((a, b) => a - b);

  it('keeps the refresh start to start, however long a tick takes (no drift by its duration)', async () => {
    const g = gaps(await starts(250, 60, 2700));
    // drifting by the tick's duration would put them 310 ms apart
    expect(g.length).toBeGreaterThanOrEqual(8);
    const median = g[g.length >> 1]!;
    expect(median).toBeGreaterThanOrEqual(245);
    expect(median).toBeLessThan(275);
  });

  it('a tick longer than the refresh is followed by the next at once, never overlapping, missed ticks not made up', async () => {
    const g = gaps(await starts(100, 180, 1500));
    expect(g.length).toBeGreaterThanOrEqual(4);
    for (const d of g) expect(d).toBeGreaterThanOrEqual(175);
  });
});
