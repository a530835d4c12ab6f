// The live set of containers of one daemon. Subscribes to events *before* listing (so nothing that happens
// during the listing is lost), lists and inspects each container once, then follows events, re-inspecting
// only the container an event names. When the event stream drops, the daemon is considered gone: state
// "reconnecting", exponential backoff (0.5 s doubling to 30 s), and on success a full recovery
// (re-subscribe, re-list). Nothing here throws to the caller.
// Daemon states are said plainly: a socket refused for want of permission (EACCES) is "permission denied on
// <socket> (add the user to group docker)", not a count of attempts; a daemon that stops answering while
// connected (the event stream stays open, requests hang: a stopped or wedged dockerd) is found by a ping
// every few seconds and shown as "not answering for N s".
import type { ContainerMeta, Runtime } from '../../model/types.js';
import type { DockerApi } from './api.js';
import type { Endpoint } from './endpoint.js';
import { eventEffect, inspectId, metaFromInspect, parseEvent, runtimeFromVersion } from './meta.js';
import { backoffDelay, type Backoff } from '../backoff.js';
import { LineSplitter } from '../../text/lines.js';

export type DaemonState = 'ok' | 'none' | 'reconnecting';

export type Logger = (level: 'debug' | 'info' | 'warn', message: string) => void;

export type { Backoff } from '../backoff.js';

/** Docker reconnects: 0.5 s doubling to 30 s. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/** One line from any error value, never longer than 240 characters. */
export function errLine(e: unknown): string {
  let s: string;
  if (e instanceof Error) s = e.message || e.name;
  else if (typeof e === 'string') s = e;
  else s = String(e);
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > 240 ? `${s.slice(0, 237)}...` : s || 'unknown error';
}

/** True for "no such container" answers (HTTP 404). */
function isNotFound(e: unknown): boolean {
  if (typeof e === 'object' && e !== null && (e as { statusCode?: unknown }).statusCode === 404) return true;
  return /no such container|HTTP code 404/i.test(errLine(e));
}

export interface InventoryOptions {
  endpoint: Endpoint | null;
  /** Builds the API client (dockerode in production, a fake in tests). May throw: reported, then retried. */
  makeApi: (ep: Endpoint) => DockerApi;
  backoff?: Backoff;
  logger?: Logger;
  /** How many inspects run at once while listing. */
  concurrency?: number;
  /** Give up on the event subscription answer after this long, ms (default 10 s). */
  requestTimeoutMs?: number;
  /** While connected, ping the daemon this often, ms (default 5 s; 0 = never). */
  pingEveryMs?: number;
  /** A ping unanswered after this long means the daemon is not answering, ms (default 3 s). */
  pingTimeoutMs?: number;
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what}: no answer after ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(errLine(e)));
      },
    );
  });
}

const TOMBSTONE_MAX = 20_000;

export class Inventory {
  private readonly opts: InventoryOptions;
  private readonly backoff: Backoff;
  private api: DockerApi | null = null;
  private _state: DaemonState;
  private _attempt = 0;
  private _runtime: Runtime | null = null;
  private lastCause: string | null = null;
  /** The last connection failure was a refused permission (EACCES/EPERM on the socket). */
  private denied = false;
  private pingTimer: NodeJS.Timeout | null = null;
  private pingInFlight = false;
  /** Since when pings go unanswered (monotonic ms), or null while the daemon answers. */
  private silentSince: number | null = null;
  private readonly containers = new Map<string, ContainerMeta>();
  /** Removed ids: never re-added by a late inspect (ids are never reused). */
  private readonly tombstones = new Set<string>();
  /** Ordering of inspects: a result is applied only if no later-started inspect was applied first. */
  private seq = 0;
  private readonly appliedSeq = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  /** Ids named by an event since the current connection began (the listing must not drop them). */
  private touched = new Set<string>();
  private abort: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private connecting = false;
  /** Bumped on every (re)connection; callbacks of an older connection are ignored. */
  private epoch = 0;
  private badEventLines = 0;
  private _eventsSeen = 0;
  private _connects = 0;
  private readonly listeners = new Set<() => void>();

  constructor(opts: InventoryOptions) {
    this.opts = opts;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this._state = opts.endpoint ? 'reconnecting' : 'none';
  }

  get state(): DaemonState {
    return this._state;
  }
  get attempt(): number {
    return this._attempt;
  }
  get runtime(): Runtime | null {
    return this._runtime;
  }
  get endpoint(): Endpoint | null {
    return this.opts.endpoint;
  }
  /** Events applied since start (debug/tests). */
  get eventsSeen(): number {
    return this._eventsSeen;
  }
  /** Successful connections since start (debug/tests). */
  get connects(): number {
    return this._connects;
  }
  /** The API client of the current connection (for the stats fallback), or null. */
  get client(): DockerApi | null {
    return this._state === 'ok' ? this.api : null;
  }
  /** API calls made so far by this inventory's client(s). */
  get apiCalls(): DockerApi['calls'] | null {
    return this.api ? this.api.calls : null;
  }

