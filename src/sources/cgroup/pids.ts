// The pids of a cgroup and its descendants (cgroup.procs, or v1 `tasks`): what the processes view lists for
// one container.
import { readdirSync } from 'node:fs';
import { errCode, errText, isGone, readSmall } from './fastread.js';

/** Pure: cgroup.procs / tasks text -> pids (bad lines skipped). */
export function parsePidList(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (/^\d+$/.test(t)) out.push(Number(t));
  }
  return out;
}

/**
 * Pids (thread-group ids) of a cgroup directory and its descendants, from cgroup.procs (falling back to
 * v1 `tasks`). Sorted, no duplicates. A removed directory gives "gone".
 */
export function listCgroupPids(dir: string, maxDepth = 8): { pids: number[]; error: string | null } {
  const seen = new Set<number>();
  const walk = (d: string, depth: number): void => {
    let text: string;
    try {
      text = readSmall(`${d}/cgroup.procs`);
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw err;
      text = readSmall(`${d}/tasks`);
    }
    for (const p of parsePidList(text)) seen.add(p);
    if (depth >= maxDepth) return;
    let subs: string[] = [];
    try {
      subs = readdirSync(d, { withFileTypes: true }).filter((x) => x.isDirectory()).map((x) => x.name);
    } catch {
      subs = [];
    }
    for (const s of subs) {
      try {
        walk(`${d}/${s}`, depth + 1);
      } catch (err) {
        if (!isGone(err)) throw err; // a child cgroup removed mid-walk: skip it
      }
    }
  };
  try {
    walk(dir, 0);
  } catch (err) {
    if (isGone(err)) return { pids: [], error: `${dir}: gone` };
    return { pids: [], error: `${dir}/cgroup.procs: ${errText(err)}` };
  }
  return { pids: [...seen].sort((a, b) => a - b), error: null };
}
