// The only timer loop. Each tick reads every source (in parallel) into one SampleSet (model/sample-set.ts):
// counters as read, times from the injected clock, the helper's intervals placed on that clock. The frame
// comes from the set through the one path replay uses too (store/frame-maker.ts -> model/frame-builder.ts);
// it goes into the store and both are emitted ('sample-set', then 'frame'). Ticks never overlap: the next
// one is scheduled after the current one finished, keeping the refresh's cadence start to start. Nothing here
// draws, and nothing else keeps a timer for the sources: looking for a container runtime that was not there
// (every 10 s) is done from the ticks too.
//
// eBPF: at the start of each tick the helper is asked to end its interval (flush) at the moment the host
// files are read, so that a frame's `current` latency rows and its /proc/diskstats rates cover the same
// time. Each interval is placed at the time it completed on this sampler's clock (the tick that asked for
// it, or its CLOCK_MONOTONIC end converted): its `t` in the set; windows are spans of that time.
import { EventEmitter } from 'node:events';
import type { Clock } from './clock.js';
import { clampRefresh, type Wants } from './contract.js';
import type { Frame, ProcessCounters, SourceError } from './model/types.js';
import type { LatencyIntervalSample, LatencySample, SampleSet } from './model/sample-set.js';
import { FrameMaker } from './store/frame-maker.js';
import type { Store } from './store/store.js';
import type { ContainersSource, DetailScope, HostSource, LatencySource, ProcessesSource } from './sources/types.js';
import { procfsProcesses } from './sources/processes/read-processes.js';
import { oneSafeLine } from './errors.js';

export interface SamplerDeps {
  clock: Clock;
  /** Where frames go (the monitor's rings); none in a process that only records or exports. */
  store?: Store | null;
  host: HostSource;
  containers: ContainersSource | null;
  /**
   * While no container source is attached, asked every DISCOVER_MS of the sampler's clock for one (the
   * monitor loads the Docker client only once a runtime's socket exists); null = not yet.
   */
  findContainers?: () => Promise<ContainersSource | null>;
  /** Default: /proc under `root`. */
  processes?: ProcessesSource;
  latency: LatencySource | null;
  /** Root of /proc and /sys for the default process source (tests point it at fixtures). */
  root?: string;
  refreshMs: number;
  showAllDisks: boolean;
  clockTicks?: number;
  /** How long a tick waits for the helper's answer to its flush, ms (default 250; `snapshot` waits longer). */
  flushWaitMs?: number;
  /**
   * `snapshot`: cut the helper's interval at a moment agreed this far ahead (ms) and read the host files
   * at that moment, both processes watching the clock, instead of as soon as the helper wakes (which may be
   * a few ms late on a busy host). Costs a millisecond of spinning per sample; off in the monitor.
   */
  alignedCutMs?: number;
  /**
   * false: only SampleSets, no frames (an agent nothing reads frames from records the sets alone; building the
   * frame and feeding its latency windows was about an eighth of its CPU in a profile). tick() then rejects.
   */
  frames?: boolean;
  /** Asked after every tick whether a full collection would return memory (heap-trim.ts); none in tests. */
  heapTrim?: { check(): unknown } | null;
}

/**
 * The helper's own interval (`--interval-ms`) beside a sampler that flushes it every tick: twice the tick, at
 * least a second. Its timer restarts at each flush; at one tick it would fire just before the next flush
 * and give every tick a second interval a few ms long (two lines, two map swaps). It only cuts when ticks stop.
 */
export function helperIntervalMs(refreshMs: number): number {
  return Math.max(1000, 2 * refreshMs);
}

/** How often the sampler looks for a container runtime while it has none, ms of its clock. */
export const DISCOVER_MS = 10_000;

export interface SamplerEvents {
  /** One tick's raw samples (do not mutate: recorders keep it). */
  'sample-set': [SampleSet];
  /** The frame built from it, after it went into the store. */
  frame: [Frame, SampleSet];
  'source-error': [SourceError];
}

export class Sampler extends EventEmitter<SamplerEvents> {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private busy: Promise<Frame | null> | null = null;
  /** What the last process read covered: every /proc entry ('host'), a pid list, or nothing. */
  private procScope: 'off' | 'host' | 'pids' = 'off';
  private wants: Wants = { processes: false, containerId: null, allDetail: true };
  private readonly frames: FrameMaker;
  private readonly processes: ProcessesSource;
  /** Flush token -> the sampler time of the tick that asked for it. */
  private readonly flushAt = new Map<number, number>();
  private cutSkew: number | null = null;
  /** When the tick running or last run was due (performance.now() ms); null before the first. */
  private dueAt: number | null = null;
  private lastFindMs = -Infinity;
  private finding = false;

  refreshMs: number;

