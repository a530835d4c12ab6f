// /proc/loadavg ("0.00 0.14 0.09 1/89 5619") -> LoadavgSample. Pure.
import type { LoadavgSample } from '../../model/types.js';
import { type Parsed, fields, numberedLines, show, udec, uint } from './parse-util.js';

export function parseLoadavg(text: string, file = '/proc/loadavg'): Parsed<LoadavgSample | null> {
  const first = numberedLines(text)[0];
  if (!first) return { value: null, errors: [`${file}: empty`] };
  const where = `${file} line ${first.no}`;
  const toks = fields(first.line);
  if (toks.length < 4) return { value: null, errors: [`${where}: expected 4+ fields, got ${toks.length}`] };
  const names = ['one', 'five', 'fifteen'] as const;
  const avg: number[] = [];
  for (let i = 0; i < 3; i++) {
    const n = udec(toks[i]);
    if (n === null) return { value: null, errors: [`${where}: ${names[i]} is not a number: ${show(toks[i])}`] };
    avg.push(n);
  }
  const [r, t] = toks[3]!.split('/');
  const running = uint(r);
  const total = uint(t);
  if (running === null || total === null) {
    return { value: null, errors: [`${where}: expected running/total, got ${show(toks[3])}`] };
  }
  return { value: { one: avg[0]!, five: avg[1]!, fifteen: avg[2]!, running, total }, errors: [] };
}