  /** Called after any change to the set (tests use it to wait for convergence). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The daemon-level error lines for this sample (empty when connected or when there is no daemon). */
  errors(): string[] {
    const out: string[] = [];
    const ep = this.opts.endpoint;
    // Attempt 0 is the first connection still under way: not an error yet.
    if (this._state === 'reconnecting' && ep && this._attempt > 0) {
      if (this.denied) {
        const where = ep.socketPath ?? ep.url;
        const group = this._runtime === 'podman' || /podman/.test(where) ? 'the socket\'s group' : 'group docker';
        out.push(`docker: permission denied on ${where} (add the user to ${group})`);
      } else {
        out.push(`docker: reconnecting (attempt ${this._attempt})${this.lastCause ? `: ${this.lastCause}` : ''}`);
      }
    }
    if (this._state === 'ok' && this.silentSince !== null) {
      out.push(`docker: not answering for ${Math.max(1, Math.round((this.now() - this.silentSince) / 1000))} s`);
    }
    if (this.badEventLines > 0) out.push(`docker: ${this.badEventLines} unreadable event line(s) skipped`);
    return out;
  }

  /** Current containers (running and stopped), in no particular order. */
  list(): ContainerMeta[] {
    return [...this.containers.values()];
  }

  /** Connects once (awaited); on failure schedules reconnects in the background. Never throws. */
  async start(): Promise<void> {
    if (!this.opts.endpoint || this.stopped) return;
    await this.tryConnect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.epoch++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopPinging();
    this.abort?.abort();
    this.abort = null;
    await Promise.allSettled([...this.inflight.values()]);
  }

  // ------------------------------------------------------------------ connection

  private async tryConnect(): Promise<void> {
    if (this.stopped || this.connecting) return;
    this.connecting = true;
    try {
      await this.connectOnce();
      if (this.stopped) return;
      this._state = 'ok';
      this._attempt = 0;
      this.lastCause = null;
      this.denied = false;
      this._connects++;
      this.startPinging();
      this.log('info', `docker: connected to ${this.opts.endpoint?.url} (${this._runtime})`);
      this.emit();
    } catch (e) {
      if (this.stopped) return;
      // A drop noticed while connecting has already scheduled the next attempt.
      const code = (e as { code?: unknown } | null)?.code;
      this.denied = code === 'EACCES' || code === 'EPERM' || /\bEACCES\b/.test(errLine(e));
      if (!this.timer) this.lost(errLine(e));
    } finally {
      this.connecting = false;
    }
  }

