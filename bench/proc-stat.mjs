// A measured process's figures from /proc, and the bytes in the directory it writes, for the benches that watch
// one from outside.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** CPU clock ticks (1/100 s) of a process and its waited-for children: utime + stime + cutime + cstime. */
export function cpuTicks(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/** CPU clock ticks of a process's own threads (utime + stime; not its children). */
export function ownTicks(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** The pids of a process's children ([] when it has none or is gone). */
export function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Each thread of a process: tid -> { comm, u, s } (utime, stime in ticks); threads that end meanwhile left out. */
export function threadTimes(pid) {
  const m = new Map();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      m.set(t, { comm, u: Number(f[11]), s: Number(f[12]) });
    } catch {
      // a thread that ended
    }
  }
  return m;
}

/** A /proc/PID/status figure in KiB (VmRSS, VmHWM, ...), NaN when absent. */
export function statusKiB(pid, key) {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** The bytes of the files in a directory (a store: its database, WAL and shared-memory files). */
export function dirBytes(dir) {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}
