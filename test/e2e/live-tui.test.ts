// End to end with the built CLI: the monitor with `--listen` in tmux (loopback, alert rules, Docker) and a
// headless `tailtop agent --listen` on all interfaces behind a bearer token and TLS, both scraped by a real
// Prometheus (the agent through its token and TLS), and `tailtop fleet` over that Prometheus:
// - a CPU-burning container makes a rule fire: the header says so, /metrics has tailtop_alert_active, the hook
//   runs once; stopping it resolves the alert and runs the hook once more (never again after); `a` shows the
//   history;
// - without the token every route of the public listener answers 401 and nothing else; plain HTTP to the TLS
//   port gets nothing; silent and slowloris clients are cut off while the monitor keeps sampling;
// - the fleet view lists both; the agent stopped (SIGTERM, exit 0) shows as down;
// - `snapshot --json --follow` prints one document per interval and exits 0 on SIGINT.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, CLI as cli, REPO as root, requirement } from '../env.js';
import { hasTmux, startTmux, type TmuxSession } from './tmux.js';
import { freePort, requirePrometheus, startPrometheus, type Prometheus } from '../prometheus.js';
import { docker, removeAll, requireDaemon, run, type DaemonHandle } from '../integration/docker-helpers.js';
import { sleep } from '../wait.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = requirement('tmux', hasTmux(), 'tmux is not installed') ?? builtCli() ?? requirePrometheus() ?? requirement('openssl', hasOpenssl, 'openssl not installed');
const P = 'tt-e2e-live-';

