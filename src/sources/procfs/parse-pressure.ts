// PSI text (/proc/pressure/{cpu,memory,io} and cgroup v2 *.pressure) -> PressureResource. Pure.
//   some avg10=7.60 avg60=1.43 avg300=1.38 total=14014030
//   full avg10=0.00 avg60=0.00 avg300=0.00 total=0        (absent for cpu before Linux 5.13)
import type { PressureLine, PressureResource } from '../../model/types.js';
import { fields, numberedLines, show, udec, uint } from './parse-util.js';

function parseLine(toks: string[], where: string, errors: string[]): PressureLine | null {
  const kv = new Map<string, string>();
  for (const tok of toks.slice(1)) {
    const eq = tok.indexOf('=');
    if (eq > 0) kv.set(tok.slice(0, eq), tok.slice(eq + 1));
  }
  const out: Partial<PressureLine> = {};
  for (const k of ['avg10', 'avg60', 'avg300'] as const) {
    const v = udec(kv.get(k));
    if (v === null) {
      errors.push(`${where}: ${k} ${kv.has(k) ? `is not a number: ${show(kv.get(k))}` : 'missing'}`);
      return null;
    }
    out[k] = v;
  }
  const total = uint(kv.get('total'));
  if (total === null) {
    errors.push(`${where}: total ${kv.has('total') ? `is not a counter: ${show(kv.get('total'))}` : 'missing'}`);
    return null;
  }
  out.totalUs = total;
  return out as PressureLine;
}

export function parsePressure(text: string, file = 'pressure'): { value: PressureResource | null; errors: string[] } {
  const errors: string[] = [];
  let some: PressureLine | null = null;
  let full: PressureLine | null = null;
  for (const { no, line } of numberedLines(text)) {
    const where = `${file} line ${no}`;
    const toks = fields(line);
    const kind = toks[0];
    if (kind !== 'some' && kind !== 'full') {
      errors.push(`${where}: expected "some" or "full", got ${show(kind)}`);
      continue;
    }
    const parsed = parseLine(toks, where, errors);
    if (!parsed) continue;
    if (kind === 'some') some = parsed;
    else full = parsed;
  }
  if (!some) {
    errors.push(`${file}: no usable "some" line`);
    return { value: null, errors };
  }
  return { value: { some, full }, errors };
}
