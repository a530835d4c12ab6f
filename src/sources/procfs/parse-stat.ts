// /proc/stat -> StatSample. Pure. Only the cpu lines, ctxt, btime and procs_* are read; other keys
// (intr, softirq, processes, ...) are ignored. Missing trailing cpu fields (kernels before 2.6.11 have no
// steal, before 2.6 no iowait/irq/softirq) count as 0; guest and guest_nice are already included in user
// and nice, so they are not read.
import type { CpuTimes, StatSample } from '../../model/types.js';
import { type Parsed, fields, numberedLines, show, uint } from './parse-util.js';

const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

function cpuTimes(toks: string[], where: string, errors: string[]): CpuTimes | null {
  // toks[0] is the label ("cpu" or "cpuN").
  if (toks.length < 5) {
    errors.push(`${where}: expected 4+ cpu fields, got ${toks.length - 1}`);
    return null;
  }
  const t: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
  for (let i = 0; i < MODES.length; i++) {
    const tok = toks[i + 1];
    if (tok === undefined) break;
    const n = uint(tok);
    if (n === null) {
      errors.push(`${where}: field ${MODES[i]} is not a counter: ${show(tok)}`);
      return null;
    }
    t[MODES[i]!] = n;
  }
  return t;
}

export function parseStat(text: string, file = '/proc/stat'): Parsed<StatSample | null> {
  const errors: string[] = [];
  let total: CpuTimes | null = null;
  const cores: { id: number; times: CpuTimes }[] = [];
  const seen = new Set<number>();
  let contextSwitches: number | null = null;
  let bootTimeSec: number | null = null;
  let procsRunning: number | null = null;
  let procsBlocked: number | null = null;

  for (const { no, line } of numberedLines(text)) {
    // The label first: the lines not read (intr has a field per interrupt, hundreds of them) are not split.
    const sp = line.search(/\s/);
    const head = sp < 0 ? line : line.slice(0, sp);
    if (!head.startsWith('cpu') && head !== 'ctxt' && head !== 'btime' && head !== 'procs_running' && head !== 'procs_blocked') continue;
    const toks = fields(line);
    const label = toks[0]!;
    const where = `${file} line ${no}`;
    if (label === 'cpu') {
      const t = cpuTimes(toks, where, errors);
      if (t) total = t;
    } else if (label.startsWith('cpu')) {
      const id = uint(label.slice(3));
      if (id === null) {
        errors.push(`${where}: bad cpu label ${show(label)}`);
        continue;
      }
      if (seen.has(id)) {
        errors.push(`${where}: duplicate ${label}`);
        continue;
      }
      const t = cpuTimes(toks, where, errors);
      if (t) {
        cores.push({ id, times: t });
        seen.add(id);
      }
    } else if (label === 'ctxt' || label === 'btime' || label === 'procs_running' || label === 'procs_blocked') {
      const n = uint(toks[1]);
      if (n === null) {
        errors.push(`${where}: ${label} is not a number: ${show(toks[1])}`);
        continue;
      }
      if (label === 'ctxt') contextSwitches = n;
      else if (label === 'btime') bootTimeSec = n;
      else if (label === 'procs_running') procsRunning = n;
      else procsBlocked = n;
    }
  }

  if (!total) {
    errors.push(`${file}: no usable "cpu" line`);
    return { value: null, errors };
  }
  cores.sort((a, b) => a.id - b.id);
  return { value: { total, cores, contextSwitches, bootTimeSec, procsRunning, procsBlocked }, errors };
}
