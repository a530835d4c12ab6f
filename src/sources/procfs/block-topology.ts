// Which block devices are partitions, and of which disk. Read from sysfs:
// `<root>/sys/class/block/<name>/partition` exists for a partition, and `/sys/class/block/<name>` is a
// symlink into `.../block/<disk>/<part>`, so the parent is the name of the link target's directory.
// Falls back to `partitionParentByName` when /sys is not there (or a device is missing from it).
// The result is cached per root and recomputed only when the set of devices changes.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { partitionParentByName } from './parse-diskstats.js';

export interface BlockDeviceId {
  name: string;
  major: number;
  minor: number;
}

interface CacheEntry {
  key: string;
  parents: Map<string, string | null>;
}

const cache = new Map<string, CacheEntry>();

/** Forget cached topologies (tests). */
export function clearBlockTopologyCache(): void {
  cache.clear();
}

function deviceSetKey(devs: readonly BlockDeviceId[]): string {
  let key = '';
  for (const d of devs) key += `${key === '' ? '' : ' '}${d.name}:${d.major}:${d.minor}`;
  return key;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

async function sysParent(blockDir: string, name: string, names: ReadonlySet<string>): Promise<string | null> {
  // sysfs spells '/' in device names (cciss/c0d0) as '!'.
  const entry = path.join(blockDir, name.replace(/\//g, '!'));
  if (!(await exists(entry))) return partitionParentByName(name, names);
  if (!(await exists(path.join(entry, 'partition')))) return null;
  try {
    const link = await fsp.readlink(entry);
    const parent = path.basename(path.dirname(link)).replace(/!/g, '/');
    if (parent && parent !== '.' && parent !== 'block') return parent;
  } catch {
    // Not a symlink (very old sysfs layout): fall through to the name rule.
  }
  return partitionParentByName(name, names);
}

/** Maps each device name to its whole disk (null for a whole disk). */
export async function partitionParents(
  root: string,
  devs: readonly BlockDeviceId[],
): Promise<Map<string, string | null>> {
  const key = deviceSetKey(devs);
  const hit = cache.get(root);
  if (hit && hit.key === key) return hit.parents;

  const names = new Set(devs.map((d) => d.name));
  const blockDir = path.join(root, 'sys/class/block');
  const parents = new Map<string, string | null>();
  if (await exists(blockDir)) {
    const found = await Promise.all(devs.map((d) => sysParent(blockDir, d.name, names)));
    devs.forEach((d, i) => parents.set(d.name, found[i]!));
  } else {
    for (const d of devs) parents.set(d.name, partitionParentByName(d.name, names));
  }
  cache.set(root, { key, parents });
  return parents;
}
