// The container source: the inventory (meta, kept current by events) + per-container counters read from
// cgroup files, all containers in parallel. The Docker stats API is used only where cgroup files cannot be
// read (remote endpoint, non-Linux, unreadable cgroups): in steady state with a local daemon this source
// makes no API calls but a liveness ping (GET /_ping) every 5 s (`debug.apiCalls` counts them).
import type { ContainerCounters, ContainerMeta, ContainerSample, ContainersSample, SourceError } from '../../model/types.js';
import { listContainerPids, pruneContainerCache, readContainerCounters } from '../cgroup/index.js';
import { type ApiCall, createDockerApi, type DockerApi, emptyCalls } from './api.js';
import { chooseEndpoint, type Endpoint, socketExists } from './endpoint.js';
import { type Backoff, errLine, Inventory, type Logger } from './inventory.js';
import { statsCounters } from './stats-fallback.js';
import type { ContainersSource, DetailScope } from '../types.js';

export type ReadCounters = (
  meta: ContainerMeta,
  opts: { root?: string; detail?: boolean },
) => Promise<{ counters: ContainerCounters | null; error: string | null }>;

export type { DetailScope };

export interface ContainerSourceOptions {
  /** The --docker-host option (wins over DOCKER_HOST). */
  dockerHost?: string | undefined;
  /** Filesystem root for cgroup and /proc reads (tests). */
  root?: string | undefined;
  logger?: Logger | undefined;
  /** Environment (DOCKER_HOST, XDG_RUNTIME_DIR, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH). Default process.env. */
  env?: Record<string, string | undefined>;
  /** Does a socket exist at this path? (tests) */
  exists?: (path: string) => boolean;
  /** Per-container cgroup reader. Default: readContainerCounters from sources/cgroup. */
  readCounters?: ReadCounters;
  /** Pids of a container's cgroup. Default: listContainerPids from sources/cgroup. */
  listPids?: (meta: ContainerMeta, opts: { root?: string }) => Promise<{ pids: number[]; error: string | null }>;
  /** API client factory. Default: dockerode. */
  makeApi?: (ep: Endpoint) => DockerApi;
  backoff?: Backoff;
  /** With no daemon found, look for a socket again this often, ms (default 10 s; 0 = never). */
  rediscoverMs?: number;
  /** Default process.platform; cgroup files are only read on Linux. */
  platform?: NodeJS.Platform;
}

/** States in which a container has a live cgroup to read. */
const LIVE = new Set(['running', 'paused', 'restarting']);

// Module functions, not closures made each poll: V8 compiles such a closure again after every full GC.
const byNameThenId = (a: ContainerMeta, b: ContainerMeta): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1);

function liveIds(metas: readonly ContainerMeta[]): string[] {
  const out: string[] = [];
  for (const m of metas) if (LIVE.has(m.state)) out.push(m.id);
  return out;
}

/**
 * Errors of readContainerCounters that mean "these files cannot be read from here" (permissions, a cgroup
 * namespace hiding the container, no hierarchy mounted), as opposed to "the container just went away".
 */
function isUnreadableCgroupError(error: string): boolean {
  return /\b(EACCES|EPERM|EROFS)\b|permission denied|outside the cgroup2 mount|no cgroup hierarchy mounted|no v1 controller|neither cpuacct nor memory|no cgroup2 line|unresolvable/i.test(
    error,
  );
}

function isGoneError(error: string): boolean {
  return /: gone$/.test(error);
}

export interface ContainerSourceDebug {
  /** API calls since start, by kind (summed over reconnections and rediscoveries). */
  apiCalls: Record<ApiCall, number>;
  /** Containers currently served by the stats API instead of cgroup files. */
  statsFallback: string[];
  /** Why the stats API is used for every container, or null when cgroup files are read. */
  statsReason: string | null;
}

export class ContainerSource implements ContainersSource {
  private readonly opts: ContainerSourceOptions;
  private readonly env: Record<string, string | undefined>;
  private inv: Inventory | null = null;
  private ep: Endpoint | null = null;
  private endpointError: string | null = null;
  private explicit = false;
  /** When the endpoint was last looked for, on the sampler's clock (the atMs of sample()); NaN: not yet. */
  private lastDiscoveryMs = NaN;
  private started = false;
  private stopped = false;
  private readonly readCounters: ReadCounters;
  /** Containers that needed the stats API once keep it (no mixing of sources across samples). */
  private readonly fallbackIds = new Set<string>();
  /** Consecutive "gone" answers for containers the daemon still calls running (pid namespace differs). */
  private readonly goneCount = new Map<string, number>();
  private readonly retiredCalls = emptyCalls();
  /** Each container's last sample from cgroup files: given again while its parts are the same objects. */
  private readonly lastSamples = new Map<string, ContainerSample>();
  private apis: DockerApi[] = [];

