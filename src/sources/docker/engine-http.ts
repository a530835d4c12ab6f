// The Docker Engine API over node's own HTTP client: the six calls tailtop makes (api.ts) need one GET each.
// dockerode cost every monitor and agent 10-12 MiB resident for them (it loads tls, https, crypto and OpenSSL's
// start-up even for a unix socket, tar and stream libraries for builds and exec): a fresh node making the same
// calls measured 54.7-56.9 MiB with it, 45.2-45.3 without (bench/docker-client.mjs; BENCHMARKS.md, "The merged
// build of session 8"). node:https is loaded only for an https endpoint; ssh:// endpoints still go through
// dockerode (api.ts).
import type { IncomingMessage, RequestOptions } from 'node:http';
import http from 'node:http';

/** Where the daemon listens, and the TLS material for https. */
export interface EngineTarget {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** The daemon's error answer, as docker-modem words it (the inventory tells a vanished container by it). */
export class EngineError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: unknown,
  ) {
    const cause = typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string'
      ? (json as { message: string }).message
      : String(json);
    super(`(HTTP code ${statusCode}) ${(http.STATUS_CODES[statusCode] ?? 'unexpected').toLowerCase()} - ${cause}`);
  }
}

type Https = typeof import('node:https');
let https: Https | null = null;

/** Loads node:https once, for an https endpoint (not at start-up: it brings tls, crypto and OpenSSL's set-up). */
async function httpsModule(): Promise<Https> {
  https ??= (await import('node:https')).default;
  return https;
}

/** Sends GET `path`; resolves with the response once its head has come. */
async function send(target: EngineTarget, path: string, signal?: AbortSignal): Promise<IncomingMessage> {
  const opts: RequestOptions = { method: 'GET', path, headers: { Accept: 'application/json' }, ...(signal ? { signal } : {}) };
  if (target.socketPath) opts.socketPath = target.socketPath;
  else {
    opts.host = target.host;
    opts.port = target.port;
  }
  const client = target.protocol === 'https' ? await httpsModule() : http;
  const tls = target.protocol === 'https' ? { ca: target.ca, cert: target.cert, key: target.key } : {};
  return new Promise((resolve, reject) => {
    const req = client.request({ ...opts, ...tls });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}

/** A JSON body as parsed, or its text when it is not JSON (/_ping answers "OK"). */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * GET `path` and the parsed answer. A status other than 2xx rejects with an EngineError; no answer within
 * `timeoutMs` (connection and the whole body) rejects with "docker: no answer in N ms".
 */
export async function engineGet(target: EngineTarget, path: string, timeoutMs: number): Promise<unknown> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`docker: no answer in ${timeoutMs} ms to GET ${path}`)), timeoutMs);
  try {
    const res = await send(target, path, ac.signal);
    const body = parsed(await readBody(res));
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw new EngineError(status, body);
    return body;
  } catch (e) {
    throw ac.signal.aborted ? ac.signal.reason : e;
  } finally {
    clearTimeout(timer);
  }
}

/** GET a streaming `path` (no timeout: /events is idle for long stretches); resolves with the open body. */
export async function engineStream(target: EngineTarget, path: string, signal: AbortSignal): Promise<IncomingMessage> {
  const res = await send(target, path, signal);
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) throw new EngineError(status, parsed(await readBody(res)));
  return res;
}
