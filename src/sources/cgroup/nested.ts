// Cgroups nested below a container's own (their I/O and wakeups count to the container): their inode
// numbers are the cgroup ids the eBPF helper reports.
import { readdirSync, statSync } from 'node:fs';

/** Nested cgroups are looked for this many levels down, at most this many. */
const NESTED_DEPTH = 8;
const NESTED_MAX = 4096;

/** Path depth of a directory (for "the innermost container wins"). */
export const depthOf = (dir: string | null): number => (dir === null ? 0 : dir.split('/').filter(Boolean).length);

/**
 * Inode numbers of the cgroups below `dir` (cgroup ids, as the eBPF helper reports them). A cgroup directory's
 * link count is 2 + its subdirectories, so a leaf costs one stat and no readdir.
 */
export function nestedCgroupIds(dir: string | null): number[] {
  if (dir === null) return [];
  const out: number[] = [];
  walkNested(dir, 0, out);
  return out;
}

/** nestedCgroupIds' walk below `d` (a module function: a closure made per call is compiled again after each GC). */
function walkNested(d: string, depth: number, out: number[]): void {
  let links: number;
  try {
    links = statSync(d).nlink;
  } catch {
    return; // removed meanwhile
  }
  if (links <= 2 || depth >= NESTED_DEPTH) return;
  let subs: string[];
  try {
    subs = readdirSync(d, { withFileTypes: true }).filter((x) => x.isDirectory()).map((x) => x.name);
  } catch {
    return;
  }
  for (const s of subs) {
    if (out.length >= NESTED_MAX) return;
    const path = `${d}/${s}`;
    const ino = inode(path);
    if (ino === null) continue;
    out.push(ino);
    walkNested(path, depth + 1, out);
  }
}

export function inode(path: string | null): number | null {
  if (path === null) return null;
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

/** cgroup v2: whether the io controller is enabled for this cgroup (listed in its cgroup.controllers). */
export function hasIoController(dir: string, read: (p: string) => string): boolean | null {
  try {
    return /(^|\s)io(\s|$)/.test(read(`${dir}/cgroup.controllers`));
  } catch {
    return null;
  }
}

