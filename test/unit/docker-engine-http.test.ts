// The Docker Engine API client over node:http, against a small daemon stand-in on a unix socket: what each
// call asks for, what it returns, the daemon's errors, the timeout, the event stream and its abort, and that a
// unix endpoint loads neither dockerode nor node's TLS stack (the reason the client exists).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerApi } from '../../src/sources/docker/api.js';
import { EngineError, engineGet } from '../../src/sources/docker/engine-http.js';

const dir = mkdtempSync(join(tmpdir(), 'tt-engine-'));
const socketPath = join(dir, 'docker.sock');
const asked: string[] = [];
let eventsRes: ServerResponse | null = null;
let eventsClosed: Promise<void> = Promise.resolve();

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  asked.push(url);
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (url === '/_ping') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('OK');
  } else if (url === '/version') json(200, { Version: '99.0', ApiVersion: '1.99' });
  else if (url === '/containers/json?all=1') json(200, [{ Id: 'a1', Names: ['/one'] }]);
  else if (url === '/containers/a1/json') json(200, { Id: 'a1', Name: '/one' });
  else if (url === '/containers/gone/json') json(404, { message: 'No such container: gone' });
  else if (url === '/containers/a1/stats?stream=false&one-shot=true') json(200, { read: 'now' });
  else if (url === '/slow') setTimeout(() => json(200, {}), 2_000);
  else if (url.startsWith('/events?filters=')) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(`${JSON.stringify({ Type: 'container', Action: 'start', id: 'a1' })}\n`);
    eventsRes = res;
    eventsClosed = new Promise((resolve) => res.once('close', () => resolve()));
  } else json(500, { message: `unexpected ${url}` });
}

let server: Server;
beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const endpoint = { url: `unix://${socketPath}`, socketPath, source: 'flag' } as unknown as Parameters<typeof createDockerApi>[0];

describe('the Docker Engine API over node:http', () => {
  it('asks for each call once and returns what the daemon sent, counting the calls', async () => {
    const api = createDockerApi(endpoint, {});
    asked.length = 0;
    expect(await api.version()).toEqual({ Version: '99.0', ApiVersion: '1.99' });
    expect(await api.listContainers()).toEqual([{ Id: 'a1', Names: ['/one'] }]);
    expect(await api.inspect('a1')).toEqual({ Id: 'a1', Name: '/one' });
    expect(await api.stats('a1')).toEqual({ read: 'now' });
    expect(await api.ping!()).toBe('OK');
    expect(asked).toEqual(['/version', '/containers/json?all=1', '/containers/a1/json', '/containers/a1/stats?stream=false&one-shot=true', '/_ping']);
    expect(api.calls).toEqual({ version: 1, list: 1, inspect: 1, events: 0, stats: 1, ping: 1 });
  });

  it("a daemon's error rejects with its status and message, as the inventory reads a vanished container (statusCode 404)", async () => {
    const api = createDockerApi(endpoint, {});
    const e = await api.inspect('gone').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).statusCode).toBe(404);
    expect((e as Error).message).toBe('(HTTP code 404) not found - No such container: gone');
  });

  it('a daemon that does not answer in time rejects with a line naming the request', async () => {
    const t0 = Date.now();
    await expect(engineGet({ socketPath }, '/slow', 150)).rejects.toThrow('docker: no answer in 150 ms to GET /slow');
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it('a socket nobody listens on rejects with the system error', async () => {
    await expect(engineGet({ socketPath: join(dir, 'none.sock') }, '/_ping', 1_000)).rejects.toThrow(/ENOENT/);
  });

  it('the event stream delivers lines as they come and ends when aborted', async () => {
    const api = createDockerApi(endpoint, {});
    const ac = new AbortController();
    asked.length = 0;
    const stream = await api.events(ac.signal);
    expect(decodeURIComponent(asked[0]!)).toBe('/events?filters={"type":["container"]}');
    const first = await new Promise<string>((resolve) => stream.once('data', (b: Buffer) => resolve(b.toString())));
    expect(JSON.parse(first)).toMatchObject({ Action: 'start', id: 'a1' });
    const next = new Promise<string>((resolve) => stream.once('data', (b: Buffer) => resolve(b.toString())));
    eventsRes!.write(`${JSON.stringify({ Type: 'container', Action: 'die', id: 'a1' })}\n`);
    expect(JSON.parse(await next)).toMatchObject({ Action: 'die' });
    stream.on('error', () => {});
    ac.abort();
    await eventsClosed;
  });

  it('a unix endpoint loads neither dockerode nor TLS', async () => {
    // The built module (global-setup builds dist/), in a process of its own: this one has loaded both.
    const api = join(import.meta.dirname, '../../dist/sources/docker/api.js');
    const code = `
      const { createDockerApi } = await import(${JSON.stringify(api)});
      const a = createDockerApi({ socketPath: ${JSON.stringify(socketPath)} }, {});
      await a.ping();
      const mods = process.moduleLoadList.filter((m) => /^NativeModule (tls|https|crypto)$/.test(m));
      const req = (await import('node:module')).createRequire(import.meta.url);
      const pkgs = Object.keys(req.cache).filter((k) => /node_modules[\\\\/](dockerode|docker-modem)[\\\\/]/.test(k));
      console.log(JSON.stringify({ mods, pkgs }));`;
    const r = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr }),
      );
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ mods: [], pkgs: [] });
  });
});
