// SampleSets in, Frames out: the one path from raw samples to frames, for the live sampler and for replay
// alike (so a replayed frame equals the live one). It keeps what a frame needs besides its own set: the
// previous set (rates) and the latency windows fed with every interval so far (store/latency-windows.ts),
// plus when the newest interval came (stale figures are withdrawn). No clock is read: times are the sets'.
// Replay stepping backwards starts a new maker and feeds it the sets of the longest window before T.
import { buildFrame, latencyMapsOf, type FrameOptions, type LatencyInput } from '../model/frame-builder.js';
import type { CgroupMaps } from '../model/latency.js';
import type { SampleSet } from '../model/sample-set.js';
import type { Frame } from '../model/types.js';
import { LatencyWindows } from './latency-windows.js';

export class FrameMaker {
  private prev: SampleSet | null = null;
  private readonly windows = new LatencyWindows();
  /** Sampler time of the newest interval (or of the running helper's hello). */
  private lastDataAt: number | null = null;
  private helperPid: number | null = null;
  /** What the last cgroup maps were made from (mapsOf). */
  private mapsKey: unknown[] | null = null;
  private maps: CgroupMaps | null = null;

  constructor(public options: FrameOptions) {}

  /** The set the next frame's rates start from (null: the next frame has none). */
  get previous(): SampleSet | null {
    return this.prev;
  }

  /** The frame of `set`, following the sets given so far. */
  next(set: SampleSet): Frame {
    const maps = this.mapsOf(set);
    const latency = this.feed(set, maps);
    const frame = buildFrame(set, this.prev, latency, this.options);
    this.prev = set;
    return frame;
  }

  /**
   * latencyMapsOf(set), the last one again when nothing it reads changed: decoded samples (replay) share
   * their unchanged parts, frozen, with the sample before, so the same frozen objects mean the same maps.
   * Sets of the live sampler are new objects every tick and are always mapped afresh.
   */
  private mapsOf(set: SampleSet): CgroupMaps {
    const hello = set.latency?.hello;
    const key: unknown[] = [hello?.cgroup.block, hello?.cgroup.runq];
    for (const c of set.containers?.containers ?? []) {
      const k = c.counters;
      if (k && !(Object.isFrozen(k.cgroupIds) && (k.nestedCgroups == null || Object.isFrozen(k.nestedCgroups)))) {
        this.mapsKey = null;
        return latencyMapsOf(set);
      }
      key.push(c.meta.id, k?.cgroupIds, k?.nestedCgroups);
    }
    const last = this.mapsKey;
    if (last && this.maps && last.length === key.length && last.every((v, i) => v === key[i])) return this.maps;
    this.mapsKey = key;
    this.maps = latencyMapsOf(set);
    return this.maps;
  }

  /** Forget everything (a new recording session: rates and windows start over). */
  reset(): void {
    this.mapsKey = null;
    this.maps = null;
    this.prev = null;
    this.windows.reset();
    this.lastDataAt = null;
    this.helperPid = null;
  }

  /** Bytes the latency windows hold (benchmarks). */
  heldBytes(): number {
    return this.windows.heldBytes();
  }

  private feed(set: SampleSet, maps: CgroupMaps): LatencyInput | null {
    const l = set.latency;
    if (!l) return null;
    const atMs = set.atMs;
    const prevAt = this.prev?.atMs ?? -Infinity;
    // cgroups of no container keep rows of their own only for a while (LatencyWindows.mark)
    this.windows.mark(atMs, (cg, runq) => (runq ? maps.runq : maps.block).has(cg));
    // the containers' latency is read for the window on screen and the alert rules' windows only (all
    // without a view: snapshot, agent)
    const view = this.options.view;
    this.windows.want(view ? [view.latencyWindow, ...(view.alertWindows ?? [])] : null);
    for (const iv of l.intervals) {
      this.windows.add({ t: iv.t, durationMs: iv.intervalNs / 1e6, block: iv.block, runq: iv.runq, lost: iv.lost }, iv.t > prevAt);
      if (this.lastDataAt === null || iv.t > this.lastDataAt) this.lastDataAt = iv.t;
    }
    this.windows.advance(atMs);
    if (!l.status.active || !l.hello) this.helperPid = null;
    else if (l.hello.pid !== this.helperPid) {
      // A new helper: its hello starts the clock for staleness.
      this.helperPid = l.hello.pid;
      if (this.lastDataAt === null || this.lastDataAt < atMs) this.lastDataAt = atMs;
    }
    return { windows: this.windows, lastDataAt: this.lastDataAt, maps };
  }
}
