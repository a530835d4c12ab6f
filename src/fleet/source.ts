// The fleet view's source: Prometheus' HTTP API (/api/v1/query), asked every refresh interval for the host
// table and, while a host is open, for its containers. It owns the fleet view's only timer (the fleet has no
// sampler). One round of queries at a time: a tick that finds the previous round still running is skipped, so
// a slow Prometheus never piles up requests. Errors (unreachable, HTTP errors, a server that is not
// Prometheus) become one line of text; the last good rows are kept and shown as stale.
import { ApiError, containerQueries, containerRows, hostQueries, hostRows, parseQueryResponse, type ContainerField, type ContainerRow, type HostField, type HostRow, type Sample } from './query.js';

export class UrlError extends Error {
  override name = 'UrlError';
}

/** The Prometheus base URL (http or https, no query or fragment), with a trailing slash removed. */
export function checkPrometheusUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UrlError(`--prometheus '${text}': not a URL (expected http://host:9090)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UrlError(`--prometheus '${text}': only http:// and https:// are supported`);
  if (u.search || u.hash) throw new UrlError(`--prometheus '${text}': give the server's base URL, without ?query or #fragment`);
  return u.toString().replace(/\/+$/, '');
}

/** Instant queries against one Prometheus. */
export class PromClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async query(promql: string): Promise<Sample[]> {
    const url = `${this.baseUrl}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
    } catch (e) {
      throw new ApiError(describeFetchError(e, this.baseUrl, this.timeoutMs));
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError(`${this.baseUrl}: not a Prometheus API (HTTP ${res.status}, ${res.headers.get('content-type') ?? 'no content type'})`);
    }
    try {
      return parseQueryResponse(body);
    } catch (e) {
      throw new ApiError(`${this.baseUrl}: ${res.ok ? '' : `HTTP ${res.status}: `}${(e as Error).message}`);
    }
  }
}

function describeFetchError(e: unknown, base: string, timeoutMs: number): string {
  const err = e as { name?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `${base}: no answer within ${timeoutMs / 1000} s`;
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED') return `${base}: connection refused (is Prometheus running?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${base}: host not found`;
  return `${base}: ${err.cause?.message ?? (e as Error).message}`;
}

export interface FleetState {
  hosts: HostRow[];
  /** Wall time (ms) of the last complete, successful round; null before the first. */
  fetchedAtMs: number | null;
  /** The newest scrape among the hosts, seconds since the epoch. */
  newestScrapeSec: number | null;
  error: string | null;
  /** The open host's containers. */
  detail: { instance: string; containers: ContainerRow[]; fetchedAtMs: number | null; error: string | null } | null;
}

export interface FleetSourceOptions {
  client: PromClient;
  job: string;
  /** Rate window for rates and percentiles ("1m"). */
  window: string;
  refreshMs: number;
  now?: () => number;
}

export class FleetSource {
  readonly state: FleetState = { hosts: [], fetchedAtMs: null, newestScrapeSec: null, error: null, detail: null };
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private stopped = false;
  private listeners: (() => void)[] = [];
  refreshMs: number;
  private readonly now: () => number;

  constructor(private readonly o: FleetSourceOptions) {
    this.refreshMs = o.refreshMs;
    this.now = o.now ?? Date.now;
  }

  /** Called after each round (and after a failed one). */
  onUpdate(fn: () => void): void {
    this.listeners.push(fn);
  }

  start(): void {
    this.stopped = false;
    void this.round();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Show this host's containers from the next round on (null: none). Starts a round now. */
  open(instance: string | null): void {
    this.state.detail = instance === null ? null : { instance, containers: [], fetchedAtMs: null, error: null };
    if (instance !== null) void this.round();
  }

  setRefresh(ms: number): void {
    this.refreshMs = ms;
  }

  /** One round: every host query (and the open host's) in parallel. Skipped while one is running. */
  async round(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      const detail = this.state.detail;
      const [hosts, ctrs] = await Promise.all([
        this.all(hostQueries(this.o.job, this.o.window)).then(
          (r) => ({ rows: hostRows(r), error: null as string | null }),
          (e: unknown) => ({ rows: null, error: (e as Error).message }),
        ),
        detail
          ? this.all(containerQueries(this.o.job, detail.instance, this.o.window)).then(
              (r) => ({ rows: containerRows(r), error: null as string | null }),
              (e: unknown) => ({ rows: null, error: (e as Error).message }),
            )
          : Promise.resolve(null),
      ]);
      const at = this.now();
      if (hosts.rows) {
        this.state.hosts = hosts.rows;
        this.state.fetchedAtMs = at;
        const last = hosts.rows.filter((h) => h.up && h.lastScrapeSec != null).map((h) => h.lastScrapeSec!);
        this.state.newestScrapeSec = last.length ? Math.max(...last) : null;
      }
      this.state.error = hosts.error;
      if (ctrs && this.state.detail && this.state.detail.instance === detail!.instance) {
        if (ctrs.rows) {
          this.state.detail.containers = ctrs.rows;
          this.state.detail.fetchedAtMs = at;
        }
        this.state.detail.error = ctrs.error;
      }
    } finally {
      this.busy = false;
      for (const l of this.listeners) l();
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.round(), this.refreshMs);
      }
    }
  }

  private async all<K extends string>(queries: Record<K, string>): Promise<Record<K, Sample[]>> {
    const keys = Object.keys(queries) as K[];
    const results = await Promise.all(keys.map((k) => this.o.client.query(queries[k])));
    return Object.fromEntries(keys.map((k, i) => [k, results[i]!])) as Record<K, Sample[]>;
  }
}

export type { HostField, ContainerField };
