import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deriveContainers, memoryUsed } from '../../src/model/containers.js';
import type { ContainerCounters, ContainerMeta, ContainerSample, ContainersSample } from '../../src/model/types.js';
import { emptyCounters } from '../../src/sources/cgroup/v2.js';

const ID = 'a'.repeat(64);

function meta(over: Partial<ContainerMeta> = {}): ContainerMeta {
  return {
    id: ID, name: 'web', image: 'nginx', runtime: 'docker', state: 'running', initPid: 100,
    cpuLimitCores: null, memoryLimitBytes: null, labels: { a: 'b' }, composeProject: 'p', composeService: 's',
    hostNetwork: false, createdSec: 1, ...over,
  };
}

function counters(over: Partial<ContainerCounters> = {}, source: ContainerCounters['source'] = 'cgroup-v2'): ContainerCounters {
  return { ...emptyCounters(source), ...over };
}

function sample(atMs: number, list: ContainerSample[]): ContainersSample {
  return { atMs, daemon: { state: 'ok', attempt: 0, endpoint: 'unix:///var/run/docker.sock', runtime: 'docker' }, containers: list, errors: [] };
}

const one = (m: ContainerMeta, c: ContainerCounters | null, error: string | null = null): ContainerSample => ({ meta: m, counters: c, error });

