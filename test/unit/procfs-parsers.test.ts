import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDiskstats, partitionParentByName } from '../../src/sources/procfs/parse-diskstats.js';
import { parseLoadavg } from '../../src/sources/procfs/parse-loadavg.js';
import { parseMeminfo } from '../../src/sources/procfs/parse-meminfo.js';
import { parseNetDev } from '../../src/sources/procfs/parse-netdev.js';
import { parsePressure } from '../../src/sources/procfs/parse-pressure.js';
import { parseStat } from '../../src/sources/procfs/parse-stat.js';
import { parseUptime } from '../../src/sources/procfs/parse-uptime.js';

const fx = (p: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/procfs/${p}`, import.meta.url)), 'utf8');

describe('parseStat', () => {
  it('reads the real /proc/stat capture', () => {
    const { value, errors } = parseStat(fx('real/proc/stat'));
    expect(errors).toEqual([]);
    expect(value!.total).toEqual({ user: 7989, nice: 0, system: 5734, idle: 86346, iowait: 2158, irq: 0, softirq: 265, steal: 3038 });
    expect(value!.cores.map((c) => c.id)).toEqual([0, 1]);
    expect(value!.cores[1]!.times.iowait).toBe(1990);
    expect(value!.contextSwitches).toBe(582401);
    expect(value!.bootTimeSec).toBe(1795329025);
    expect(value!.procsRunning).toBe(2);
    expect(value!.procsBlocked).toBe(1);
  });

  it('a host running guests: guest and guest_nice (already inside user and nice) are not added again', () => {
    const { value, errors } = parseStat(fx('guest/proc/stat'));
    expect(errors).toEqual([]);
    expect(value!.total).toEqual({ user: 10000, nice: 2000, system: 3000, idle: 50000, iowait: 1000, irq: 100, softirq: 200, steal: 0 });
    expect(value!.cores[0]!.times.user).toBe(5000);
  });

  it('handles old kernels with 7 cpu fields (no steal)', () => {
    const { value, errors } = parseStat(fx('old/proc/stat'));
    expect(errors).toEqual([]);
    expect(value!.total).toEqual({ user: 2255, nice: 34, system: 2290, idle: 22625563, iowait: 6290, irq: 127, softirq: 456, steal: 0 });
  });

  it('keeps sparse core ids (offline CPUs absent) and sorts them', () => {
    const text = 'cpu 10 0 10 80 0 0 0 0\ncpu3 5 0 5 40 0 0 0 0\ncpu0 5 0 5 40 0 0 0 0\n';
    const { value } = parseStat(text);
    expect(value!.cores.map((c) => c.id)).toEqual([0, 3]);
  });

  it('skips broken lines with one error each, naming file, line and field', () => {
    const { value, errors } = parseStat(fx('broken/proc/stat'));
    expect(value!.total.user).toBe(100);
    expect(value!.cores.map((c) => c.id)).toEqual([1]);
    expect(value!.contextSwitches).toBeNull();
    expect(value!.bootTimeSec).toBe(1795329025);
    expect(errors).toEqual([
      '/proc/stat line 2: expected 4+ cpu fields, got 3',
      '/proc/stat line 4: bad cpu label "cpuX"',
      '/proc/stat line 5: field system is not a counter: "three"',
      '/proc/stat line 6: ctxt is not a number: "lots"',
      '/proc/stat line 8: procs_running is not a number: (missing)',
    ]);
  });

  it('empty file: null value and an error', () => {
    expect(parseStat('')).toEqual({ value: null, errors: ['/proc/stat: no usable "cpu" line'] });
  });
});

describe('parseMeminfo', () => {
  it('reads the real capture, kB to bytes', () => {
    const { value, errors } = parseMeminfo(fx('real/proc/meminfo'));
    expect(errors).toEqual([]);
    expect(value).toEqual({
      totalBytes: 24682416 * 1024,
      availableBytes: 24210320 * 1024,
      freeBytes: 23947740 * 1024,
      buffersBytes: 2180 * 1024,
      cachedBytes: 507220 * 1024,
      swapTotalBytes: 0,
      swapFreeBytes: 0,
    });
  });

  it('estimates MemAvailable on kernels before 3.14', () => {
    const { value, errors } = parseMeminfo(fx('old/proc/meminfo'));
    expect(errors).toEqual([]);
    expect(value!.availableBytes).toBe((512000 + 64000 + 256000) * 1024);
    expect(value!.swapFreeBytes).toBe(768000 * 1024);
  });

  it('broken: missing MemFree gives null and errors', () => {
    const { value, errors } = parseMeminfo(fx('broken/proc/meminfo'));
    expect(value).toBeNull();
    expect(errors).toEqual([
      '/proc/meminfo line 2: MemFree is not a number: "abc"',
      '/proc/meminfo line 3: expected "Key: value"',
      '/proc/meminfo line 5: Cached has unknown unit "MB"',
      '/proc/meminfo: missing MemFree',
    ]);
  });

  it('empty file', () => {
    expect(parseMeminfo('').value).toBeNull();
  });
});

describe('parseLoadavg / parseUptime', () => {
  it('reads the real captures', () => {
    expect(parseLoadavg(fx('real/proc/loadavg'))).toEqual({
      value: { one: 0.77, five: 0.31, fifteen: 0.15, running: 2, total: 157 },
      errors: [],
    });
    expect(parseUptime(fx('real/proc/uptime'))).toEqual({ value: 523.13, errors: [] });
  });

  it('reports empty and garbage input', () => {
    expect(parseLoadavg('')).toEqual({ value: null, errors: ['/proc/loadavg: empty'] });
    expect(parseLoadavg('0.1 0.2 x 1/2 3').errors).toEqual(['/proc/loadavg line 1: fifteen is not a number: "x"']);
    expect(parseLoadavg('0.1 0.2 0.3 12 3').errors).toEqual(['/proc/loadavg line 1: expected running/total, got "12"']);
    expect(parseLoadavg('0.1 0.2').errors).toEqual(['/proc/loadavg line 1: expected 4+ fields, got 2']);
    expect(parseUptime(fx('broken/proc/uptime'))).toEqual({
      value: null,
      errors: ['/proc/uptime line 1: uptime is not a number: "up"'],
    });
  });
});

describe('parseDiskstats', () => {
  it('reads the real capture (20 fields: discard and flush counters)', () => {
    const { rows, errors } = parseDiskstats(fx('real/proc/diskstats'));
    expect(errors).toEqual([]);
    expect(rows.map((r) => r.name)).toEqual(['loop0', 'loop1', 'loop2', 'loop3', 'loop4', 'loop5', 'loop6', 'loop7', 'vda', 'zram0']);
    expect(rows.find((r) => r.name === 'vda')).toEqual({
      name: 'vda',
      major: 254,
      minor: 0,
      readsCompleted: 32839,
      readSectors: 2986786,
      writesCompleted: 33134,
      writeSectors: 41328016,
      discardsCompleted: 6704,
      flushesCompleted: 2842,
      ioTicksMs: 30020,
      parent: null,
    });
  });

  it('14-field lines (before 4.18): no discard or flush counters', () => {
    const { rows, errors } = parseDiskstats(fx('old/proc/diskstats'));
    expect(errors).toEqual([]);
    expect(rows[0]).toMatchObject({ name: 'sda', readSectors: 720000, writeSectors: 320000, ioTicksMs: 3500, discardsCompleted: null, flushesCompleted: null });
  });

  it('18-field lines (4.18 to 5.4): discards but no flushes', () => {
    const { rows } = parseDiskstats('8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15');
    expect(rows[0]).toMatchObject({ readsCompleted: 1, readSectors: 3, writesCompleted: 5, writeSectors: 7, ioTicksMs: 10, discardsCompleted: 12, flushesCompleted: null });
  });

  it('skips bad lines with one error each', () => {
    const { rows, errors } = parseDiskstats(fx('broken/proc/diskstats'));
    expect(rows.map((r) => r.name)).toEqual(['sda', 'sdc']);
    expect(errors).toEqual([
      '/proc/diskstats line 2: expected 14+ fields, got 6',
      '/proc/diskstats line 3: expected 14+ fields, got 1',
      '/proc/diskstats line 4: field 6 is not a number: "x00"',
      '/proc/diskstats line 7: expected 14+ fields, got 7',
      '/proc/diskstats line 8: duplicate device "sda"',
    ]);
  });

  it('empty file: no rows, no errors', () => {
    expect(parseDiskstats('')).toEqual({ rows: [], errors: [] });
  });
});

describe('partitionParentByName', () => {
  const names = new Set(['sda', 'sda1', 'nvme0n1', 'nvme0n1p1', 'mmcblk0', 'mmcblk0p1', 'loop0', 'dm-0', 'md0', 'md0p1', 'zram0', 'xvda', 'xvda1']);
  it.each([
    ['sda1', 'sda'],
    ['nvme0n1p1', 'nvme0n1'],
    ['mmcblk0p1', 'mmcblk0'],
    ['md0p1', 'md0'],
    ['xvda1', 'xvda'],
    ['sda', null],
    ['nvme0n1', null],
    ['loop0', null],
    ['dm-0', null],
    ['md0', null],
    ['zram0', null],
    ['sdz3', null], // parent not listed
  ])('%s -> %s', (name, parent) => {
    expect(partitionParentByName(name, names)).toBe(parent);
  });
});

describe('parseNetDev', () => {
  it('reads the real capture', () => {
    const { rows, errors } = parseNetDev(fx('real/proc/net/dev'));
    expect(errors).toEqual([]);
    expect(rows.map((r) => r.name)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0', 'docker0']);
    expect(rows[4]).toMatchObject({ txBytes: 110, txPackets: 1, txDrops: 6 });
    expect(rows[3]).toEqual({
      name: 'eth0', rxBytes: 262953453, rxPackets: 6277, rxErrors: 0, rxDrops: 0,
      txBytes: 470485, txPackets: 3823, txErrors: 0, txDrops: 0,
    });
  });

  it('old format with no space after the colon, large counters', () => {
    const { rows, errors } = parseNetDev(fx('old/proc/net/dev'));
    expect(errors).toEqual([]);
    expect(rows[1]).toMatchObject({ name: 'eth0', rxBytes: 4294967296000, rxErrors: 2, rxDrops: 5, txBytes: 123456789, txErrors: 1 });
  });

  it('skips broken lines; the file label is used in messages', () => {
    const { rows, errors } = parseNetDev(fx('broken/proc/net/dev'));
    expect(rows.map((r) => r.name)).toEqual(['lo']);
    expect(errors).toEqual([
      '/proc/net/dev line 4: expected 16 counters, got 3',
      '/proc/net/dev line 5: expected "iface: counters"',
      '/proc/net/dev line 6: tx bytes is not a number: "nine"',
    ]);
    expect(parseNetDev('eth0: 1 2', '/proc/42/net/dev').errors[0]).toMatch(/^\/proc\/42\/net\/dev line 1:/);
  });

  it('empty file', () => {
    expect(parseNetDev('')).toEqual({ rows: [], errors: [] });
  });
});

describe('parsePressure', () => {
  it('reads the real capture', () => {
    expect(parsePressure(fx('real/proc/pressure/cpu'))).toEqual({
      value: {
        some: { avg10: 27.02, avg60: 12.1, avg300: 4.04, totalUs: 23604213 },
        full: { avg10: 0, avg60: 0, avg300: 0, totalUs: 0 },
      },
      errors: [],
    });
  });

  it('cpu without a "full" line (before 5.13)', () => {
    const { value, errors } = parsePressure(fx('old/proc/pressure/cpu'));
    expect(errors).toEqual([]);
    expect(value).toEqual({ some: { avg10: 1.5, avg60: 0.75, avg300: 0.25, totalUs: 123456 }, full: null });
  });

  it('broken inputs', () => {
    expect(parsePressure(fx('broken/proc/pressure/cpu'), '/proc/pressure/cpu')).toEqual({
      value: null,
      errors: ['/proc/pressure/cpu line 1: avg10 is not a number: "abc"', '/proc/pressure/cpu: no usable "some" line'],
    });
    expect(parsePressure(fx('broken/proc/pressure/memory'), 'memory.pressure').errors).toEqual([
      'memory.pressure line 1: expected "some" or "full", got "garbage"',
      'memory.pressure line 2: total missing',
      'memory.pressure: no usable "some" line',
    ]);
    const io = parsePressure(fx('broken/proc/pressure/io'));
    expect(io.value).toEqual({ some: { avg10: 0.1, avg60: 0, avg300: 0, totalUs: 2000 }, full: null });
    expect(io.errors).toEqual(['pressure line 2: avg300 missing']);
    expect(parsePressure('')).toEqual({ value: null, errors: ['pressure: no usable "some" line'] });
  });
});

describe('parsers never throw', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.array(fc.oneof(fc.constantFrom('cpu', 'cpu0', 'some', 'full', 'eth0:', '|', 'total=', 'kB', 'MemTotal:', '8', '-1', '1e99', 'NaN', '\t', '=', ':'), fc.nat().map(String)), { maxLength: 40 }).map((a) => a.join(' ').replace(/ \| /g, '\n')),
  );
  it('on arbitrary text', () => {
    fc.assert(
      fc.property(text, (t) => {
        for (const f of [parseStat, parseMeminfo, parseLoadavg, parseUptime, parseDiskstats, parseNetDev, parsePressure] as ((s: string) => { errors: string[] })[]) {
          const r = f(t);
          expect(Array.isArray(r.errors)).toBe(true);
          for (const e of r.errors) expect(e).not.toContain('\n');
        }
      }),
      { numRuns: 500 },
    );
  });
});