  constructor(private readonly deps: SamplerDeps) {
    super();
    this.refreshMs = clampRefresh(deps.refreshMs);
    this.processes = deps.processes ?? procfsProcesses(deps.root);
    this.frames = new FrameMaker({ showAllDisks: deps.showAllDisks, clockTicks: deps.clockTicks ?? 100 });
  }

  setRefresh(ms: number): number {
    this.refreshMs = clampRefresh(ms);
    if (this.running && this.timer) {
      clearTimeout(this.timer);
      this.dueAt = null; // the new cadence starts now
      this.schedule();
    }
    return this.refreshMs;
  }

  /** Attach the container source (the monitor's is found and loaded after the first frame). */
  setContainerSource(src: ContainersSource | null): void {
    this.deps.containers = src;
  }

  get containerSource(): ContainersSource | null {
    return this.deps.containers;
  }

  /** What to collect besides the host; process rates start over whenever collection was off. */
  setWants(w: Wants): void {
    this.wants = w;
    this.frames.options = { ...this.frames.options, view: w.latencyWindow ? { latencyWindow: w.latencyWindow, containerId: w.containerId, alertWindows: w.alertWindows ?? [] } : null };
  }

  /**
   * Processes: with a container's view open only its cgroup's pids (none once it is stopped or gone),
   * else every /proc entry.
   */
  private async readProcs(): Promise<{ rows: ProcessCounters[]; errors: string[] }> {
    const id = this.wants.containerId;
    const pids = id && this.deps.containers ? await this.deps.containers.pidsOf(id) : null;
    this.setProcScope(pids ? 'pids' : 'host');
    if (pids && pids.length === 0) return { rows: [], errors: [] };
    return this.processes.read(pids ?? undefined);
  }

  /** Leaving a whole-table read releases the descriptors it kept for every host process. */
  private setProcScope(scope: 'off' | 'host' | 'pids'): void {
    if (this.procScope === 'host' && scope !== 'host') this.processes.release();
    this.procScope = scope;
  }

