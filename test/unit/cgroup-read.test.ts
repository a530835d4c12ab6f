import { cpSync, mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ContainerCounters, ContainerMeta } from '../../src/model/types.js';
import {
  CgroupCounterReader,
  LIMITS_EVERY,
  listCgroupPids,
  nestedCgroupIds,
  parsePidList,
  readContainerCounters,
  sumNetDev,
} from '../../src/sources/cgroup/index.js';
import { FdCache } from '../../src/sources/cgroup/fastread.js';
import { cpuacctStatFollowsUsage, readV1Files, v1Paths } from '../../src/sources/cgroup/v1.js';

const fx = (p: string): string => new URL(`../fixtures/cgroup/${p}`, import.meta.url).pathname;
const IDS = Object.fromEntries(readFileSync(fx('IDS.txt'), 'utf8').trim().split('\n').map((l) => [l[0]!, l.split(' ').at(-1)!])) as Record<string, string>;
const A = IDS.A!, B = IDS.B!, P = IDS.P!;

function meta(over: Partial<ContainerMeta>): ContainerMeta {
  return {
    id: 'c'.repeat(64), name: 'web', image: 'nginx', runtime: 'docker', state: 'running', initPid: 1,
    cpuLimitCores: null, memoryLimitBytes: null, labels: {}, composeProject: null, composeService: null,
    hostNetwork: false, createdSec: null, ...over,
  };
}

const tmps: string[] = [];
afterAll(() => {
  for (const t of tmps) rmSync(t, { recursive: true, force: true });
});
function copyOf(fixture: string): string {
  const d = mkdtempSync(join(tmpdir(), 'tailtop-cg-'));
  tmps.push(d);
  cpSync(fx(fixture), d, { recursive: true });
  return d;
}
/** A counter reader for one container of a copy of `fixture`; read() gives its counters (detail unless false). */
function counterReaderOn(fixture: string, m: ContainerMeta) {
  const root = copyOf(fixture);
  const reader = new CgroupCounterReader();
  const read = async (detail?: boolean): Promise<ContainerCounters> => (await reader.read(m, detail === undefined ? { root } : { root, detail })).counters!;
  return { root, reader, read };
}

