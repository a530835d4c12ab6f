import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpuLimitCores, eventEffect, metaFromInspect, parseEvent, runtimeFromVersion } from '../../src/sources/docker/meta.js';
import { countersFromStats } from '../../src/sources/docker/stats-fallback.js';

// Trimmed from dockerd 20.10 (`docker run --cpus 1.5 -m 100m --label com.docker.compose.project=p`).
const INSPECT = {
  Id: '85402715cb916b88c61a005f5111eab16bd2f2a993c7bc7f8df475dafca4aa14',
  Created: '2026-11-22T06:46:20.639443081Z',
  Name: '/tt-y',
  Image: 'sha256:f1a798a0a9a59101848df0792a5f7df20a94ff60ae57fed347345734c12b1f12',
  State: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 22398, ExitCode: 0 },
  HostConfig: { NetworkMode: 'none', Memory: 104857600, NanoCpus: 1500000000, CpuQuota: 0, CpuPeriod: 0 },
  Config: { Image: 'tailtop-test:busybox', Labels: { 'com.docker.compose.project': 'p', 'com.docker.compose.service': 'web' } },
};

describe('metaFromInspect', () => {
  it('reads a docker inspect document', () => {
    expect(metaFromInspect(INSPECT, 'docker')).toEqual({
      id: INSPECT.Id,
      name: 'tt-y',
      image: 'tailtop-test:busybox',
      runtime: 'docker',
      state: 'running',
      initPid: 22398,
      cpuLimitCores: 1.5,
      memoryLimitBytes: 104857600,
      labels: { 'com.docker.compose.project': 'p', 'com.docker.compose.service': 'web' },
      composeProject: 'p',
      composeService: 'web',
      hostNetwork: false,
      createdSec: Math.floor(Date.parse('2026-11-22T06:46:20.639Z') / 1000),
    });
  });

  it('stopped containers: no pid; host network; no limits', () => {
    const doc = {
      ...INSPECT,
      State: { Status: 'exited', Running: false, Pid: 0 },
      HostConfig: { NetworkMode: 'host', Memory: 0, NanoCpus: 0, CpuQuota: -1, CpuPeriod: 0 },
      Config: { Image: 'x', Labels: null },
    };
    const m = metaFromInspect(doc, 'podman')!;
    expect(m).toMatchObject({ state: 'exited', initPid: null, hostNetwork: true, cpuLimitCores: null, memoryLimitBytes: null, runtime: 'podman' });
    expect(m.labels).toEqual({});
    expect(m.composeProject).toBeNull();
  });

  it('CPU limit from quota/period when NanoCpus is unset', () => {
    expect(cpuLimitCores({ CpuQuota: 50000, CpuPeriod: 100000 })).toBe(0.5);
    expect(cpuLimitCores({ CpuQuota: 150000, CpuPeriod: 0 })).toBe(1.5);
    expect(cpuLimitCores({ NanoCpus: 250000000, CpuQuota: 50000, CpuPeriod: 100000 })).toBe(0.25);
    expect(cpuLimitCores({})).toBeNull();
    expect(cpuLimitCores(null)).toBeNull();
  });

  it('untrusted names and labels are kept as data', () => {
    const evil = { ...INSPECT, Name: '/\u001b[2J$(rm -rf /)', Config: { Image: 7, Labels: { __proto__: 'x', ok: 'y', n: 1 } } };
    const m = metaFromInspect(JSON.parse(JSON.stringify(evil)), 'docker')!;
    expect(m.name).toBe('\u001b[2J$(rm -rf /)');
    expect(m.image).toBe(INSPECT.Image);
    expect(m.labels.ok).toBe('y');
    expect('n' in m.labels).toBe(false);
  });

  it('returns null without an Id and never throws on junk', () => {
    expect(metaFromInspect({}, 'docker')).toBeNull();
    expect(metaFromInspect(null, 'docker')).toBeNull();
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        metaFromInspect(v, 'docker');
        metaFromInspect({ Id: 'a', State: v, HostConfig: v, Config: v, Name: v }, 'docker');
      }),
    );
  });
});

describe('runtimeFromVersion', () => {
  it('docker by default, podman by component or platform name', () => {
    expect(runtimeFromVersion({ Platform: { Name: '' }, Components: [{ Name: 'Engine' }] })).toBe('docker');
    expect(runtimeFromVersion({ Platform: { Name: 'Docker Engine - Community' } })).toBe('docker');
    expect(runtimeFromVersion({ Platform: { Name: 'linux/amd64/debian-12' }, Components: [{ Name: 'Podman Engine' }] })).toBe('podman');
    expect(runtimeFromVersion({ Platform: { Name: 'Podman Engine' } })).toBe('podman');
    expect(runtimeFromVersion('nonsense')).toBe('docker');
  });
});

