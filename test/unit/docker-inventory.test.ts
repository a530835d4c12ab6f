// Inventory (events, ordering, reconnect) and ContainerSource (cgroup vs stats API, none, remote) against an
// in-memory daemon.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerCounters, ContainerMeta } from '../../src/model/types.js';
import { ContainerSource } from '../../src/sources/docker/container-source.js';
import type { Endpoint } from '../../src/sources/docker/endpoint.js';
import { DEFAULT_BACKOFF, Inventory } from '../../src/sources/docker/inventory.js';
import { backoffDelay } from '../../src/sources/backoff.js';
import { PassThrough } from 'node:stream';
import type { DockerApi } from '../../src/sources/docker/api.js';
import { emptyCalls } from '../../src/sources/docker/api.js';
import { emptyCounters } from '../../src/sources/cgroup/v2.js';
import { until as waitUntil } from '../wait.js';

interface FakeContainer {
  id: string;
  name: string;
  state: string;
  pid: number;
  nanoCpus?: number;
  labels?: Record<string, string>;
}

function inspectDoc(c: FakeContainer): unknown {
  return {
    Id: c.id,
    Name: `/${c.name}`,
    Created: '2026-01-01T00:00:00Z',
    State: { Status: c.state, Pid: c.state === 'running' || c.state === 'paused' ? c.pid : 0 },
    HostConfig: { NetworkMode: 'bridge', Memory: 0, NanoCpus: c.nanoCpus ?? 0 },
    Config: { Image: 'img', Labels: c.labels ?? {} },
  };
}

function fakeId(n: number): string {
  return n.toString(16).padStart(64, '0');
}

class FakeDaemon {
  readonly containers = new Map<string, FakeContainer>();
  up = true;
  runtimeName = 'Engine';
  private streams: PassThrough[] = [];
  /** Runs inside listContainers before it answers (to simulate changes during the listing). */
  duringList: (() => void) | null = null;
  /** When set, inspect waits for this before answering. */
  inspectGate: Promise<void> | null = null;
  /** Requests fail with EACCES (a socket the user may not open). */
  denied = false;
  /** Requests hang (a stopped daemon: the socket accepts, nothing answers); the event stream stays open. */
  hung = false;
  private hanging: (() => void)[] = [];
  statsDoc: (id: string) => unknown = () => ({
    cpu_stats: { cpu_usage: { total_usage: 1e9, usage_in_usermode: 5e8, usage_in_kernelmode: 5e8 } },
    memory_stats: { usage: 1000, limit: 2000, stats: {} },
  });
  readonly apis: DockerApi[] = [];

  add(c: FakeContainer, emit = true): void {
    this.containers.set(c.id, c);
    if (emit) {
      this.emit(c.id, 'create');
      if (c.state === 'running') this.emit(c.id, 'start');
    }
  }

  set(id: string, patch: Partial<FakeContainer>, action: string): void {
    const c = this.containers.get(id);
    if (!c) throw new Error('no such fake container');
    Object.assign(c, patch);
    this.emit(id, action);
  }

  destroy(id: string): void {
    this.containers.delete(id);
    this.emit(id, 'destroy');
  }

  emit(id: string, action: string): void {
    const line = JSON.stringify({ Type: 'container', Action: action, Actor: { ID: id, Attributes: {} }, status: action, id });
    for (const s of this.streams) s.write(`${line}\n`);
  }

  raw(text: string): void {
    for (const s of this.streams) s.write(text);
  }

  /** The daemon goes away: every open event stream ends, new requests fail. */
  kill(): void {
    this.up = false;
    for (const s of this.streams) s.end();
    this.streams = [];
  }

  revive(): void {
    this.up = true;
  }

  get openStreams(): number {
    return this.streams.length;
  }

  private down(): Error {
    if (this.denied) return Object.assign(new Error('connect EACCES /fake/docker.sock'), { code: 'EACCES' });
    return Object.assign(new Error('connect ENOENT /fake/docker.sock'), { code: 'ENOENT' });
  }

  /** The daemon answers again: hung requests get their answer. */
  resume(): void {
    this.hung = false;
    for (const r of this.hanging.splice(0)) r();
  }