describe('readContainerCounters on fixture trees', () => {
  it('v2, systemd driver: every figure, net summed without lo, ids = the cgroup inode', async () => {
    const root = fx('v2-systemd-docker');
    const r = await readContainerCounters(meta({ id: A, initPid: 4242 }), { root });
    expect(r.error).toBeNull();
    const c = r.counters!;
    expect(c.source).toBe('cgroup-v2');
    expect(c.cpuUsageNs).toBe(2_500_000_000);
    expect(c.memoryUsageBytes).toBe(104857600);
    expect(c.inactiveFileBytes).toBe(20971520);
    expect(c.oomKills).toBe(1);
    expect(c.blockReadBytes).toBe(1459200 + 90430464);
    expect(c.pids).toBe(7);
    expect(c.pressure?.memory?.some.totalUs).toBe(1000);
    expect(c.netRxBytes).toBe(500000 + 20000);
    expect(c.netTxBytes).toBe(120000 + 3000);
    const ino = statSync(`${root}/sys/fs/cgroup/system.slice/docker-${A}.scope`).ino;
    expect(c.cgroupIds).toEqual({ unified: ino, blkio: ino, cpu: ino });
  });

  it('host network: net stays null', async () => {
    const reader = new CgroupCounterReader();
    const r = await reader.read(meta({ id: A, initPid: 4242, hostNetwork: true }), { root: fx('v2-systemd-docker') });
    expect(r.counters?.netRxBytes).toBeNull();
    expect(r.counters?.netTxBytes).toBeNull();
    reader.close();
  });

  it('v1, cgroupfs driver, co-mounted cpu,cpuacct', async () => {
    const root = fx('v1-cgroupfs-docker');
    const reader = new CgroupCounterReader();
    const r = await reader.read(meta({ id: B, initPid: 777 }), { root });
    expect(r.error).toBeNull();
    const c = r.counters!;
    expect(c.source).toBe('cgroup-v1');
    expect(c.cpuUsageNs).toBeGreaterThan(0);
    expect(c.cpuUserNs).toBe(1_310_000_000);
    expect(c.nrThrottled).toBe(18);
    expect(c.memoryLimitBytes).toBe(268435456);
    expect(c.inactiveFileBytes).toBe(c.memoryStat.total_inactive_file);
    expect(c.blockReadBytes).toBe(20971520 + 4096);
    expect(c.blockWriteOps).toBe(40);
    expect(c.pressure).toBeNull(); // no PSI on v1: just null
    expect(c.netRxBytes).toBe(520000);
    expect(c.cgroupIds.unified).toBeNull();
    expect(c.cgroupIds.blkio).toBe(statSync(`${root}/sys/fs/cgroup/blkio/docker/${B}`).ino);
    expect(c.cgroupIds.cpu).toBe(statSync(`${root}/sys/fs/cgroup/cpu,cpuacct/docker/${B}`).ino);
    reader.close();
  });

  it('hybrid (this machine\'s layout), podman: v1 files, PSI and the unified id from the cgroup2 twin', async () => {
    const root = fx('hybrid-podman');
    const reader = new CgroupCounterReader();
    const r = await reader.read(meta({ id: P, runtime: 'podman', initPid: 31337 }), { root });
    expect(r.error).toBeNull();
    const c = r.counters!;
    expect(c.source).toBe('cgroup-v1');
    expect(c.memoryLimitBytes).toBeNull(); // the huge default
    expect(c.pressure?.cpu?.some.totalUs).toBe(14141660);
    expect(c.pressure?.memory).toBeNull(); // that file is absent: null, no error
    const sc = `machine.slice/libpod-${P}.scope`;
    expect(c.cgroupIds.unified).toBe(statSync(`${root}/sys/fs/cgroup/unified/${sc}`).ino);
    expect(c.cgroupIds.cpu).toBe(statSync(`${root}/sys/fs/cgroup/cpu/${sc}`).ino);
    reader.close();
  });

  it('broken files: counters with what could be read, one error line naming file and field', async () => {
    const reader = new CgroupCounterReader();
    const r = await reader.read(meta({ id: A, name: 'broken', initPid: 5000 }), { root: fx('v2-broken') });
    expect(r.counters).not.toBeNull();
    expect(r.counters!.cpuUsageNs).toBe(1_000_000);
    expect(r.counters!.memoryLimitBytes).toBeNull();
    expect(r.counters!.blockReadBytes).toBe(5);
    expect(r.error).toMatch(/^container broken: .*cpu\.stat line 2: "user_usec" is not a counter: "banana" \(\+\d+ more\)$/);
    expect(r.error).not.toContain('\n');
    reader.close();
  });

  it('nested cgroups (their inode numbers) and the v2 io controller, looked at with the limits', async () => {
    const root = copyOf('v2-systemd-docker');
    const dir = `${root}/sys/fs/cgroup/system.slice/docker-${A}.scope`;
    const reader = new CgroupCounterReader();
    const m = meta({ id: A, initPid: 4242 });
    let c = (await reader.read(m, { root })).counters!;
    // the fixture has one nested cgroup, "sub"; no cgroup.controllers file: unknown
    expect(c.nestedCgroups!.unified).toEqual([statSync(`${dir}/sub`).ino]);
    expect(c.nestedCgroups!.depth.unified).toBe(dir.split('/').filter(Boolean).length);
    expect(c.ioController).toBeNull();
    mkdirSync(`${dir}/sub/deeper`);
    writeFileSync(`${dir}/cgroup.controllers`, 'cpuset cpu memory pids\n');
    for (let i = 0; i < LIMITS_EVERY; i++) c = (await reader.read(m, { root })).counters!;
    expect(c.nestedCgroups!.unified.sort()).toEqual([statSync(`${dir}/sub`).ino, statSync(`${dir}/sub/deeper`).ino].sort());
    expect(c.ioController).toBe(false); // no "io": its block I/O is charged to an ancestor
    writeFileSync(`${dir}/cgroup.controllers`, 'cpuset cpu io memory pids\n');
    for (let i = 0; i < LIMITS_EVERY; i++) c = (await reader.read(m, { root })).counters!;
    expect(c.ioController).toBe(true);
    reader.close();
  });

  it('nestedCgroupIds: one stat for a leaf, a walk below it otherwise', () => {
    const root = mkdtempSync(join(tmpdir(), 'tailtop-nested-'));
    try {
      expect(nestedCgroupIds(root)).toEqual([]);
      mkdirSync(`${root}/a/b`, { recursive: true });
      mkdirSync(`${root}/c`);
      writeFileSync(`${root}/a/file`, 'x');
      expect(nestedCgroupIds(root).sort()).toEqual(['a', 'a/b', 'c'].map((d) => statSync(`${root}/${d}`).ino).sort());
      expect(nestedCgroupIds(null)).toEqual([]);
      expect(nestedCgroupIds(`${root}/missing`)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a vanished pid or cgroup: "gone", quietly', async () => {
    const reader = new CgroupCounterReader();
    expect(await reader.read(meta({ id: A, name: 'x', initPid: 999999 }), { root: fx('v2-systemd-docker') }))
      .toEqual({ counters: null, error: 'container x: gone' });
    const root = copyOf('v2-systemd-docker');
    rmSync(`${root}/sys/fs/cgroup/system.slice`, { recursive: true });
    expect(await reader.read(meta({ id: A, name: 'x', initPid: 4242 }), { root }))
      .toEqual({ counters: null, error: 'container x: gone' });
    const r = await reader.read(meta({ id: A, name: 'x', initPid: null, state: 'exited' }), { root });
    expect(r.counters).toBeNull();
    expect(r.error).toBe('container x: no init pid (state exited)');
    reader.close();
  });

  it('re-reads cached files every poll, and re-resolves when the init pid changes', async () => {
    const root = copyOf('v2-systemd-docker');
    const reader = new CgroupCounterReader();
    const m = meta({ id: A, initPid: 4242 });
    const dir = `${root}/sys/fs/cgroup/system.slice/docker-${A}.scope`;
    expect((await reader.read(m, { root })).counters?.cpuUsageNs).toBe(2_500_000_000);
    writeFileSync(`${dir}/cpu.stat`, 'usage_usec 3000000\n'); // in place, like the kernel's files
    expect((await reader.read(m, { root })).counters?.cpuUsageNs).toBe(3_000_000_000);
    expect(reader.fds.size).toBeGreaterThan(5);
    // Restart: new init pid in another cgroup.
    mkdirSync(`${root}/proc/5151/net`, { recursive: true });
    writeFileSync(`${root}/proc/5151/cgroup`, `0::/system.slice/docker-${A}.scope/restarted\n`);
    writeFileSync(`${root}/proc/5151/net/dev`, readFileSync(`${root}/proc/4242/net/dev`));
    mkdirSync(`${dir}/restarted`);
    writeFileSync(`${dir}/restarted/cpu.stat`, 'usage_usec 7\n');
    const r = await reader.read({ ...m, initPid: 5151 }, { root });
    expect(r.counters?.cpuUsageNs).toBe(7000);
    expect(r.counters?.memoryUsageBytes).toBeNull();
    expect(r.counters?.cgroupIds.unified).toBe(statSync(`${dir}/restarted`).ino);
    reader.prune([]);
    expect(reader.cached).toBe(0);
    expect(reader.fds.size).toBe(0);
    reader.close();
  });

  it('limit files are re-read every LIMITS_EVERY polls; unchanged files keep their parse', async () => {
    const root = copyOf('v2-systemd-docker');
    const reader = new CgroupCounterReader();
    const m = meta({ id: A, initPid: 4242 });
    const dir = `${root}/sys/fs/cgroup/system.slice/docker-${A}.scope`;
    const first = (await reader.read(m, { root })).counters!;
    expect(first.memoryLimitBytes).toBe(536870912);
    writeFileSync(`${dir}/memory.max`, 'max\n');
    let polls = 1;
    let c = (await reader.read(m, { root })).counters!;
    polls++;
    expect(c.memoryLimitBytes).toBe(536870912); // not yet re-read
    expect(c.memoryStat).toBe(first.memoryStat); // same text: same parse
    while (polls <= LIMITS_EVERY) {
      c = (await reader.read(m, { root })).counters!;
      polls++;
    }
    expect(c.memoryLimitBytes).toBeNull();
    reader.close();
  });

  it('nothing changed since the last poll: the same counters object again; any file changed: a new one', async () => {
    const { root, reader, read } = counterReaderOn('v2-systemd-docker', meta({ id: A, initPid: 4242 }));
    const dir = `${root}/sys/fs/cgroup/system.slice/docker-${A}.scope`;
    const first = await read();
    const again = await read();
    expect(again).toBe(first);
    // The same bytes written again: still the same object.
    writeFileSync(`${dir}/io.pressure`, readFileSync(`${dir}/io.pressure`));
    expect(await read()).toBe(first);
    for (const [file, text, check] of [
      ['memory.current', '104857601\n', (c: ContainerCounters) => expect(c.memoryUsageBytes).toBe(104857601)],
      ['cpu.pressure', 'some avg10=1.00 avg60=0.00 avg300=0.00 total=5\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n', (c: ContainerCounters) => expect(c.pressure?.cpu?.some.totalUs).toBe(5)],
    ] as const) {
      const before = await read();
      writeFileSync(`${dir}/${file}`, text);
      const c = await read();
      expect(c).not.toBe(before);
      check(c);
      expect(await read()).toBe(c);
    }
    // net/dev of the init pid counts too.
    const before = await read();
    const net = `${root}/proc/4242/net/dev`;
    writeFileSync(net, readFileSync(net, 'utf8').replace('500000', '500001'));
    const c = await read();
    expect(c).not.toBe(before);
    expect(c.netRxBytes).toBe(before.netRxBytes! + 1);
    // Detail asked for or not: parsed anew (other files, another shape).
    const lean = await read(false);
    expect(lean).not.toBe(c);
    expect(lean.pressure).toBeNull();
    reader.close();
  });

  it('v1: the same counters object while nothing changed, a new one when a file did', async () => {
    const { root, reader, read } = counterReaderOn('v1-cgroupfs-docker', meta({ id: B, initPid: 777 }));
    const first = await read();
    expect(await read()).toBe(first);
    const usage = `${root}/sys/fs/cgroup/cpu,cpuacct/docker/${B}/cpuacct.usage`;
    writeFileSync(usage, `${first.cpuUsageNs! + 5}\n`);
    const c = await read();
    expect(c).not.toBe(first);
    expect(c.cpuUsageNs).toBe(first.cpuUsageNs! + 5);
    expect(c.memoryStat).toBe(first.memoryStat); // an unchanged file keeps its parse
    reader.close();
  });

  it('v1: cpuacct.stat is left unread while cpuacct.usage did not move, on kernels whose stat follows the usage', () => {
    expect(cpuacctStatFollowsUsage('6.18.44-fc-v1045')).toBe(true);
    expect(cpuacctStatFollowsUsage('5.15.0-91-generic')).toBe(true);
    expect(cpuacctStatFollowsUsage('5.10.0')).toBe(false);
    expect(cpuacctStatFollowsUsage('4.19.0')).toBe(false);
    expect(cpuacctStatFollowsUsage('junk')).toBe(false);
    const paths = v1Paths({ cpu: '/c', cpuacct: '/c', memory: null, blkio: null, pids: null, pressure: null });
    const texts: Record<string, string> = { '/c/cpuacct.usage': '100\n', '/c/cpuacct.stat': 'user 1\nsystem 2\n', '/c/cpu.cfs_quota_us': '-1\n' };
    const seen: string[] = [];
    const read = (f: string): string => {
      seen.push(f);
      const t = texts[f];
      if (t === undefined) throw Object.assign(new Error('no'), { code: 'ENOENT' });
      return t;
    };
    const first = readV1Files(paths, read, read, true, [], null, true);
    expect(first.cpuacctStat).toBe('user 1\nsystem 2\n');
    texts['/c/cpuacct.stat'] = 'user 9\nsystem 9\n'; // (a kernel would not change it without the usage)
    seen.length = 0;
    expect(readV1Files(paths, read, read, true, [], first, true).cpuacctStat).toBe('user 1\nsystem 2\n');
    expect(seen).not.toContain('/c/cpuacct.stat');
    expect(readV1Files(paths, read, read, true, [], first, false).cpuacctStat).toBe('user 9\nsystem 9\n'); // older kernels
    texts['/c/cpuacct.usage'] = '101\n';
    expect(readV1Files(paths, read, read, true, [], first, true).cpuacctStat).toBe('user 9\nsystem 9\n');
    expect(readV1Files(paths, read, read, false, [], first, true).cpuacctStat).toBeNull(); // without detail: never
  });

  it('without detail: no PSI, memory.events with the limits; the table figures are the same', async () => {
    const root = copyOf('v2-systemd-docker');
    const reader = new CgroupCounterReader();
    const m = meta({ id: A, initPid: 4242 });
    const dir = `${root}/sys/fs/cgroup/system.slice/docker-${A}.scope`;
    const full = (await reader.read(m, { root })).counters!;
    let r = await reader.read(m, { root, detail: false });
    expect(r.error).toBeNull();
    let c = r.counters!;
    expect(c.pressure).toBeNull(); // the *.pressure files are not read
    for (const k of ['cpuUsageNs', 'cpuUserNs', 'memoryUsageBytes', 'inactiveFileBytes', 'blockReadBytes', 'pids', 'netRxBytes', 'nrThrottled'] as const) {
      expect(c[k]).toBe(full[k]);
    }
    // An OOM kill shows within LIMITS_EVERY polls without detail, at the next poll with it.
    writeFileSync(`${dir}/memory.events`, 'low 0\nhigh 0\nmax 9\noom 4\noom_kill 3\n');
    let polls = 0;
    while ((c = (await reader.read(m, { root, detail: false })).counters!).oomKills !== 3) {
      polls++;
      expect(polls).toBeLessThanOrEqual(LIMITS_EVERY);
    }
    writeFileSync(`${dir}/memory.events`, 'low 0\nhigh 0\nmax 9\noom 5\noom_kill 4\n');
    r = await reader.read(m, { root, detail: true });
    expect(r.counters!.oomKills).toBe(4);
    expect(r.counters!.pressure?.memory?.some.totalUs).toBe(1000);
    reader.close();
  });

  it('v1 without detail: no cpuacct.stat (user/system null), usage as before', async () => {
    const root = copyOf('v1-cgroupfs-docker');
    const reader = new CgroupCounterReader();
    const m = meta({ id: B, initPid: 777 });
    writeFileSync(`${root}/sys/fs/cgroup/cpu,cpuacct/docker/${B}/cpuacct.stat`, 'garbage\n'); // an error line if read
    const r = await reader.read(m, { root, detail: false });
    expect(r.error).toBeNull();
    expect(r.counters!.cpuUserNs).toBeNull();
    expect(r.counters!.cpuSystemNs).toBeNull();
    expect(r.counters!.cpuUsageNs).toBeGreaterThan(0);
    const d = await reader.read(m, { root, detail: true });
    expect(d.error).toMatch(/cpuacct\.stat/);
    reader.close();
  });

  it('v1: cpu.stat only while cpu.cfs_quota_us shows a quota, re-checked with the limits', async () => {
    const root = copyOf('v1-cgroupfs-docker');
    const reader = new CgroupCounterReader();
    const m = meta({ id: B, initPid: 777 });
    const cpuDir = `${root}/sys/fs/cgroup/cpu,cpuacct/docker/${B}`;
    writeFileSync(`${cpuDir}/cpu.cfs_quota_us`, '-1\n');
    writeFileSync(`${cpuDir}/cpu.stat`, 'garbage\n'); // an error line if it were read
    let r = await reader.read(m, { root });
    expect(r.error).toBeNull();
    expect(r.counters!.nrPeriods).toBeNull(); // no quota: the model shows "—"
    expect(r.counters!.nrThrottled).toBeNull();
    expect(r.counters!.cpuUsageNs).toBeGreaterThan(0);
    // `docker update --cpus 0.5`: throttling appears within LIMITS_EVERY polls.
    writeFileSync(`${cpuDir}/cpu.cfs_quota_us`, '50000\n');
    writeFileSync(`${cpuDir}/cpu.stat`, 'nr_periods 5\nnr_throttled 1\nthrottled_time 10\n');
    for (let i = 0; i < LIMITS_EVERY; i++) r = await reader.read(m, { root });
    expect(r.error).toBeNull();
    expect(r.counters!.nrPeriods).toBe(5);
    expect(r.counters!.nrThrottled).toBe(1);
    reader.close();
  });

  it('v1: io_serviced and failcnt (shown nowhere) come with the limits; those keep descriptors only while half the budget is free', async () => {
    const root = copyOf('v1-cgroupfs-docker');
    const m = meta({ id: B, initPid: 777 });
    const roomy = new CgroupCounterReader(new FdCache(1000));
    const first = (await roomy.read(m, { root })).counters!;
    expect(first.blockWriteOps).toBe(40);
    expect(first.memoryFailcnt).not.toBeNull();
    // 8 per-poll files (cpuacct.usage, cpuacct.stat, cpu.stat, memory.usage_in_bytes, memory.stat,
    // blkio.throttle.io_service_bytes, pids.current, net/dev) + 5 limit files.
    expect(roomy.fds.size).toBe(13);
    roomy.close();
    const tight = new CgroupCounterReader(new FdCache(10));
    const again = (await tight.read(m, { root })).counters!;
    expect(again.blockWriteOps).toBe(40);
    // Only cpu.cfs_quota_us (read while 3 < 10/2 descriptors were open) of the limit files is kept.
    expect(tight.fds.size).toBe(9);
    tight.close();
  });

  it('works without cached descriptors too (budget 0)', async () => {
    const reader = new CgroupCounterReader(new FdCache(0));
    const r = await reader.read(meta({ id: A, initPid: 4242 }), { root: fx('v2-systemd-docker') });
    expect(r.counters?.cpuUsageNs).toBe(2_500_000_000);
    expect(reader.fds.size).toBe(0);
  });

  it('no mountinfo: "no cgroup hierarchy mounted"', async () => {
    const root = copyOf('v2-systemd-docker');
    rmSync(`${root}/proc/self/mountinfo`);
    const r = await new CgroupCounterReader().read(meta({ id: A, initPid: 4242 }), { root });
    expect(r.counters).toBeNull();
    expect(r.error).toMatch(/^container web: no cgroup hierarchy mounted \(.*mountinfo/);
  });

  it('unresolvable process: one-line error, no throw', async () => {
    const root = copyOf('v2-systemd-docker');
    writeFileSync(`${root}/proc/4242/cgroup`, 'garbage\n');
    const reader = new CgroupCounterReader();
    const r = await reader.read(meta({ id: A, initPid: 4242 }), { root });
    expect(r.counters).toBeNull();
    expect(r.error).toMatch(/^container web: .*cgroup: no cgroup2 line/);
  });
});

describe('pids of a container cgroup', () => {
  it('cgroup.procs of the cgroup and its children', async () => {
    const root = fx('v2-systemd-docker');
    expect(listCgroupPids(`${root}/sys/fs/cgroup/system.slice/docker-${A}.scope`)).toEqual({ pids: [4242, 4300, 4400], error: null });
    const reader = new CgroupCounterReader();
    expect(await reader.listPids(meta({ id: A, initPid: 4242 }), { root })).toEqual({ pids: [4242, 4300, 4400], error: null });
    expect(await reader.listPids(meta({ id: B, initPid: 777 }), { root: fx('v1-cgroupfs-docker') })).toEqual({ pids: [777], error: null });
    expect(listCgroupPids(`${root}/nope`).error).toMatch(/gone/);
  });
  it('parsePidList skips junk', () => {
    expect(parsePidList('1\n 2 \nx\n\n3')).toEqual([1, 2, 3]);
  });
  it('sumNetDev excludes lo', () => {
    const t = readFileSync(fx('v2-systemd-docker/proc/4242/net/dev'), 'utf8');
    expect(sumNetDev(t, 'f')).toEqual({ rx: 520000, tx: 123000, errors: [] });
  });
  it('sumNetDev: the fast path agrees with the full parser, which reports odd lines', () => {
    const t = readFileSync(fx('v2-systemd-docker/proc/4242/net/dev'), 'utf8');
    const head = t.split('\n').slice(0, 2).join('\n');
    const row = (name: string, rx: string, tx: number): string => `${name}: ${rx} 1 0 0 0 0 0 0 ${tx} 2 0 0 0 0 0 0`;
    expect(sumNetDev(`${head}\n  eth0:123 1 0 0 0 0 0 0 7 2 0 0 0 0 0 0\n`, 'f')).toEqual({ rx: 123, tx: 7, errors: [] });
    expect(sumNetDev(`${head}\n${row('lo', '5', 5)}\n${row('eth0', '9007199254740993', 1)}\n`, 'f'))
      .toEqual({ rx: Number('9007199254740993'), tx: 1, errors: [] });
    const dup = sumNetDev(`${head}\n${row('eth0', '1', 1)}\n${row('eth0', '2', 2)}\n`, 'f');
    expect(dup.rx).toBe(1);
    expect(dup.errors[0]).toMatch(/duplicate interface name/);
    const bad = sumNetDev(`${head}\n${row('eth0', 'x', 1)}\n${row('eth1', '4', 4)}\n`, 'f');
    expect(bad.rx).toBe(4);
    expect(bad.errors[0]).toMatch(/rx bytes is not a number/);
  });
});

describe('errText', () => {
  it('is the error code, else the first line of the message', async () => {
    const { errText } = await import('../../src/sources/cgroup/fastread.js');
    expect(errText(Object.assign(new Error('open failed\nstack'), { code: 'EACCES' }))).toBe('EACCES');
    expect(errText(new Error('bad text\nmore'))).toBe('bad text');
    expect(errText('plain')).toBe('plain');
  });
});
