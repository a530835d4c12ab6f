// Pure parsers for the two shapes most cgroup files share. Nothing here throws on bad input.
//   flat keyed:   "usage_usec 1234\nuser_usec 1000\n"      (cpu.stat, memory.stat, memory.events)
//   single value: "123456\n" or "max\n"                    (memory.current, memory.max, pids.max, ...)

const UINT = /^\d+$/;

/** Shortens a token for an error line so garbage cannot produce huge messages. */
export function show(tok: string | undefined): string {
  if (tok === undefined) return '(missing)';
  const t = JSON.stringify(tok);
  return t.length > 40 ? `${t.slice(0, 37)}..."` : t;
}

/** A non-negative integer, or null. */
export function uint(tok: string | undefined): number | null {
  if (tok === undefined || !UINT.test(tok)) return null;
  const n = Number(tok);
  return Number.isFinite(n) ? n : null;
}

/** "key value" per line -> values. A bad line is skipped and reported with its key. */
export function parseKeyed(text: string, file: string): { values: Record<string, number>; errors: string[] } {
  const values: Record<string, number> = Object.create(null) as Record<string, number>;
  const errors: string[] = [];
  let start = 0;
  let no = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    no++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const key = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1).trim();
    const v = uint(rest);
    if (v === null) {
      errors.push(`${file} line ${no}: ${show(key)} is not a counter: ${show(rest === '' ? undefined : rest)}`);
      continue;
    }
    values[key] = v;
  }
  return { values, errors };
}

export interface SingleValue {
  /** The number, or null when unlimited or unreadable. */
  value: number | null;
  /** "max" (v2) — the caller decides what counts as unlimited for v1. */
  unlimited: boolean;
  error: string | null;
}

/** One number per file, or "max". */
export function parseSingle(text: string, file: string): SingleValue {
  const t = text.trim();
  if (t === 'max') return { value: null, unlimited: true, error: null };
  const v = uint(t);
  if (v === null) return { value: null, unlimited: false, error: `${file}: expected a number or "max", got ${show(t)}` };
  return { value: v, unlimited: false, error: null };
}

/** Value of `key` in a parsed flat keyed file, null when absent. */
export function pick(values: Record<string, number> | null, key: string): number | null {
  if (!values) return null;
  const v = values[key];
  return v === undefined ? null : v;
}