  makeApi = (): DockerApi => {
    const calls = emptyCalls();
    const api: DockerApi = {
      calls,
      version: async () => {
        calls.version++;
        if (!this.up) throw this.down();
        return { Platform: { Name: '' }, Components: [{ Name: this.runtimeName }], ApiVersion: '1.41' };
      },
      listContainers: async () => {
        calls.list++;
        if (!this.up) throw this.down();
        const snapshot = [...this.containers.values()].map((c) => ({ Id: c.id, Names: [`/${c.name}`], State: c.state }));
        this.duringList?.();
        this.duringList = null;
        return snapshot;
      },
      inspect: async (id: string) => {
        calls.inspect++;
        if (!this.up) throw this.down();
        const c = this.containers.get(id);
        const doc = c ? inspectDoc(c) : null;
        if (this.inspectGate) await this.inspectGate;
        if (!doc) throw Object.assign(new Error(`(HTTP code 404) no such container - No such container: ${id}`), { statusCode: 404 });
        return doc;
      },
      events: async (signal: AbortSignal) => {
        calls.events++;
        if (!this.up) throw this.down();
        const s = new PassThrough();
        signal.addEventListener('abort', () => {
          s.destroy();
          this.streams = this.streams.filter((x) => x !== s);
        });
        this.streams.push(s);
        return s;
      },
      ping: async () => {
        calls.ping++;
        if (!this.up) throw this.down();
        if (this.hung) await new Promise<void>((r) => this.hanging.push(r));
        return 'OK';
      },
      stats: async (id: string) => {
        calls.stats++;
        if (!this.up) throw this.down();
        if (!this.containers.has(id)) throw Object.assign(new Error('no such container'), { statusCode: 404 });
        return this.statsDoc(id);
      },
    };
    this.apis.push(api);
    return api;
  };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

const until = (check: () => boolean, ms = 2000): Promise<void> => waitUntil(check, ms, 'the condition', 5);

// ---------------------------------------------------------------- tests

const EP: Endpoint = { url: 'unix:///fake/docker.sock', socketPath: '/fake/docker.sock', local: true, from: 'env' };
const FAST = { initialMs: 10, maxMs: 40 };

function names(inv: Inventory): string[] {
  return inv
    .list()
    .map((m) => `${m.name}:${m.state}`)
    .sort();
}

describe('backoffDelay', () => {
  it('doubles from 0.5 s and caps at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 100].map((n) => backoffDelay(n, DEFAULT_BACKOFF))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffDelay(0, DEFAULT_BACKOFF)).toBe(500);
  });
});