  constructor(opts: ContainerSourceOptions = {}) {
    this.opts = opts;
    this.env = opts.env ?? process.env;
    this.readCounters = opts.readCounters ?? ((meta, o) => readContainerCounters(meta, o));
  }

  /** The inventory of the current endpoint (tests wait on it), or null when there is none. */
  get inventory(): Inventory | null {
    return this.inv;
  }

  get endpoint(): Endpoint | null {
    return this.ep;
  }

  get debug(): ContainerSourceDebug {
    const calls = { ...this.retiredCalls };
    for (const a of this.apis) for (const k of Object.keys(calls) as ApiCall[]) calls[k] += a.calls[k];
    return { apiCalls: calls, statsFallback: [...this.fallbackIds], statsReason: this.statsReason() };
  }

  /** Finds the endpoint and connects once (awaited). Never throws; with no daemon the state is "none". */
  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    try {
      this.discover();
      if (this.inv) await this.inv.start();
    } catch (e) {
      this.endpointError = `docker: ${errLine(e)}`;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const inv = this.inv;
    this.inv = null;
    if (inv) await inv.stop();
    try {
      pruneContainerCache([]);
    } catch {
      // nothing to release
    }
  }

  private discover(): void {
    const r = chooseEndpoint({ option: this.opts.dockerHost, env: this.env, exists: this.opts.exists ?? socketExists });
    this.explicit = (this.opts.dockerHost ?? '') !== '' || (this.env.DOCKER_HOST ?? '') !== '';
    this.endpointError = r.error;
    this.ep = r.endpoint;
    if (!r.endpoint) return;
    const makeApi = this.opts.makeApi ?? ((ep: Endpoint) => createDockerApi(ep, this.env));
    this.inv = new Inventory({
      endpoint: r.endpoint,
      makeApi: (ep) => {
        const api = makeApi(ep);
        this.apis.push(api);
        return api;
      },
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
    });
  }

  /**
   * With no daemon found (and none named), look again now and then, timed by the sampler's clock (no timer
   * of its own); a socket may appear later.
   */
  private maybeRediscover(atMs: number): void {
    if (this.inv || this.explicit || this.stopped || !this.started) return;
    const every = this.opts.rediscoverMs ?? 10_000;
    if (Number.isNaN(this.lastDiscoveryMs)) this.lastDiscoveryMs = atMs;
    if (every <= 0 || atMs - this.lastDiscoveryMs < every) return;
    this.lastDiscoveryMs = atMs;
    this.discover();
    if (this.inv) void (this.inv as Inventory).start();
  }

  /** Figures of this container come from the stats API (remote endpoint, not Linux, or its fallback). */
  private usesStats(id: string): boolean {
    return this.statsReason() !== null || this.fallbackIds.has(id);
  }

  private statsReason(): string | null {
    if (!this.ep) return null;
    if (!this.ep.local) return `remote endpoint ${this.ep.url}`;
    const platform = this.opts.platform ?? process.platform;
    if (platform !== 'linux') return `platform ${platform}`;
    return null;
  }

