import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type ParseMemo, parseKeyed, parseSingle, scanKeyed, scanKeys } from '../../src/sources/cgroup/parse.js';
import { countersFromV1, parseBlkio, parseCpuacctStat } from '../../src/sources/cgroup/v1.js';
import { countersFromV2, parseIoStat, sumIoStatFast } from '../../src/sources/cgroup/v2.js';

const fx = (p: string): string => new URL(`../fixtures/cgroup/${p}`, import.meta.url).pathname;
const text = (p: string): string => readFileSync(fx(p), 'utf8');
const cap = (f: string): string => text(`v1-captured/${f}`);
const V2 = `v2-systemd-docker/sys/fs/cgroup/system.slice/docker-${text('IDS.txt').split('\n')[0]!.split(' ').at(-1)}.scope`;
const v2 = (f: string): string => text(`${V2}/${f}`);

describe('flat keyed and single-value files', () => {
  it('parseKeyed reads every counter and reports bad lines by key', () => {
    const r = parseKeyed('a 1\nb  22 \n\nc x\nd\n', 'f');
    expect(r.values).toEqual({ a: 1, b: 22 });
    expect(r.errors).toEqual(['f line 4: "c" is not a counter: "x"', 'f line 5: "d" is not a counter: (missing)']);
  });
  it('parseSingle: a number, "max" = unlimited, garbage = error', () => {
    expect(parseSingle('123\n', 'f')).toEqual({ value: 123, unlimited: false, error: null });
    expect(parseSingle('max\n', 'f')).toEqual({ value: null, unlimited: true, error: null });
    expect(parseSingle('', 'f').error).toMatch(/^f: /);
    expect(parseSingle('-1', 'f').error).toMatch(/^f: /);
  });
  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      parseKeyed(s, 'f');
      parseSingle(s, 'f');
      parseIoStat(s);
      parseBlkio(s);
      parseCpuacctStat(s);
    }));
  });
});

describe('cgroup v2 (formats of Documentation/admin-guide/cgroup-v2.rst)', () => {
  it('io.stat sums rbytes/wbytes/rios/wios over devices, ignores other keys', () => {
    const r = parseIoStat(v2('io.stat'));
    expect(r.errors).toEqual([]);
    expect(r.devices).toHaveLength(2);
    expect(r.devices[0]).toEqual({ major: 8, minor: 16, rbytes: 1459200, wbytes: 314773504, rios: 192, wios: 353 });
    expect(r.totals).toEqual({ readBytes: 1459200 + 90430464, writeBytes: 314773504 + 299008000, readOps: 192 + 8950, writeOps: 353 + 1252 });
  });

  it('io.stat: a bad line is skipped and named', () => {
    const r = parseIoStat('8:0 rbytes=10 wbytes=oops rios=1 wios=1\nnonsense\n259:0 rbytes=5 wbytes=6 rios=7 wios=8\n', 'io.stat');
    expect(r.totals).toEqual({ readBytes: 5, writeBytes: 6, readOps: 7, writeOps: 8 });
    expect(r.errors).toEqual(['io.stat line 1: wbytes is not a counter: "oops"', 'io.stat line 2: expected "MAJ:MIN key=value ...", got "nonsense"']);
  });

  it('all files -> counters (µs -> ns, max = unlimited, inactive_file, oom events, PSI)', () => {
    const { counters: c, errors } = countersFromV2({
      cpuStat: v2('cpu.stat'),
      memoryCurrent: v2('memory.current'),
      memoryMax: v2('memory.max'),
      memoryStat: v2('memory.stat'),
      memoryEvents: v2('memory.events'),
      ioStat: v2('io.stat'),
      cpuPressure: v2('cpu.pressure'),
      memoryPressure: v2('memory.pressure'),
      ioPressure: v2('io.pressure'),
      pidsCurrent: v2('pids.current'),
      pidsMax: v2('pids.max'),
    });
    expect(errors).toEqual([]);
    expect(c.source).toBe('cgroup-v2');
    expect(c.cpuUsageNs).toBe(2_500_000_000);
    expect(c.cpuUserNs).toBe(2_000_000_000);
    expect(c.cpuSystemNs).toBe(500_000_000);
    expect(c.nrPeriods).toBe(100);
    expect(c.nrThrottled).toBe(10);
    expect(c.throttledNs).toBe(50_000_000);
    expect(c.memoryUsageBytes).toBe(104857600);
    expect(c.memoryLimitBytes).toBe(536870912);
    expect(c.inactiveFileBytes).toBe(20971520);
    expect(c.memoryStat.anon).toBe(52428800);
    expect(c.oomEvents).toBe(2);
    expect(c.oomKills).toBe(1);
    expect(c.memoryFailcnt).toBeNull();
    expect(c.blockReadOps).toBe(9142);
    expect(c.pids).toBe(7);
    expect(c.pidsMax).toBeNull();
    expect(c.pressure?.cpu?.some.totalUs).toBe(123456);
    expect(c.pressure?.cpu?.full?.avg10).toBe(0.5);
    expect(c.pressure?.io?.full?.totalUs).toBe(3000);
  });

  it('absent files are null, not zero', () => {
    const none = { cpuStat: null, memoryCurrent: null, memoryMax: null, memoryStat: null, memoryEvents: null, ioStat: null,
      cpuPressure: null, memoryPressure: null, ioPressure: null, pidsCurrent: null, pidsMax: null };
    const { counters: c, errors } = countersFromV2(none);
    expect(errors).toEqual([]);
    expect(c.cpuUsageNs).toBeNull();
    expect(c.memoryLimitBytes).toBeNull();
    expect(c.blockReadBytes).toBeNull();
    expect(c.pressure).toBeNull();
  });

  it('broken files: each bad field named, the rest kept', () => {
    const { counters: c, errors } = countersFromV2({
      cpuStat: 'usage_usec 1000\nuser_usec banana\nsystem_usec 400\n\u0000\u0001garbage line\n',
      memoryCurrent: 'lots\n',
      memoryMax: null,
      memoryStat: 'anon 4096\nfile 81',
      memoryEvents: null,
      ioStat: null,
      cpuPressure: 'some avg10=x\n',
      memoryPressure: null,
      ioPressure: null,
      pidsCurrent: '',
      pidsMax: null,
    }, '/cg');
    expect(c.cpuUsageNs).toBe(1_000_000);
    expect(c.cpuUserNs).toBeNull();
    expect(c.cpuSystemNs).toBe(400_000);
    expect(c.memoryUsageBytes).toBeNull();
    expect(c.memoryStat).toEqual({ anon: 4096, file: 81 });
    expect(c.pids).toBeNull();
    expect(c.pressure?.cpu).toBeNull();
    expect(errors.some((e) => e.startsWith('/cg/cpu.stat line 2: "user_usec"'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/cg/cpu.stat line 4:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/cg/memory.current:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/cg/cpu.pressure'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/cg/pids.current:'))).toBe(true);
    for (const e of errors) expect(e).not.toContain('\n');
  });
});

