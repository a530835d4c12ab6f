// /proc/uptime ("476.61 818.10") -> seconds since boot. Pure.
import { type Parsed, fields, numberedLines, show, udec } from './parse-util.js';

export function parseUptime(text: string, file = '/proc/uptime'): Parsed<number | null> {
  const first = numberedLines(text)[0];
  if (!first) return { value: null, errors: [`${file}: empty`] };
  const tok = fields(first.line)[0];
  const n = udec(tok);
  if (n === null) return { value: null, errors: [`${file} line ${first.no}: uptime is not a number: ${show(tok)}`] };
  return { value: n, errors: [] };
}
