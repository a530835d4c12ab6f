import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpuSplit, deriveHost } from '../../src/model/host.js';
import { counterDelta, percentOf, rate } from '../../src/model/rates.js';
import type { CpuTimes, DiskCounters, HostSample, NetCounters, PressureResource } from '../../src/model/types.js';
import { readHostSample } from '../../src/sources/procfs/read-host.js';
import { parseStat } from '../../src/sources/procfs/parse-stat.js';

const readStat = (rel: string) => parseStat(fs.readFileSync(new URL(`../fixtures/procfs/${rel}`, import.meta.url), 'utf8')).value!;

const times = (p: Partial<CpuTimes> = {}): CpuTimes => ({
  user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, ...p,
});

const disk = (name: string, p: Partial<DiskCounters> = {}): DiskCounters => ({
  name, major: 8, minor: 0, readsCompleted: 0, readSectors: 0, writesCompleted: 0, writeSectors: 0,
  discardsCompleted: 0, flushesCompleted: 0, ioTicksMs: 0, parent: null, ...p,
});

const nic = (name: string, p: Partial<NetCounters> = {}): NetCounters => ({
  name, rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDrops: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDrops: 0, ...p,
});

const psi = (some: number, full: number | null, avg10 = 1.5): PressureResource => ({
  some: { avg10, avg60: 1, avg300: 0.5, totalUs: some },
  full: full === null ? null : { avg10: 0, avg60: 0, avg300: 0, totalUs: full },
});

function sample(atMs: number, p: Partial<HostSample> = {}): HostSample {
  return {
    atMs, source: 'procfs', stat: null, meminfo: null, loadavg: null, disks: null, net: null, pressure: null,
    uptimeSec: null, errors: [], ...p,
  };
}

const PREV_T = times({ user: 100, system: 50, idle: 800, iowait: 50 });
const CUR_T = times({ user: 160, nice: 10, system: 80, idle: 860, iowait: 70, irq: 5, softirq: 5, steal: 10 });

