// Which cgroup hierarchies are mounted, and where: from /proc/self/mountinfo, never from guessed paths.
//   32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
//   40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
//   41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
// Fields: id parent maj:min root mount-point mount-options [optional...] - fstype source super-options.
// `root` is the directory of the hierarchy that is mounted there (not "/" inside a container without a
// cgroup namespace, or for a bind mount): resolve.ts strips it from the paths of /proc/<pid>/cgroup.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type CgroupMode = 'v1' | 'v2' | 'hybrid' | 'none';

export interface CgroupMount {
  /** Mount point as the host sees it (absolute, not prefixed with the reader's root). */
  mountPoint: string;
  /** The hierarchy directory mounted there ("/" for a whole hierarchy). */
  root: string;
}

export interface CgroupLayout {
  /** v2: only cgroup2; v1: only v1 hierarchies; hybrid: both (v1 controllers plus a cgroup2 mount). */
  mode: CgroupMode;
  /** The cgroup2 mount, or null. */
  unified: CgroupMount | null;
  /** v1 hierarchies by controller ("cpu", "cpuacct", "memory", "blkio", "pids", ..., "name=systemd"). */
  v1: Map<string, CgroupMount>;
}

/** Undoes mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

const V1_OPTIONS_NOT_CONTROLLERS = new Set([
  'rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods', 'nosuid', 'nodev',
  'noexec', 'relatime', 'noatime',
]);

/** Pure: mountinfo text -> layout. Bad lines are skipped and reported. */
export function parseMountinfo(text: string, file = '/proc/self/mountinfo'): { layout: CgroupLayout; errors: string[] } {
  const errors: string[] = [];
  const layout: CgroupLayout = { mode: 'none', unified: null, v1: new Map() };
  const lines = text.split('\n');
  let v1Controllers = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    // Cheap filter first: most mounts are not cgroups.
    if (!line.includes(' cgroup')) continue;
    const t = line.split(' ');
    const dash = t.indexOf('-', 6);
    if (dash < 0 || t.length < dash + 3) {
      errors.push(`${file} line ${i + 1}: expected "... - fstype source options"`);
      continue;
    }
    const fstype = t[dash + 1]!;
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const root = unescapeMountPath(t[3] ?? '');
    const mountPoint = unescapeMountPath(t[4] ?? '');
    if (!root.startsWith('/') || !mountPoint.startsWith('/')) {
      errors.push(`${file} line ${i + 1}: root or mount point is not an absolute path`);
      continue;
    }
    const mount: CgroupMount = { mountPoint, root };
    if (fstype === 'cgroup2') {
      // Several mounts of the same hierarchy (bind mounts): prefer the one showing the whole hierarchy.
      if (!layout.unified || (layout.unified.root !== '/' && root === '/')) layout.unified = mount;
      continue;
    }
    const opts = (t[dash + 3] ?? '').split(',');
    for (const o of opts) {
      if (o === '' || V1_OPTIONS_NOT_CONTROLLERS.has(o) || o.startsWith('release_agent=')) continue;
      const prev = layout.v1.get(o);
      if (!prev || (prev.root !== '/' && root === '/')) layout.v1.set(o, mount);
      if (!o.startsWith('name=')) v1Controllers++;
    }
  }
  const hasV1 = v1Controllers > 0;
  layout.mode = hasV1 && layout.unified ? 'hybrid' : hasV1 ? 'v1' : layout.unified ? 'v2' : 'none';
  return { layout, errors };
}

/** Reads `<root>/proc/self/mountinfo`. A missing file gives mode "none" and an error. */
export async function detectCgroupLayout(root = '/'): Promise<{ layout: CgroupLayout; errors: string[] }> {
  const file = join(root, 'proc/self/mountinfo');
  try {
    return parseMountinfo(await readFile(file, 'utf8'), file);
  } catch (e) {
    return {
      layout: { mode: 'none', unified: null, v1: new Map() },
      errors: [`${file}: ${(e as Error).message.split('\n')[0]}`],
    };
  }
}
