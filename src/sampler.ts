// The only timer loop. Each tick: read every source (in parallel), derive a frame with the pure model
// from (sample, previous sample, elapsed), push it into the store, and emit it. Ticks never overlap: the
// next one is scheduled after the current one finished. Nothing here draws.
import { EventEmitter } from 'node:events';
import type { Clock } from './clock.js';
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
import { LatencyModel, cgroupMapFromContainers, deviceNamesFromDiskstats } from './model/latency.js';
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
}

export interface Wants {
  /** Collect processes (only while a process table is visible, or for `snapshot --processes`). */
  processes: boolean;
  /** The container whose view is open (its detail files are read every poll). */
  containerId: string | null;
  /** The container under the table's cursor: detail every poll too, so its view opens with history. */
  cursorContainerId?: string | null;
  /** Detail files for every container (`snapshot`; the default until the TUI says what it shows). */
  allDetail?: boolean;
}

export interface SamplerEvents {
  frame: [Frame];
  'source-error': [SourceError];
}

export const MIN_REFRESH_MS = 250;
export const MAX_REFRESH_MS = 10_000;

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
  private readonly latency = new LatencyModel();
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

  /** One sample -> frame -> store. Concurrent callers share the tick in flight. */
  tick(): Promise<Frame> {
    if (!this.busy) this.busy = this.collect().finally(() => (this.busy = null));
    return this.busy;
  }

  private async collect(): Promise<Frame> {
    const { clock, store } = this.deps;
    const atMs = clock.nowMs();
    const wallMs = clock.wallMs();
    const errors: SourceError[] = [];

    const [host, containers, procs] = await Promise.all([
      this.deps.readHost(atMs),
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

    const latency = this.latencyFrame(host, containers, errors);
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

  private latencyFrame(host: HostSample, containers: ContainersSample | null, errors: SourceError[]) {
    const ebpf = this.deps.ebpf;
    if (!ebpf) return null;
    const status = ebpf.status();
    for (const interval of ebpf.drain()) this.latency.add(interval);
    const maps = status.hello
      ? cgroupMapFromContainers(
          (containers?.containers ?? []).map((c) => ({ id: c.meta.id, counters: c.counters })),
          status.hello,
        )
      : undefined;
    return this.latency.frame({
      maps,
      deviceNames: deviceNamesFromDiskstats(host.disks ?? []),
      source: status.active ? 'ebpf' : status.reason,
      active: status.active,
      badLines: status.badLines,
    });
  }
}

export function clampRefresh(ms: number): number {
  if (!Number.isFinite(ms)) return 1000;
  return Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, Math.round(ms)));
}

/** An error as one safe line (its message: no stack, no escape sequences). */
export function oneLine(err: unknown): string {
  return oneSafeLine(err instanceof Error ? err.message || err.name : String(err), 300);
}
