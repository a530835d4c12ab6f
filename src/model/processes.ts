// Processes: two process tables and the elapsed time -> ProcessFrame[]. Pure: no clock, no I/O.
// CPU% = Δ(utime + stime) ticks / clockTicks / elapsed seconds × 100, where 100 means one full core
// (a process with 4 busy threads shows 400). A process is matched with its previous reading by pid AND
// start time: a reused pid, the first sample, or a counter that went backwards gives null.
import { counterDelta } from './rates.js';
import type { ProcessCounters, ProcessFrame } from './types.js';

export interface DeriveProcessesOptions {
  /** USER_HZ (`getconf CLK_TCK`), 100 on Linux. */
  clockTicks: number;
  /** Container id -> name, for the container column. */
  containerNames: Map<string, string>;
}

export function deriveProcesses(
  cur: ProcessCounters[],
  prev: ProcessCounters[] | null,
  elapsedMs: number | null,
  opts: DeriveProcessesOptions,
): ProcessFrame[] {
  const before = new Map<number, ProcessCounters>();
  for (const p of prev ?? []) before.set(p.pid, p);
  const hz = opts.clockTicks > 0 ? opts.clockTicks : 100;
  const seconds = elapsedMs !== null && Number.isFinite(elapsedMs) && elapsedMs > 0 ? elapsedMs / 1000 : null;
  const pct = (ticks: number | null): number | null => (ticks === null || seconds === null ? null : (ticks / hz / seconds) * 100);

  return cur.map((p) => {
    const q = before.get(p.pid);
    const same = q !== undefined && q.startTicks === p.startTicks;
    const du = same ? counterDelta(p.utimeTicks, q.utimeTicks) : null;
    const ds = same ? counterDelta(p.stimeTicks, q.stimeTicks) : null;
    const user = pct(du);
    const system = pct(ds);
    return {
      pid: p.pid,
      user: p.user,
      state: p.state,
      threads: p.threads,
      cpuPercent: user !== null && system !== null ? user + system : null,
      cpuUserPercent: user,
      cpuSystemPercent: system,
      rssBytes: p.rssBytes,
      vmsBytes: p.vmsBytes,
      swapBytes: p.swapBytes,
      command: p.cmdline === '' ? `[${p.comm}]` : p.cmdline,
      containerId: p.containerId,
      containerName: p.containerId === null ? null : (opts.containerNames.get(p.containerId) ?? null),
    };
  });
}
