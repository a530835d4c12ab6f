// A measured process's figures from /proc, for the benches that watch one from outside.
import { readFileSync } from 'node:fs';

/** CPU clock ticks (1/100 s) of a process and its waited-for children: utime + stime + cutime + cstime. */
export function cpuTicks(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/** A /proc/PID/status figure in KiB (VmRSS, VmHWM, ...), NaN when absent. */
export function statusKiB(pid, key) {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}
