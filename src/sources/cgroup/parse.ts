// Pure parsers for the two shapes most cgroup files share. Nothing here throws on bad input.
//   flat keyed:   "usage_usec 1234\nuser_usec 1000\n"      (cpu.stat, memory.stat, memory.events)
//   single value: "123456\n" or "max\n"                    (memory.current, memory.max, pids.max, ...)

import { show, uint } from '../procfs/parse-util.js';

export { show, uint };

/** End of the run of decimal digits in `text` starting at `at`, not past `end`. */
export function digitsEnd(text: string, at: number, end: number): number {
  let j = at;
  while (j < end) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) break;
    j++;
  }
  return j;
}

/**
 * Value of the digits text[from, to): summed without a substring, or, past 15 digits (where the running
 * sum may round differently from the decimal beyond 2^53), the exact conversion.
 */
export function digitsValue(text: string, from: number, to: number): number {
  if (to - from > 15) return Number(text.slice(from, to));
  let v = 0;
  for (let j = from; j < to; j++) v = v * 10 + (text.charCodeAt(j) - 48);
  return v;
}

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 13;

/**
 * "key value" per line -> values. A bad line is skipped and reported with its key. Hand-rolled (one pass,
 * no regex, no per-line strings but the key): this runs for every container every poll.
 */
export function parseKeyed(text: string, file: string): { values: Record<string, number>; errors: string[] } {
  const values: Record<string, number> = {};
  const errors: string[] = [];
  const n = text.length;
  let i = 0;
  let no = 0;
  while (i < n) {
    no++;
    let eol = text.indexOf('\n', i);
    if (eol < 0) eol = n;
    let a = i;
    while (a < eol && isBlank(text.charCodeAt(a))) a++;
    i = eol + 1;
    if (a === eol) continue; // blank line
    let b = a;
    while (b < eol && !isBlank(text.charCodeAt(b))) b++;
    const key = text.slice(a, b);
    let j = b;
    while (j < eol && isBlank(text.charCodeAt(j))) j++;
    const numStart = j;
    const numEnd = (j = digitsEnd(text, j, eol));
    while (j < eol && isBlank(text.charCodeAt(j))) j++;
    if (numEnd === numStart || j !== eol || key === '__proto__') {
      const rest = text.slice(numStart, eol).trim();
      errors.push(`${file} line ${no}: ${show(key)} is not a counter: ${show(rest === '' ? undefined : rest)}`);
      continue;
    }
    values[key] = digitsValue(text, numStart, numEnd);
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

/**
 * Parse results of the previous poll per file. Idle containers leave most files unchanged between polls;
 * comparing the text (a memcmp) is far cheaper than parsing it again. Values handed out from the memo are
 * shared between samples: consumers treat samples as read-only.
 */
export type ParseMemo = Map<string, { text: string; value: unknown; errors: string[] }>;

export function memoized<T>(
  memo: ParseMemo | undefined,
  key: string,
  text: string,
  parse: (text: string) => { value: T; errors: string[] },
): { value: T; errors: string[] } {
  if (!memo) return parse(text);
  const m = memo.get(key);
  if (m !== undefined && m.text === text) return { value: m.value as T, errors: m.errors };
  const r = parse(text);
  memo.set(key, { text, value: r.value, errors: r.errors });
  return r;
}

/**
 * The two per-file parsers a counters reader uses, bound to its error list, its file-name function and its
 * memo. Absent files (null text) give null; errors go to `errors`, each prefixed by `name(file)`.
 * Methods, not closures made per reader: V8 keeps a function's optimised code only while one of its closures
 * is alive, so closures made anew for every container every tick are compiled again after each full GC.
 */
export class FileParsers {
  constructor(
    private readonly errors: string[],
    private readonly name: (file: string) => string,
    private readonly memo: ParseMemo | undefined,
  ) {}

  /** One number or "max" (null when unreadable). */
  single(text: string | null, file: string): { value: number | null; unlimited: boolean } | null {
    if (text === null) return null;
    const r = parseSingle(text, this.name(file));
    if (r.error) this.errors.push(r.error);
    return r.error ? null : r;
  }

  /** A flat keyed file, memoized by file name; with `only`, just those keys (scanKeys), unless one is unreadable. */
  keyed(text: string | null, file: string, only?: readonly string[]): Record<string, number> | null {
    if (text === null) return null;
    const r = memoized(this.memo, file, text, (t) => {
      const fast = only ? scanKeys(t, only) : null;
      if (fast !== null) return { value: fast, errors: [] };
      const k = parseKeyed(t, this.name(file));
      return { value: k.values, errors: k.errors };
    });
    for (const e of r.errors) this.errors.push(e);
    return r.value;
  }
}

/**
 * Value of one key of flat keyed text without parsing the rest: the first line "key N" (single space, plain
 * digits). Null when there is no such line; the caller then parses the whole text, which says what is wrong.
 */
export function scanKeyed(text: string, key: string): number | null {
  return scanKey(text, key) ?? null;
}

/** scanKeyed, telling apart a missing line (undefined) from an unreadable one (null). */
function scanKey(text: string, key: string): number | null | undefined {
  const n = text.length;
  let from = 0;
  for (;;) {
    const at = text.indexOf(key, from);
    if (at < 0) return undefined;
    const end = at + key.length;
    from = end;
    if ((at !== 0 && text.charCodeAt(at - 1) !== 10) || text.charCodeAt(end) !== 32) continue;
    const start = end + 1;
    const j = digitsEnd(text, start, n);
    if (j === start || (j < n && text.charCodeAt(j) !== 10)) return null;
    // The key twice: the full parser (where the last line wins) decides.
    if (text.includes(`\n${key} `, j)) return null;
    return digitsValue(text, start, j);
  }
}

/**
 * memory.stat -> `c.inactiveFileBytes`, and with `full` also `c.memoryStat` (the whole map, memoized). The
 * first of `keys` is found by a scan; when that line is missing or unreadable the text is parsed through
 * `keyed` (errors reported) and the first of `keys` present is taken. Without `full` (the table's poll,
 * which needs only inactive_file) the map stays empty: memory.stat has 20-70 keys.
 */
export function memoryStatInactive(
  c: { memoryStat: Record<string, number>; inactiveFileBytes: number | null },
  text: string | null,
  keys: readonly [string, ...string[]],
  parse: FileParsers,
  full = true,
): void {
  const inactive = text === null ? null : scanKeyed(text, keys[0]);
  if (inactive !== null && !full) {
    c.inactiveFileBytes = inactive;
    return;
  }
  const ms = parse.keyed(text, 'memory.stat');
  if (ms) c.memoryStat = ms;
  let v = inactive;
  if (v === null) for (const k of keys) if ((v = pick(ms, k)) !== null) break;
  c.inactiveFileBytes = v;
}

/**
 * The given keys of a flat keyed file, each found by a scan (no map of the other keys is built): for files
 * read every poll of which a few keys are used (cpu.stat). Null when one of them is present but unreadable;
 * the caller then parses the whole text, which says what is wrong.
 */
export function scanKeys(text: string, keys: readonly string[]): Record<string, number> | null {
  const out: Record<string, number> = {};
  for (const k of keys) {
    const v = scanKey(text, k);
    if (v === null) return null;
    if (v !== undefined) out[k] = v;
  }
  return out;
}