describe('events', () => {
  it('parses docker and podman event lines', () => {
    expect(parseEvent('{"status":"start","id":"abc","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"x"}}}')).toEqual({
      id: 'abc',
      action: 'start',
    });
    expect(parseEvent('{"Type":"container","Action":"exec_start: sh -c true","Actor":{"ID":"abc"}}')).toEqual({ id: 'abc', action: 'exec_start' });
    expect(parseEvent('{"status":"died","id":"abc","Type":"container"}')).toEqual({ id: 'abc', action: 'died' });
    expect(parseEvent('{"Type":"image","Action":"pull","Actor":{"ID":"busybox"}}')).toBeNull();
    expect(parseEvent('not json')).toBeNull();
    expect(parseEvent('[]')).toBeNull();
    expect(parseEvent('{"Type":"container","Action":"start"}')).toBeNull();
  });

  it('classifies actions', () => {
    expect(eventEffect('destroy')).toBe('remove');
    expect(eventEffect('remove')).toBe('remove');
    for (const a of ['create', 'start', 'die', 'died', 'stop', 'pause', 'unpause', 'rename', 'oom', 'update', 'restart']) expect(eventEffect(a)).toBe('refresh');
    for (const a of ['exec_start', 'attach', 'resize', 'health_status', 'top']) expect(eventEffect(a)).toBe('ignore');
  });
});

// Real answer of dockerd 20.10 on cgroup v1 (`stats?stream=false&one-shot=true`), trimmed.
const STATS_V1 = {
  pids_stats: { current: 1 },
  blkio_stats: { io_service_bytes_recursive: [], io_serviced_recursive: [] },
  cpu_stats: {
    cpu_usage: { total_usage: 37758022, percpu_usage: [6356610, 31401412], usage_in_kernelmode: 20000000, usage_in_usermode: 10000000 },
    system_cpu_usage: 1840100000000,
    online_cpus: 2,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  },
  precpu_stats: { cpu_usage: { total_usage: 0 } },
  memory_stats: { usage: 610304, max_usage: 3821568, stats: { total_inactive_file: 4096, inactive_file: 0, cache: 0, rss: 49152 }, limit: 25274793984 },
  name: '/tt-x',
  id: '1acd91b9929553893f162541729b8c8bafdfefa16b7eef07fa3bddec436944db',
};

// cgroup v2 shape (docker 24+): lower-case ops, no total_*, oom_kill in stats, networks.
const STATS_V2 = {
  pids_stats: { current: 3, limit: 4915 },
  blkio_stats: {
    io_service_bytes_recursive: [
      { major: 8, minor: 0, op: 'read', value: 1000 },
      { major: 8, minor: 0, op: 'write', value: 2000 },
      { major: 8, minor: 16, op: 'write', value: 500 },
    ],
    io_serviced_recursive: null,
  },
  cpu_stats: { cpu_usage: { total_usage: 5e9, usage_in_kernelmode: 1e9, usage_in_usermode: 4e9 }, throttling_data: { periods: 10, throttled_periods: 4, throttled_time: 12345 } },
  memory_stats: { usage: 100 * 1024 * 1024, stats: { inactive_file: 10 * 1024 * 1024, oom_kill: 2, anon: 5 }, limit: 200 * 1024 * 1024 },
  networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
};

describe('countersFromStats', () => {
  it('keeps the time dockerd read the counters (RFC 3339 with nanoseconds), and none for the zero time', () => {
    expect(countersFromStats({ ...STATS_V1, read: '2026-11-22T08:40:01.250000123Z' }).counters?.readAtMs).toBeCloseTo(Date.UTC(2026, 10, 22, 8, 40, 1, 250), 3);
    expect(countersFromStats({ ...STATS_V1, read: '0001-01-01T00:00:00Z' }).counters?.readAtMs).toBeUndefined();
    expect(countersFromStats({ ...STATS_V1, read: 'yesterday' }).counters?.readAtMs).toBeUndefined();
  });

  it('maps a cgroup v1 answer (cumulative counters, source docker-stats)', () => {
    const r = countersFromStats(STATS_V1);
    expect(r.error).toBeNull();
    expect(r.counters).toMatchObject({
      source: 'docker-stats',
      cpuUsageNs: 37758022,
      cpuUserNs: 10000000,
      cpuSystemNs: 20000000,
      nrPeriods: 0,
      nrThrottled: 0,
      throttledNs: 0,
      memoryUsageBytes: 610304,
      memoryLimitBytes: 25274793984,
      inactiveFileBytes: 4096,
      blockReadBytes: 0,
      blockWriteBytes: 0,
      blockReadOps: 0,
      blockWriteOps: 0,
      pids: 1,
      pidsMax: null,
      netRxBytes: null,
      netTxBytes: null,
      pressure: null,
      cgroupIds: { unified: null, blkio: null, cpu: null },
    });
  });

  it('maps a cgroup v2 answer', () => {
    const c = countersFromStats(STATS_V2).counters!;
    expect(c).toMatchObject({
      inactiveFileBytes: 10 * 1024 * 1024,
      oomKills: 2,
      blockReadBytes: 1000,
      blockWriteBytes: 2500,
      blockReadOps: null,
      nrPeriods: 10,
      nrThrottled: 4,
      pids: 3,
      pidsMax: 4915,
      netRxBytes: 11,
      netTxBytes: 22,
    });
    expect(c.memoryStat.anon).toBe(5);
  });

  it('a stopped container answer or junk is an error line, not a throw', () => {
    expect(countersFromStats({ cpu_stats: { cpu_usage: {} }, memory_stats: {} }).error).toMatch(/^docker stats: /);
    expect(countersFromStats('x').counters).toBeNull();
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = countersFromStats(v);
        expect(r.counters === null).toBe(r.error !== null);
      }),
    );
  });
});
