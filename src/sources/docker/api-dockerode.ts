// The Docker API through dockerode, for ssh:// endpoints only (docker-modem's ssh agent): api.ts loads this
// module on the first call to such an endpoint; unix, tcp and https endpoints use engine-http.ts.
import './lazy-modules.js';
import Docker from 'dockerode';
import { type EngineCalls, type Json, REQUEST_TIMEOUT_MS } from './api.js';
import type { Endpoint } from './endpoint.js';

function modemOptions(ep: Endpoint): Docker.DockerOptions {
  // Every key is set explicitly: docker-modem merges its own DOCKER_HOST parsing underneath ours.
  return { socketPath: ep.socketPath, host: ep.host, port: ep.port, protocol: ep.protocol, username: ep.username } as Docker.DockerOptions;
}

/** The calls through dockerode. Throws only on options docker-modem itself rejects (the first call rejects). */
export function dockerodeCalls(ep: Endpoint): EngineCalls {
  const base = modemOptions(ep);
  const client = new Docker({ ...base, timeout: REQUEST_TIMEOUT_MS });
  // The event stream is idle for long stretches: no request timeout on it.
  const streaming = new Docker(base);
  return {
    async version() {
      return (await client.version()) as Json;
    },
    async listContainers() {
      const r: unknown = await client.listContainers({ all: true });
      return Array.isArray(r) ? r : [];
    },
    async inspect(id: string) {
      return (await client.getContainer(id).inspect()) as Json;
    },
    async events(signal: AbortSignal) {
      const opts = { filters: { type: ['container'] }, abortSignal: signal };
      return (await streaming.getEvents(opts as Docker.GetEventsOptions)) as NodeJS.ReadableStream;
    },
    async ping() {
      return (await client.ping()) as Json;
    },
    async stats(id: string) {
      const opts = { stream: false, 'one-shot': true } as unknown as { stream: false };
      return (await client.getContainer(id).stats(opts)) as Json;
    },
  };
}
