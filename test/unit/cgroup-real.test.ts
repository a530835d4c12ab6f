// A real cgroup on this machine: create one, move a busy child into it, read it as if it were a container.
// Needs root and a writable cgroup hierarchy: under CI=true it must run (a missing requirement fails);
// elsewhere it is skipped with the reason printed.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerMeta } from '../../src/model/types.js';
import { CgroupCounterReader, detectCgroupLayout } from '../../src/sources/cgroup/index.js';
import type { CgroupLayout } from '../../src/sources/cgroup/detect.js';
import { requirement } from '../env.js';

const layout: CgroupLayout = (await detectCgroupLayout('/')).layout;
const name = `tailtop-test-${process.pid}`;
const V1_CTRLS = ['cpu', 'cpuacct', 'memory', 'blkio', 'pids'] as const;

function dirsToCreate(): string[] {
  if (layout.mode === 'v1' || layout.mode === 'hybrid') {
    const mounts = new Set<string>();
    for (const c of V1_CTRLS) {
      const m = layout.v1.get(c);
      if (m) mounts.add(m.mountPoint);
    }
    return [...mounts].map((m) => join(m, name));
  }
  if (layout.mode === 'v2' && layout.unified) return [join(layout.unified.mountPoint, name)];
  return [];
}

function skipReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root';
  const dirs = dirsToCreate();
  if (dirs.length === 0) return `no usable cgroup hierarchy (mode ${layout.mode})`;
  if (layout.mode !== 'v2' && !layout.v1.get('cpuacct')) return 'no cpuacct hierarchy';
  for (const d of dirs) {
    try {
      accessSync(join(d, '..'), constants.W_OK);
    } catch {
      return `${join(d, '..')} is not writable`;
    }
  }
  return null;
}

const why = skipReason();
const reason = requirement('a real cgroup', why === null, why ?? '');

describe.skipIf(reason !== null)(`real cgroup (${layout.mode})`, () => {
  let child: ChildProcess;
  const made: string[] = [];
  let setupError: string | null = null;

  beforeAll(async () => {
    // The child waits a little before allocating, so the memory is charged to the new cgroup.
    child = spawn(process.execPath, ['-e', 'setTimeout(() => { globalThis.b = Buffer.alloc(48 << 20, 7); for (;;) {} }, 400);'], {
      stdio: 'ignore',
    });
    await new Promise((r) => child.once('spawn', r));
    try {
      for (const d of dirsToCreate()) {
        mkdirSync(d);
        made.push(d);
        writeFileSync(join(d, 'cgroup.procs'), String(child.pid));
      }
    } catch (e) {
      setupError = (e as Error).message;
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    for (const d of made.reverse()) {
      for (let i = 0; i < 50 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch {
          await new Promise((r) => setTimeout(r, 20)); // the killed child may take a moment to leave
        }
      }
    }
  });

  it('shows CPU usage rising and memory used > 0 for a busy child moved into the cgroup', async () => {
    expect(setupError).toBeNull();
    const meta: ContainerMeta = {
      id: 'f'.repeat(64), name: 'real-test', image: 'none', runtime: 'docker', state: 'running', initPid: child.pid!,
      cpuLimitCores: null, memoryLimitBytes: null, labels: {}, composeProject: null, composeService: null,
      hostNetwork: false, createdSec: null,
    };
    const reader = new CgroupCounterReader();
    await new Promise((r) => setTimeout(r, 700));
    const a = await reader.read(meta, {});
    await new Promise((r) => setTimeout(r, 500));
    const b = await reader.read(meta, {});
    expect(a.counters, a.error ?? '').not.toBeNull();
    expect(b.counters, b.error ?? '').not.toBeNull();
    const ca = a.counters!;
    const cb = b.counters!;
    expect(ca.source).toBe(layout.mode === 'v2' ? 'cgroup-v2' : 'cgroup-v1');
    // Busy for 500 ms: at least 200 ms of CPU time (allowing for a loaded machine).
    expect(cb.cpuUsageNs! - ca.cpuUsageNs!).toBeGreaterThan(200e6);
    if (cb.memoryUsageBytes !== null) {
      const used = cb.memoryUsageBytes - (cb.inactiveFileBytes ?? 0);
      expect(used).toBeGreaterThan(16 << 20);
    } else {
      expect(layout.mode).toBe('v2'); // memory controller not enabled for a new v2 cgroup
    }
    // pids.current counts tasks (threads): node has several.
    if (layout.v1.get('pids') || layout.mode === 'v2') expect(cb.pids).toBeGreaterThanOrEqual(1);
    // The child shares our network namespace: net/dev was read.
    expect(cb.netRxBytes).not.toBeNull();
    expect(cb.cgroupIds.cpu).toBeGreaterThan(0);
    // Pids listed from the cgroup.
    expect((await reader.listPids(meta, {})).pids).toEqual([child.pid]);
    // Once the child is gone and the cgroup removed, the reader says so quietly.
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    for (const d of made) for (let i = 0; i < 50 && existsSync(d); i++) {
      try { rmdirSync(d); } catch { await new Promise((r) => setTimeout(r, 20)); }
    }
    const c = await reader.read(meta, {});
    expect(c).toEqual({ counters: null, error: 'container real-test: gone' });
    reader.close();
  });
});
