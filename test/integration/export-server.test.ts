// The listener for real over loopback: the address rules, the bearer token (401 and nothing else), TLS with a
// throwaway certificate made by openssl, and hostile clients (slowloris, a silent connection, huge headers,
// a huge body, more connections than allowed) that must neither stall a timer in the same process nor keep
// a well-behaved client out for longer than the timeouts.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExportServer, ListenError, listenConfig, metricsHandler, parseListen } from '../../src/export/server.js';
import { requirement } from '../env.js';
import { sleep, until } from '../wait.js';

const dir = mkdtempSync(join(tmpdir(), 'tailtop-listen-'));
const tokenFile = join(dir, 'token');
const TOKEN = 'k3y-0123456789-abcdef';
writeFileSync(tokenFile, `${TOKEN}\n`);
chmodSync(tokenFile, 0o600);
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const skipTls = requirement('openssl', hasOpenssl, 'openssl not installed') !== null;

const servers: ExportServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serve(o: Parameters<typeof listenConfig>[0], limits: ConstructorParameters<typeof ExportServer>[1] = {}): Promise<{ server: ExportServer; port: number }> {
  const server = new ExportServer(listenConfig(o), limits);
  server.route('/metrics', metricsHandler(() => [{ name: 'x_up', type: 'gauge', help: 'Up.', samples: [{ labels: {}, value: 1 }] }]));
  server.route('/api/v1/containers/{id}', (req) => ({ contentType: 'application/json', body: JSON.stringify({ id: req.params['id'] }) }));
  servers.push(server);
  const { port } = await server.start();
  return { server, port };
}

/** Send raw bytes and collect what comes back until the server closes or `ms` pass. */
function raw(port: number, text: string, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (b) => (got += b.toString()));
    s.on('error', () => {});
    const t = setTimeout(() => s.destroy(), ms);
    s.on('close', () => {
      clearTimeout(t);
      resolve(got);
    });
    s.write(text);
  });
}

describe('listen address rules', () => {
  it('parses addresses and tells loopback', () => {
    expect(parseListen('127.0.0.1:9184')).toEqual({ host: '127.0.0.1', port: 9184, loopback: true });
    expect(parseListen('9184')).toEqual({ host: '127.0.0.1', port: 9184, loopback: true });
    expect(parseListen('[::1]:9184')).toEqual({ host: '::1', port: 9184, loopback: true });
    expect(parseListen(':9184')).toEqual({ host: '::', port: 9184, loopback: false });
    expect(parseListen('0.0.0.0:1')).toMatchObject({ loopback: false });
    expect(() => parseListen('example.com:80')).toThrow(/not an IP address/);
    expect(() => parseListen('127.0.0.1:99999')).toThrow(/port/);
    expect(() => parseListen('::1:80')).toThrow(/brackets/);
  });

  it('needs a token or TLS off loopback, and a sound token file', () => {
    expect(() => listenConfig({ listen: '0.0.0.0:9184' })).toThrow(ListenError);
    expect(() => listenConfig({ listen: '0.0.0.0:9184' })).toThrow(/--auth-token-file/);
    expect(listenConfig({ listen: '0.0.0.0:9184', authTokenFile: tokenFile }).token).toBe(TOKEN);
    const open = join(dir, 'open');
    writeFileSync(open, TOKEN);
    chmodSync(open, 0o644);
    expect(() => listenConfig({ listen: '127.0.0.1:1', authTokenFile: open })).toThrow(/readable by every user/);
    const short = join(dir, 'short');
    writeFileSync(short, 'abc');
    chmodSync(short, 0o600);
    expect(() => listenConfig({ listen: '127.0.0.1:1', authTokenFile: short })).toThrow(/at least 16/);
    expect(() => listenConfig({ listen: '127.0.0.1:1', authTokenFile: join(dir, 'none') })).toThrow(/no such file/);
    expect(() => listenConfig({ listen: '127.0.0.1:1', tlsCert: tokenFile })).toThrow(/--tls-key/);
  });
});

