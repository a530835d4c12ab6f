// Replay: the recorded SampleSets fed through the same FrameMaker as live into a Store the same TUI reads.
//
// The frame at a recorded time T is rebuilt from the samples of the HISTORY_MS before it (so the latency
// windows, up to 5 m, and the graphs' rings are as they were live), in T's recording session only (rates
// never span two). Stepping forwards feeds the next sample; anything else (back, a minute, an hour, a typed
// time) rebuilds at the target, so stepping forwards then back gives the same frame. Older frames of the
// rebuild skip processes (only the newest frame shows them; deriving every process 300 times would cost
// more than the rest): the last two samples are fed whole, so the frame on screen is exactly the live one.
// No clock is read here except by play(), whose timer is injected.
import type { StoreReader, RecordedSample } from '../record/reader.js';
import { FrameMaker } from '../store/frame-maker.js';
import { Store } from '../store/store.js';
import type { FreezableStore, HeatmapColumn, ReadStore } from '../store/read-store.js';
import type { FrameOptions, FrameView } from '../model/frame-builder.js';
import type { BlockOp, Frame } from '../model/types.js';
import type { SampleSet } from '../model/sample-set.js';

/** How much is fed before the target: the longest latency window (5 m) and the rings (300 frames), plus a tick. */
export const HISTORY_MS = 302_000;
export const SPEEDS = [1, 10, 60] as const;
export type Speed = (typeof SPEEDS)[number];

/** A store that forwards to another, which can be replaced (the replay's on every rebuild; live or replay). */
export class ForwardingStore implements FreezableStore {
  constructor(public inner: FreezableStore) {}
  latest(): Frame | null {
    return this.inner.latest();
  }
  previous(): Frame | null {
    return this.inner.previous();
  }
  get count(): number {
    return this.inner.count;
  }
  values(name: string, n?: number): Float64Array {
    return this.inner.values(name, n);
  }
  heatmap(device: string, op: BlockOp): HeatmapColumn[] {
    return this.inner.heatmap(device, op);
  }
  seriesCount(): number {
    return this.inner.seriesCount();
  }
  freeze(): ReadStore {
    return this.inner.freeze();
  }
}

export interface ReplayOptions {
  frame: FrameOptions;
  /** Frames kept for the graphs (default 300, as live). */
  capacity?: number;
}

export interface Timer {
  every(ms: number, fn: () => void): () => void;
  /** Runs `fn` once the events waiting now are handled (warmUp's slices); returns a cancel. Default setImmediate. */
  soon?(fn: () => void): () => void;
}

const realTimer: Required<Timer> = {
  every(ms, fn) {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  },
  soon(fn) {
    const t = setImmediate(fn);
    return () => clearImmediate(t);
  },
};

/** Samples warmUp rebuilds per slice (a slice of a cold process takes a few ms: a key waits no longer). */
const WARM_SLICE = 8;
/** Rebuilds warmUp runs: the JIT has compiled and settled the jump's code after about three. */
export const WARM_ROUNDS = 3;

export class Replay {
  readonly store: FreezableStore;
  private readonly fwd: ForwardingStore;
  private maker: FrameMaker;
  /** The Store the frames go into (the one `store` forwards to). */
  private frames: Store;
  private cur: RecordedSample | null = null;
  private playing: (() => void) | null = null;
  /** Cancels the warm-up running in slices (warmUp). */
  private warming: (() => void) | null = null;
  private speedIx = 0;
  /** Recorded time play() has reached (between samples). */
  private playAt = 0;
  /** Called after the frame on screen changed by itself (play). */
  onChange: (() => void) | null = null;

  constructor(
    readonly reader: StoreReader,
    private readonly opts: ReplayOptions,
    private readonly timer: Timer = realTimer,
  ) {
    this.frames = new Store(opts.capacity ?? 300);
    this.fwd = new ForwardingStore(this.frames);
    this.store = this.fwd;
    this.maker = new FrameMaker({ ...opts.frame });
  }

  /** The sample on screen (null before the first jump or in an empty store). */
  get current(): RecordedSample | null {
    return this.cur;
  }

  get speed(): Speed {
    return SPEEDS[this.speedIx]!;
  }

  get isPlaying(): boolean {
    return this.playing !== null;
  }

  /** What the TUI shows (latency window, open container): the frame on screen is rebuilt with it. */
  setView(view: FrameView | null): void {
    const k = JSON.stringify(view);
    if (k === JSON.stringify(this.opts.frame.view ?? null)) return;
    this.opts.frame = { ...this.opts.frame, view };
    if (this.cur) this.jump(this.cur.set.wallMs);
  }

  /**
   * Shows the last sample recorded at or before `tMs` (the first one when `tMs` is before the recording).
   * Returns false when the store holds nothing.
   */
  jump(tMs: number): boolean {
    this.stopWarming();
    const target = this.reader.at(tMs) ?? this.reader.after(tMs);
    if (!target) return false;
    const rebuild = this.rebuild(target);
    let step = rebuild.next();
    while (!step.done) step = rebuild.next();
    const { store, maker } = step.value;
    this.maker = maker;
    this.frames = store;
    this.fwd.inner = store;
    this.cur = target;
    this.playAt = target.set.wallMs;
    return true;
  }