  async sample(atMs: number, detail: DetailScope = 'all'): Promise<ContainersSample> {
    const errors: SourceError[] = [];
    try {
      this.maybeRediscover(atMs);
      const inv = this.inv;
      if (this.endpointError) errors.push({ source: 'docker', message: this.endpointError });
      if (!inv) {
        return { atMs, daemon: { state: 'none', attempt: 0, endpoint: this.ep?.url ?? null, runtime: null }, containers: [], errors };
      }
      for (const m of inv.errors()) errors.push({ source: 'docker', message: m });
      const metas = inv.list().sort(byNameThenId);
      const pending: Promise<ContainerSample>[] = [];
      for (const m of metas) pending.push(this.sampleOne(m, inv, detail === 'all' || detail.has(m.id)));
      const containers = await Promise.all(pending);
      const ids = new Set(metas.map((m) => m.id));
      for (const id of [...this.fallbackIds]) if (!ids.has(id)) this.fallbackIds.delete(id);
      for (const id of [...this.goneCount.keys()]) if (!ids.has(id)) this.goneCount.delete(id);
      for (const id of [...this.lastSamples.keys()]) if (!ids.has(id)) this.lastSamples.delete(id);
      try {
        pruneContainerCache(liveIds(metas));
      } catch {
        // cache housekeeping only
      }
      return {
        atMs,
        daemon: { state: inv.state, attempt: inv.attempt, endpoint: this.ep?.url ?? null, runtime: inv.runtime },
        containers,
        errors,
      };
    } catch (e) {
      errors.push({ source: 'docker', message: `docker: ${errLine(e)}` });
      return {
        atMs,
        daemon: { state: this.inv?.state ?? 'none', attempt: this.inv?.attempt ?? 0, endpoint: this.ep?.url ?? null, runtime: this.inv?.runtime ?? null },
        containers: [],
        errors,
      };
    }
  }

  private async sampleOne(meta: ContainerMeta, inv: Inventory, detail: boolean): Promise<ContainerSample> {
    if (!LIVE.has(meta.state)) return { meta, counters: null, error: null };
    if (this.usesStats(meta.id)) return this.viaStats(meta, inv);
    let r: { counters: ContainerCounters | null; error: string | null };
    try {
      r = await this.readCounters(meta, this.opts.root === undefined ? { detail } : { root: this.opts.root, detail });
    } catch (e) {
      r = { counters: null, error: `container ${meta.name}: ${errLine(e)}` };
    }
    if (r.counters) {
      this.goneCount.delete(meta.id);
      // The cgroup reader gives the same counters object while none of the container's files changed: the
      // same sample object then too, which the recorder skips without looking inside.
      const last = this.lastSamples.get(meta.id);
      if (last !== undefined && last.meta === meta && last.counters === r.counters && last.error === r.error) return last;
      const sample: ContainerSample = { meta, counters: r.counters, error: r.error };
      this.lastSamples.set(meta.id, sample);
      return sample;
    }
    const err = r.error ?? `container ${meta.name}: no counters`;
    if (isUnreadableCgroupError(err)) {
      this.fallbackIds.add(meta.id);
      this.log('info', `docker: ${meta.name}: cgroup files unreadable (${err}); using the stats API for it`);
      return this.viaStats(meta, inv);
    }
    if (isGoneError(err) && meta.initPid !== null) {
      // The daemon still says running with this pid, yet /proc has no such process: we are likely in
      // another pid namespace. Twice in a row (not a race with exit) -> stats API for this container.
      const n = (this.goneCount.get(meta.id) ?? 0) + 1;
      this.goneCount.set(meta.id, n);
      if (n >= 2 && inv.state === 'ok') {
        this.fallbackIds.add(meta.id);
        this.log('info', `docker: ${meta.name}: init pid ${meta.initPid} not visible here; using the stats API for it`);
        return this.viaStats(meta, inv);
      }
    }
    return { meta, counters: null, error: err };
  }

  /**
   * Pids in a container's cgroup (and its sub-cgroups), so that its process table reads only those
   * /proc entries. None for a container that is stopped or gone (its view may stay open: nothing to read).
   * Null when they cannot be listed from here (figures from the stats API, unreadable cgroup, no daemon):
   * the caller then reads every process and filters.
   */
  async pidsOf(id: string): Promise<number[] | null> {
    const inv = this.inv;
    if (!inv || this.usesStats(id)) return null;
    const meta = inv.list().find((m) => m.id === id);
    if (!meta || !LIVE.has(meta.state)) return [];
    const list = this.opts.listPids ?? listContainerPids;
    try {
      const r = await list(meta, this.opts.root === undefined ? {} : { root: this.opts.root });
      return r.error === null ? r.pids : null;
    } catch {
      return null;
    }
  }

  private async viaStats(meta: ContainerMeta, inv: Inventory): Promise<ContainerSample> {
    const api = inv.client;
    if (!api) return { meta, counters: null, error: null };
    const r = await statsCounters(api, meta.id);
    return { meta, counters: r.counters, error: r.error };
  }

  private log(level: 'debug' | 'info' | 'warn', msg: string): void {
    try {
      this.opts.logger?.(level, msg);
    } catch {
      // ignore
    }
  }
}