describe('Inventory', () => {
  let d: FakeDaemon;
  let inv: Inventory;
  beforeEach(() => {
    d = new FakeDaemon();
  });
  afterEach(async () => {
    await inv?.stop();
  });

  it('a socket refused for want of permission is said plainly, not as a count of attempts', async () => {
    d.up = false;
    d.denied = true;
    inv = new Inventory({ endpoint: EP, makeApi: d.makeApi, backoff: FAST });
    await inv.start();
    await until(() => inv.attempt >= 3);
    expect(inv.state).toBe('reconnecting');
    expect(inv.errors()).toEqual(['docker: permission denied on /fake/docker.sock (add the user to group docker)']);
    // Permission given (the user joined the group and came back): it connects.
    d.denied = false;
    d.up = true;
    await until(() => inv.state === 'ok', 3000);
    expect(inv.errors()).toEqual([]);
  });

  it('a daemon that stops answering while connected is "not answering for N s", and recovers', async () => {
    d.add({ id: fakeId(1), name: 'a', state: 'running', pid: 100 }, false);
    let clock = 0;
    inv = new Inventory({ endpoint: EP, makeApi: d.makeApi, pingEveryMs: 20, pingTimeoutMs: 30, now: () => clock });
    await inv.start();
    expect(inv.state).toBe('ok');
    await until(() => d.apis[0]!.calls.ping >= 2);
    expect(inv.errors()).toEqual([]);
    d.hung = true;
    clock = 1000;
    await until(() => inv.errors().length > 0);
    clock = 13_400;
    expect(inv.errors()).toEqual(['docker: not answering for 12 s']);
    expect(inv.state).toBe('ok'); // still connected: the event stream is open
    expect(inv.list().map((m) => m.name)).toEqual(['a']); // what was known is kept
    d.resume();
    await until(() => inv.errors().length === 0);
  });

  it('no endpoint = state none, a normal state with no error', async () => {
    inv = new Inventory({ endpoint: null, makeApi: d.makeApi });
    await inv.start();
    expect(inv.state).toBe('none');
    expect(inv.errors()).toEqual([]);
    expect(inv.list()).toEqual([]);
  });

  it('subscribes before listing, lists and inspects each container once', async () => {
    d.add({ id: fakeId(1), name: 'a', state: 'running', pid: 100, nanoCpus: 5e8 }, false);
    d.add({ id: fakeId(2), name: 'b', state: 'exited', pid: 0 }, false);
    const order: string[] = [];
    inv = new Inventory({
      endpoint: EP,
      makeApi: () => {
        const api = d.makeApi();
        const wrap = <K extends 'events' | 'listContainers' | 'version'>(k: K) => {
          const f = api[k].bind(api) as (...a: unknown[]) => Promise<unknown>;
          (api as unknown as Record<string, unknown>)[k] = (...a: unknown[]) => {
            order.push(k);
            return f(...a);
          };
        };
        wrap('events');
        wrap('version');
        wrap('listContainers');
        return api;
      },
    });
    await inv.start();
    expect(order).toEqual(['events', 'version', 'listContainers']);
    expect(inv.state).toBe('ok');
    expect(inv.runtime).toBe('docker');
    expect(names(inv)).toEqual(['a:running', 'b:exited']);
    expect(inv.list().find((m) => m.name === 'a')).toMatchObject({ initPid: 100, cpuLimitCores: 0.5 });
    expect(inv.apiCalls).toMatchObject({ events: 1, version: 1, list: 1, inspect: 2, stats: 0 });
  });

  it('recognises podman', async () => {
    d.runtimeName = 'Podman Engine';
    d.add({ id: fakeId(1), name: 'a', state: 'running', pid: 1 }, false);
    inv = new Inventory({ endpoint: EP, makeApi: d.makeApi });
    await inv.start();
    expect(inv.runtime).toBe('podman');
    expect(inv.list()[0]!.runtime).toBe('podman');
  });

  it('changes during the listing are not lost (events before list)', async () => {
    d.add({ id: fakeId(1), name: 'a', state: 'running', pid: 1 }, false);
    d.add({ id: fakeId(2), name: 'b', state: 'running', pid: 2 }, false);
    d.duringList = () => {
      // After the list snapshot was taken: one is created, one destroyed, one stopped.
      d.add({ id: fakeId(3), name: 'c', state: 'running', pid: 3 });
      d.destroy(fakeId(2));
      d.set(fakeId(1), { state: 'exited' }, 'die');
    };
    inv = new Inventory({ endpoint: EP, makeApi: d.makeApi });
    await inv.start();
    await until(() => names(inv).join() === 'a:exited,c:running');
  });

  it('follows events: re-inspects only the named container; destroy removes it', async () => {
    d.add({ id: fakeId(1), name: 'a', state: 'running', pid: 1 }, false);
    d.add({ id: fakeId(2), name: 'b', state: 'running', pid: 2 }, false);
    inv = new Inventory({ endpoint: EP, makeApi: d.makeApi });
    await inv.start();
    const base = inv.apiCalls!.inspect;
    d.set(fakeId(1), { state: 'paused' }, 'pause');
    await until(() => names(inv).includes('a:paused'));
    d.set(fakeId(1), { name: 'renamed' }, 'rename');
    await until(() => names(inv).includes('renamed:paused'));
    d.emit(fakeId(1), 'exec_start: sh'); // ignored
    d.emit(fakeId(2), 'health_status: healthy'); // ignored
    d.destroy(fakeId(2));
    await until(() => names(inv).join() === 'renamed:paused');
    await tick(20);
    expect(inv.apiCalls!.inspect - base).toBe(2);
    expect(inv.apiCalls!.list).toBe(1);
    expect(inv.eventsSeen).toBe(5);
  });

  it('a late inspect answer never resurrects a destroyed container', async () => {
    inv = new Inventory({ endpoint: EP, makeApi: d.makeApi });
    await inv.start();
    let open!: () => void;
    d.inspectGate = new Promise((r) => (open = r));
    d.add({ id: fakeId(9), name: 'short', state: 'running', pid: 9 });
    await tick(10);
    d.destroy(fakeId(9));
    await tick(10);
    d.inspectGate = null;
    open();
    await tick(20);
    expect(inv.list()).toEqual([]);
  });

  it('unreadable event lines are counted, not thrown', async () => {
    inv = new Inventory({ endpoint: EP, makeApi: d.makeApi });
    await inv.start();
    d.raw('{"Type":"container","Action":"start","Actor":{"ID":"x"}}\nnot json\n{"Type":"network","Action":"connect"}\n');
    await tick(20);
    expect(inv.errors()).toEqual(['docker: 1 unreadable event line(s) skipped']);
    expect(inv.state).toBe('ok');
  });

  it('daemon gone: reconnecting with an attempt count and backoff, then full recovery', async () => {
    d.add({ id: fakeId(1), name: 'a', state: 'running', pid: 1 }, false);
    inv = new Inventory({ endpoint: EP, makeApi: d.makeApi, backoff: FAST });
    await inv.start();
    expect(inv.connects).toBe(1);
    d.kill();
    await until(() => inv.state === 'reconnecting');
    expect(inv.attempt).toBe(1);
    expect(inv.errors()[0]).toMatch(/^docker: reconnecting \(attempt 1\): event stream (ended|closed)$/);
    await until(() => inv.attempt >= 3);
    expect(inv.errors()[0]).toMatch(/^docker: reconnecting \(attempt \d+\): connect ENOENT \/fake\/docker.sock$/);
    // While it is down the set changes (the daemon restarted without that container, and with a new one).
    d.containers.clear();
    d.add({ id: fakeId(2), name: 'b', state: 'running', pid: 2 }, false);
    d.revive();
    await until(() => inv.state === 'ok', 3000);
    expect(inv.attempt).toBe(0);
    expect(inv.errors()).toEqual([]);
    expect(names(inv)).toEqual(['b:running']);
    expect(inv.connects).toBe(2);
    expect(d.openStreams).toBe(1);
    // And events flow again on the new subscription.
    d.add({ id: fakeId(3), name: 'c', state: 'running', pid: 3 });
    await until(() => names(inv).includes('c:running'));
  });

  it('the first connection failing is reconnecting too; stop() ends the retries', async () => {
    d.kill();
    inv = new Inventory({ endpoint: EP, makeApi: d.makeApi, backoff: FAST });
    await inv.start();
    expect(inv.state).toBe('reconnecting');
    expect(inv.attempt).toBe(1);
    await inv.stop();
    const a = inv.attempt;
    await tick(100);
    expect(inv.attempt).toBe(a);
  });

  it('while the first connection is under way: reconnecting, attempt 0, no error line yet', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    inv = new Inventory({
      endpoint: EP,
      makeApi: () => {
        const api = d.makeApi();
        const f = api.version.bind(api);
        api.version = async () => {
          await gate;
          return f();
        };
        return api;
      },
    });
    const started = inv.start();
    await tick(5);
    expect(inv.state).toBe('reconnecting');
    expect(inv.attempt).toBe(0);
    expect(inv.errors()).toEqual([]);
    open();
    await started;
    expect(inv.state).toBe('ok');
  });

  it('a client factory that throws is reported and retried', async () => {
    let n = 0;
    inv = new Inventory({
      endpoint: EP,
      makeApi: () => {
        if (n++ === 0) throw new Error('bad options');
        return d.makeApi();
      },
      backoff: FAST,
    });
    await inv.start();
    expect(inv.errors()[0]).toBe('docker: reconnecting (attempt 1): bad options');
    await until(() => inv.state === 'ok');
  });
});