  /**
   * The frames of `target` rebuilt: the samples of its session in the HISTORY_MS before it, oldest first,
   * built as they are decoded (none is kept: a jump leaves little for the garbage collector). The frames
   * before the target feed the rings only (ringsOnly); the target's and the one before it are whole. Yields
   * after each sample read (warmUp runs it in slices; jump runs it through).
   */
  private *rebuild(target: RecordedSample): Generator<void, { store: Store; maker: FrameMaker }> {
    const capacity = this.opts.capacity ?? 300;
    const begin = () => ({ store: new Store(capacity), maker: new FrameMaker({ ...this.opts.frame, ringsOnly: true }) });
    let { store, maker } = begin();
    const pending: SampleSet[] = [];
    /** All but the last two samples read so far go to the rings. */
    const feedRings = (): void => {
      while (pending.length > 2) {
        const set = pending.shift()!;
        store.push(maker.next(set.processes ? stripProcesses(set) : set));
      }
    };
    let seen = false;
    for (const r of this.reader.stream(target.set.wallMs - HISTORY_MS, target.set.wallMs + 1)) {
      if (r.session !== target.session) {
        // an earlier session: rates and windows start over after it
        ({ store, maker } = begin());
        pending.length = 0;
        continue;
      }
      pending.push(r.set);
      feedRings();
      if (r.seq === target.seq) {
        seen = true;
        break;
      }
      yield;
    }
    if (!seen) {
      pending.push(target.set);
      feedRings();
    }
    maker.options = { ...this.opts.frame };
    for (const set of pending) store.push(maker.next(set));
    return { store, maker };
  }

  /**
   * Runs the jump's code a few times (WARM_ROUNDS rebuilds of the sample on screen, or of the newest one
   * before any jump) in small slices between the events, and throws the frames away: a process's first
   * jumps run while the JIT still compiles (about three times as long), so the TUI calls this once its first
   * frame is drawn, and the key the user presses next is answered by compiled code. A jump (or stop) ends it
   * at once: a key waits for one slice at most. Resolves true when every round ran.
   */
  warmUp(rounds = WARM_ROUNDS): Promise<boolean> {
    this.stopWarming();
    let target = this.cur;
    if (!target) {
      const span = this.reader.span();
      target = span ? this.reader.at(span.toMs) : null;
    }
    if (!target || rounds <= 0) return Promise.resolve(false);
    const at = target;
    const soon = this.timer.soon ?? realTimer.soon;
    return new Promise((resolve) => {
      let left = rounds;
      let run = this.rebuild(at);
      const slice = (): void => {
        for (let i = 0; i < WARM_SLICE; i++) {
          if (!run.next().done) continue;
          if (--left === 0) {
            this.warming = null;
            resolve(true);
            return;
          }
          run = this.rebuild(at);
        }
        cancel = soon(slice);
      };
      let cancel = soon(slice);
      this.warming = () => {
        cancel();
        resolve(false);
      };
    });
  }

  private stopWarming(): void {
    this.warming?.();
    this.warming = null;
  }

  /** One recorded interval forwards (false at the end of the recording). */
  stepForward(): boolean {
    if (!this.cur) return false;
    const next = this.reader.next(this.cur.seq);
    if (!next) return false;
    if (next.session !== this.cur.session) return this.jump(next.set.wallMs);
    this.frames.push(this.maker.next(next.set));
    this.cur = next;
    if (this.playAt < next.set.wallMs) this.playAt = next.set.wallMs;
    return true;
  }

  /** One recorded interval back (false at the start). */
  stepBack(): boolean {
    if (!this.cur) return false;
    const prev = this.reader.previous(this.cur.seq);
    if (!prev) return false;
    return this.jump(prev.set.wallMs);
  }

  /** Moves by `ms` of recorded time (a minute, an hour; negative: back), clamped to the recording. */
  move(ms: number): boolean {
    if (!this.cur) return false;
    const span = this.reader.span();
    if (!span) return false;
    const t = Math.min(span.toMs, Math.max(span.fromMs, this.cur.set.wallMs + ms));
    if (ms > 0 && t <= this.cur.set.wallMs) return false;
    if (ms < 0 && t >= this.cur.set.wallMs && this.cur.set.wallMs <= span.fromMs) return false;
    return this.jump(t);
  }

  /** Play at the current speed (recorded time runs `speed` times as fast as the wall clock), or pause. */
  togglePlay(): void {
    if (this.playing) {
      this.playing();
      this.playing = null;
      return;
    }
    const TICK = 250;
    this.playing = this.timer.every(TICK, () => {
      if (!this.cur) return;
      this.playAt += TICK * this.speed;
      let moved = false;
      // Feed every sample up to the play time (one render per tick, however many samples).
      for (let k = 0; k < 10_000; k++) {
        const next = this.reader.next(this.cur.seq);
        if (!next || next.set.wallMs > this.playAt) break;
        if (!this.stepForward()) break;
        moved = true;
      }
      const span = this.reader.span();
      // At the end of the recording: stay playing (an agent may be adding samples) but do not run ahead.
      if (span && this.playAt > span.toMs) this.playAt = span.toMs;
      if (moved) this.onChange?.();
    });
  }

  /** The next speed (1x, 10x, 60x). */
  cycleSpeed(): Speed {
    this.speedIx = (this.speedIx + 1) % SPEEDS.length;
    return this.speed;
  }

  stop(): void {
    this.playing?.();
    this.playing = null;
    this.stopWarming();
  }
}

function stripProcesses(set: SampleSet): SampleSet {
  return { ...set, processes: null };
}
