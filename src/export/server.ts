// The HTTP listener of the agent and the TUI (`--listen ADDR:PORT`): serves the handlers the caller
// registers (/metrics, /api/v1/...) and nothing else.
//
// Safe by default: loopback unless told otherwise; any other address needs a bearer token file
// (`--auth-token-file`) or TLS (`--tls-cert`, `--tls-key`). With a token, a request without it (or with a
// wrong one) gets 401 and an empty body. A slow or hostile client cannot stall anything: headers must arrive
// within `headersTimeoutMs` (slowloris), a whole request within `requestTimeoutMs`, an idle or non-reading
// connection is closed after `idleTimeoutMs`, headers over `maxHeaderBytes` get 431, bodies over
// `maxBodyBytes` 413, and at most `maxConnections` sockets are open at once (more are closed at accept).
// Handlers are synchronous and cheap (they format what the store already holds), so serving never delays
// the sampler; the server owns no timer of its own beyond Node's connection checks.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { gzip } from 'node:zlib';
import { CONTENT_TYPES, negotiate, writeExposition, type Family } from './exposition.js';
import { ListenError, type ListenConfig } from './listen.js';

export { ListenError, isLoopback, listenConfig, parseListen, type ListenAddress, type ListenConfig } from './listen.js';

export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  maxUrlBytes: number;
  maxConnections: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  idleTimeoutMs: 10_000,
  maxHeaderBytes: 8192,
  maxBodyBytes: 1024,
  maxUrlBytes: 4096,
  maxConnections: 32,
};

export interface Request {
  method: 'GET' | 'HEAD';
  path: string;
  /** `{name}` segments of the route pattern. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

export interface Reply {
  status?: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export type Handler = (req: Request) => Reply;

export interface ServerStats {
  connections: number;
  requests: number;
  unauthorized: number;
  rejected: number;
}

interface Route {
  parts: string[];
  handler: Handler;
}

export class ExportServer {
  private readonly routes: Route[] = [];
  private server: Server | null = null;
  private readonly limits: ServerLimits;
  private readonly tokenHash: Buffer | null;
  private readonly sockets = new Set<Socket>();
  /** Sockets that have sent at least one complete request. */
  private readonly answered = new WeakSet<Socket>();
  readonly stats: ServerStats = { connections: 0, requests: 0, unauthorized: 0, rejected: 0 };

  constructor(
    private readonly config: ListenConfig,
    limits: Partial<ServerLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.tokenHash = config.token ? sha256(config.token) : null;
  }

  /** Register `handler` for GET/HEAD of `pattern` ("/metrics", "/api/v1/containers/{id}"). */
  route(pattern: string, handler: Handler): this {
    this.routes.push({ parts: pattern.split('/'), handler });
    return this;
  }