describe.skipIf(skip)('monitors with --listen, alerts, Prometheus and the fleet view', () => {
  let d: DaemonHandle;
  let dir: string;
  let prom: Prometheus;
  let a: TmuxSession;
  let b: ChildProcess;
  let bErr = '';
  const sessions: TmuxSession[] = [];
  let portA = 0;
  let portB = 0;
  const token = 'e2e-token-0123456789abcdef';
  /** GET over TLS accepting the throwaway certificate: status and body. */
  const get = (url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(url, { rejectUnauthorized: false, headers, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (b: Buffer) => (body += b.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const hookLog = (): string[] => (existsSync(join(dir, 'hook.log')) ? readFileSync(join(dir, 'hook.log'), 'utf8').trim().split('\n').filter(Boolean) : []);

  beforeAll(async () => {
    d = await requireDaemon(P);
    dir = mkdtempSync(join(tmpdir(), 'tailtop-live-e2e-'));
    writeFileSync(join(dir, 'token'), token);
    chmodSync(join(dir, 'token'), 0o600);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    // The hook writes one line per run: the state and the container, from the environment only.
    writeFileSync(join(dir, 'hook.sh'), `#!/bin/sh\necho "$TAILTOP_ALERT_STATE $TAILTOP_ALERT_LABEL_CONTAINER $TAILTOP_ALERT_NAME" >> ${join(dir, 'hook.log')}\n`);
    chmodSync(join(dir, 'hook.sh'), 0o755);
    writeFileSync(
      join(dir, 'a.toml'),
      `[[alert]]\nname = "HotBurner"\nexpr = "container.cpu_percent > 30"\nfor = "2s"\nseverity = "page"\ncommand = ["${join(dir, 'hook.sh')}"]\n`,
    );
    portA = await freePort();
    portB = await freePort();
    const env = { TERM: 'tmux-256color', LANG: 'C.UTF-8', DOCKER_HOST: d.host };
    a = startTmux(`node ${cli} --config ${join(dir, 'a.toml')} --listen 127.0.0.1:${portA}`, { cols: 140, rows: 36, cwd: root, env });
    b = spawn(process.execPath, [cli, 'agent', '--no-docker', '--no-ebpf', '--store', join(dir, 'store'), '--listen', `0.0.0.0:${portB}`, '--auth-token-file', join(dir, 'token'), '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')], { stdio: ['ignore', 'ignore', 'pipe'] });
    b.stderr!.on('data', (x: Buffer) => (bErr += x.toString()));
    sessions.push(a);
    await a.waitFor(/view overview/, 20_000);
    await until(() => /serving \/metrics and \/api\/v1 on https:\/\/\[?[:0-9.]+\]?:\d+ \(bearer token required\)/.test(bErr), 20_000, `the agent's listener (${bErr})`);
    // One job (the fleet view reads one): the second target over https (relabelled scheme) with the token.
    prom = await startPrometheus({
      jobs: [
        {
          job: 'tailtop',
          targets: [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`],
          extra: [
            '    authorization:',
            `      credentials_file: ${join(dir, 'token')}`,
            '    tls_config:',
            '      insecure_skip_verify: true',
            '    relabel_configs:',
            '      - source_labels: [__address__]',
            `        regex: "127.0.0.1:${portB}"`,
            '        target_label: __scheme__',
            '        replacement: https',
          ].join('\n'),
        },
      ],
    });
  }, 120_000);

  afterAll(async () => {
    for (const s of sessions) s.kill();
    if (b && b.exitCode === null) b.kill('SIGKILL');
    await prom?.stop();
    if (d && !d.unavailable) await removeAll(d.host, P);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('an alert fires and resolves on a real burner container, the hook once per transition; `a` shows it', async () => {
    await run(d.host, `${P}burn`, ['--network', 'none', '--cpus', '0.6'], ['sh', '-c', 'while :; do :; done']);
    let pane = await a.waitFor(/ALERT 1: HotBurner/, 30_000);
    expect(pane.split('\n')[0]).toContain('ALERT 1: HotBurner');
    const metrics = await (await fetch(`http://127.0.0.1:${portA}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`tailtop_alert_active\\{alertname="HotBurner",alertstate="firing",severity="page",container="${P}burn",id="[0-9a-f]{12}",`));
    await until(() => hookLog().length >= 1, 10_000, 'the hook for firing');
    expect(hookLog()).toEqual([`firing ${P}burn HotBurner`]);
    await docker(d.host, 'rm', '-f', `${P}burn`);
    await until(() => hookLog().length >= 2, 15_000, 'the hook for resolved');
    await sleep(3000);
    expect(hookLog()).toEqual([`firing ${P}burn HotBurner`, `resolved ${P}burn HotBurner`]);
    expect(a.capture().split('\n')[0]).not.toContain('ALERT');
    expect(await (await fetch(`http://127.0.0.1:${portA}/metrics`)).text()).toMatch(/tailtop_alert_command_runs_total\{alertname="HotBurner",result="ok"\} 2/);
    a.send('a', { literal: true });
    pane = await a.waitFor(/History: 3 transitions/, 5000);
    expect(pane).toMatch(/Active: 0 firing, 0 pending/);
    expect(pane).toMatch(/HotBurner\s+firing -> resolved\s+container=tt-e2e-live-burn/);
    expect(pane).toMatch(/HotBurner\s+pending -> firing/);
    a.send('o', { literal: true });
  }, 90_000);

  it('the public listener: 401 and nothing else without the token, TLS only, hostile clients cut off while sampling goes on', async () => {
    const url = (p: string): string => `https://127.0.0.1:${portB}${p}`;
    for (const p of ['/metrics', '/api/v1/snapshot', '/api/v1/containers/x', '/nope']) {
      const r = await get(url(p));
      expect(r.status).toBe(401);
      expect(r.body).toBe('');
      const bad = await get(url(p), { Authorization: 'Bearer wrong-token-0123456789' });
      expect(bad.status).toBe(401);
      expect(bad.body).toBe('');
    }
    const auth = { Authorization: `Bearer ${token}` };
    const snap = async (): Promise<string> => (JSON.parse((await get(url('/api/v1/snapshot'), auth)).body) as { timestamp: string }).timestamp;
    expect((await get(url('/metrics'), auth)).status).toBe(200);
    // Plain HTTP to the TLS port: no answer.
    await expect(fetch(`http://127.0.0.1:${portB}/metrics`, { signal: AbortSignal.timeout(3000) })).rejects.toThrow();
    // 20 hostile clients: silent TCP, silent TLS, TLS slowloris.
    const before = await snap();
    const closed: number[] = [];
    const t0 = Date.now();
    const hostile: Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const s: Socket = i % 3 === 0 ? connect(portB, '127.0.0.1') : tlsConnect({ port: portB, host: '127.0.0.1', rejectUnauthorized: false });
      s.on('error', () => {});
      s.on('close', () => closed.push(Date.now() - t0));
      hostile.push(s);
    }
    const drip = setInterval(() => {
      for (const [i, s] of hostile.entries()) if (i % 3 === 2 && !s.destroyed) s.write(s.bytesWritten === 0 ? 'GET /metrics HTTP/1.1\r\n' : 'X-a: b\r\n');
    }, 300);
    await sleep(4000);
    // Sampling went on meanwhile (a frame a second) and a good client still gets in.
    const during = await snap();
    expect(Date.parse(during) - Date.parse(before)).toBeGreaterThanOrEqual(2500);
    await until(() => closed.length === 20, 10_000, 'every hostile connection closed');
    clearInterval(drip);
    expect(Math.max(...closed)).toBeLessThan(9000);
    expect(b.exitCode).toBeNull();
  }, 60_000);

  it('Prometheus scrapes both (the second through token and TLS); the fleet view lists both, then one down', async () => {
    await prom.waitFor('count(up == 1)', (r) => Number(r[0]?.value[1] ?? 0) === 2, 30_000);
    const f = startTmux(`node ${cli} fleet --prometheus ${prom.url} --job tailtop --refresh 1000 --window 10s`, { cols: 160, rows: 20, cwd: root, env: { TERM: 'tmux-256color', LANG: 'C.UTF-8' } });
    sessions.push(f);
    let pane = await f.waitFor(/hosts 2 +data/, 30_000);
    expect(pane).toContain(`127.0.0.1:${portA}`);
    expect(pane).toContain(`127.0.0.1:${portB}`);
    b.kill('SIGTERM');
    expect(await new Promise((r) => (b.exitCode !== null ? r(b.exitCode) : b.once('exit', (c) => r(c))))).toBe(0);
    pane = await f.waitFor(/hosts 2 \(1 down\)/, 30_000);
    const line = pane.split('\n').find((l) => l.includes(`127.0.0.1:${portB}`)) ?? '';
    expect(line).toMatch(/down/);
    f.send('q', { literal: true });
    expect(await f.waitExit(10_000)).toBe(0);
  }, 90_000);

  it('snapshot --json --follow: one JSON document per interval, exit 0 on SIGINT', async () => {
    const child = spawn(process.execPath, [cli, 'snapshot', '--json', '--follow', '--interval', '500', '--no-docker', '--no-ebpf'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await until(() => out.split('\n').filter(Boolean).length >= 4, 15_000, 'four documents');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    const docs = out.trim().split('\n').map((l) => JSON.parse(l) as { schemaVersion: number; timestamp: string; intervalSec: number });
    expect(docs.every((x) => x.schemaVersion === 1)).toBe(true);
    for (let i = 1; i < docs.length; i++) {
      const gap = Date.parse(docs[i]!.timestamp) - Date.parse(docs[i - 1]!.timestamp);
      expect(gap).toBeGreaterThanOrEqual(450);
      expect(gap).toBeLessThanOrEqual(600);
      expect(docs[i]!.intervalSec).toBeCloseTo(gap / 1000, 1);
    }
  }, 30_000);
});

describe.skipIf(builtCli() !== null)('--listen flags: usage errors exit 2 with one line naming the flag', () => {
  const run = (args: string[]): { status: number | null; stderr: string } => {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, TERM: 'dumb' } });
    return { status: r.status, stderr: r.stderr };
  };
  it('the agent: a public address without token or TLS, a token file without --listen, half a TLS pair, a port in use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-listen-flags-'));
    try {
      let r = run(['agent', '--no-docker', '--no-ebpf', '--store', join(dir, 's1'), '--listen', '0.0.0.0:9']);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--listen 0\.0\.0\.0:9: not a loopback address; give --auth-token-file FILE or --tls-cert FILE --tls-key FILE/);
      expect(existsSync(join(dir, 's1'))).toBe(false); // refused before anything started
      r = run(['agent', '--no-docker', '--no-ebpf', '--store', join(dir, 's2'), '--auth-token-file', '/nonexistent']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--auth-token-file goes with --listen/);
      r = run(['agent', '--no-docker', '--no-ebpf', '--store', join(dir, 's3'), '--listen', '127.0.0.1:0', '--tls-cert', '/x.pem']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--tls-cert needs --tls-key/);
      const busy = createServer().listen(0, '127.0.0.1');
      await new Promise((res) => busy.once('listening', res));
      const port = (busy.address() as { port: number }).port;
      r = run(['agent', '--no-docker', '--no-ebpf', '--store', join(dir, 's4'), '--listen', `127.0.0.1:${port}`]);
      busy.close();
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--listen 127\\.0\\.0\\.1:${port}: address already in use`));
      // The store it had opened was closed again: a second agent may take it.
      r = run(['agent', '--no-docker', '--no-ebpf', '--store', join(dir, 's4'), '--listen', '0.0.0.0:9']);
      expect(r.stderr).not.toMatch(/being written by another/);
      expect(run(['snapshot', '--json', '--listen', '127.0.0.1:0']).stderr).toMatch(/--listen goes with the monitor/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
