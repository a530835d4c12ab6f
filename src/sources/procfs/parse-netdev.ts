// /proc/net/dev (also /proc/<pid>/net/dev) -> NetCounters[]. Pure.
//   Inter-|   Receive                                        |  Transmit
//    face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed
//     eth0: 262953453 6277 0 0 0 0 0 0 470485 3823 0 0 0 0 0 0
import type { NetCounters } from '../../model/types.js';
import { fields, numberedLines, show, uint } from './parse-util.js';

const NAMES = ['rx bytes', 'rx packets', 'rx errs', 'rx drop', 'rx fifo', 'rx frame', 'rx compressed',
  'rx multicast', 'tx bytes', 'tx packets', 'tx errs', 'tx drop'] as const;

export function parseNetDev(text: string, file = '/proc/net/dev'): { rows: NetCounters[]; errors: string[] } {
  const rows: NetCounters[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const { no, line } of numberedLines(text)) {
    if (line.includes('|')) continue; // the two header lines
    const where = `${file} line ${no}`;
    // Counters hold no ':', so the last one separates the name (old kernels print "eth0:123" with no space).
    const colon = line.lastIndexOf(':');
    if (colon <= 0) {
      errors.push(`${where}: expected "iface: counters"`);
      continue;
    }
    const name = line.slice(0, colon).trim();
    const t = fields(line.slice(colon + 1));
    if (t.length < NAMES.length) {
      errors.push(`${where}: expected 16 counters, got ${t.length}`);
      continue;
    }
    const n: number[] = [];
    let bad = -1;
    for (let i = 0; i < NAMES.length; i++) {
      const v = uint(t[i]);
      if (v === null) {
        bad = i;
        break;
      }
      n.push(v);
    }
    if (bad >= 0) {
      errors.push(`${where}: ${NAMES[bad]} is not a number: ${show(t[bad])}`);
      continue;
    }
    if (name === '' || seen.has(name)) {
      errors.push(`${where}: ${name === '' ? 'empty' : 'duplicate'} interface name`);
      continue;
    }
    seen.add(name);
    rows.push({
      name,
      rxBytes: n[0]!,
      rxPackets: n[1]!,
      rxErrors: n[2]!,
      rxDrops: n[3]!,
      txBytes: n[8]!,
      txPackets: n[9]!,
      txErrors: n[10]!,
      txDrops: n[11]!,
    });
  }
  return { rows, errors };
}
