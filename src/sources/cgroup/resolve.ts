// Where a process's cgroups are: /proc/<pid>/cgroup joined with the mounts from detect.ts.
//   v1:  4:memory:/docker/<id>          hierarchy-id:controller[,controller...]:path
//        9:name=systemd:/system.slice/docker-<id>.scope
//   v2:  0::/system.slice/docker-<id>.scope
// The path is relative to the reader's cgroup namespace root; a mount's `root` field says which directory of
// the hierarchy is mounted, so directory = mountPoint + (path with the mount root stripped). A path that
// lies outside the mounted part (e.g. "/../..", seen across cgroup namespaces) cannot be read: error.
import { join } from 'node:path';
import type { CgroupLayout, CgroupMount } from './detect.js';

export interface PidCgroups {
  /** The cgroup2 path (the `0::` line), or null. */
  unified: string | null;
  /** v1 paths by controller ("cpu", "cpuacct", "memory", "blkio", "pids", "name=systemd", ...). */
  v1: Map<string, string>;
}

/** Pure: /proc/<pid>/cgroup text -> paths per hierarchy. Bad lines are skipped and reported. */
export function parsePidCgroup(text: string, file = '/proc/<pid>/cgroup'): { value: PidCgroups; errors: string[] } {
  const errors: string[] = [];
  const value: PidCgroups = { unified: null, v1: new Map() };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) {
      errors.push(`${file} line ${i + 1}: expected "id:controllers:path"`);
      continue;
    }
    const id = line.slice(0, a);
    const ctrls = line.slice(a + 1, b);
    const path = line.slice(b + 1); // may itself contain ':' (systemd/containerd "slice:prefix:id" names)
    if (!/^\d+$/.test(id) || !path.startsWith('/')) {
      errors.push(`${file} line ${i + 1}: bad hierarchy id or path`);
      continue;
    }
    if (id === '0' && ctrls === '') {
      value.unified = path;
      continue;
    }
    if (ctrls === '') {
      errors.push(`${file} line ${i + 1}: v1 hierarchy ${id} lists no controller`);
      continue;
    }
    for (const c of ctrls.split(',')) if (c !== '') value.v1.set(c, path);
  }
  return { value, errors };
}

/**
 * Host directory of a cgroup path under a mount, or null when the path is outside the mounted subtree.
 * Returned paths are host-absolute; callers prefix their root.
 */
export function cgroupDir(mount: CgroupMount, path: string): string | null {
  if (path.includes('/../') || path.endsWith('/..') || path.startsWith('/..')) return null;
  let rel: string;
  if (mount.root === '/') rel = path;
  else if (path === mount.root) rel = '/';
  else if (path.startsWith(mount.root + '/')) rel = path.slice(mount.root.length);
  // Both paths are shown relative to the reader's cgroup namespace: a path outside the mounted subtree
  // (a sibling of a container's own cgroup, say) is not visible through this mount.
  else return null;
  return rel === '/' ? mount.mountPoint : join(mount.mountPoint, rel);
}

export interface ResolvedCgroup {
  /** Which set of files to read for this process. */
  mode: 'v1' | 'v2';
  /** Host directory of the cgroup2 cgroup, or null. */
  unified: string | null;
  /** The cgroup2 path from /proc/<pid>/cgroup (for deciding whether it is the container's own). */
  unifiedPath: string | null;
  /** v1 directories (host paths) per controller, null when not mounted or not listed. */
  cpu: string | null;
  cpuacct: string | null;
  memory: string | null;
  blkio: string | null;
  pids: string | null;
  /** The v1 memory (else cpu) path from /proc/<pid>/cgroup. */
  v1Path: string | null;
}

/** Pure: resolves the directories for a process. Never guesses: an unlisted controller stays null. */
export function resolveCgroup(layout: CgroupLayout, pid: PidCgroups): { value: ResolvedCgroup | null; error: string | null } {
  const v1dir = (ctrl: string): string | null => {
    const m = layout.v1.get(ctrl);
    const p = pid.v1.get(ctrl);
    return m && p !== undefined ? cgroupDir(m, p) : null;
  };
  const unified = layout.unified && pid.unified !== null ? cgroupDir(layout.unified, pid.unified) : null;
  const r: ResolvedCgroup = {
    mode: 'v2',
    unified,
    unifiedPath: pid.unified,
    cpu: v1dir('cpu'),
    cpuacct: v1dir('cpuacct'),
    memory: v1dir('memory'),
    blkio: v1dir('blkio'),
    pids: v1dir('pids'),
    v1Path: pid.v1.get('memory') ?? pid.v1.get('cpu') ?? pid.v1.get('cpuacct') ?? null,
  };
  const anyV1 = r.cpu ?? r.cpuacct ?? r.memory ?? r.blkio ?? r.pids;
  if (layout.mode === 'v1' || (layout.mode === 'hybrid' && anyV1 !== null)) r.mode = 'v1';
  if (r.mode === 'v1' && anyV1 === null) return { value: null, error: 'no v1 controller of the process is mounted' };
  if (r.mode === 'v2' && unified === null) {
    return {
      value: null,
      error: pid.unified === null ? 'no cgroup2 line (0::) in /proc/<pid>/cgroup' : `cgroup path ${pid.unified} is outside the cgroup2 mount`,
    };
  }
  return { value: r, error: null };
}

const HEX64 = /^[0-9a-f]{64}$/;
// docker-<id>.scope, libpod-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope, containerd-<id>.scope
const SCOPE = /^(?:docker|libpod|cri-containerd|crio|containerd|cri-o)-([0-9a-f]{64})\.scope$/;
// systemd cgroup driver of containerd/cri-o inside a slice: "kubepods-...slice:cri-containerd:<id>"
const COLON = /:(?:docker|cri-containerd|crio|cri-o|containerd|libpod):([0-9a-f]{64})$/;

/**
 * All container ids named along a cgroup path, outermost first. Matches cgroupfs (`/docker/<id>`,
 * `/kubepods/.../<id>`), systemd (`docker-<id>.scope`, podman `libpod-<id>.scope`, `cri-containerd-<id>.scope`,
 * `crio-<id>.scope`) and the `slice:runtime:<id>` form. Conmon (`libpod-conmon-<id>.scope`) is not the container.
 */
export function containerIdsFromCgroupPath(path: string): string[] {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg.length < 64) continue;
    if (HEX64.test(seg)) {
      out.push(seg);
      continue;
    }
    const m = SCOPE.exec(seg) ?? COLON.exec(seg);
    if (m) out.push(m[1]!);
  }
  return out;
}

/**
 * The container a cgroup path belongs to: the outermost id, i.e. the container the runtime of this
 * cgroup view knows (docker-in-docker children map to their host container). null when none.
 */
export function containerIdFromCgroupPath(path: string): string | null {
  return containerIdsFromCgroupPath(path)[0] ?? null;
}

/** Host directory under `root` (readers join their root with host-absolute paths). */
export function underRoot(root: string, hostPath: string): string {
  return root === '/' || root === '' ? hostPath : join(root, hostPath);
}