describe('cgroup v1 (files captured from this machine)', () => {
  it('cpuacct.stat ticks -> ns', () => {
    expect(parseCpuacctStat('user 131\nsystem 66\n')).toEqual({ userNs: 1_310_000_000, systemNs: 660_000_000, errors: [] });
    expect(parseCpuacctStat('user 5\nsystem 1\n', 'f', 250).userNs).toBe(20_000_000);
    expect(parseCpuacctStat('', 'f').errors).toEqual(['f: no "user" line']);
  });

  it('blkio.throttle: sums of per-device Read and Write, grand Total kept', () => {
    const r = parseBlkio(text(`v1-cgroupfs-docker/sys/fs/cgroup/blkio/docker/${text('IDS.txt').split('\n')[1]!.split(' ').at(-1)}/blkio.throttle.io_service_bytes`));
    expect(r.errors).toEqual([]);
    expect(r.value).toEqual({ read: 20971520 + 4096, write: 5242880, total: 26218496 });
    expect(parseBlkio(cap('blkio.throttle.io_service_bytes')).value).toEqual({ read: 0, write: 0, total: 0 });
    const bad = parseBlkio('8:0 Read x\n8:0 Write 5\nwhat is this\nTotal y\n', 'b');
    expect(bad.value).toEqual({ read: 0, write: 5, total: null });
    expect(bad.errors).toHaveLength(3);
  });

  it('captured files -> counters', () => {
    const { counters: c, errors } = countersFromV1({
      cpuacctUsage: cap('cpuacct.usage'),
      cpuacctStat: cap('cpuacct.stat'),
      cpuStat: cap('cpu.stat'),
      memoryUsage: cap('memory.usage_in_bytes'),
      memoryLimit: cap('memory.limit_in_bytes'),
      memoryStat: cap('memory.stat'),
      memoryFailcnt: cap('memory.failcnt'),
      blkioBytes: cap('blkio.throttle.io_service_bytes'),
      blkioOps: cap('blkio.throttle.io_serviced'),
      pidsCurrent: cap('pids.current'),
      pidsMax: cap('pids.max'),
    });
    expect(errors).toEqual([]);
    expect(c.source).toBe('cgroup-v1');
    expect(c.cpuUsageNs).toBe(Number(cap('cpuacct.usage').trim()));
    expect(c.cpuUserNs).toBe(1_310_000_000);
    expect(c.nrPeriods).toBe(23);
    expect(c.nrThrottled).toBe(18);
    expect(c.throttledNs).toBe(807339851);
    expect(c.memoryUsageBytes).toBe(13225984);
    expect(c.memoryLimitBytes).toBe(268435456);
    expect(c.inactiveFileBytes).toBe(c.memoryStat.total_inactive_file);
    expect(c.memoryFailcnt).toBe(0);
    expect(c.blockReadBytes).toBe(0);
    expect(c.pids).toBe(0);
    expect(c.pidsMax).toBe(100);
    expect(c.oomKills).toBeNull();
    expect(c.pressure).toBeNull();
  });

  it('the huge default memory.limit_in_bytes means unlimited; pids.max "max" too', () => {
    const { counters: c } = countersFromV1({
      cpuacctUsage: '1\n', cpuacctStat: null, cpuStat: null, memoryUsage: null,
      memoryLimit: cap('root-memory.limit_in_bytes'), memoryStat: 'inactive_file 7\n', memoryFailcnt: null,
      blkioBytes: null, blkioOps: null, pidsCurrent: null, pidsMax: 'max\n',
    });
    expect(c.memoryLimitBytes).toBeNull();
    expect(c.pidsMax).toBeNull();
    expect(c.inactiveFileBytes).toBe(7); // falls back to the non-hierarchical figure
  });
});