// ---------------------------------------------------------------- ContainerSource with the fake daemon

type Read = (meta: ContainerMeta, opts: { root?: string }) => Promise<{ counters: ContainerCounters | null; error: string | null }>;

function counters(cpuNs: number): ContainerCounters {
  return { ...emptyCounters('cgroup-v1'), cpuUsageNs: cpuNs, memoryUsageBytes: 1 };
}

describe('ContainerSource', () => {
  let d: FakeDaemon;
  let src: ContainerSource;
  beforeEach(() => {
    d = new FakeDaemon();
    d.add({ id: fakeId(1), name: 'run', state: 'running', pid: 11 }, false);
    d.add({ id: fakeId(2), name: 'off', state: 'exited', pid: 0 }, false);
  });
  afterEach(async () => {
    await src?.stop();
  });

  const make = (read: Read, env: Record<string, string> = { DOCKER_HOST: 'unix:///fake/docker.sock' }, extra = {}) =>
    new ContainerSource({ env, makeApi: d.makeApi, readCounters: read, backoff: FAST, platform: 'linux', ...extra });

  it('local daemon: cgroup reads only, no stats calls; stopped containers have null counters', async () => {
    const seen: string[] = [];
    src = make(async (m, o) => {
      seen.push(`${m.name}@${o.root ?? '/'}`);
      return { counters: counters(1), error: null };
    }, undefined);
    await src.start();
    const before = src.debug.apiCalls;
    const s1 = await src.sample(1000);
    const s2 = await src.sample(2000);
    expect(s2.daemon).toEqual({ state: 'ok', attempt: 0, endpoint: 'unix:///fake/docker.sock', runtime: 'docker' });
    expect(s1.containers.map((c) => [c.meta.name, c.counters?.source ?? null, c.error])).toEqual([
      ['off', null, null],
      ['run', 'cgroup-v1', null],
    ]);
    expect(seen).toEqual(['run@/', 'run@/']);
    expect(src.debug.apiCalls).toEqual(before);
    expect(src.debug.apiCalls.stats).toBe(0);
    expect(s2.errors).toEqual([]);
  });

  it('the same counters object from the reader: the same sample object again, else a new one', async () => {
    const same = counters(1);
    let next = same;
    src = make(async () => ({ counters: next, error: null }), undefined);
    await src.start();
    const run = async (at: number) => (await src.sample(at)).containers.find((c) => c.meta.name === 'run')!;
    const a = await run(1000);
    expect(await run(2000)).toBe(a);
    next = counters(2);
    const b = await run(3000);
    expect(b).not.toBe(a);
    expect(b.counters).toBe(next);
  });

  it('passes the root through', async () => {
    const roots: (string | undefined)[] = [];
    src = make(async (_m, o) => {
      roots.push(o.root);
      return { counters: counters(1), error: null };
    }, undefined, { root: '/fixture' });
    await src.start();
    await src.sample(1);
    expect(roots).toEqual(['/fixture']);
  });

  it('detail: all by default, else only the containers named', async () => {
    d.add({ id: fakeId(3), name: 'run2', state: 'running', pid: 13 }, false);
    const seen: string[] = [];
    src = make(async (m, o) => {
      seen.push(`${m.name}:${o.detail}`);
      return { counters: counters(1), error: null };
    });
    await src.start();
    await src.sample(1);
    expect(seen.sort()).toEqual(['run2:true', 'run:true']);
    seen.length = 0;
    await src.sample(2, new Set([fakeId(3)]));
    expect(seen.sort()).toEqual(['run2:true', 'run:false']);
  });

  it("pidsOf: a running container's cgroup pids; none for stopped or unknown ones; null for stats-API containers", async () => {
    const asked: string[] = [];
    src = make(async () => ({ counters: counters(1), error: null }), undefined, {
      listPids: async (m: { name: string }) => {
        asked.push(m.name);
        return m.name === 'run' ? { pids: [11, 12], error: null } : { pids: [], error: 'gone' };
      },
    });
    await src.start();
    expect(await src.pidsOf(fakeId(1))).toEqual([11, 12]);
    expect(await src.pidsOf(fakeId(2))).toEqual([]); // exited: nothing to read (not every host process)
    expect(await src.pidsOf('nope')).toEqual([]); // removed
    expect(asked).toEqual(['run']);
    const remote = make(async () => ({ counters: counters(1), error: null }), { DOCKER_HOST: 'tcp://10.0.0.1:2375' });
    await remote.start();
    expect(await remote.pidsOf(fakeId(1))).toBeNull(); // figures from the stats API: /proc is not theirs
    await remote.stop();
  });

  it('unreadable cgroup files: the stats API for that container, and it stays so', async () => {
    let reads = 0;
    src = make(async (m) => {
      reads++;
      return { counters: null, error: `container ${m.name}: EACCES` };
    });
    await src.start();
    const s1 = await src.sample(1);
    const run1 = s1.containers.find((c) => c.meta.name === 'run')!;
    expect(run1.counters?.source).toBe('docker-stats');
    expect(run1.error).toBeNull();
    await src.sample(2);
    expect(reads).toBe(1);
    expect(src.debug.apiCalls.stats).toBe(2);
    expect(src.debug.statsFallback).toEqual([fakeId(1)]);
  });

  it('a container that just went away is an error line, not a fallback', async () => {
    src = make(async (m) => ({ counters: null, error: `container ${m.name}: gone` }));
    await src.start();
    const s = await src.sample(1);
    expect(s.containers.find((c) => c.meta.name === 'run')!.error).toBe('container run: gone');
    expect(src.debug.apiCalls.stats).toBe(0);
  });

  it('init pid not visible twice in a row (another pid namespace): stats API', async () => {
    src = make(async (m) => ({ counters: null, error: `container ${m.name}: gone` }));
    await src.start();
    await src.sample(1);
    const s = await src.sample(2);
    expect(s.containers.find((c) => c.meta.name === 'run')!.counters?.source).toBe('docker-stats');
  });

  it('a reader that throws becomes an error line', async () => {
    src = make(async () => {
      throw new Error('boom\nsecond line');
    });
    await src.start();
    const s = await src.sample(1);
    expect(s.containers.find((c) => c.meta.name === 'run')!.error).toBe('container run: boom second line');
  });

  it('remote endpoint: the stats API for running containers, never cgroup files', async () => {
    let reads = 0;
    src = make(
      async () => {
        reads++;
        return { counters: counters(1), error: null };
      },
      { DOCKER_HOST: 'tcp://10.1.2.3:2375' },
    );
    await src.start();
    const s = await src.sample(1);
    expect(s.daemon.endpoint).toBe('tcp://10.1.2.3:2375');
    expect(s.containers.find((c) => c.meta.name === 'run')!.counters?.source).toBe('docker-stats');
    expect(s.containers.find((c) => c.meta.name === 'off')!.counters).toBeNull();
    expect(reads).toBe(0);
    expect(src.debug.apiCalls.stats).toBe(1);
    expect(src.debug.statsReason).toBe('remote endpoint tcp://10.1.2.3:2375');
  });

  it('non-Linux: the stats API even on a unix socket', async () => {
    src = make(async () => ({ counters: counters(1), error: null }), undefined, { platform: 'darwin' });
    await src.start();
    const s = await src.sample(1);
    expect(s.containers.find((c) => c.meta.name === 'run')!.counters?.source).toBe('docker-stats');
  });

  it('no socket anywhere: state none, no error, and a socket appearing later is picked up', async () => {
    let present = false;
    src = new ContainerSource({
      env: {},
      exists: (p) => present && p === '/var/run/docker.sock',
      makeApi: d.makeApi,
      readCounters: async () => ({ counters: counters(1), error: null }),
      rediscoverMs: 1,
    });
    await src.start();
    const s = await src.sample(1);
    expect(s).toEqual({ atMs: 1, daemon: { state: 'none', attempt: 0, endpoint: null, runtime: null }, containers: [], errors: [] });
    present = true;
    await tick(5);
    await src.sample(2);
    await until(() => src.inventory?.state === 'ok');
    const s2 = await src.sample(3);
    expect(s2.daemon.endpoint).toBe('unix:///var/run/docker.sock');
    expect(s2.containers).toHaveLength(2);
  });

  it('a bad DOCKER_HOST is one error line and state none', async () => {
    src = new ContainerSource({ env: { DOCKER_HOST: 'ftp://x' }, makeApi: d.makeApi });
    await src.start();
    const s = await src.sample(1);
    expect(s.daemon.state).toBe('none');
    expect(s.errors).toEqual([{ source: 'docker', message: 'docker: unsupported scheme "ftp" in "ftp://x"' }]);
  });

  it('the option wins over DOCKER_HOST', async () => {
    src = new ContainerSource({ dockerHost: 'unix:///opt/x.sock', env: { DOCKER_HOST: 'tcp://h:1' }, makeApi: d.makeApi, readCounters: async () => ({ counters: null, error: null }) });
    await src.start();
    expect(src.endpoint?.url).toBe('unix:///opt/x.sock');
  });

  it('reconnecting is reported in the sample, then recovers', async () => {
    src = make(async () => ({ counters: counters(1), error: null }));
    await src.start();
    d.kill();
    await until(() => src.inventory?.state === 'reconnecting');
    const s = await src.sample(1);
    expect(s.daemon.state).toBe('reconnecting');
    expect(s.daemon.attempt).toBeGreaterThanOrEqual(1);
    expect(s.errors[0]!.message).toMatch(/^docker: reconnecting \(attempt \d+\)/);
    d.revive();
    await until(() => src.inventory?.state === 'ok', 3000);
    const s2 = await src.sample(2);
    expect(s2.daemon).toMatchObject({ state: 'ok', attempt: 0 });
    expect(s2.errors).toEqual([]);
  });
});
