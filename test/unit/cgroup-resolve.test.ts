import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseMountinfo } from '../../src/sources/cgroup/detect.js';
import {
  cgroupDir,
  containerIdFromCgroupPath,
  containerIdsFromCgroupPath,
  parsePidCgroup,
  resolveCgroup,
} from '../../src/sources/cgroup/resolve.js';

const fx = (p: string): string => new URL(`../fixtures/cgroup/${p}`, import.meta.url).pathname;
const text = (p: string): string => readFileSync(fx(p), 'utf8');
const IDS = Object.fromEntries(text('IDS.txt').trim().split('\n').map((l) => [l[0]!, l.split(' ').at(-1)!])) as Record<string, string>;
const A = IDS.A!, B = IDS.B!, P = IDS.P!, K = IDS.K!, O = IDS.O!, D = IDS.D!;

describe('parsePidCgroup', () => {
  it('v1 lines, co-mounted controllers and named hierarchies', () => {
    const { value, errors } = parsePidCgroup(text('pid-cgroup/docker-cgroupfs-v1'));
    expect(errors).toEqual([]);
    expect(value.unified).toBeNull();
    expect(value.v1.get('cpu')).toBe(`/docker/${B}`);
    expect(value.v1.get('cpuacct')).toBe(`/docker/${B}`);
    expect(value.v1.get('name=systemd')).toBe(`/docker/${B}`);
  });

  it('v2 line and hybrid', () => {
    expect(parsePidCgroup(text('pid-cgroup/docker-systemd-v2')).value.unified).toBe(`/system.slice/docker-${A}.scope`);
    const h = parsePidCgroup(text('pid-cgroup/podman-hybrid')).value;
    expect(h.unified).toBe(`/machine.slice/libpod-${P}.scope`);
    expect(h.v1.get('memory')).toBe(`/machine.slice/libpod-${P}.scope`);
  });

  it('keeps colons inside the path', () => {
    expect(parsePidCgroup(text('pid-cgroup/containerd-colon')).value.unified).toContain(`:cri-containerd:${K}`);
  });

  it('garbage, truncated and empty files: bad lines skipped and reported, never throws', () => {
    const g = parsePidCgroup(text('pid-cgroup/garbage'), 'f');
    expect(g.value.unified).toBeNull();
    expect(g.value.v1.size).toBe(0);
    expect(g.errors.length).toBeGreaterThan(0);
    expect(g.errors[0]).toMatch(/^f line 1: /);
    const t = parsePidCgroup(text('pid-cgroup/truncated'));
    expect(t.value.v1.get('pids')).toBe(`/docker/${B}`);
    expect(t.errors).toHaveLength(1);
    expect(parsePidCgroup('').errors).toEqual([]);
    fc.assert(fc.property(fc.string(), (s) => void parsePidCgroup(s)));
  });
});

describe('cgroupDir', () => {
  it('joins the mount point with the path, stripping the mount root', () => {
    expect(cgroupDir({ mountPoint: '/sys/fs/cgroup', root: '/' }, '/a/b')).toBe('/sys/fs/cgroup/a/b');
    expect(cgroupDir({ mountPoint: '/sys/fs/cgroup', root: '/' }, '/')).toBe('/sys/fs/cgroup');
    expect(cgroupDir({ mountPoint: '/sys/fs/cgroup/memory', root: '/docker/x' }, '/docker/x')).toBe('/sys/fs/cgroup/memory');
    expect(cgroupDir({ mountPoint: '/sys/fs/cgroup/memory', root: '/docker/x' }, '/docker/x/sub')).toBe('/sys/fs/cgroup/memory/sub');
  });
  it('refuses paths outside the mounted subtree (never guesses)', () => {
    expect(cgroupDir({ mountPoint: '/sys/fs/cgroup/memory', root: '/docker/x' }, '/docker/y')).toBeNull();
    expect(cgroupDir({ mountPoint: '/sys/fs/cgroup/memory', root: '/docker/x' }, '/docker/xy')).toBeNull();
    expect(cgroupDir({ mountPoint: '/sys/fs/cgroup', root: '/' }, '/../../system.slice')).toBeNull();
  });
});