describe('rates', () => {
  it('rate: per second, scaled by the real elapsed time', () => {
    expect(rate(1500, 0, 1500)).toBe(1000);
    expect(rate(300, 100, 1000)).toBe(200);
    expect(rate(300, 100, 500)).toBe(400);
  });
  it('rate: null on first sample, no elapsed time, backwards counter, NaN', () => {
    expect(rate(10, null, 1000)).toBeNull();
    expect(rate(10, undefined, 1000)).toBeNull();
    expect(rate(10, 5, null)).toBeNull();
    expect(rate(10, 5, 0)).toBeNull();
    expect(rate(10, 5, -3)).toBeNull();
    expect(rate(4, 5, 1000)).toBeNull();
    expect(rate(NaN, 5, 1000)).toBeNull();
    expect(rate(5, 5, 1000)).toBe(0);
  });
  it('counterDelta and percentOf', () => {
    expect(counterDelta(7, 5)).toBe(2);
    expect(counterDelta(5, 7)).toBeNull();
    expect(percentOf(1, 4)).toBe(25);
    expect(percentOf(5, 4)).toBe(100);
    expect(percentOf(-1, 4)).toBe(0);
    expect(percentOf(1, 0)).toBeNull();
    expect(percentOf(null, 4)).toBeNull();
  });
  it('never negative, never a spike on a backwards counter (property)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: -10, max: 10_000 }), (a, b, e) => {
        const r = rate(a, b, e);
        if (a < b || e <= 0) expect(r).toBeNull();
        else expect(r).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('CPU', () => {
  it('exact split on a hand-made pair', () => {
    // Δ: user 60, nice 10, system 30, idle 60, iowait 20, irq 5, softirq 5, steal 10 = 200
    const s = cpuSplit(CUR_T, PREV_T);
    expect(s).toEqual({ percent: 60, user: 30, nice: 5, system: 15, idle: 30, iowait: 10, irq: 2.5, softirq: 2.5, steal: 5 });
  });

  it('deriveHost: host and per-core CPU; first sample all null', () => {
    const stat = (t: CpuTimes, ctxt: number) => ({
      total: t, cores: [{ id: 0, times: t }], contextSwitches: ctxt, bootTimeSec: 1, procsRunning: 1, procsBlocked: 0,
    });
    const a = sample(1000, { stat: stat(PREV_T, 1000) });
    const b = sample(2500, { stat: stat(CUR_T, 4000) });
    const first = deriveHost(a, null, null);
    expect(first.cpu.percent).toBeNull();
    expect(Object.values(first.cpu).every((v) => v === null)).toBe(true);
    expect(first.cores).toEqual([{ id: 0, percent: null, user: null, nice: null, system: null, idle: null, iowait: null, irq: null, softirq: null, steal: null }]);
    expect(first.contextSwitchesPerSec).toBeNull();

    const f = deriveHost(b, a, 1500);
    expect(f.cpu.percent).toBe(60);
    expect(f.cores[0]!.percent).toBe(60);
    expect(f.contextSwitchesPerSec).toBe(2000); // 3000 over 1.5 s
  });

  it('total counters went backwards: null, not negative', () => {
    const s = cpuSplit(PREV_T, CUR_T);
    expect(s.percent).toBeNull();
    expect(s.user).toBeNull();
  });

  it('iowait alone going backwards (documented kernel behaviour) counts as 0, not null', () => {
    const s = cpuSplit(times({ user: 150, idle: 900, iowait: 40 }), times({ user: 100, idle: 850, iowait: 50 }));
    expect(s.percent).toBe(50);
    expect(s.iowait).toBe(0);
  });

  it('no ticks elapsed: null', () => {
    expect(cpuSplit(PREV_T, PREV_T).percent).toBeNull();
  });

  it('hotplug: a core that appears or disappears is null for that interval', () => {
    const a = sample(0, { stat: { total: PREV_T, cores: [{ id: 0, times: PREV_T }, { id: 1, times: PREV_T }], contextSwitches: null, bootTimeSec: null, procsRunning: null, procsBlocked: null } });
    const b = sample(1000, { stat: { total: CUR_T, cores: [{ id: 0, times: CUR_T }, { id: 2, times: CUR_T }], contextSwitches: null, bootTimeSec: null, procsRunning: null, procsBlocked: null } });
    const f = deriveHost(b, a, 1000);
    expect(f.cores.map((c) => [c.id, c.percent])).toEqual([[0, 60], [1, null], [2, null]]);
    expect(f.cpu.percent).toBe(60);
  });

  it('guests running: busy% counts guest time once, inside user and nice (fixture pair 1 s apart)', () => {
    // Δ: user 400 (300 of it guest), nice 100 (50 guest_nice), system 100, idle 300, iowait 100 -> total 1000.
    // Right: 100 x (1000 - 300 - 100) / 1000 = 60%. Adding guest to the total again would give 70.4%,
    // subtracting it from user 30%: far from 0 and 100, so no clamping could hide either.
    const a = readStat('guest/proc/stat');
    const b = readStat('guest/stat-1s-later');
    const f = deriveHost(sample(1000, { stat: b }), sample(0, { stat: a }), 1000);
    expect(f.cpu.percent).toBe(60);
    expect(f.cpu.user).toBe(40);
    expect(f.cpu.nice).toBe(10);
    expect(f.cpu.idle).toBe(30);
    // cpu0: user 300 (250 guest), nice 50, system 50, idle 150, iowait 50 = 600: busy 400/600
    expect(f.cores[0]!.percent).toBeCloseTo((400 / 600) * 100, 10);
    // cpu1: user 100, nice 50, system 50, idle 150, iowait 50 = 400: busy 50%
    expect(f.cores[1]!.percent).toBe(50);
  });

  it('CPU% is exactly 100 x (Δtotal - Δidle - Δiowait) / Δtotal for any monotone counters (no clamping involved)', () => {
    const t = fc.record({
      user: fc.nat(1e9), nice: fc.nat(1e9), system: fc.nat(1e9), idle: fc.nat(1e9), iowait: fc.nat(1e9), irq: fc.nat(1e9), softirq: fc.nat(1e9), steal: fc.nat(1e9),
    });
    const d = fc.record({
      user: fc.nat(1e5), nice: fc.nat(1e5), system: fc.nat(1e5), idle: fc.nat(1e5), iowait: fc.nat(1e5), irq: fc.nat(1e5), softirq: fc.nat(1e5), steal: fc.nat(1e5),
    });
    fc.assert(
      fc.property(t, d, (prev, delta) => {
        const cur = { ...prev };
        let total = 0;
        for (const k of Object.keys(delta) as (keyof CpuTimes)[]) {
          cur[k] += delta[k];
          total += delta[k];
        }
        const s = cpuSplit(cur, prev);
        if (total === 0) return expect(s.percent).toBeNull();
        const busy = (100 * (total - delta.idle - delta.iowait)) / total;
        expect(busy).toBeGreaterThanOrEqual(0);
        expect(busy).toBeLessThanOrEqual(100);
        expect(s.percent).toBeCloseTo(busy, 9);
        expect(s.user).toBeCloseTo((100 * delta.user) / total, 9);
        const sum = s.user! + s.nice! + s.system! + s.idle! + s.iowait! + s.irq! + s.softirq! + s.steal!;
        expect(sum).toBeCloseTo(100, 9);
      }),
    );
  });

  it('CPU% is always within 0..100 (property)', () => {
    const t = fc.record({
      user: fc.nat(), nice: fc.nat(), system: fc.nat(), idle: fc.nat(), iowait: fc.nat(), irq: fc.nat(), softirq: fc.nat(), steal: fc.nat(),
    });
    fc.assert(
      fc.property(t, t, (a, b) => {
        const s = cpuSplit(a, b);
        for (const v of Object.values(s)) if (v !== null) expect(v >= 0 && v <= 100).toBe(true);
      }),
    );
  });
});

describe('memory, load, uptime', () => {
  it('used = total - available; passes load and uptime through, even on the first sample', () => {
    const s = sample(0, {
      meminfo: { totalBytes: 1000, availableBytes: 300, freeBytes: 100, buffersBytes: 10, cachedBytes: 150, swapTotalBytes: 500, swapFreeBytes: 400 },
      loadavg: { one: 1, five: 2, fifteen: 3, running: 1, total: 99 },
      uptimeSec: 42,
    });
    const f = deriveHost(s, null, null);
    expect(f.memory).toEqual({ totalBytes: 1000, availableBytes: 300, usedBytes: 700, buffersBytes: 10, cachedBytes: 150, swapTotalBytes: 500, swapUsedBytes: 100 });
    expect(f.load).toEqual({ one: 1, five: 2, fifteen: 3, running: 1, total: 99 });
    expect(f.uptimeSec).toBe(42);
    expect(deriveHost(sample(0), null, null).memory).toBeNull();
  });
});

describe('disks', () => {
  it('rates per second over a 1500 ms interval; util from io_ticks', () => {
    const a = sample(0, { disks: [disk('sda')] });
    const b = sample(1500, { disks: [disk('sda', { readSectors: 3000, writeSectors: 6000, readsCompleted: 30, writesCompleted: 15, ioTicksMs: 750 })] });
    const [d] = deriveHost(b, a, 1500).disks;
    expect(d).toEqual({
      name: 'sda', readBytesPerSec: 1_024_000, writeBytesPerSec: 2_048_000, readOpsPerSec: 20, writeOpsPerSec: 10,
      utilPercent: 50, partitions: [], source: 'diskstats',
    });
  });

  it('util is capped at 100 when io_ticks runs ahead of the clock', () => {
    const a = sample(0, { disks: [disk('sda')] });
    const b = sample(1000, { disks: [disk('sda', { ioTicksMs: 1010 })] });
    expect(deriveHost(b, a, 1000).disks[0]!.utilPercent).toBe(100);
  });

  it('first sample: disks listed with null rates', () => {
    const [d] = deriveHost(sample(0, { disks: [disk('sda')] }), null, null).disks;
    expect(d!.readBytesPerSec).toBeNull();
    expect(d!.utilPercent).toBeNull();
  });

  it('folds partitions under their disk; a partition whose disk is absent stands alone', () => {
    const list = [
      disk('sda'), disk('sda1', { parent: 'sda', minor: 1 }), disk('sda2', { parent: 'sda', minor: 2 }),
      disk('nvme0n1', { major: 259 }), disk('nvme0n1p1', { major: 259, minor: 1, parent: 'nvme0n1' }),
      disk('sdz1', { parent: 'sdz' }),
    ];
    const f = deriveHost(sample(0, { disks: list }), null, null);
    expect(f.disks.map((d) => [d.name, d.partitions])).toEqual([
      ['sda', ['sda1', 'sda2']],
      ['nvme0n1', ['nvme0n1p1']],
      ['sdz1', []],
    ]);
  });

  it('hides idle loop/ram/zram devices unless they did I/O or showAllDisks', () => {
    const a = sample(0, { disks: [disk('loop0', { major: 7 }), disk('loop1', { major: 7 }), disk('zram0'), disk('ram0'), disk('vda')] });
    const b = sample(1000, { disks: [disk('loop0', { major: 7 }), disk('loop1', { major: 7, readsCompleted: 3, readSectors: 24 }), disk('zram0'), disk('ram0'), disk('vda')] });
    expect(deriveHost(b, a, 1000).disks.map((d) => d.name)).toEqual(['loop1', 'vda']);
    expect(deriveHost(b, a, 1000, { showAllDisks: true }).disks.map((d) => d.name)).toEqual(['loop0', 'loop1', 'zram0', 'ram0', 'vda']);
    expect(deriveHost(a, null, null).disks.map((d) => d.name)).toEqual(['vda']);
  });

  it('device removed and re-added (counters went down, or a new major:minor): nulls for that interval', () => {
    const a = sample(0, { disks: [disk('sdb', { readsCompleted: 500, readSectors: 4000, writesCompleted: 9, ioTicksMs: 100 })] });
    const b = sample(1000, { disks: [disk('sdb', { readsCompleted: 5, readSectors: 40, writesCompleted: 10, ioTicksMs: 101 })] });
    const d = deriveHost(b, a, 1000).disks[0]!;
    expect([d.readBytesPerSec, d.writeBytesPerSec, d.readOpsPerSec, d.writeOpsPerSec, d.utilPercent]).toEqual([null, null, null, null, null]);

    const c = sample(1000, { disks: [disk('sdb', { minor: 16, readsCompleted: 600, readSectors: 5000, writesCompleted: 10, ioTicksMs: 200 })] });
    expect(deriveHost(c, a, 1000).disks[0]!.readOpsPerSec).toBeNull();
  });
});

describe('network', () => {
  it('per-interface rates including errors and drops', () => {
    const a = sample(0, { net: [nic('eth0'), nic('lo')] });
    const b = sample(2000, { net: [nic('eth0', { rxBytes: 4000, txBytes: 2000, rxPackets: 40, txPackets: 20, rxErrors: 2, txErrors: 4, rxDrops: 6, txDrops: 8 }), nic('lo')] });
    expect(deriveHost(b, a, 2000).net[0]).toEqual({
      name: 'eth0', rxBytesPerSec: 2000, txBytesPerSec: 1000, rxPacketsPerSec: 20, txPacketsPerSec: 10,
      rxErrorsPerSec: 1, txErrorsPerSec: 2, rxDropsPerSec: 3, txDropsPerSec: 4,
    });
  });

  it('new interface or reset counters: null', () => {
    const a = sample(0, { net: [nic('eth0', { rxBytes: 5000, txBytes: 10 })] });
    const b = sample(1000, { net: [nic('eth0', { rxBytes: 100, txBytes: 20 }), nic('veth1', { rxBytes: 100 })] });
    const f = deriveHost(b, a, 1000);
    expect(f.net.map((n) => [n.name, n.rxBytesPerSec, n.txBytesPerSec])).toEqual([['eth0', null, null], ['veth1', null, null]]);
  });

  it('NaN counters (sysinfo fallback has no packet counts) give null for those figures only', () => {
    const a = sample(0, { source: 'sysinfo', net: [nic('en0', { rxPackets: NaN })] });
    const b = sample(1000, { source: 'sysinfo', net: [nic('en0', { rxBytes: 100, rxPackets: NaN })] });
    const n = deriveHost(b, a, 1000).net[0]!;
    expect(n.rxBytesPerSec).toBe(100);
    expect(n.rxPacketsPerSec).toBeNull();
  });
});

describe('pressure', () => {
  it('passes averages through and derives percent from Δtotal over the elapsed time', () => {
    const a = sample(0, { pressure: { cpu: psi(1_000_000, null), memory: psi(0, 0), io: psi(500, 100) } });
    const b = sample(1500, { pressure: { cpu: psi(1_150_000, null, 9.5), memory: psi(0, 0), io: psi(1_500_500, 750_100) } });
    const first = deriveHost(a, null, null).pressure!;
    expect(first.cpu).toEqual({ some: { avg10: 1.5, avg60: 1, avg300: 0.5, percent: null }, full: null });
    const p = deriveHost(b, a, 1500).pressure!;
    expect(p.cpu).toEqual({ some: { avg10: 9.5, avg60: 1, avg300: 0.5, percent: 10 }, full: null });
    expect(p.memory!.some.percent).toBe(0);
    expect(p.io!.some.percent).toBe(100);
    expect(p.io!.full!.percent).toBe(50);
  });

  it('absent PSI: no panel; a resource going backwards: null percent', () => {
    expect(deriveHost(sample(0), null, null).pressure).toBeNull();
    const a = sample(0, { pressure: { cpu: psi(1000, null), memory: null, io: null } });
    const b = sample(1000, { pressure: { cpu: psi(10, null), memory: null, io: null } });
    const p = deriveHost(b, a, 1000).pressure!;
    expect(p.cpu!.some.percent).toBeNull();
    expect(p.memory).toBeNull();
  });
});

describe('intervals', () => {
  it('elapsed ≤ 0 or a change of source: everything is null like a first sample', () => {
    const a = sample(0, { net: [nic('eth0')], stat: { total: PREV_T, cores: [], contextSwitches: 0, bootTimeSec: null, procsRunning: null, procsBlocked: null } });
    const b = sample(0, { net: [nic('eth0', { rxBytes: 10 })], stat: { total: CUR_T, cores: [], contextSwitches: 10, bootTimeSec: null, procsRunning: null, procsBlocked: null } });
    expect(deriveHost(b, a, 0).cpu.percent).toBeNull();
    expect(deriveHost(b, a, 0).net[0]!.rxBytesPerSec).toBeNull();
    expect(deriveHost({ ...b, source: 'sysinfo' }, a, 1000).cpu.percent).toBeNull();
    expect(deriveHost(b, a, 1000).cpu.percent).toBe(60);
  });
});

describe('this machine', () => {
  it.skipIf(!fs.existsSync('/proc/stat'))('two real reads 200 ms apart give sane figures', async () => {
    const t0 = performance.now();
    const a = await readHostSample({ atMs: t0 });
    await new Promise((r) => setTimeout(r, 200));
    // Burn a little CPU so the interval has ticks in it.
    const end = performance.now() + 30;
    while (performance.now() < end);
    const t1 = performance.now();
    const b = await readHostSample({ atMs: t1 });
    const f = deriveHost(b, a, t1 - t0);
    expect(b.errors).toEqual([]);
    expect(f.cpu.percent).not.toBeNull();
    expect(f.cpu.percent!).toBeGreaterThanOrEqual(0);
    expect(f.cpu.percent!).toBeLessThanOrEqual(100);
    for (const c of f.cores) if (c.percent !== null) expect(c.percent >= 0 && c.percent <= 100).toBe(true);
    expect(f.memory!.usedBytes).toBeLessThanOrEqual(f.memory!.totalBytes);
    expect(f.memory!.usedBytes).toBeGreaterThan(0);
    for (const d of f.disks) {
      for (const v of [d.readBytesPerSec, d.writeBytesPerSec, d.readOpsPerSec, d.writeOpsPerSec]) expect(v === null || v >= 0).toBe(true);
      expect(d.utilPercent === null || (d.utilPercent >= 0 && d.utilPercent <= 100)).toBe(true);
    }
    for (const n of f.net) expect(n.rxBytesPerSec === null || n.rxBytesPerSec >= 0).toBe(true);
    if (f.pressure?.cpu) expect(f.pressure.cpu.some.percent! >= 0 && f.pressure.cpu.some.percent! <= 100).toBe(true);
  });
});
