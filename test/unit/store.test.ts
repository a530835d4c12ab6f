import { describe, expect, it } from 'vitest';
import { Ring } from '../../src/store/ring.js';
import { Store, key } from '../../src/store/store.js';
import type { ContainerFrame, Frame, HostFrame } from '../../src/model/types.js';

function host(cpu: number | null, disks: string[] = ['sda']): HostFrame {
  return {
    source: 'procfs',
    cpu: { percent: cpu, user: null, nice: null, system: null, idle: null, iowait: null, irq: null, softirq: null, steal: null },
    cores: [],
    contextSwitchesPerSec: null,
    memory: null,
    load: null,
    disks: disks.map((name) => ({
      name,
      readBytesPerSec: 1,
      writeBytesPerSec: 2,
      readOpsPerSec: null,
      writeOpsPerSec: null,
      utilPercent: null,
      partitions: [],
      source: 'diskstats',
    })),
    net: [],
    pressure: null,
    uptimeSec: null,
  };
}

function ctr(id: string, cpu: number): ContainerFrame {
  return {
    id, name: id, image: 'img', runtime: 'docker', state: 'running', cpuPercent: cpu, cpuUserPercent: null,
    cpuSystemPercent: null, cpuLimitCores: null, cpuOfLimitPercent: null, memoryUsedBytes: 1, memoryLimitBytes: null,
    memoryPercent: null, netRxBytesPerSec: null, netTxBytesPerSec: null, blockReadBytesPerSec: null,
    blockWriteBytesPerSec: null, pids: 1, throttledPercent: null, oomKills: null, pressure: null, labels: {},
    composeProject: null, composeService: null, hostNetwork: false, source: 'cgroup-v1', blockSource: 'cgroup-v1', error: null,
  };
}

function frame(atMs: number, cpu: number | null, containers: ContainerFrame[] = [], disks?: string[]): Frame {
  return {
    atMs, wallMs: atMs, elapsedMs: null, host: host(cpu, disks),
    containers: { daemon: { state: 'ok', attempt: 0, endpoint: null, runtime: 'docker' }, containers },
    processes: null, latency: null, errors: [],
  };
}

describe('Ring', () => {
  it('keeps the newest values in order and wraps at capacity', () => {
    const r = new Ring(3);
    for (const v of [1, 2, 3, 4]) r.push(v);
    expect([...r.values()]).toEqual([2, 3, 4]);
    expect(r.length).toBe(3);
    expect(r.last()).toBe(4);
    expect([...r.values(2)]).toEqual([3, 4]);
  });

  it('records a gap as a gap, not zero', () => {
    const r = new Ring(4);
    r.push(1);
    r.push(null);
    r.push(3);
    const v = r.values();
    expect(v[0]).toBe(1);
    expect(Number.isNaN(v[1]!)).toBe(true);
    expect(r.max()).toBe(3);
    r.push(undefined);
    expect(r.last()).toBeNull();
  });

  it('rejects a bad capacity', () => {
    expect(() => new Ring(0)).toThrow(/capacity/);
  });
});

describe('Store', () => {
  it('keeps series per key and a gap for the first (rate-less) sample', () => {
    const s = new Store(10);
    s.push(frame(0, null));
    s.push(frame(1000, 25));
    const v = s.values(key.hostCpu);
    expect(v.length).toBe(2);
    expect(Number.isNaN(v[0]!)).toBe(true);
    expect(v[1]).toBe(25);
    expect(s.latest()?.atMs).toBe(1000);
    expect(s.previous()?.atMs).toBe(0);
  });

  it('aligns a series that appears late with gaps, and gaps a vanished one', () => {
    const s = new Store(10);
    s.push(frame(0, 1));
    s.push(frame(1, 1, [ctr('a', 50)]));
    s.push(frame(2, 1));
    const v = s.values(key.ctrCpu('a'));
    expect(v.length).toBe(3);
    expect(Number.isNaN(v[0]!)).toBe(true);
    expect(v[1]).toBe(50);
    expect(Number.isNaN(v[2]!)).toBe(true);
  });

  it('does not grow with churn: series of gone containers are dropped after a full ring', () => {
    const s = new Store(5);
    for (let i = 0; i < 200; i++) s.push(frame(i, 1, [ctr(`c${i}`, 1)], [`d${i % 3}`]));
    // host.* (5 cpu series + mem + swap + load) + 3 disks x 2 + at most 5 live containers x 7
    expect(s.seriesCount()).toBeLessThanOrEqual(8 + 6 + 5 * 7);
    expect(s.series(key.ctrCpu('c0'))).toBeUndefined();
    expect(s.series(key.ctrCpu('c199'))).toBeDefined();
  });
});