describe('resolveCgroup', () => {
  const v2 = parseMountinfo(text('v2-systemd-docker/proc/self/mountinfo')).layout;
  const v1 = parseMountinfo(text('v1-cgroupfs-docker/proc/self/mountinfo')).layout;
  const hybrid = parseMountinfo(text('v1-captured/mountinfo')).layout;

  it('v2 systemd driver', () => {
    const r = resolveCgroup(v2, parsePidCgroup(text('pid-cgroup/docker-systemd-v2')).value);
    expect(r.error).toBeNull();
    expect(r.value?.mode).toBe('v2');
    expect(r.value?.unified).toBe(`/sys/fs/cgroup/system.slice/docker-${A}.scope`);
  });

  it('v2 podman rootless, nested "container" sub-cgroup', () => {
    const r = resolveCgroup(v2, parsePidCgroup(text('pid-cgroup/podman-v2-rootless')).value);
    expect(r.value?.unified).toBe(`/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${P}.scope/container`);
  });

  it('v1 cgroupfs driver with co-mounted cpu,cpuacct', () => {
    const r = resolveCgroup(v1, parsePidCgroup(text('pid-cgroup/docker-cgroupfs-v1')).value);
    expect(r.value?.mode).toBe('v1');
    expect(r.value?.cpu).toBe(`/sys/fs/cgroup/cpu,cpuacct/docker/${B}`);
    expect(r.value?.cpuacct).toBe(`/sys/fs/cgroup/cpu,cpuacct/docker/${B}`);
    expect(r.value?.memory).toBe(`/sys/fs/cgroup/memory/docker/${B}`);
    expect(r.value?.blkio).toBe(`/sys/fs/cgroup/blkio/docker/${B}`);
    expect(r.value?.pids).toBe(`/sys/fs/cgroup/pids/docker/${B}`);
    expect(r.value?.unified).toBeNull();
  });

  it('hybrid: v1 files, cgroup2 directory kept for ids and PSI', () => {
    const r = resolveCgroup(hybrid, parsePidCgroup(text('pid-cgroup/podman-hybrid')).value);
    expect(r.value?.mode).toBe('v1');
    expect(r.value?.cpu).toBe(`/sys/fs/cgroup/cpu/machine.slice/libpod-${P}.scope`);
    expect(r.value?.cpuacct).toBe(`/sys/fs/cgroup/cpuacct/machine.slice/libpod-${P}.scope`);
    expect(r.value?.unified).toBe(`/sys/fs/cgroup/unified/machine.slice/libpod-${P}.scope`);
    expect(r.value?.unifiedPath).toBe(r.value?.v1Path);
  });

  it('a controller the process does not list stays null; nothing listed is an error', () => {
    const r = resolveCgroup(v1, parsePidCgroup(`4:cpu,cpuacct:/docker/${B}\n`).value);
    expect(r.value?.memory).toBeNull();
    expect(resolveCgroup(v2, parsePidCgroup(text('pid-cgroup/garbage')).value).error).toMatch(/0::/);
    expect(resolveCgroup(v1, parsePidCgroup('').value).error).toMatch(/v1/);
  });
});

describe('containerIdFromCgroupPath', () => {
  const first = (f: string): string | null => containerIdFromCgroupPath(parsePidCgroup(text(`pid-cgroup/${f}`)).value.unified ?? '');
  it('docker (systemd and cgroupfs), podman, containerd/cri, cri-o', () => {
    expect(first('docker-systemd-v2')).toBe(A);
    expect(first('docker-cgroupfs-v2')).toBe(A);
    expect(containerIdFromCgroupPath(`/docker/${B}`)).toBe(B);
    expect(first('podman-v2-rootless')).toBe(P);
    expect(first('podman-hybrid')).toBe(P);
    expect(first('containerd-cri-systemd')).toBe(K);
    expect(first('containerd-cri-cgroupfs')).toBe(K);
    expect(first('containerd-colon')).toBe(K);
    expect(first('crio')).toBe(O);
  });
  it('docker-in-docker: outermost first', () => {
    expect(first('dind-nested')).toBe(A);
    expect(containerIdsFromCgroupPath(`/docker/${A}/docker/${D}`)).toEqual([A, D]);
  });
  it('not a container: host session, conmon, VM, short or upper-case ids', () => {
    expect(first('host-process')).toBeNull();
    expect(first('podman-conmon-v2')).toBeNull();
    expect(first('machine-slice-vm')).toBeNull();
    expect(containerIdFromCgroupPath('/docker/abc123')).toBeNull();
    expect(containerIdFromCgroupPath(`/docker/${A.toUpperCase()}`)).toBeNull();
    expect(containerIdFromCgroupPath(`/system.slice/docker-${A}.scopex`)).toBeNull();
    expect(containerIdFromCgroupPath('/')).toBeNull();
    fc.assert(fc.property(fc.string(), (s) => {
      const id = containerIdFromCgroupPath(s);
      return id === null || /^[0-9a-f]{64}$/.test(id);
    }));
  });
});
