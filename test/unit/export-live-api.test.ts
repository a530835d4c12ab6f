// startExport over a fake source on a loopback port: /metrics follows the ticks (and the alert board), the
// JSON API answers with the snapshot schema (503 before the first tick, 404/409 for an unknown or ambiguous
// container, 501 for /range without a recording), the token rule holds for every route, and stop()
// unsubscribes. The listen flags: usage errors (exit 2) name the flag.
import { EventEmitter } from 'node:events';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findContainer, startExport, type LiveExport } from '../../src/export/live.js';
import { listenFromFlags } from '../../src/export/listen.js';
import { listenConfig } from '../../src/export/server.js';
import { DEFAULT_EXPORT } from '../../src/config/alerts.js';
import { AlertBoard } from '../../src/export/alert-board.js';
import { parseConfig } from '../../src/config/config.js';
import { UsageError } from '../../src/errors.js';
import type { SampleSet } from '../../src/model/sample-set.js';
import type { ContainerFrame, Frame } from '../../src/model/types.js';
import { sampleGenerator } from './record-helpers.js';

const facts = () => ({ hostname: 'h1', kernel: '6.1', os: 'Linux', cpuModel: 'cpu', cpuCount: 2 });

function container(id: string, name: string, cpu: number): ContainerFrame {
  return {
    id, name, image: 'img', runtime: 'docker', state: 'running', cpuPercent: cpu, cpuUserPercent: null, cpuSystemPercent: null, cpuLimitCores: null,
    cpuOfLimitPercent: null, memoryUsedBytes: 1, memoryLimitBytes: null, memoryPercent: null, netRxBytesPerSec: null, netTxBytesPerSec: null,
    blockReadBytesPerSec: null, blockWriteBytesPerSec: null, pids: 1, throttledPercent: null, oomKills: null, pressure: null, labels: {},
    composeProject: null, composeService: null, hostNetwork: false, source: 'cgroup-v1', blockSource: 'cgroup-v1', error: null,
  };
}

function frameOf(set: SampleSet, containers: ContainerFrame[]): Frame {
  return {
    atMs: set.atMs, wallMs: set.wallMs, elapsedMs: 1000,
    host: { source: 'procfs', cpu: { percent: 95, user: 90, nice: 0, system: 5, idle: 5, iowait: 0, irq: 0, softirq: 0, steal: 0 }, cores: [], contextSwitchesPerSec: 1, memory: null, load: null, disks: [], net: [], pressure: null, uptimeSec: 10 },
    containers: { daemon: { state: 'ok', attempt: 0, endpoint: 'unix:///x', runtime: 'docker' }, containers },
    processes: null, latency: null, errors: [],
  };
}

const open: LiveExport[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.stop();
});

async function start(o: { token?: string; alerts?: AlertBoard } = {}) {
  const src = new EventEmitter();
  let listen = listenConfig({ listen: '127.0.0.1:0' });
  if (o.token) {
    const f = join(mkdtempSync(join(tmpdir(), 'tt-tok-')), 'token');
    writeFileSync(f, o.token);
    chmodSync(f, 0o600);
    listen = listenConfig({ listen: '127.0.0.1:0', authTokenFile: f });
  }
  const live = await startExport(src as never, { listen, settings: DEFAULT_EXPORT, version: 't', facts, intervalMs: () => 1000, alerts: o.alerts ?? null });
  open.push(live);
  const url = (p: string): string => `http://127.0.0.1:${live.port}${p}`;
  return { src, live, url };
}

