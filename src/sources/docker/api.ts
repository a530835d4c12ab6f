// The few Docker Engine API calls tailtop makes, behind a small interface so the inventory and the source
// can be tested with a fake. `createDockerApi` adapts dockerode. Every call is counted (`calls`) so tests can
// assert, e.g., that no stats call happens in steady state with a local daemon.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import './lazy-modules.js';
import Docker from 'dockerode';
import type { Endpoint } from './endpoint.js';

export type ApiCall = 'version' | 'list' | 'inspect' | 'events' | 'stats' | 'ping';

/** Raw JSON as the daemon sent it: only read through the guarded helpers in inventory.ts / stats-fallback.ts. */
export type Json = unknown;

export interface DockerApi {
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
  readonly calls: Record<ApiCall, number>;
}

export function emptyCalls(): Record<ApiCall, number> {
  return { version: 0, list: 0, inspect: 0, events: 0, stats: 0, ping: 0 };
}

/** Request timeout for ordinary calls (not the event stream), ms. */
const REQUEST_TIMEOUT_MS = 10_000;

function modemOptions(ep: Endpoint, env: Record<string, string | undefined>): Docker.DockerOptions {
  // Every key is set explicitly: docker-modem merges its own DOCKER_HOST parsing underneath ours.
  const o: Docker.DockerOptions & Record<string, unknown> = {
    socketPath: ep.socketPath,
    host: ep.host,
    port: ep.port,
    protocol: ep.protocol,
    username: ep.username,
  };
  if (ep.protocol === 'https') {
    const dir = env.DOCKER_CERT_PATH || (env.HOME ? join(env.HOME, '.docker') : undefined);
    if (dir) {
      try {
        o.ca = readFileSync(join(dir, 'ca.pem'));
        o.cert = readFileSync(join(dir, 'cert.pem'));
        o.key = readFileSync(join(dir, 'key.pem'));
      } catch {
        // No client certificates: try plain TLS; the daemon will say if it wants them.
      }
    }
  }
  return o;
}

/** Builds the dockerode-backed API. Throws only on options docker-modem itself rejects (caller catches). */
export function createDockerApi(ep: Endpoint, env: Record<string, string | undefined> = process.env): DockerApi {
  const base = modemOptions(ep, env);
  const client = new Docker({ ...base, timeout: REQUEST_TIMEOUT_MS });
  // The event stream is idle for long stretches: no request timeout on it.
  const streaming = new Docker(base);
  const calls = emptyCalls();
  return {
    calls,
    async version() {
      calls.version++;
      return (await client.version()) as Json;
    },
    async listContainers() {
      calls.list++;
      const r: unknown = await client.listContainers({ all: true });
      return Array.isArray(r) ? r : [];
    },
    async inspect(id: string) {
      calls.inspect++;
      return (await client.getContainer(id).inspect()) as Json;
    },
    async events(signal: AbortSignal) {
      calls.events++;
      const opts = { filters: { type: ['container'] }, abortSignal: signal };
      return (await streaming.getEvents(opts as Docker.GetEventsOptions)) as NodeJS.ReadableStream;
    },
    async ping() {
      calls.ping++;
      return (await client.ping()) as Json;
    },
    async stats(id: string) {
      calls.stats++;
      const opts = { stream: false, 'one-shot': true } as unknown as { stream: false };
      return (await client.getContainer(id).stats(opts)) as Json;
    },
  };
}