  /** Containers whose detail files (PSI, OOM counts, v1 user/system split) are read this tick. */
  private detailScope(): DetailScope {
    const w = this.wants;
    if (w.allDetail) return 'all';
    const ids = new Set<string>();
    if (w.containerId) ids.add(w.containerId);
    if (w.cursorContainerId) ids.add(w.cursorContainerId);
    return ids;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.dueAt = performance.now();
    void this.loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Resolves once the tick in flight (if any) has finished. */
  async idle(): Promise<void> {
    await this.busy?.catch(() => undefined);
  }

  /**
   * The next tick is due one refresh after the last one was due (performance.now(), not the injected clock):
   * ticks keep their cadence start to start instead of drifting by each tick's own duration (2% at 1 s:
   * a recording's 1 s steps would have holes). A tick that ends after the next was due starts the next at
   * once, and the cadence goes on from there: missed ticks are not made up.
   */
  private schedule(): void {
    const now = performance.now();
    let due = (this.dueAt ?? now) + this.refreshMs;
    if (due < now) due = now;
    this.dueAt = due;
    this.timer = setTimeout(() => void this.loop(), Math.round(due - now));
  }

  private async loop(): Promise<void> {
    this.timer = null;
    try {
      await this.step();
    } catch (err) {
      this.emit('source-error', { source: 'sampler', message: oneLine(err) });
    }
    this.deps.heapTrim?.check();
    if (this.running && !this.timer) this.schedule();
  }

  /**
   * One sample -> frame -> store. Concurrent callers share the tick in flight. With alignedCutMs, `cutAtMs`
   * (this clock) says when to sample, at least alignedCutMs ahead (default: that far from now).
   */
  async tick(cutAtMs?: number): Promise<Frame> {
    if (this.deps.frames === false) throw new Error('sampler: tick() needs frames (this sampler records SampleSets only)');
    return (await this.step(cutAtMs))!;
  }

  /** The tick in flight, or a new one: its frame (null when frames are off). */
  private step(cutAtMs?: number): Promise<Frame | null> {
    if (!this.busy) this.busy = this.collect(cutAtMs).finally(() => (this.busy = null));
    return this.busy;
  }

  private async collect(cutAtMs?: number): Promise<Frame | null> {
    const set = await this.read(cutAtMs);
    if (this.deps.frames === false) {
      this.emit('sample-set', set);
      return null;
    }
    const frame = this.frames.next(set);
    this.deps.store?.push(frame);
    this.emit('sample-set', set);
    this.emit('frame', frame, set);
    return frame;
  }

  /** Reads every source into one SampleSet. */
  private async read(cutAtMs?: number): Promise<SampleSet> {
    const { clock } = this.deps;
    let atMs = clock.nowMs();
    this.maybeFindContainers(atMs);
    // First the helper's flush (a write to its stdin), then the host files: both cut at about this moment.
    let flush: ReturnType<LatencySource['flush']> = null;
    const align = this.deps.alignedCutMs;
    const ebpf = this.deps.latency;
    if (ebpf && align && clock.toMonoNs && ebpf.status().active) {
      // at least 10 ms ahead: time for the helper to read the request, however busy the host
      const at = cutAtMs === undefined ? atMs + align : Math.max(cutAtMs, atMs + 10);
      flush = ebpf.flush((this.deps.flushWaitMs ?? 250) + (at - atMs), clock.toMonoNs(at));
      await sleep(Math.max(0, at - clock.nowMs() - Math.min(20, align / 2)));
      let now = clock.nowMs();
      while (now < at) now = clock.nowMs(); // the last milliseconds: the helper cuts at `at`, the host is read now
      atMs = now;
    } else flush = ebpf?.flush(this.deps.flushWaitMs ?? 250) ?? null;
    if (flush) this.flushAt.set(flush.token, atMs);
    const wallMs = clock.wallMs();
    const clockMonoNs = clock.toMonoNs?.(atMs) ?? null;

    const hostRead = this.deps.host.read(atMs); // procfs is read synchronously, /proc/diskstats first
    const readEndMs = clock.nowMs();
    const containers = this.deps.containers;
    const [host, ctrs, procs] = await Promise.all([
      hostRead,
      containers ? containers.sample(atMs, this.detailScope()) : Promise.resolve(null),
      this.wants.processes ? this.readProcs() : Promise.resolve(null),
    ]);
    if (!procs) this.setProcScope('off');
    const errors: SourceError[] = [];
    for (const e of procs?.errors ?? []) errors.push({ source: 'processes', message: e });

    if (flush) await flush.done;
    const latency = ebpf ? this.readLatency(ebpf, atMs, readEndMs, clockMonoNs) : null;
    return { atMs, wallMs, host, containers: ctrs, processes: procs ? procs.rows : null, latency, errors };
  }

  /** While no container source is attached, ask for one now and then (never two requests at once). */
  private maybeFindContainers(atMs: number): void {
    const find = this.deps.findContainers;
    if (!find || this.deps.containers || this.finding || atMs - this.lastFindMs < DISCOVER_MS) return;
    this.lastFindMs = atMs;
    this.finding = true;
    void find()
      .then((src) => {
        if (src && !this.deps.containers) this.setContainerSource(src);
      })
      .catch((err: unknown) => this.emit('source-error', { source: 'docker', message: oneLine(err) }))
      .finally(() => (this.finding = false));
  }

  /**
   * How far apart, at most, the last tick's /proc/diskstats read and the end of the helper's interval were,
   * ms (null when the helper did not answer that tick): the error of the cut, from both processes' clocks.
   * It includes the time the host files took to read (under a millisecond).
   */
  get lastCutSkewMs(): number | null {
    return this.cutSkew;
  }

  /** The helper's status and the intervals it sent, each placed on this sampler's clock. */
  private readLatency(ebpf: LatencySource, atMs: number, readEndMs: number, clockMonoNs: number | null): LatencySample {
    const status = ebpf.status();
    this.cutSkew = null;
    const intervals: LatencyIntervalSample[] = [];
    for (const iv of ebpf.drain()) {
      // When it completed on our clock: the tick that asked for it, else its own end converted.
      const asked = iv.flush === null ? undefined : this.flushAt.get(iv.flush);
      const end = this.deps.clock.fromMonoNs?.(iv.monoNs);
      // /proc/diskstats was read between atMs and readEndMs (a tenth of that normally: it comes first; more
      // when the process was preempted or collected garbage in between): the larger distance counts.
      if (asked === atMs && end !== undefined) this.cutSkew = Math.max(Math.abs(end - asked), Math.abs(end - readEndMs));
      let t = asked ?? end ?? atMs;
      if (!(t <= atMs)) t = atMs; // also NaN: an interval cannot end after the tick that reads it
      intervals.push({ seq: iv.seq, monoNs: iv.monoNs, intervalNs: iv.intervalNs, flush: iv.flush, t, block: iv.block, runq: iv.runq, lost: iv.lost });
    }
    for (const k of this.flushAt.keys()) if (this.flushAt.size > 8) this.flushAt.delete(k);
    const h = status.hello;
    return {
      status: { active: status.active, reason: status.reason, badLines: status.badLines, lost: status.lost, dropped: status.dropped, restarts: status.restarts, lastError: status.lastError },
      hello: h ? { pid: status.pid ?? h.pid, intervalMs: h.intervalMs, cgroup: h.cgroup, programs: h.programs } : null,
      clockMonoNs,
      intervals,
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** An error as one safe line (its message: no stack, no escape sequences). */
export function oneLine(err: unknown): string {
  return oneSafeLine(err instanceof Error ? err.message || err.name : String(err), 300);
}