describe('memory.stat: inactive_file by a scan, the map parsed when read', () => {
  it('scanKeyed finds whole keys only, and agrees with parseKeyed', () => {
    const t = 'total_inactive_file 9\ninactive_file 7\nbig 123456789012345678\nbad 1x\n';
    expect(scanKeyed(t, 'inactive_file')).toBe(7);
    expect(scanKeyed(t, 'total_inactive_file')).toBe(9);
    expect(scanKeyed(t, 'big')).toBe(Number('123456789012345678'));
    expect(scanKeyed(t, 'bad')).toBeNull();
    expect(scanKeyed(t, 'file')).toBeNull();
    expect(scanKeyed('inactive_file 5', 'inactive_file')).toBe(5); // no final newline
    for (const f of ['memory.stat']) {
      const real = v2(f);
      expect(scanKeyed(real, 'inactive_file')).toBe(parseKeyed(real, f).values.inactive_file);
    }
    expect(scanKeyed(cap('memory.stat'), 'total_inactive_file')).toBe(parseKeyed(cap('memory.stat'), 'm').values.total_inactive_file);
  });

  it('c.memoryStat is the full map with detail (shared through the memo), empty without', () => {
    const memo: ParseMemo = new Map();
    const files = {
      cpuStat: v2('cpu.stat'), memoryCurrent: null, memoryMax: null, memoryStat: v2('memory.stat'), memoryEvents: null,
      ioStat: null, cpuPressure: null, memoryPressure: null, ioPressure: null, pidsCurrent: null, pidsMax: null,
    };
    const a = countersFromV2(files, '', memo).counters;
    const b = countersFromV2(files, '', memo).counters;
    const full = parseKeyed(v2('memory.stat'), 'memory.stat').values;
    expect(a.inactiveFileBytes).toBe(full.inactive_file);
    expect(a.memoryStat).toEqual(full);
    expect(b.memoryStat).toBe(a.memoryStat);
    expect(JSON.parse(JSON.stringify(b)).memoryStat).toEqual(full);
    const v1 = countersFromV1({
      cpuacctUsage: '1\n', cpuacctStat: null, cpuStat: null, memoryUsage: null, memoryLimit: null, memoryStat: cap('memory.stat'),
      memoryFailcnt: null, blkioBytes: null, blkioOps: null, pidsCurrent: null, pidsMax: null,
    }).counters;
    expect(v1.memoryStat).toEqual(parseKeyed(cap('memory.stat'), 'm').values);
    // The table's poll: inactive_file only, no map.
    const lean = countersFromV2({ ...files, memoryStat: `${v2('memory.stat')}junk line\n` }, '', new Map(), false);
    expect(lean.counters.inactiveFileBytes).toBe(full.inactive_file);
    expect(lean.counters.memoryStat).toEqual({});
    expect(lean.errors).toEqual([]);
    const leanV1 = countersFromV1({
      cpuacctUsage: '1\n', cpuacctStat: null, cpuStat: null, memoryUsage: null, memoryLimit: null, memoryStat: cap('memory.stat'),
      memoryFailcnt: null, blkioBytes: null, blkioOps: null, pidsCurrent: null, pidsMax: null,
    }, { detail: false }).counters;
    expect(leanV1.inactiveFileBytes).toBe(parseKeyed(cap('memory.stat'), 'm').values.total_inactive_file);
    expect(leanV1.memoryStat).toEqual({});
  });

  it('scanKeys agrees with parseKeyed on the keys asked for, and gives way to it when one is unreadable', () => {
    const keys = ['usage_usec', 'user_usec', 'nr_periods', 'x'];
    const line = fc.tuple(fc.constantFrom(...keys, 'core_usage_usec', 'nr_bursts', 'usage'), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String));
    fc.assert(fc.property(fc.array(line, { maxLength: 7 }), (lines) => {
      const text = lines.map(([k, v]) => `${k} ${v}\n`).join('');
      const fast = scanKeys(text, keys);
      const full = parseKeyed(text, 'cpu.stat').values;
      const twice = keys.some((k) => lines.filter(([key]) => key === k).length > 1);
      if (!twice) expect(fast).not.toBeNull();
      if (fast !== null) for (const k of keys) expect(fast[k]).toBe(full[k]);
    }));
    expect(scanKeys('usage_usec 1\nusage_usec 2\n', keys)).toBeNull(); // twice: the full parser decides
    expect(scanKeys('usage_usec 5\nnr_periods oops\n', keys)).toBeNull();
    expect(scanKeys('usage_usec 5\nnr_bursts oops\n', keys)).toEqual({ usage_usec: 5 }); // a key not asked for
    const r = countersFromV2({
      cpuStat: 'usage_usec 5\nnr_periods oops\n', memoryCurrent: null, memoryMax: null, memoryStat: null, memoryEvents: null,
      ioStat: null, cpuPressure: null, memoryPressure: null, ioPressure: null, pidsCurrent: null, pidsMax: null,
    });
    expect(r.counters.cpuUsageNs).toBe(5000);
    expect(r.errors.join('\n')).toMatch(/cpu\.stat line 2: "nr_periods" is not a counter/);
  });

  it('io.stat: the fast sum agrees with the full parser, and gives way to it on anything odd', () => {
    const real = v2('io.stat');
    expect(sumIoStatFast(real)).toEqual(parseIoStat(real).totals);
    const num = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
    const key = fc.constantFrom('rbytes', 'wbytes', 'rios', 'wios', 'dbytes', 'dios', 'cost.usage', 'rb', 'wiosx');
    const line = fc.tuple(fc.nat(300), fc.nat(300), fc.array(fc.tuple(key, num), { maxLength: 8 }))
      .map(([a, b, kv]) => `${a}:${b}${kv.map(([k, v]) => ` ${k}=${v}`).join('')}`);
    fc.assert(fc.property(fc.array(line, { maxLength: 5 }), fc.boolean(), (lines, nl) => {
      const text = lines.join('\n') + (nl ? '\n' : '');
      const full = parseIoStat(text);
      const fast = sumIoStatFast(text);
      if (fast !== null) {
        expect(full.errors).toEqual([]);
        expect(fast).toEqual(full.totals);
      }
    }));
    fc.assert(fc.property(fc.string(), (s) => {
      const fast = sumIoStatFast(s);
      if (fast !== null) expect(fast).toEqual(parseIoStat(s).totals);
    }));
    expect(sumIoStatFast('0:0 wbytes=1 wbytes=0')).toBeNull(); // a key twice: the full parser's rule applies
    for (const odd of ['8:0  rbytes=1', '8:0 rbytes=1 ', '8:0 rbytes=x', 'x:0 rbytes=1', '8:0\trbytes=1', '8 rbytes=1']) {
      expect(sumIoStatFast(odd)).toBeNull();
    }
  });

  it('an unreadable inactive_file line is parsed eagerly and reported', () => {
    const r = countersFromV2({
      cpuStat: 'usage_usec 1\n', memoryCurrent: '100\n', memoryMax: null, memoryStat: 'anon 5\ninactive_file ?\n', memoryEvents: null,
      ioStat: null, cpuPressure: null, memoryPressure: null, ioPressure: null, pidsCurrent: null, pidsMax: null,
    });
    expect(r.counters.inactiveFileBytes).toBeNull();
    expect(r.counters.memoryStat).toEqual({ anon: 5 });
    expect(r.errors.join('\n')).toMatch(/memory\.stat line 2: "inactive_file" is not a counter/);
  });
});
