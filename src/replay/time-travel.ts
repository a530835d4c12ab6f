// The TUI's time-travel controller (ui/time-travel.ts TimeTravelControl) over a recording:
// - `tailtop replay`: always replaying; the TUI reads the replay's store;
// - a live monitor with a store (`tailtop --record`): live until a back key, then HISTORY (the same replay
//   over the store being written, graphs scrolled back beyond the in-memory rings) until `live` (End).
// Either way `w` gains the store's 15m / 1h / 6h / 24h latency windows, merged from the roll-ups.
import type { StoreReader } from '../record/reader.js';
import type { FreezableStore } from '../store/read-store.js';
import type { LatencyWindowFrame } from '../model/types.js';
import type { SampleSet } from '../model/sample-set.js';
import { latencyMapsOf } from '../model/frame-builder.js';
import { parseTimeArg } from '../config/time-args.js';
import { UsageError } from '../errors.js';
import { latencyWindowOf } from '../query/range.js';
import type { StoreWindow, TimeCommand, TimeTravelControl } from '../ui/time-travel.js';
import { ForwardingStore, type Replay } from './replay.js';

export const STORE_WINDOW_MS: Record<StoreWindow, number> = { '15m': 900_000, '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000 };
/** A store window is recomputed when the time on screen moved into the next period of this length. */
const REFRESH_MS: Record<StoreWindow, number> = { '15m': 5_000, '1h': 15_000, '6h': 60_000, '24h': 60_000 };

const pad = (n: number): string => String(n).padStart(2, '0');
/** Local wall time, to the second: what the header shows. */
export function recordedTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export interface TimeTravelOptions {
  /** 'replay': `tailtop replay`; 'history': a live monitor with a store (`live` is its store). */
  kind: 'replay' | 'history';
  live?: FreezableStore;
  /** Wall clock (ms): typed relative times ("-2h", "now") and the newest recorded sample while live. */
  now: () => number;
  /** The recording's interval (ms), to say how far a step went. */
  intervalMs?: number;
}

export class TimeTravel implements TimeTravelControl {
  readonly store: FreezableStore;
  private readonly sw: ForwardingStore;
  private active: boolean;
  private readonly cache = new Map<StoreWindow, { key: number; frame: LatencyWindowFrame | null }>();

  constructor(
    private readonly reader: StoreReader,
    private readonly replay: Replay,
    private readonly opts: TimeTravelOptions,
  ) {
    this.active = opts.kind === 'replay';
    this.sw = new ForwardingStore(this.active || !opts.live ? replay.store : opts.live);
    this.store = this.sw;
  }

  /** True while the display shows the recording (always in replay; in history after a back key). */
  get replaying(): boolean {
    return this.active;
  }

  marker(): string | null {
    if (!this.active) return null;
    const cur = this.replay.current;
    const word = this.opts.kind === 'replay' ? 'REPLAY' : 'HISTORY';
    if (!cur) return `${word} (nothing recorded)`;
    return `${word} ${recordedTime(cur.set.wallMs)}${this.replay.isPlaying ? ` play ${this.replay.speed}x` : ''}`;
  }

  private enter(tMs: number): boolean {
    if (!this.replay.jump(tMs)) return false;
    if (!this.active) {
      this.active = true;
      this.sw.inner = this.replay.store;
    }
    return true;
  }

  private leave(): void {
    this.replay.stop();
    this.active = false;
    if (this.opts.live) this.sw.inner = this.opts.live;
  }

  command(cmd: TimeCommand): string | null {
    const r = this.replay;
    if (!this.active) {
      // Live: back keys enter the history at the newest recorded sample; forward keys have nowhere to go.
      const newest = this.reader.at(this.opts.now());
      if (!newest) return 'nothing recorded yet';
      const back: Partial<Record<TimeCommand, number>> = { stepBack: 0, minuteBack: 60_000, hourBack: 3_600_000 };
      const by = back[cmd];
      if (by === undefined) return cmd === 'live' ? 'already live' : 'live: go back first (one interval, a minute or an hour)';
      if (!this.enter(newest.set.wallMs - by)) return 'nothing recorded there';
      if (cmd === 'stepBack') r.stepBack();
      return null;
    }
    switch (cmd) {
      case 'stepBack':
        return r.stepBack() ? null : 'the start of the recording';
      case 'stepForward':
        return r.stepForward() ? null : 'the end of the recording';
      case 'minuteBack':
        return r.move(-60_000) ? null : 'the start of the recording';
      case 'minuteForward':
        return r.move(60_000) ? null : 'the end of the recording';
      case 'hourBack':
        return r.move(-3_600_000) ? null : 'the start of the recording';
      case 'hourForward':
        return r.move(3_600_000) ? null : 'the end of the recording';
      case 'play':
        r.togglePlay();
        return r.isPlaying ? `playing at ${r.speed}x` : 'paused';
      case 'speed':
        return `speed ${r.cycleSpeed()}x`;
      case 'live': {
        if (this.opts.kind === 'history') {
          this.leave();
          return 'live';
        }
        const span = this.reader.span();
        return span && r.jump(span.toMs) ? 'the end of the recording' : null;
      }
    }
  }

  jumpTo(text: string): string | null {
    if (text.trim() === '') return null;
    let t: number;
    try {
      t = parseTimeArg('jump', text, this.opts.now());
    } catch (err) {
      return err instanceof UsageError ? err.message : String(err);
    }
    const span = this.reader.span();
    if (!span) return 'nothing recorded';
    let note: string | null = null;
    if (t < span.fromMs) note = `the recording starts at ${recordedTime(span.fromMs)}`;
    else if (t > span.toMs) note = `the recording ends at ${recordedTime(span.toMs)}`;
    if (!this.enter(Math.min(span.toMs, Math.max(span.fromMs, t)))) return 'nothing recorded there';
    return note;
  }

  /** The latency of the `w` before the frame on screen (or before the newest recorded sample, live). */
  storeWindow(w: StoreWindow): LatencyWindowFrame | null {
    let set: SampleSet | null = this.active ? (this.replay.current?.set ?? null) : null;
    let at = set?.wallMs ?? null;
    if (at === null) {
      at = this.opts.now();
    }
    const key = Math.floor(at / REFRESH_MS[w]);
    const hit = this.cache.get(w);
    if (hit && hit.key === key) return hit.frame;
    set ??= this.reader.at(at)?.set ?? null;
    let frame: LatencyWindowFrame | null = null;
    if (set) {
      const agg = this.reader.aggregate(at - STORE_WINDOW_MS[w] + 1, at + 1);
      frame = agg.latency.intervals > 0 ? latencyWindowOf(agg.latency, set, latencyMapsOf(set)) : null;
    }
    this.cache.set(w, { key, frame });
    return frame;
  }
}
