// The only timer loop. Each tick: read every source (in parallel), derive a frame with the pure model
// from (sample, previous sample, elapsed), push it into the store, and emit it. Ticks never overlap: the
// next one is scheduled after the current one finished. Nothing here draws.
//
// eBPF: at the start of each tick the helper is asked to end its interval (flush) at the moment the host
// files are read, so that a frame's `current` latency rows and its /proc/diskstats rates cover the same
// time. Each interval is placed at the time it completed on this sampler's clock (the tick that asked for
// it, or its CLOCK_MONOTONIC end converted); windows are spans of that time (store/latency-windows.ts).
// When no interval has come for longer than the helper's own interval plus a grace period, the latency
// figures are withdrawn ("eBPF: no data for N s") instead of ageing on screen.
import { EventEmitter } from 'node:events';
import type { Clock } from './clock.js';
import { clampRefresh, type Wants } from './contract.js';
import type {
  ContainersSample,
  Frame,
  HostSample,
  ProcessCounters,
  SourceError,
} from './model/types.js';
import { deriveHost } from './model/host.js';
import { deriveContainers } from './model/containers.js';
import { deriveProcesses } from './model/processes.js';
import { applyEbpfBlock } from './model/block-source.js';
import {
  cgroupMapFromContainers,
  deviceNamesFromDiskstats,
  inactiveFrame,
  latencyFrame,
  unattributableContainers,
} from './model/latency.js';
import type { LatencyFrame } from './model/types.js';
import { LatencyWindows } from './store/latency-windows.js';
import type { Store } from './store/store.js';
import type { ContainerSource, DetailScope } from './sources/docker/container-source.js';
import type { EbpfSupervisor } from './sources/ebpf/supervisor.js';
import { closeProcessReaders, readProcesses } from './sources/processes/read-processes.js';
import { oneSafeLine } from './errors.js';

export interface SamplerDeps {
  clock: Clock;
  store: Store;
  readHost: (atMs: number) => Promise<HostSample>;
  containers: ContainerSource | null;
  ebpf: EbpfSupervisor | null;
  /** Root of /proc and /sys (tests point it at fixtures). */
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
}

/** Latency figures are withdrawn when no interval came for the helper's interval plus this long. */
export const EBPF_GRACE_MS = 1000;


export interface SamplerEvents {
  frame: [Frame];
  'source-error': [SourceError];
}

export class Sampler extends EventEmitter<SamplerEvents> {
  private prevHost: HostSample | null = null;
  private prevContainers: ContainersSample | null = null;
  private prevProcs: { atMs: number; rows: ProcessCounters[] } | null = null;
  private prevAtMs: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private busy: Promise<Frame> | null = null;
  /** What the last process read covered: every /proc entry ('host'), a pid list, or nothing. */
  private procScope: 'off' | 'host' | 'pids' = 'off';
  private wants: Wants = { processes: false, containerId: null, allDetail: true };
  private readonly latency = new LatencyWindows();
  /** Flush token -> the sampler time of the tick that asked for it. */
  private readonly flushAt = new Map<number, number>();
  /** Sampler time of the newest interval (or of the helper's hello), for staleness. */
  private lastDataAt: number | null = null;
  private helperPid: number | undefined;
  private cutSkew: number | null = null;
  private readEndMs = 0;

  refreshMs: number;

  constructor(private readonly deps: SamplerDeps) {
    super();
    this.refreshMs = clampRefresh(deps.refreshMs);
  }

  setRefresh(ms: number): number {
    this.refreshMs = clampRefresh(ms);
    if (this.running && this.timer) {
      clearTimeout(this.timer);
      this.schedule();
    }
    return this.refreshMs;
  }

  /** Attach the container source once it is loaded (dockerode is loaded after the first frame). */
  setContainerSource(src: ContainerSource | null): void {
    this.deps.containers = src;
    this.prevContainers = null;
  }

  /** What to collect besides the host; process rates start over whenever collection was off (see collect). */
  setWants(w: Wants): void {
    this.wants = w;
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
    return readProcesses(pids ? { root: this.deps.root, pids } : { root: this.deps.root });
  }