describe('deriveContainers', () => {
  it('uses the stats API\'s own read times for the interval when both readings have them', () => {
    // Our requests were 2000 ms apart, but dockerd read the counters 1000 ms apart (the first answer was slow).
    const a = counters({ cpuUsageNs: 1e9, readAtMs: 1_700_000_000_500 }, 'docker-stats');
    const b = counters({ cpuUsageNs: 1.5e9, readAtMs: 1_700_000_001_500 }, 'docker-stats');
    const f = deriveContainers(sample(3000, [one(meta(), b)]), sample(1000, [one(meta(), a)]), 2000).containers[0]!;
    expect(f.cpuPercent).toBeCloseTo(50);
    // Without read times, the request interval is all there is.
    const g = deriveContainers(sample(3000, [one(meta(), counters({ cpuUsageNs: 1.5e9 }, 'docker-stats'))]), sample(1000, [one(meta(), counters({ cpuUsageNs: 1e9 }, 'docker-stats'))]), 2000).containers[0]!;
    expect(g.cpuPercent).toBeCloseTo(25);
  });

  const prevC = counters({
    cpuUsageNs: 10e9, cpuUserNs: 8e9, cpuSystemNs: 2e9, nrPeriods: 1000, nrThrottled: 100,
    memoryUsageBytes: 300e6, memoryLimitBytes: 1e9, inactiveFileBytes: 100e6,
    blockReadBytes: 1e6, blockWriteBytes: 2e6, netRxBytes: 5e6, netTxBytes: 6e6, pids: 4, oomKills: 0,
    pressure: {
      cpu: { some: { avg10: 1, avg60: 2, avg300: 3, totalUs: 1_000_000 }, full: { avg10: 0, avg60: 0, avg300: 0, totalUs: 0 } },
      memory: null,
      io: { some: { avg10: 0, avg60: 0, avg300: 0, totalUs: 0 }, full: null },
    },
  });
  const curC = counters({
    ...prevC,
    cpuUsageNs: 10e9 + 1.5e9, cpuUserNs: 8e9 + 1e9, cpuSystemNs: 2e9 + 0.5e9, nrPeriods: 1020, nrThrottled: 105,
    memoryUsageBytes: 400e6, inactiveFileBytes: 150e6,
    blockReadBytes: 1e6 + 4e6, blockWriteBytes: 2e6 + 2e6, netRxBytes: 5e6 + 1e6, netTxBytes: 6e6 + 3e6, pids: 5, oomKills: 1,
    pressure: {
      cpu: { some: { avg10: 5, avg60: 2, avg300: 3, totalUs: 1_200_000 }, full: { avg10: 0, avg60: 0, avg300: 0, totalUs: 100_000 } },
      memory: null,
      io: { some: { avg10: 0, avg60: 0, avg300: 0, totalUs: 0 }, full: null },
    },
  });
  const m = meta({ cpuLimitCores: 2 });
  const prev = sample(1000, [one(m, prevC)]);
  const cur = sample(3000, [one(m, curC)]);

  it('CPU% where 100 = one core, user/system split, % of the limit', () => {
    const f = deriveContainers(cur, prev, 2000).containers[0]!;
    expect(f.cpuPercent).toBeCloseTo(75); // 1.5 s of CPU over 2 s
    expect(f.cpuUserPercent).toBeCloseTo(50);
    expect(f.cpuSystemPercent).toBeCloseTo(25);
    expect(f.cpuLimitCores).toBe(2);
    expect(f.cpuOfLimitPercent).toBeCloseTo(37.5);
  });

  it('more than one core goes above 100', () => {
    const c2 = counters({ ...curC, cpuUsageNs: 10e9 + 6e9 });
    expect(deriveContainers(sample(3000, [one(meta(), c2)]), prev, 2000).containers[0]!.cpuPercent).toBeCloseTo(300);
  });

  it('memory used = usage − inactive_file; % of limit; gauges and rates', () => {
    const f = deriveContainers(cur, prev, 2000).containers[0]!;
    expect(f.memoryUsedBytes).toBe(250e6);
    expect(f.memoryLimitBytes).toBe(1e9);
    expect(f.memoryPercent).toBeCloseTo(25);
    expect(f.throttledPercent).toBeCloseTo(25); // 5 of 20 periods
    expect(f.blockReadBytesPerSec).toBeCloseTo(2e6);
    expect(f.blockWriteBytesPerSec).toBeCloseTo(1e6);
    expect(f.netRxBytesPerSec).toBeCloseTo(0.5e6);
    expect(f.netTxBytesPerSec).toBeCloseTo(1.5e6);
    expect(f.pids).toBe(5);
    expect(f.oomKills).toBe(1);
    expect(f.pressure?.cpu?.some.percent).toBeCloseTo(10); // 200 ms stalled over 2 s
    expect(f.pressure?.cpu?.some.avg10).toBe(5);
    expect(f.pressure?.cpu?.full?.percent).toBeCloseTo(5);
    expect(f.pressure?.memory).toBeNull();
    expect(f.source).toBe('cgroup-v2');
    expect(f.blockSource).toBe('cgroup-v2');
    expect(f.labels).toEqual({ a: 'b' });
    expect(f.composeService).toBe('s');
  });

  it('first sample: rates null, gauges present', () => {
    const f = deriveContainers(cur, null, null).containers[0]!;
    expect(f.cpuPercent).toBeNull();
    expect(f.cpuOfLimitPercent).toBeNull();
    expect(f.netRxBytesPerSec).toBeNull();
    expect(f.throttledPercent).toBeNull();
    expect(f.pressure?.cpu?.some.percent).toBeNull();
    expect(f.memoryUsedBytes).toBe(250e6);
    expect(f.pids).toBe(5);
  });

  it('restarted container (init pid changed): null, never a spike', () => {
    const restarted = sample(3000, [one(meta({ initPid: 200 }), counters({ ...curC, cpuUsageNs: 1e6 }))]);
    const f = deriveContainers(restarted, prev, 2000).containers[0]!;
    expect(f.cpuPercent).toBeNull();
    expect(f.blockReadBytesPerSec).toBeNull();
  });

  it('counter reset: that figure null, the others still computed', () => {
    const reset = sample(3000, [one(m, counters({ ...curC, netRxBytes: 10 }))]);
    const f = deriveContainers(reset, prev, 2000).containers[0]!;
    expect(f.netRxBytesPerSec).toBeNull();
    expect(f.cpuPercent).toBeCloseTo(75);
  });

  it('no CFS quota (no periods) -> throttled null; no throttling in an interval -> 0', () => {
    const noQuota = counters({ ...curC, nrPeriods: 0, nrThrottled: 0 });
    const p0 = counters({ ...prevC, nrPeriods: 0, nrThrottled: 0 });
    expect(deriveContainers(sample(3000, [one(m, noQuota)]), sample(1000, [one(m, p0)]), 2000).containers[0]!.throttledPercent).toBeNull();
    const idle = counters({ ...prevC });
    expect(deriveContainers(sample(3000, [one(m, idle)]), prev, 2000).containers[0]!.throttledPercent).toBe(0);
  });

  it('v1 without limits: memory % null; limit from meta when the cgroup has none', () => {
    const v1 = counters({ memoryUsageBytes: 100, inactiveFileBytes: 200 }, 'cgroup-v1');
    const f = deriveContainers(sample(1, [one(meta(), v1)]), null, null).containers[0]!;
    expect(f.memoryUsedBytes).toBe(100); // inactive larger than usage: usage as is
    expect(f.memoryPercent).toBeNull();
    expect(f.source).toBe('cgroup-v1');
    const g = deriveContainers(sample(1, [one(meta({ memoryLimitBytes: 400 }), v1)]), null, null).containers[0]!;
    expect(g.memoryPercent).toBeCloseTo(25);
  });

  it('missing counters (gone) keep the error and null figures; new and vanished containers', () => {
    const other = meta({ id: 'b'.repeat(64), name: 'db' });
    const f = deriveContainers(sample(3000, [one(m, null, 'container web: gone'), one(other, curC)]), prev, 2000);
    expect(f.containers).toHaveLength(2);
    expect(f.containers[0]!.error).toBe('container web: gone');
    expect(f.containers[0]!.cpuPercent).toBeNull();
    expect(f.containers[0]!.memoryUsedBytes).toBeNull();
    expect(f.containers[1]!.cpuPercent).toBeNull(); // new: no previous sample of it
    expect(f.daemon.state).toBe('ok');
  });

  it('zero or missing elapsed time: no rates', () => {
    expect(deriveContainers(cur, prev, 0).containers[0]!.cpuPercent).toBeNull();
    expect(deriveContainers(cur, prev, null).containers[0]!.cpuPercent).toBeNull();
  });

  it('source switch (cgroup -> docker-stats) is not differenced', () => {
    const ds = sample(3000, [one(m, counters({ ...curC, source: 'docker-stats' }))]);
    expect(deriveContainers(ds, prev, 2000).containers[0]!.cpuPercent).toBeNull();
  });

  it('never negative, never NaN for arbitrary counters', () => {
    const n = fc.option(fc.integer({ min: 0, max: 2 ** 50 }), { nil: null });
    fc.assert(fc.property(n, n, n, n, fc.integer({ min: 1, max: 10_000 }), (a, b, c, d, el) => {
      const f = deriveContainers(
        sample(el, [one(m, counters({ cpuUsageNs: a, netRxBytes: c, memoryUsageBytes: c, inactiveFileBytes: d }))]),
        sample(0, [one(m, counters({ cpuUsageNs: b, netRxBytes: d }))]),
        el,
      ).containers[0]!;
      for (const v of [f.cpuPercent, f.netRxBytesPerSec, f.memoryUsedBytes]) {
        if (v !== null) expect(Number.isFinite(v) && v >= 0).toBe(true);
      }
    }));
  });

  it('memoryUsed helper', () => {
    expect(memoryUsed(counters({ memoryUsageBytes: null }))).toBeNull();
    expect(memoryUsed(counters({ memoryUsageBytes: 10, inactiveFileBytes: null }))).toBe(10);
  });
});