  /** Listen; resolves with the bound port (useful with port 0). */
  async start(): Promise<{ host: string; port: number }> {
    const l = this.limits;
    const common = {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
      maxHeaderSize: l.maxHeaderBytes,
      connectionsCheckingInterval: Math.min(1000, l.headersTimeoutMs),
      requireHostHeader: false,
    };
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => this.handle(req, res);
    const server = this.config.tls
      ? createHttps({ ...common, cert: this.config.tls.cert, key: this.config.tls.key, minVersion: 'TLSv1.2', handshakeTimeout: l.headersTimeoutMs }, onRequest)
      : createHttp(common, onRequest);
    server.maxConnections = l.maxConnections;
    server.maxRequestsPerSocket = 1000;
    server.setTimeout(l.idleTimeoutMs, (socket: Socket) => socket.destroy());
    // Node's header timeout only starts with a request's first byte: a connection that says nothing at all
    // is closed when the same time has passed without a complete request. With TLS the requests arrive on the
    // TLS socket (the handshake itself is bounded by handshakeTimeout), so that is the one watched.
    const watchSilent = (socket: Socket): void => {
      const silent = setTimeout(() => {
        if (!this.answered.has(socket)) socket.destroy();
      }, l.headersTimeoutMs);
      silent.unref();
      socket.once('close', () => clearTimeout(silent));
    };
    server.on('connection', (socket: Socket) => {
      this.stats.connections++;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      if (!this.config.tls) watchSilent(socket);
    });
    if (this.config.tls) server.on('secureConnection', (socket: Socket) => watchSilent(socket));
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      this.stats.rejected++;
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      if (socket.writable && !socket.destroyed) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    });
    // A TLS handshake that fails or times out.
    server.on('tlsClientError', (_err: Error, socket: Socket) => {
      this.stats.rejected++;
      socket.destroy();
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new ListenError(`--listen ${this.config.address.host}:${this.config.address.port}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`)));
      server.listen(this.config.address.port, this.config.address.host, () => resolve());
    });
    const a = server.address();
    return { host: this.config.address.host, port: typeof a === 'object' && a ? a.port : this.config.address.port };
  }

  /** Stop listening and close every open connection. */
  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++;
    this.answered.add(req.socket);
    const send = (status: number, body = '', headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(body)), ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    // Authorization first: without the token nothing else is said (not even whether the path exists).
    if (this.tokenHash && !this.authorized(req.headers.authorization)) {
      this.stats.unauthorized++;
      req.resume();
      return send(401, '', { 'WWW-Authenticate': 'Bearer realm="tailtop"' });
    }
    if ((req.url ?? '').length > this.limits.maxUrlBytes) {
      this.stats.rejected++;
      return send(414, 'URI too long\n', { Connection: 'close' });
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.limits.maxBodyBytes) {
      this.stats.rejected++;
      res.shouldKeepAlive = false;
      return send(413, 'body too large\n', { Connection: 'close' });
    }
    // Bodies are never used; one sent in chunks is cut off at the limit.
    let bodyBytes = 0;
    req.on('data', (b: Buffer) => {
      bodyBytes += b.length;
      if (bodyBytes > this.limits.maxBodyBytes) req.destroy();
    });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return send(400, 'bad request\n');
    }
    const found = this.match(url.pathname);
    if (!found) return send(404, 'not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });
    let reply: Reply;
    try {
      reply = found.route.handler({ method: req.method, path: url.pathname, params: found.params, query: url.searchParams, headers: req.headers });
    } catch (e) {
      return send(500, `${e instanceof Error ? e.message : String(e)}\n`, { 'Content-Type': 'text/plain; charset=utf-8' });
    }
    const headers = { 'Content-Type': reply.contentType, 'Cache-Control': 'no-store', Vary: 'Accept-Encoding', ...reply.headers };
    // Prometheus asks for gzip; an exposition shrinks ~16x. Compressed on libuv's thread pool, not the loop;
    // level 1: 2.5x less CPU than level 6 for 9% more bytes (bench/export.mjs).
    if (reply.body.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      gzip(reply.body, { level: 1 }, (err, buf) => {
        if (res.destroyed) return;
        if (err) return send(500, 'compression failed\n');
        res.writeHead(reply.status ?? 200, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': String(buf.length) });
        res.end(req.method === 'HEAD' ? undefined : buf);
      });
      return;
    }
    send(reply.status ?? 200, reply.body, headers);
  }

  private authorized(header: string | undefined): boolean {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return false;
    return timingSafeEqual(sha256(m[1]!), this.tokenHash!);
  }

  private match(path: string): { route: Route; params: Record<string, string> } | null {
    const parts = path.split('/');
    for (const route of this.routes) {
      if (route.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const want = route.parts[i]!;
        if (want.startsWith('{') && want.endsWith('}')) {
          const v = safeDecode(parts[i]!);
          if (v === null || v === '') ok = false;
          else params[want.slice(1, -1)] = v;
        } else ok = want === parts[i];
      }
      if (ok) return { route, params };
    }
    return null;
  }
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** The /metrics handler over a function that lists the families: the format follows the Accept header. */
export function metricsHandler(collect: () => readonly Family[]): Handler {
  return (req) => {
    const format = negotiate(req.headers.accept);
    return { contentType: CONTENT_TYPES[format], body: writeExposition(collect(), format) };
  };
}