  private async connectOnce(): Promise<void> {
    const ep = this.opts.endpoint!;
    const epoch = ++this.epoch;
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    if (!this.api) this.api = this.opts.makeApi(ep);
    const api = this.api;
    this.touched = new Set();

    // 1. Subscribe first: whatever happens from here on reaches us.
    const stream = await withTimeout(api.events(abort.signal), this.opts.requestTimeoutMs ?? 10_000, 'events', () => abort.abort());
    this.follow(stream, epoch);
    // 2. Which runtime.
    this._runtime = runtimeFromVersion(await api.version());
    // 3. List, then inspect each once.
    const listed = await api.listContainers();
    if (epoch !== this.epoch) throw new Error('superseded');
    const ids: string[] = [];
    for (const c of listed) {
      const id = typeof c === 'object' && c !== null ? (c as { Id?: unknown }).Id : undefined;
      if (typeof id === 'string' && id !== '') ids.push(id);
    }
    const keep = new Set(ids);
    for (const id of [...this.containers.keys()]) {
      if (!keep.has(id) && !this.touched.has(id)) this.containers.delete(id);
    }
    const conc = Math.max(1, this.opts.concurrency ?? 8);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length && epoch === this.epoch) {
        const id = ids[next++]!;
        await this.refresh(id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(conc, ids.length) }, worker));
    if (epoch !== this.epoch) throw new Error('superseded');
  }

  private follow(stream: NodeJS.ReadableStream, epoch: number): void {
    // A runaway line (over 1 MB) is dropped rather than grown without bound.
    const lines = new LineSplitter(
      (l) => {
        const line = l.trim();
        if (line !== '') this.onEventLine(line);
      },
      () => this.badEventLines++,
      1_000_000,
    );
    const onData = (chunk: Buffer | string): void => {
      if (epoch !== this.epoch) return;
      lines.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    };
    let ended = false;
    const onEnd = (why: string): void => {
      if (ended) return;
      ended = true;
      lines.end();
      if (epoch !== this.epoch || this.stopped) return;
      this.lost(why);
    };
    stream.on('data', onData);
    stream.on('end', () => onEnd('event stream ended'));
    stream.on('close', () => onEnd('event stream closed'));
    stream.on('error', (e: unknown) => onEnd(errLine(e)));
  }

  private onEventLine(line: string): void {
    const ev = parseEvent(line);
    if (!ev) {
      // Non-container events are filtered by the daemon; anything else unreadable is counted.
      try {
        JSON.parse(line);
      } catch {
        this.badEventLines++;
      }
      return;
    }
    this._eventsSeen++;
    const effect = eventEffect(ev.action);
    if (effect === 'ignore') return;
    this.touched.add(ev.id);
    if (effect === 'remove') {
      this.remove(ev.id);
      return;
    }
    void this.refresh(ev.id);
  }

  private lost(cause: string): void {
    if (this.stopped) return;
    this.stopPinging();
    this.epoch++;
    this.abort?.abort();
    this.abort = null;
    this.lastCause = cause;
    const wasOk = this._state === 'ok';
    this._state = 'reconnecting';
    if (this.timer) return; // already waiting
    this._attempt++;
    const delay = backoffDelay(this._attempt, this.backoff);
    this.log(wasOk ? 'warn' : 'debug', `docker: reconnecting (attempt ${this._attempt}) in ${delay} ms: ${cause}`);
    this.emit();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tryConnect();
    }, delay);
    this.timer.unref?.();
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : performance.now();
  }

  /** While connected: a ping every pingEveryMs; one unanswered after pingTimeoutMs marks the daemon silent. */
  private startPinging(): void {
    this.stopPinging();
    const every = this.opts.pingEveryMs ?? 5000;
    if (every <= 0 || !this.api?.ping) return;
    const epoch = this.epoch;
    const tick = (): void => {
      this.pingTimer = setTimeout(() => {
        this.pingTimer = null;
        if (this.stopped || epoch !== this.epoch || this._state !== 'ok') return;
        this.ping(epoch);
        tick();
      }, every);
      this.pingTimer.unref?.();
    };
    tick();
  }

  private stopPinging(): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = null;
    this.silentSince = null;
  }

  private ping(epoch: number): void {
    const api = this.api;
    if (!api?.ping || this.pingInFlight) return; // the last one still hangs: it says enough
    this.pingInFlight = true;
    const sentAt = this.now();
    const late = setTimeout(() => {
      if (epoch !== this.epoch || this.silentSince !== null) return;
      this.silentSince = sentAt;
      this.log('warn', 'docker: not answering');
      this.emit();
    }, this.opts.pingTimeoutMs ?? 3000);
    late.unref?.();
    api.ping().then(
      () => {
        clearTimeout(late);
        this.pingInFlight = false;
        if (epoch !== this.epoch || this.silentSince === null) return;
        this.silentSince = null;
        this.log('info', 'docker: answering again');
        this.emit();
      },
      () => {
        // An error answer (not a hang): the event stream tells whether the daemon is gone.
        this.pingInFlight = false;
      },
    );
  }

  // ------------------------------------------------------------------ the map

  private remove(id: string): void {
    this.tombstones.add(id);
    if (this.tombstones.size > TOMBSTONE_MAX) {
      const first = this.tombstones.values().next();
      if (!first.done) this.tombstones.delete(first.value);
    }
    this.appliedSeq.delete(id);
    this.dirty.delete(id);
    if (this.containers.delete(id)) this.emit();
  }

  /** Re-inspects one container; coalesces concurrent requests for the same id. */
  private refresh(id: string): Promise<void> {
    if (this.tombstones.has(id)) return Promise.resolve();
    const running = this.inflight.get(id);
    if (running) {
      this.dirty.add(id);
      return running;
    }
    const p = (async () => {
      do {
        this.dirty.delete(id);
        await this.inspectOnce(id);
      } while (this.dirty.has(id) && !this.stopped && !this.tombstones.has(id));
    })().finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  private async inspectOnce(id: string): Promise<void> {
    const api = this.api;
    if (!api || this.stopped) return;
    const s = ++this.seq;
    const runtime = this._runtime ?? 'docker';
    let doc: unknown;
    try {
      doc = await api.inspect(id);
    } catch (e) {
      if (isNotFound(e)) this.remove(id);
      else this.log('debug', `docker: inspect ${id.slice(0, 12)}: ${errLine(e)}`);
      return;
    }
    if (this.stopped || this.tombstones.has(id)) return;
    if ((this.appliedSeq.get(id) ?? 0) > s) return;
    const meta = metaFromInspect(doc, runtime);
    if (!meta) {
      this.log('debug', `docker: inspect ${id.slice(0, 12)}: answer has no Id`);
      return;
    }
    const key = inspectId(doc) === id ? id : meta.id;
    this.appliedSeq.set(key, s);
    this.containers.set(key, meta);
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) {
      try {
        fn();
      } catch {
        // a listener's problem, not ours
      }
    }
  }

  private log(level: 'debug' | 'info' | 'warn', msg: string): void {
    try {
      this.opts.logger?.(level, msg);
    } catch {
      // ignore
    }
  }
}
