// Recording a sampler's SampleSets to the store (src/record/): used by `tailtop agent` and `tailtop --record`.
// The writer is opened before anything samples, so a second writer of the same store is refused at once
// (StoreError 'locked', one line naming the holder). Write problems never stop sampling: the writer reports
// them as events (disk full at most once a minute) and resumes when it can.
import type { Sampler } from '../sampler.js';
import type { SampleSet } from '../model/sample-set.js';
import { StoreWriter, type StoreEvent } from '../record/writer.js';
import type { FiguresOf } from '../record/rollup.js';
import { ALERT_EVENT_KIND, alertEventMessage } from '../record/alert-events.js';
import type { AlertTransition } from '../export/alerts.js';

export interface RecordingOptions {
  dir: string;
  version: string;
  intervalMs: number;
  retainMs: number;
  maxBytes: number;
  /** Roll-up figures (the metric catalogue's `figuresOf`). */
  figuresOf?: FiguresOf | null;
  /** Compress on the sampler's thread instead of libuv's pool (record/writer.ts `compressInline`). */
  compressInline?: boolean;
  /** One line per store event (disk full, resumed, recovered...); also settable later (`onEvent`). */
  onEvent?: (line: string, e: StoreEvent) => void;
  /** After each append (tests, `TAILTOP_AGENT_TRACE`): the set and whether it was recorded. */
  onAppend?: (set: SampleSet, ok: boolean) => void;
}

export class Recording {
  private detach: (() => void) | null = null;
  /** Where store events go (the monitor points it at its status line once the screen is up). */
  onEvent: (line: string, e: StoreEvent) => void;

  private constructor(
    readonly writer: StoreWriter,
    private readonly opts: RecordingOptions,
    sink: { onEvent: (line: string, e: StoreEvent) => void },
  ) {
    this.onEvent = sink.onEvent;
    sink.onEvent = (line, e) => this.onEvent(line, e);
  }

  /** Opens (or creates) the store; throws StoreError (one line) when it cannot be written. */
  static open(o: RecordingOptions): Recording {
    const sink = { onEvent: o.onEvent ?? ((): void => {}) };
    const writer = StoreWriter.open({
      dir: o.dir,
      tailtopVersion: o.version,
      intervalMs: o.intervalMs,
      retainMs: o.retainMs,
      maxBytes: o.maxBytes,
      figuresOf: o.figuresOf ?? null,
      compressInline: o.compressInline ?? false,
      onEvent: (e) => sink.onEvent(e.message, e),
    });
    return new Recording(writer, o, sink);
  }

  get file(): string {
    return this.writer.status().file;
  }

  /** Records every SampleSet the sampler emits from now on. */
  attach(sampler: Sampler): void {
    const onSet = (set: SampleSet): void => {
      const ok = this.writer.append(set);
      this.opts.onAppend?.(set, ok);
    };
    sampler.on('sample-set', onSet);
    this.detach = () => sampler.off('sample-set', onSet);
  }

  /**
   * Stores the [[alert]] rules' transitions to firing and to resolved (`alert` events, for the report's alert
   * intervals); pending and inactive ones are not stored. Never throws.
   */
  recordAlerts(transitions: readonly AlertTransition[]): void {
    for (const t of transitions) {
      const message = alertEventMessage(t);
      if (message !== null) this.writer.recordEvent(ALERT_EVENT_KIND, t.atMs, message);
    }
  }

  /** Stops recording: packs what is open and releases the store (awaits compression). */
  async close(): Promise<void> {
    this.detach?.();
    this.detach = null;
    await this.writer.close();
  }

  /** close() without waiting (a second signal). */
  closeSync(): void {
    this.detach?.();
    this.detach = null;
    this.writer.closeSync();
  }
}
