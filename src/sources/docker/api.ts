// The few Docker Engine API calls tailtop makes, behind a small interface so the inventory and the source
// can be tested with a fake. `createDockerApi` makes them with node's HTTP client (engine-http.ts) for unix,
// tcp and https endpoints, and through dockerode, loaded on first use, for ssh:// ones. Every call is counted
// (`calls`) so tests can assert, e.g., that no stats call happens in steady state with a local daemon.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EngineTarget, engineGet, engineStream } from './engine-http.js';
import type { Endpoint } from './endpoint.js';

export type ApiCall = 'version' | 'list' | 'inspect' | 'events' | 'stats' | 'ping';

/** Raw JSON as the daemon sent it: only read through the guarded helpers in inventory.ts / stats-fallback.ts. */
export type Json = unknown;

/** The calls themselves (DockerApi without the counts). */
export interface EngineCalls {
  version(): Promise<Json>;
  /** GET /containers/json?all=1 */
  listContainers(): Promise<Json[]>;
  /** GET /containers/{id}/json */
  inspect(id: string): Promise<Json>;
  /** GET /events (containers only). Resolves once the daemon has answered the request. */
  events(signal: AbortSignal): Promise<NodeJS.ReadableStream>;
  /** GET /containers/{id}/stats?stream=false&one-shot=true */
  stats(id: string): Promise<Json>;
  /** GET /_ping: is the daemon still answering (the inventory asks every few seconds while connected). */
  ping?(): Promise<Json>;
}

export interface DockerApi extends EngineCalls {
  readonly calls: Record<ApiCall, number>;
}

export function emptyCalls(): Record<ApiCall, number> {
  return { version: 0, list: 0, inspect: 0, events: 0, stats: 0, ping: 0 };
}

/** Request timeout for ordinary calls (not the event stream), ms. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Where to send the requests; for https, the client certificates of DOCKER_CERT_PATH (or ~/.docker). */
function engineTarget(ep: Endpoint, env: Record<string, string | undefined>): EngineTarget {
  if (ep.socketPath) return { socketPath: ep.socketPath };
  const t: EngineTarget = { host: ep.host, port: ep.port, protocol: ep.protocol === 'https' ? 'https' : 'http' };
  if (ep.protocol === 'https') {
    const dir = env.DOCKER_CERT_PATH || (env.HOME ? join(env.HOME, '.docker') : undefined);
    if (dir) {
      try {
        t.ca = readFileSync(join(dir, 'ca.pem'));
        t.cert = readFileSync(join(dir, 'cert.pem'));
        t.key = readFileSync(join(dir, 'key.pem'));
      } catch {
        // No client certificates: try plain TLS; the daemon will say if it wants them.
      }
    }
  }
  return t;
}

/** The six calls over node's HTTP client. */
function httpCalls(target: EngineTarget): EngineCalls {
  const get = (path: string): Promise<Json> => engineGet(target, path, REQUEST_TIMEOUT_MS);
  const id = (s: string): string => encodeURIComponent(s);
  return {
    version: () => get('/version'),
    async listContainers() {
      const r = await get('/containers/json?all=1');
      return Array.isArray(r) ? r : [];
    },
    inspect: (c) => get(`/containers/${id(c)}/json`),
    events: (signal) => engineStream(target, `/events?filters=${encodeURIComponent(JSON.stringify({ type: ['container'] }))}`, signal),
    ping: () => get('/_ping'),
    stats: (c) => get(`/containers/${id(c)}/stats?stream=false&one-shot=true`),
  };
}

/** The six calls through dockerode, whose module (and docker-modem's ssh agent) loads on the first call. */
function sshCalls(ep: Endpoint): EngineCalls {
  let calls: Promise<EngineCalls> | null = null;
  const load = (): Promise<EngineCalls> => (calls ??= import('./api-dockerode.js').then((m) => m.dockerodeCalls(ep)));
  return {
    version: async () => (await load()).version(),
    listContainers: async () => (await load()).listContainers(),
    inspect: async (c) => (await load()).inspect(c),
    events: async (signal) => (await load()).events(signal),
    ping: async () => (await load()).ping!(),
    stats: async (c) => (await load()).stats(c),
  };
}

/** Builds the API for an endpoint (nothing connects until the first call). */
export function createDockerApi(ep: Endpoint, env: Record<string, string | undefined> = process.env): DockerApi {
  const inner = ep.protocol === 'ssh' ? sshCalls(ep) : httpCalls(engineTarget(ep, env));
  const calls = emptyCalls();
  return {
    calls,
    version: () => (calls.version++, inner.version()),
    listContainers: () => (calls.list++, inner.listContainers()),
    inspect: (c) => (calls.inspect++, inner.inspect(c)),
    events: (signal) => (calls.events++, inner.events(signal)),
    ping: () => (calls.ping++, inner.ping!()),
    stats: (c) => (calls.stats++, inner.stats(c)),
  };
}