describe('bearer token', () => {
  it('401 with an empty body without the right token, whatever the path; 200 with it', async () => {
    const { port, server } = await serve({ listen: '127.0.0.1:0', authTokenFile: tokenFile });
    const base = `http://127.0.0.1:${port}`;
    for (const [path, auth] of [['/metrics', undefined], ['/metrics', 'Bearer wrong-token-0123456789'], ['/nope', undefined], ['/metrics', `Basic ${TOKEN}`], ['/metrics', `Bearer ${TOKEN}x`]] as const) {
      const r = await fetch(base + path, { headers: auth ? { authorization: auth } : {} });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="tailtop"');
      expect(await r.text()).toBe('');
    }
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('x_up 1');
    const missing = await fetch(`${base}/nope`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(missing.status).toBe(404);
    expect(server.stats.unauthorized).toBe(5);
  });

  it('compresses for clients that ask for gzip', async () => {
    const { port, server } = await serve({ listen: '127.0.0.1:0' });
    const big = 'x_big 1\n'.repeat(5000);
    server.route('/big', () => ({ contentType: 'text/plain', body: big }));
    const raw = await new Promise<{ enc: string | undefined; len: number; body: string }>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get({ host: '127.0.0.1', port, path: '/big', headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const buf = Buffer.concat(chunks);
            resolve({ enc: res.headers['content-encoding'], len: buf.length, body: gunzipSync(buf).toString() });
          });
        }).on('error', reject),
      );
    });
    expect(raw.enc).toBe('gzip');
    expect(raw.body).toBe(big);
    expect(raw.len).toBeLessThan(big.length / 20);
    const plain = await fetch(`http://127.0.0.1:${port}/big`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(big);
  });

  it('serves OpenMetrics when asked, routes with parameters, refuses other methods', async () => {
    const { port } = await serve({ listen: '127.0.0.1:0' });
    const om = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(await om.text()).toMatch(/# EOF\n$/);
    const c = await fetch(`http://127.0.0.1:${port}/api/v1/containers/abc%20d`);
    expect(await c.json()).toEqual({ id: 'abc d' });
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/containers/%E0%A4%A`)).status).toBe(404);
  });
});

describe.skipIf(skipTls)('TLS', () => {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  beforeAll(() => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  });

  it('serves over TLS with a certificate the client trusts; plain HTTP gets nothing', async () => {
    const { port } = await serve({ listen: '0.0.0.0:0', tlsCert: cert, tlsKey: key });
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/metrics', ca: execFileSync('cat', [cert]) }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(`${res.statusCode} ${b}`));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toMatch(/^200 [\s\S]*x_up 1/);
    const plain = await raw(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', 3000);
    expect(plain).not.toContain('x_up');
  });

  it('a TLS connection that is in use outlives the header timeout (keep-alive)', async () => {
    const { port, server } = await serve({ listen: '127.0.0.1:0', tlsCert: cert, tlsKey: key }, { headersTimeoutMs: 1000 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, path: '/metrics', ca: execFileSync('cat', [cert]), agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get()).toBe(200);
    await sleep(1600);
    expect(await get()).toBe(200);
    agent.destroy();
    expect(server.stats.connections).toBe(1);
  });

  it('TLS and a token together: the token is still required', async () => {
    const { port } = await serve({ listen: '127.0.0.1:0', tlsCert: cert, tlsKey: key, authTokenFile: tokenFile });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/metrics', ca: execFileSync('cat', [cert]) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
  });
});

describe('hostile clients', () => {
  it('huge headers get 431, a huge body 413, a long URL 414', async () => {
    const { port } = await serve({ listen: '127.0.0.1:0' });
    expect(await raw(port, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1.1 431/);
    expect(await raw(port, 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n')).toMatch(/^HTTP\/1.1 413/);
    expect(await raw(port, `GET /${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`)).toMatch(/^HTTP\/1.1 414/);
  });

  it('slowloris and silent connections are cut off at the header timeout; the event loop never stalls', async () => {
    const { port, server } = await serve({ listen: '127.0.0.1:0' }, { headersTimeoutMs: 1000, maxConnections: 8, idleTimeoutMs: 3000 });
    // A timer in the same process stands for the sampler: it must keep its pace throughout.
    let worstLag = 0;
    let last = Date.now();
    const tick = setInterval(() => {
      const now = Date.now();
      worstLag = Math.max(worstLag, now - last - 50);
      last = now;
    }, 50);
    const hostile: Socket[] = [];
    const closedAt: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 12; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => closedAt.push(Date.now() - t0));
      hostile.push(s);
    }
    // Half of them trickle a header line every 200 ms (slowloris); the others send nothing at all.
    const drip = setInterval(() => {
      for (const [i, s] of hostile.entries()) if (i % 2 === 0 && !s.destroyed) s.write(s.bytesWritten === 0 ? 'GET /metrics HTTP/1.1\r\n' : 'X-a: b\r\n');
    }, 200);
    await sleep(300);
    // The cap holds: no more than 8 accepted; the rest were closed at once.
    expect(server.openConnections).toBeLessThanOrEqual(8);
    await sleep(2700);
    clearInterval(drip);
    // All hostile sockets are gone within the header timeout (plus Node's 1 s connection check for those
    // that started a request).
    expect(closedAt).toHaveLength(12);
    expect(Math.max(...closedAt)).toBeLessThan(2500);
    // A well-behaved client gets in.
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    clearInterval(tick);
    expect(worstLag).toBeLessThan(100);
  });

  it('a client that does not read its responses is disconnected when idle', async () => {
    const { port, server } = await serve({ listen: '127.0.0.1:0' }, { idleTimeoutMs: 1000 });
    server.route('/big', () => ({ contentType: 'text/plain', body: 'x'.repeat(4 * 1024 * 1024) }));
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.pause(); // never read: the server's writes back up
    s.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => server.openConnections === 1, 2000, 'the connection');
    const t0 = Date.now();
    await until(() => server.openConnections === 0, 5000, 'the server to drop the stuck connection');
    expect(Date.now() - t0).toBeLessThan(3000);
    s.destroy();
  });
});