describe('startExport', () => {
  it('serves nothing but 503 before the first tick, then the snapshot and the containers', async () => {
    const { src, url } = await start();
    expect((await fetch(url('/api/v1/snapshot'))).status).toBe(503);
    const set = sampleGenerator({ containers: 2, ebpf: false }).next();
    const a = 'abcdef0123456789'.repeat(4);
    const b = 'abcdef9999999999'.repeat(4);
    src.emit('frame', frameOf(set, [container(a, 'web', 12.5), container(b, 'db', 3)]), set);
    const snap = (await (await fetch(url('/api/v1/snapshot'))).json()) as { schemaVersion: number; host: { hostname: string }; containers: { name: string }[] };
    expect(snap.schemaVersion).toBe(1);
    expect(snap.host.hostname).toBe('h1');
    expect(snap.containers.map((c) => c.name)).toEqual(['web', 'db']);
    const byName = await fetch(url('/api/v1/containers/web'));
    expect(byName.status).toBe(200);
    expect(byName.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(((await byName.json()) as { cpuPercent: number }).cpuPercent).toBe(12.5);
    expect(((await (await fetch(url(`/api/v1/containers/${b.slice(0, 12)}`))).json()) as { name: string }).name).toBe('db');
    expect((await fetch(url('/api/v1/containers/abcdef'))).status).toBe(409);
    expect((await fetch(url('/api/v1/containers/nope'))).status).toBe(404);
    const range = await fetch(url('/api/v1/range?from=1&to=2'));
    expect(range.status).toBe(501);
    expect(((await range.json()) as { error: string }).error).toMatch(/recording/);
    const metrics = await (await fetch(url('/metrics'))).text();
    expect(metrics).toContain('tailtop_host_info{hostname="h1",kernel="6.1",os="Linux"} 1');
  });

  it('puts the alert board into /metrics at scrape time', async () => {
    const cfg = parseConfig('[[alert]]\nname = "Busy"\nexpr = "host.cpu.percent > 90"\n');
    const board = new AlertBoard(cfg.alerts);
    const { src, url } = await start({ alerts: board });
    const set = sampleGenerator({ containers: 0, ebpf: false }).next();
    const f = frameOf(set, []);
    src.emit('frame', f, set);
    board.onFrame(f);
    const text = await (await fetch(url('/metrics'))).text();
    expect(text).toContain('tailtop_alert_active{alertname="Busy",alertstate="firing",severity="warning"} 1');
  });

  it('with a token: 401 and an empty body on every route without it', async () => {
    const token = 'secret-token-0123456789';
    const { url } = await start({ token });
    for (const p of ['/metrics', '/api/v1/snapshot', '/api/v1/containers/x', '/api/v1/range', '/nope']) {
      const r = await fetch(url(p));
      expect(r.status).toBe(401);
      expect(await r.text()).toBe('');
    }
    expect((await fetch(url('/metrics'), { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(url('/api/v1/snapshot'), { headers: { Authorization: `Bearer ${token}` } })).status).toBe(503);
  });

  it('stop() unsubscribes from the source and closes the port', async () => {
    const { src, live, url } = await start();
    expect(src.listenerCount('frame')).toBe(1);
    await live.stop();
    open.pop();
    expect(src.listenerCount('frame')).toBe(0);
    await expect(fetch(url('/metrics'))).rejects.toThrow();
  });

  it('a port in use is a usage error naming --listen', async () => {
    const { live } = await start();
    const src = new EventEmitter();
    await expect(startExport(src as never, { listen: listenConfig({ listen: `127.0.0.1:${live.port}` }), settings: DEFAULT_EXPORT, version: 't', facts, intervalMs: () => 1000 })).rejects.toThrow(UsageError);
    expect(src.listenerCount('frame')).toBe(0);
  });
});

describe('listenFromFlags', () => {
  it('is null without --listen; the other flags need it; a public address needs a token or TLS', () => {
    expect(listenFromFlags({})).toBeNull();
    expect(() => listenFromFlags({ 'auth-token-file': '/x' })).toThrow(/--auth-token-file goes with --listen/);
    expect(() => listenFromFlags({ listen: '0.0.0.0:9184' })).toThrow(UsageError);
    expect(() => listenFromFlags({ listen: '0.0.0.0:9184' })).toThrow(/--auth-token-file FILE or --tls-cert/);
    expect(() => listenFromFlags({ listen: 'nonsense' })).toThrow(/--listen 'nonsense'/);
    expect(listenFromFlags({ listen: '127.0.0.1:9184' })!.address).toEqual({ host: '127.0.0.1', port: 9184, loopback: true });
  });
});

describe('findContainer', () => {
  const list = [{ id: 'aaaa1111', name: 'x' }, { id: 'aaaa2222', name: 'y' }, { id: 'bbbb', name: 'aaaa' }];
  it('exact id or name first, then a unique prefix of 4+ hex digits', () => {
    expect(findContainer(list, 'aaaa')).toEqual({ container: list[2] });
    expect(findContainer(list, 'aaaa1')).toEqual({ container: list[0] });
    expect(findContainer(list, 'aaa')).toMatchObject({ status: 404 });
    expect(findContainer(list, 'aaaa2')).toEqual({ container: list[1] });
  });
});
