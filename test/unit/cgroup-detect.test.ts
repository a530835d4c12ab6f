import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { detectCgroupLayout, parseMountinfo, unescapeMountPath } from '../../src/sources/cgroup/detect.js';

const fx = (p: string): string => new URL(`../fixtures/cgroup/${p}`, import.meta.url).pathname;

describe('parseMountinfo', () => {
  it('hybrid layout of this machine (v1 controllers + cgroup2 at /sys/fs/cgroup/unified)', () => {
    const { layout, errors } = parseMountinfo(readFileSync(fx('v1-captured/mountinfo'), 'utf8'));
    expect(errors).toEqual([]);
    expect(layout.mode).toBe('hybrid');
    expect(layout.unified).toEqual({ mountPoint: '/sys/fs/cgroup/unified', root: '/' });
    expect(layout.v1.get('cpu')?.mountPoint).toBe('/sys/fs/cgroup/cpu');
    expect(layout.v1.get('cpuacct')?.mountPoint).toBe('/sys/fs/cgroup/cpuacct');
    expect(layout.v1.get('memory')?.mountPoint).toBe('/sys/fs/cgroup/memory');
    expect(layout.v1.get('blkio')?.mountPoint).toBe('/sys/fs/cgroup/blkio');
    expect(layout.v1.get('pids')?.mountPoint).toBe('/sys/fs/cgroup/pids');
    expect(layout.v1.get('name=systemd')?.mountPoint).toBe('/sys/fs/cgroup/systemd');
    expect(layout.v1.has('rw')).toBe(false);
  });

  it('pure v2', () => {
    const { layout } = parseMountinfo(readFileSync(fx('v2-systemd-docker/proc/self/mountinfo'), 'utf8'));
    expect(layout.mode).toBe('v2');
    expect(layout.unified?.mountPoint).toBe('/sys/fs/cgroup');
    expect(layout.v1.size).toBe(0);
  });

  it('pure v1 with co-mounted cpu,cpuacct and optional fields', () => {
    const { layout } = parseMountinfo(readFileSync(fx('v1-cgroupfs-docker/proc/self/mountinfo'), 'utf8'));
    expect(layout.mode).toBe('v1');
    expect(layout.unified).toBeNull();
    expect(layout.v1.get('cpu')).toEqual({ mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/' });
    expect(layout.v1.get('cpuacct')).toEqual(layout.v1.get('cpu'));
  });

  it('cgroup2 plus only a named v1 hierarchy is v2', () => {
    const t = '1 0 0:1 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n2 0 0:2 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n';
    expect(parseMountinfo(t).layout.mode).toBe('v2');
  });

  it('inside a container without a cgroup namespace: keeps the mount root; prefers a whole-hierarchy mount', () => {
    const id = 'a'.repeat(64);
    const t = [
      `100 90 0:30 /docker/${id} /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory`,
      `101 90 0:26 /docker/${id} /sys/fs/cgroup rw - cgroup2 cgroup2 rw`,
      `102 90 0:26 / /host/cgroup rw - cgroup2 cgroup2 rw`,
    ].join('\n');
    const { layout } = parseMountinfo(t);
    expect(layout.v1.get('memory')).toEqual({ mountPoint: '/sys/fs/cgroup/memory', root: `/docker/${id}` });
    expect(layout.unified).toEqual({ mountPoint: '/host/cgroup', root: '/' });
  });

  it('unescapes octal escapes in mount points', () => {
    expect(unescapeMountPath('/mnt/my\\040cgroup')).toBe('/mnt/my cgroup');
    const { layout } = parseMountinfo('1 0 0:1 / /mnt/my\\040cg rw - cgroup2 none rw\n');
    expect(layout.unified?.mountPoint).toBe('/mnt/my cg');
  });

  it('skips and reports broken cgroup lines, ignores other mounts, never throws', () => {
    const t = 'garbage cgroup\n1 0 0:1 / /x rw - cgroup2\n22 27 0:21 / /proc rw - proc proc rw\n1 0 0:1 relative /y rw - cgroup2 cgroup2 rw\n';
    const { layout, errors } = parseMountinfo(t, 'mi');
    expect(layout.mode).toBe('none');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^mi line 1: /);
    fc.assert(fc.property(fc.string(), (s) => {
      parseMountinfo(s);
      parseMountinfo(`1 0 0:1 ${s} - cgroup cgroup ${s}`);
    }));
  });

  it('detectCgroupLayout reads <root>/proc/self/mountinfo; a missing file gives mode none and an error', async () => {
    expect((await detectCgroupLayout(fx('hybrid-podman'))).layout.mode).toBe('hybrid');
    const r = await detectCgroupLayout(fx('does-not-exist'));
    expect(r.layout.mode).toBe('none');
    expect(r.errors[0]).toContain('mountinfo');
  });

  it('this machine (when Linux)', async () => {
    const r = await detectCgroupLayout('/');
    expect(['v1', 'v2', 'hybrid', 'none']).toContain(r.layout.mode);
  });
});
