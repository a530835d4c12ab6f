// The headless agent: the monitor's sampler and sources (host, containers, processes, eBPF) with no terminal,
// every SampleSet recorded to the store. Other parts attach to the same agent: `onFrame` / `onSampleSet`
// (the Prometheus exporter and alerts of `--listen`), `store` (the read-only frames, for a JSON API).
import { systemClock, type Clock } from '../clock.js';
import { helperIntervalMs, Sampler } from '../sampler.js';
import { HeapTrim } from '../heap-trim.js';
import { Store } from '../store/store.js';
import type { Frame } from '../model/types.js';
import type { SampleSet } from '../model/sample-set.js';
import { EbpfSupervisor } from '../sources/ebpf/supervisor.js';
import type { ContainerSource } from '../sources/docker/container-source.js';
import { containerFinder, liveHostSource } from '../sources/live.js';
import { Recording, type RecordingOptions } from './recording.js';

export interface AgentOptions {
  storeDir: string;
  intervalMs: number;
  retainMs: number;
  maxBytes: number;
  version: string;
  dockerHost: string | null;
  docker: boolean;
  ebpf: boolean;
  showAllDisks: boolean;
  figuresOf?: RecordingOptions['figuresOf'];
  /** Status lines (store events, sampler failures), one line each. */
  say: (line: string) => void;
  onAppend?: RecordingOptions['onAppend'];
  clock?: Clock;
  /**
   * Build frames (default true): for `onFrame`, `store` and whatever reads them (alerts, /metrics). false
   * records the SampleSets alone, with no frame, latency windows or in-memory rings.
   */
  frames?: boolean;
}

/** How long stopping waits for the helper and the Docker client before it goes on anyway. */
const STOP_DEADLINE_MS = 3000;
/** Frames kept in memory for readers attached to the agent (a JSON API, alerts over a window). */
const FRAMES_KEPT = 60;

export class Agent {
  private containers: ContainerSource | null = null;
  private stopping = false;

  private constructor(
    readonly sampler: Sampler,
    readonly store: Store,
    readonly recording: Recording,
    private readonly ebpf: EbpfSupervisor | null,
  ) {}

  /**
   * Opens the store first (a second agent on it is refused here, before anything starts), then starts the
   * sources and the sampler. Throws StoreError (one line) when the store cannot be written.
   */
  static async start(o: AgentOptions): Promise<Agent> {
    const recording = Recording.open({
      dir: o.storeDir,
      version: o.version,
      intervalMs: o.intervalMs,
      retainMs: o.retainMs,
      maxBytes: o.maxBytes,
      figuresOf: o.figuresOf ?? null,
      // Headless: a tick may wait for the minute's compression (a few ms), for one malloc arena instead of
      // one per thread-pool thread (about 10 MiB less RSS after a few minutes: record/writer.ts).
      compressInline: true,
      onEvent: (line) => o.say(line),
      ...(o.onAppend ? { onAppend: o.onAppend } : {}),
    });
    try {
      const ebpf = o.ebpf ? new EbpfSupervisor({ intervalMs: helperIntervalMs(o.intervalMs) }) : null;
      const store = new Store(FRAMES_KEPT);
      let agent: Agent | null = null;
      const sampler = new Sampler({
        clock: o.clock ?? systemClock,
        store,
        host: await liveHostSource(),
        containers: null,
        latency: ebpf,
        refreshMs: o.intervalMs,
        showAllDisks: o.showAllDisks,
        frames: o.frames ?? true,
        heapTrim: new HeapTrim(),
        ...(o.docker
          ? {
              findContainers: containerFinder(o.dockerHost, (src) => {
                if (!agent || agent.stopping) return false;
                agent.containers = src;
                return true;
              }),
            }
          : {}),
      });
      // Everything a recording can replay: processes and every container's detail files, each tick.
      sampler.setWants({ processes: true, containerId: null, allDetail: true });
      sampler.on('source-error', (e) => o.say(`${e.source}: ${e.message}`));
      agent = new Agent(sampler, store, recording, ebpf);
      recording.attach(sampler);
      if (ebpf) await ebpf.start();
      sampler.start();
      return agent;
    } catch (err) {
      recording.closeSync();
      throw err;
    }
  }

  /** Every frame, after it went into `store` (with the set it was built from). Returns the unsubscribe. */
  onFrame(fn: (frame: Frame, set: SampleSet) => void): () => void {
    this.sampler.on('frame', fn);
    return () => this.sampler.off('frame', fn);
  }

  /** Every SampleSet as read (do not mutate it: the recorder keeps it). Returns the unsubscribe. */
  onSampleSet(fn: (set: SampleSet) => void): () => void {
    this.sampler.on('sample-set', fn);
    return () => this.sampler.off('sample-set', fn);
  }

  /** Stops sampling, lets the tick in flight finish, flushes and closes the store, stops the sources. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.sampler.stop();
    await this.sampler.idle();
    await this.recording.close();
    const deadline = new Promise<void>((r) => setTimeout(r, STOP_DEADLINE_MS).unref());
    await Promise.race([Promise.allSettled([this.containers?.stop(), this.ebpf?.stop()]), deadline]);
  }

  /** A second signal: close the store now, on this thread. */
  stopNow(): void {
    this.stopping = true;
    this.sampler.stop();
    this.recording.closeSync();
  }
}
