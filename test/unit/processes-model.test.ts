import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deriveProcesses } from '../../src/model/processes.js';
import type { ProcessCounters } from '../../src/model/types.js';

function p(over: Partial<ProcessCounters>): ProcessCounters {
  return {
    pid: 10, ppid: 1, uid: 0, user: 'root', state: 'S', threads: 1, utimeTicks: 0, stimeTicks: 0,
    rssBytes: 4096, vmsBytes: 8192, swapBytes: 0, comm: 'x', cmdline: 'x --flag', containerId: null, startTicks: 500,
    ...over,
  };
}
const opts = { clockTicks: 100, containerNames: new Map([['c'.repeat(64), 'web']]) };

describe('deriveProcesses', () => {
  it('CPU% with 100 = one core, split user/system', () => {
    const prev = [p({ utimeTicks: 100, stimeTicks: 50 })];
    const cur = [p({ utimeTicks: 250, stimeTicks: 100 })]; // 1.5 s user + 0.5 s system over 2 s
    const [f] = deriveProcesses(cur, prev, 2000, opts);
    expect(f!.cpuUserPercent).toBeCloseTo(75);
    expect(f!.cpuSystemPercent).toBeCloseTo(25);
    expect(f!.cpuPercent).toBeCloseTo(100);
  });

  it('multi-threaded processes exceed 100; other clock tick rates', () => {
    const [f] = deriveProcesses([p({ utimeTicks: 400 })], [p({})], 1000, opts);
    expect(f!.cpuPercent).toBeCloseTo(400);
    const [g] = deriveProcesses([p({ utimeTicks: 250 })], [p({})], 1000, { ...opts, clockTicks: 250 });
    expect(g!.cpuPercent).toBeCloseTo(100);
  });

  it('first sample, new pid, reused pid (start time differs), counter going back: null', () => {
    expect(deriveProcesses([p({ utimeTicks: 5 })], null, null, opts)[0]!.cpuPercent).toBeNull();
    expect(deriveProcesses([p({ pid: 11, utimeTicks: 5 })], [p({})], 1000, opts)[0]!.cpuPercent).toBeNull();
    expect(deriveProcesses([p({ utimeTicks: 5000, startTicks: 900 })], [p({})], 1000, opts)[0]!.cpuPercent).toBeNull();
    expect(deriveProcesses([p({ utimeTicks: 5 })], [p({ utimeTicks: 9 })], 1000, opts)[0]!.cpuPercent).toBeNull();
    expect(deriveProcesses([p({ utimeTicks: 5 })], [p({})], 0, opts)[0]!.cpuPercent).toBeNull();
  });

  it('command: cmdline, or [comm] for kernel threads; container names', () => {
    const rows = deriveProcesses(
      [p({ cmdline: '', comm: 'kworker/0:1' }), p({ pid: 12, containerId: 'c'.repeat(64) }), p({ pid: 13, containerId: 'd'.repeat(64) })],
      null, null, opts,
    );
    expect(rows[0]!.command).toBe('[kworker/0:1]');
    expect(rows[1]!.command).toBe('x --flag');
    expect(rows[1]!.containerName).toBe('web');
    expect(rows[2]!.containerId).toBe('d'.repeat(64));
    expect(rows[2]!.containerName).toBeNull();
    expect(rows[0]!).toMatchObject({ pid: 10, user: 'root', state: 'S', threads: 1, rssBytes: 4096, vmsBytes: 8192, swapBytes: 0 });
  });

  it('never negative or NaN', () => {
    const t = fc.integer({ min: 0, max: 2 ** 40 });
    fc.assert(fc.property(t, t, t, t, fc.integer({ min: -5, max: 5000 }), (a, b, c, d, el) => {
      const [f] = deriveProcesses([p({ utimeTicks: a, stimeTicks: b })], [p({ utimeTicks: c, stimeTicks: d })], el, opts);
      for (const v of [f!.cpuPercent, f!.cpuUserPercent, f!.cpuSystemPercent]) if (v !== null) expect(v >= 0 && Number.isFinite(v)).toBe(true);
    }));
  });
});