  /** Leaving a whole-table read releases the descriptors it kept for every host process. */
  private setProcScope(scope: 'off' | 'host' | 'pids'): void {
    if (this.procScope === 'host' && scope !== 'host') closeProcessReaders();
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
    void this.loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.loop(), this.refreshMs);
  }

  private async loop(): Promise<void> {
    this.timer = null;
    try {
      await this.tick();
    } catch (err) {
      this.emit('source-error', { source: 'sampler', message: oneLine(err) });
    }
    if (this.running && !this.timer) this.schedule();
  }

  /**
   * One sample -> frame -> store. Concurrent callers share the tick in flight. With alignedCutMs, `cutAtMs`
   * (this clock) says when to sample, at least alignedCutMs ahead (default: that far from now).
   */
  tick(cutAtMs?: number): Promise<Frame> {
    if (!this.busy) this.busy = this.collect(cutAtMs).finally(() => (this.busy = null));
    return this.busy;
  }

  private async collect(cutAtMs?: number): Promise<Frame> {
    const { clock, store } = this.deps;
    let atMs = clock.nowMs();
    const errors: SourceError[] = [];
    // First the helper's flush (a write to its stdin), then the host files: both cut at about this moment.
    let flush: ReturnType<EbpfSupervisor['flush']> = null;
    const align = this.deps.alignedCutMs;
    const ebpf = this.deps.ebpf;
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

    const hostRead = this.deps.readHost(atMs); // procfs is read synchronously, /proc/diskstats first
    this.readEndMs = clock.nowMs();
    const [host, containers, procs] = await Promise.all([
      hostRead,
      this.deps.containers ? this.deps.containers.sample(atMs, this.detailScope()) : Promise.resolve(null),
      this.wants.processes ? this.readProcs() : Promise.resolve(null),
    ]);
    const elapsedMs = this.prevAtMs == null ? null : atMs - this.prevAtMs;

    const hostFrame = deriveHost(host, this.prevHost, this.prevHost ? atMs - this.prevHost.atMs : null, {
      showAllDisks: this.deps.showAllDisks,
    });
    errors.push(...host.errors);

    let containersFrame = null;
    if (containers) {
      containersFrame = deriveContainers(
        containers,
        this.prevContainers,
        this.prevContainers ? atMs - this.prevContainers.atMs : null,
      );
      errors.push(...containers.errors);
      this.prevContainers = containers;
    }

    let processes = null;
    if (procs) {
      for (const e of procs.errors) errors.push({ source: 'processes', message: e });
      const names = new Map<string, string>();
      for (const c of containers?.containers ?? []) names.set(c.meta.id, c.meta.name);
      processes = deriveProcesses(procs.rows, this.prevProcs?.rows ?? null, this.prevProcs ? atMs - this.prevProcs.atMs : null, {
        clockTicks: this.deps.clockTicks ?? 100,
        containerNames: names,
      });
      this.prevProcs = { atMs, rows: procs.rows };
    } else {
      this.prevProcs = null;
      this.setProcScope('off');
    }

    if (flush) await flush.done;
    const latency = this.latencyFrame(atMs, host, containers);
    if (latency) applyEbpfBlock(hostFrame, containersFrame, latency);

    this.prevHost = host;
    this.prevAtMs = atMs;
    const frame: Frame = {
      atMs,
      wallMs,
      elapsedMs,
      host: hostFrame,
      containers: containersFrame,
      processes,
      latency,
      errors,
    };
    store.push(frame);
    this.emit('frame', frame);
    return frame;
  }

  /**
   * How far apart, at most, the last tick's /proc/diskstats read and the end of the helper's interval were,
   * ms (null when the helper did not answer that tick): the error of the cut, from both processes' clocks.
   * It includes the time the host files took to read (under a millisecond).
   */
  get lastCutSkewMs(): number | null {
    return this.cutSkew;
  }

  private latencyFrame(atMs: number, host: HostSample, containers: ContainersSample | null): LatencyFrame | null {
    const ebpf = this.deps.ebpf;
    this.cutSkew = null;
    if (!ebpf) return null;
    const status = ebpf.status();
    const prev = this.prevAtMs ?? -Infinity;
    const list = (containers?.containers ?? []).map((c) => ({ id: c.meta.id, counters: c.counters }));
    const maps = status.hello ? cgroupMapFromContainers(list, status.hello) : { block: new Map<number, string>(), runq: new Map<number, string>() };
    // cgroups of no container keep rows of their own only for a while (LatencyWindows.mark)
    this.latency.mark(atMs, (cg, runq) => (runq ? maps.runq : maps.block).has(cg));
    for (const iv of ebpf.drain()) {
      // When it completed on our clock: the tick that asked for it, else its own end converted.
      const asked = iv.flush === null ? undefined : this.flushAt.get(iv.flush);
      const end = this.deps.clock.fromMonoNs?.(iv.monoNs);
      // /proc/diskstats was read between atMs and readEndMs (a tenth of that normally: it comes first; more
      // when the process was preempted or collected garbage in between): the larger distance counts.
      if (asked === atMs && end !== undefined) this.cutSkew = Math.max(Math.abs(end - asked), Math.abs(end - this.readEndMs));
      let t = asked ?? end ?? atMs;
      if (!(t <= atMs)) t = atMs; // also NaN: an interval cannot end after the tick that reads it
      this.latency.add({ t, durationMs: iv.intervalNs / 1e6, block: iv.block, runq: iv.runq, lost: iv.lost }, t > prev);
      if (this.lastDataAt === null || t > this.lastDataAt) this.lastDataAt = t;
    }
    for (const k of this.flushAt.keys()) if (this.flushAt.size > 8) this.flushAt.delete(k);
    this.latency.advance(atMs);
    if (!status.active || !status.hello) {
      this.helperPid = undefined;
      return inactiveFrame(status.reason, status.badLines);
    }
    if (status.pid !== this.helperPid) {
      // A new helper: its hello starts the clock for staleness.
      this.helperPid = status.pid;
      if (this.lastDataAt === null || this.lastDataAt < atMs) this.lastDataAt = atMs;
    }
    const overdue = atMs - (this.lastDataAt ?? atMs);
    if (overdue > status.hello.intervalMs + EBPF_GRACE_MS) {
      return inactiveFrame(`eBPF: no data for ${Math.round(overdue / 1000)} s`, status.badLines);
    }
    return latencyFrame(
      { current: this.latency.span('current'), windows: { '1s': this.latency.span('1s'), '10s': this.latency.span('10s'), '1m': this.latency.span('1m'), '5m': this.latency.span('5m') } },
      {
        maps,
        unattributable: unattributableContainers(list, status.hello),
        deviceNames: deviceNamesFromDiskstats(host.disks ?? []),
        badLines: status.badLines,
        // The monitor: containers for the window on screen (rows for the open container only), and their
        // I/O counts and bytes for `current` (the table's block rates).
        ...(this.wants.latencyWindow
          ? { containerSpans: ['current', this.wants.latencyWindow], countsOnly: ['current'], detailFor: (id: string) => id === this.wants.containerId }
          : {}),
      },
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** An error as one safe line (its message: no stack, no escape sequences). */
export function oneLine(err: unknown): string {
  return oneSafeLine(err instanceof Error ? err.message || err.name : String(err), 300);
}
