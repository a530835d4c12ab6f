// A container's network counters: /proc/<init pid>/net/dev of its network namespace, summed over every
// interface but loopback. The fast path reads the text in one pass without a string per line; anything
// unusual goes through the full parser (procfs/parse-netdev.ts), which names what is wrong.
import { parseNetDev } from '../procfs/parse-netdev.js';
import { digitsEnd, digitsValue } from './parse.js';

/**
 * Fast path of sumNetDev: one pass, no per-line strings. Null when any line is not the usual
 * "name: 16 counters" (or a header line with '|'): the full parser then reports what is wrong.
 */
function sumNetDevFast(text: string): { rx: number; tx: number } | null {
  const n = text.length;
  let rx = 0;
  let tx = 0;
  let i = 0;
  let names = '';
  while (i < n) {
    let eol = text.indexOf('\n', i);
    if (eol < 0) eol = n;
    // Interface names cannot contain ':'; the two header lines have none and contain '|'.
    let colon = eol - 1;
    while (colon >= i && text.charCodeAt(colon) !== 58) colon--;
    const bar = colon < i ? text.indexOf('|', i) : -1;
    if (bar < 0 || bar >= eol) {
      let a = i;
      while (a < eol && (text.charCodeAt(a) === 32 || text.charCodeAt(a) === 9)) a++;
      if (a === eol) {
        i = eol + 1;
        continue; // blank line
      }
      if (colon <= a) return null;
      let b = colon;
      while (b > a && (text.charCodeAt(b - 1) === 32 || text.charCodeAt(b - 1) === 9)) b--;
      const name = text.slice(a, b);
      if (name === '' || names.includes(`\n${name}\n`)) return null;
      names += `\n${name}\n`;
      let j = colon + 1;
      let field = 0;
      while (j < eol) {
        const c = text.charCodeAt(j);
        if (c === 32 || c === 9 || c === 13) {
          j++;
          continue;
        }
        const start = j;
        j = digitsEnd(text, start, eol);
        if (j === start || (j < eol && text.charCodeAt(j) !== 32 && text.charCodeAt(j) !== 9 && text.charCodeAt(j) !== 13)) return null;
        const v = digitsValue(text, start, j);
        if (name !== 'lo') {
          if (field === 0) rx += v;
          else if (field === 8) tx += v;
        }
        field++;
      }
      if (field < 16) return null;
    }
    i = eol + 1;
  }
  return { rx, tx };
}

/** Sums the interfaces of one network namespace except loopback. */
export function sumNetDev(text: string, file: string): { rx: number; tx: number; errors: string[] } {
  const fast = sumNetDevFast(text);
  if (fast !== null) return { rx: fast.rx, tx: fast.tx, errors: [] };
  const r = parseNetDev(text, file);
  let rx = 0;
  let tx = 0;
  for (const row of r.rows) {
    if (row.name === 'lo') continue;
    rx += row.rxBytes;
    tx += row.txBytes;
  }
  return { rx, tx, errors: r.errors };
}

