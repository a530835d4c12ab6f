import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deriveHost } from '../../src/model/host.js';
import { type OsApi, type SysinfoApi, hasProcfs, readHostSampleSysinfo, readStaticFacts } from '../../src/sources/sysinfo.js';

function fakeOs(over: Partial<OsApi> = {}, user = 100): OsApi {
  return {
    hostname: () => 'box',
    release: () => '6.1.0-test',
    type: () => 'Linux',
    cpus: () => [
      { model: ' Fake CPU @ 2GHz ', times: { user, nice: 0, sys: 50, idle: 800, irq: 10 } },
      { model: ' Fake CPU @ 2GHz ', times: { user, nice: 0, sys: 50, idle: 800, irq: 10 } },
    ],
    loadavg: () => [0.5, 0.25, 0.125],
    uptime: () => 1234,
    platform: () => 'darwin',
    ...over,
  };
}

function fakeSi(over: Partial<SysinfoApi> = {}, k = 1): SysinfoApi {
  return {
    osInfo: async () => ({ distro: 'Debian GNU/Linux', release: '12', platform: 'linux' }),
    cpu: async () => ({ manufacturer: 'Intel', brand: 'Xeon Gold 6230', cores: 2 }),
    mem: async () => ({ total: 1000, free: 100, available: 400, buffers: 10, cached: 200, swaptotal: 50, swapfree: 20 }),
    networkStats: async () => [
      { iface: 'en0', rx_bytes: 1000 * k, rx_errors: 0, rx_dropped: 0, tx_bytes: 500 * k, tx_errors: 0, tx_dropped: 1 },
    ],
    disksIO: async () => ({ rIO: 10 * k, wIO: 20 * k }),
    fsStats: async () => ({ rx: 5120 * k, wx: 10240 * k }),
    ...over,
  };
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

describe('readStaticFacts', () => {
  it('uses systeminformation for OS and CPU model, node:os for the rest', async () => {
    const f = await readStaticFacts({ si: fakeSi(), os: fakeOs() });
    expect(f).toEqual({ hostname: 'box', kernel: '6.1.0-test', os: 'Debian GNU/Linux 12', cpuModel: 'Intel Xeon Gold 6230', cpuCount: 2 });
  });

  it('falls back to node:os when systeminformation fails or times out', async () => {
    const si = fakeSi({ osInfo: () => never(), cpu: async () => Promise.reject(new Error('lscpu: not found')) });
    const t0 = performance.now();
    const f = await readStaticFacts({ si, os: fakeOs(), timeoutMs: 50 });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(f).toEqual({ hostname: 'box', kernel: '6.1.0-test', os: 'Linux 6.1.0-test', cpuModel: 'Fake CPU @ 2GHz', cpuCount: 2 });
  });

  it('never rejects, even when node:os throws', async () => {
    const f = await readStaticFacts({
      si: fakeSi({ osInfo: async () => { throw new Error('x'); } }),
      os: fakeOs({ cpus: () => { throw new Error('no cpus'); }, hostname: () => { throw new Error('no'); } }),
    });
    expect(f.hostname).toBe('localhost');
    expect(f.cpuCount).toBe(2); // from si.cpu().cores
  });

  it('on this machine', async () => {
    const f = await readStaticFacts({ timeoutMs: 10_000 });
    expect(f.hostname).not.toBe('');
    expect(f.kernel).not.toBe('');
    expect(f.cpuCount).toBeGreaterThan(0);
    expect(f.cpuModel).not.toBe('');
  });
});

describe('readHostSampleSysinfo', () => {
  it('fills cumulative counters; the model turns a pair into rates', async () => {
    const a = await readHostSampleSysinfo(0, { si: fakeSi({}, 1), os: fakeOs({}, 100) });
    const b = await readHostSampleSysinfo(2000, { si: fakeSi({}, 3), os: fakeOs({}, 140) });
    expect(a.source).toBe('sysinfo');
    expect(a.errors).toEqual([]);
    expect(a.stat!.cores).toHaveLength(2);
    expect(a.stat!.total.user).toBe(200);
    expect(a.meminfo!.availableBytes).toBe(400);
    expect(a.loadavg).toMatchObject({ one: 0.5, five: 0.25, fifteen: 0.125 });
    expect(a.uptimeSec).toBe(1234);
    expect(a.pressure).toBeNull();

    const f = deriveHost(b, a, 2000);
    expect(f.source).toBe('sysinfo');
    // Δuser 80 of Δtotal 80: 100 % busy.
    expect(f.cpu.percent).toBe(100);
    expect(f.memory!.usedBytes).toBe(600);
    expect(f.net[0]).toMatchObject({ name: 'en0', rxBytesPerSec: 1000, txBytesPerSec: 500, rxPacketsPerSec: null });
    expect(f.disks[0]).toMatchObject({ name: 'all', readBytesPerSec: 5120, writeBytesPerSec: 10240, readOpsPerSec: 10, writeOpsPerSec: 20, utilPercent: null });
  });

  it('a failing or hanging call becomes a SourceError and leaves its section null', async () => {
    const s = await readHostSampleSysinfo(0, {
      si: fakeSi({ mem: async () => { throw new Error('vm_stat failed\nmore'); }, networkStats: () => never(), disksIO: async () => null, fsStats: async () => null }),
      os: fakeOs({ platform: () => 'win32' }),
      timeoutMs: 50,
    });
    expect(s.meminfo).toBeNull();
    expect(s.net).toBeNull();
    expect(s.disks).toBeNull();
    expect(s.loadavg).toBeNull(); // meaningless on Windows
    expect(s.stat).not.toBeNull();
    expect(s.errors).toEqual([
      { source: 'sysinfo', message: 'mem: vm_stat failed' },
      { source: 'sysinfo', message: 'networkStats: timed out after 50 ms' },
    ]);
  });
});

describe('hasProcfs', () => {
  it('checks <root>/proc/stat', async () => {
    expect(await hasProcfs(fileURLToPath(new URL('../fixtures/procfs/real', import.meta.url)))).toBe(true);
    expect(await hasProcfs(fileURLToPath(new URL('../fixtures/procfs/parts', import.meta.url)))).toBe(false);
    expect(await hasProcfs('/nonexistent')).toBe(false);
  });
});
