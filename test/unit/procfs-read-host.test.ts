import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearBlockTopologyCache, partitionParents } from '../../src/sources/procfs/block-topology.js';
import { MAX_ERRORS_PER_FILE, readHostSample } from '../../src/sources/procfs/read-host.js';

const root = (name: string): string => fileURLToPath(new URL(`../fixtures/procfs/${name}`, import.meta.url));
const parents = (s: { disks: { name: string; parent: string | null }[] | null }) =>
  Object.fromEntries((s.disks ?? []).map((d) => [d.name, d.parent]));

beforeEach(() => clearBlockTopologyCache());
afterEach(() => vi.restoreAllMocks());

describe('readHostSample', () => {
  it('reads every section of the real capture', async () => {
    const s = await readHostSample({ root: root('real'), atMs: 1234 });
    expect(s.errors).toEqual([]);
    expect(s.atMs).toBe(1234);
    expect(s.source).toBe('procfs');
    expect(s.stat!.cores).toHaveLength(2);
    expect(s.meminfo!.totalBytes).toBe(24682416 * 1024);
    expect(s.loadavg!.one).toBe(0.77);
    expect(s.uptimeSec).toBe(523.13);
    expect(s.net!.map((n) => n.name)).toContain('eth0');
    expect(s.pressure!.cpu!.some.totalUs).toBe(23604213);
    expect(s.pressure!.memory!.full).not.toBeNull();
    expect(s.pressure!.io).not.toBeNull();
    expect(Object.values(parents(s)).every((p) => p === null)).toBe(true);
  });

  it('folds partitions using /sys/class/block, with the name rule for devices missing from /sys', async () => {
    const s = await readHostSample({ root: root('parts'), atMs: 0 });
    expect(parents(s)).toEqual({
      loop0: null,
      loop1: null,
      nvme0n1: null,
      nvme0n1p1: 'nvme0n1',
      nvme0n1p2: 'nvme0n1',
      sda: null,
      sda1: 'sda',
      sdb: null,
      sdb1: 'sdb', // not in the fixture's /sys: name fallback
      mmcblk0: null,
      mmcblk0p1: 'mmcblk0',
      'dm-0': null,
      sr0: null,
    });
  });

  it('missing files: one error each, section null, the rest still read; no /proc/pressure = no panel', async () => {
    const s = await readHostSample({ root: root('parts'), atMs: 0 });
    expect(s.stat).toBeNull();
    expect(s.meminfo).toBeNull();
    expect(s.pressure).toBeNull();
    expect(s.disks).toHaveLength(13);
    expect(s.errors).toEqual([
      { source: 'stat', message: '/proc/stat: not found' },
      { source: 'meminfo', message: '/proc/meminfo: not found' },
      { source: 'loadavg', message: '/proc/loadavg: not found' },
      { source: 'netdev', message: '/proc/net/dev: not found' },
      { source: 'uptime', message: '/proc/uptime: not found' },
    ]);
  });

  it('old kernel: no /sys (name rule), 14-field diskstats, cpu PSI without "full"', async () => {
    const s = await readHostSample({ root: root('old'), atMs: 0 });
    expect(s.errors).toEqual([]);
    expect(parents(s)).toEqual({ sda: null, sda1: 'sda', sda2: 'sda', loop0: null });
    expect(s.disks![0]!.discardsCompleted).toBeNull();
    expect(s.pressure!.cpu!.full).toBeNull();
    expect(s.pressure!.io!.full!.totalUs).toBe(1000);
    expect(s.meminfo!.availableBytes).toBe((512000 + 64000 + 256000) * 1024);
  });

  it('broken files: bad lines are reported and skipped, never thrown', async () => {
    const s = await readHostSample({ root: root('broken'), atMs: 0 });
    expect(s.stat!.total.user).toBe(100);
    expect(s.meminfo).toBeNull();
    expect(s.loadavg).toBeNull();
    expect(s.uptimeSec).toBeNull();
    expect(s.disks!.map((d) => d.name)).toEqual(['sda', 'sdc']);
    expect(s.net!.map((n) => n.name)).toEqual(['lo']);
    expect(s.pressure!.cpu).toBeNull();
    expect(s.pressure!.memory).toBeNull();
    expect(s.pressure!.io!.full).toBeNull();
    const by = (src: string) => s.errors.filter((e) => e.source === src).map((e) => e.message);
    expect(by('diskstats')).toContain('/proc/diskstats line 7: expected 14+ fields, got 7');
    expect(by('loadavg')).toEqual(['/proc/loadavg: empty']);
    expect(by('pressure')).toContain('/proc/pressure/cpu line 1: avg10 is not a number: "abc"');
    expect(by('uptime')).toEqual(['/proc/uptime line 1: uptime is not a number: "up"']);
    for (const e of s.errors) expect(e.message).not.toContain('\n');
  });

  it('caps parse errors per file', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tailtop-procfs-'));
    try {
      await fsp.mkdir(path.join(dir, 'proc'));
      await fsp.writeFile(path.join(dir, 'proc/diskstats'), 'junk\n'.repeat(50));
      const s = await readHostSample({ root: dir, atMs: 0 });
      const disk = s.errors.filter((e) => e.source === 'diskstats');
      expect(disk).toHaveLength(MAX_ERRORS_PER_FILE + 1);
      expect(disk.at(-1)!.message).toBe(`${50 - MAX_ERRORS_PER_FILE} more errors not shown`);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('permission denied becomes a SourceError; the other sections still work', async () => {
    const real = fs.readFileSync.bind(fs);
    vi.spyOn(fs, 'readFileSync').mockImplementation(((p: fs.PathLike, o?: unknown) => {
      if (String(p).endsWith('/proc/diskstats')) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${String(p)}'`), { code: 'EACCES' });
      }
      return real(p, o as BufferEncoding);
    }) as typeof fs.readFileSync);
    const s = await readHostSample({ root: root('real'), atMs: 0 });
    expect(s.disks).toBeNull();
    expect(s.errors).toEqual([{ source: 'diskstats', message: '/proc/diskstats: permission denied' }]);
    expect(s.stat).not.toBeNull();
    expect(s.net).not.toBeNull();
  });

  it('PSI present but disabled (psi=0: EOPNOTSUPP) = no panel, no error', async () => {
    const real = fs.readFileSync.bind(fs);
    vi.spyOn(fs, 'readFileSync').mockImplementation(((p: fs.PathLike, o?: unknown) => {
      if (String(p).includes('/proc/pressure/')) {
        throw Object.assign(new Error('EOPNOTSUPP: operation not supported on socket, read'), { code: 'EOPNOTSUPP' });
      }
      return real(p, o as BufferEncoding);
    }) as typeof fs.readFileSync);
    const s = await readHostSample({ root: root('real'), atMs: 0 });
    expect(s.pressure).toBeNull();
    expect(s.errors).toEqual([]);
  });

  it('a root that does not exist: all sections null, one error each, no throw', async () => {
    const s = await readHostSample({ root: '/nonexistent/tailtop', atMs: 0 });
    expect(s.stat).toBeNull();
    expect(s.disks).toBeNull();
    expect(s.pressure).toBeNull();
    expect(s.errors.map((e) => e.source)).toEqual(['stat', 'meminfo', 'loadavg', 'diskstats', 'netdev', 'uptime']);
  });

  it('reads this machine', async () => {
    if (!fs.existsSync('/proc/stat')) return;
    const s = await readHostSample({ atMs: 0 });
    expect(s.stat).not.toBeNull();
    expect(s.meminfo).not.toBeNull();
    expect(s.errors).toEqual([]);
  });

  it('reads this machine afresh each time through its kept descriptors (the text is regenerated, not cached)', async () => {
    if (!fs.existsSync('/proc/uptime')) return;
    const a = await readHostSample({ atMs: 0 });
    const t0 = Date.now();
    while (Date.now() - t0 < 30) { /* burn CPU: /proc/stat's counters move */ }
    await new Promise((r) => setTimeout(r, 30));
    const b = await readHostSample({ atMs: 1 });
    expect(b.uptimeSec!).toBeGreaterThan(a.uptimeSec!);
    const total = (x: typeof a): number => Object.values(x.stat!.total).reduce((n: number, v) => n + (typeof v === 'number' ? v : 0), 0);
    expect(total(b)).toBeGreaterThan(total(a));
  });
});

describe('partition map cache', () => {
  it('is reused while the device set is unchanged and recomputed when it changes', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tailtop-blk-'));
    try {
      const blk = path.join(dir, 'sys/class/block');
      const dev = path.join(dir, 'sys/devices/x/block/sda');
      await fsp.mkdir(path.join(dev, 'sda1'), { recursive: true });
      await fsp.mkdir(blk, { recursive: true });
      await fsp.writeFile(path.join(dev, 'sda1/partition'), '1\n');
      await fsp.symlink('../../devices/x/block/sda', path.join(blk, 'sda'));
      await fsp.symlink('../../devices/x/block/sda/sda1', path.join(blk, 'sda1'));
      const devs = [
        { name: 'sda', major: 8, minor: 0 },
        { name: 'sda1', major: 8, minor: 1 },
      ];
      const a = await partitionParents(dir, devs);
      expect(Object.fromEntries(a)).toEqual({ sda: null, sda1: 'sda' });

      const access = vi.spyOn(fsp, 'access');
      const b = await partitionParents(dir, devs.map((d) => ({ ...d })));
      expect(b).toBe(a);
      expect(access).not.toHaveBeenCalled();

      await fsp.mkdir(path.join(dev, 'sda2'));
      await fsp.writeFile(path.join(dev, 'sda2/partition'), '2\n');
      await fsp.symlink('../../devices/x/block/sda/sda2', path.join(blk, 'sda2'));
      const c = await partitionParents(dir, [...devs, { name: 'sda2', major: 8, minor: 2 }]);
      expect(access).toHaveBeenCalled();
      expect(Object.fromEntries(c)).toEqual({ sda: null, sda1: 'sda', sda2: 'sda' });
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
