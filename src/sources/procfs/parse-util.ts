// Small helpers shared by the /proc parsers. Pure; nothing here throws on bad input.

/** Result of a parser that yields one value (null when the text held nothing usable). */
export interface Parsed<T> {
  value: T;
  errors: string[];
}

/** Splits text into lines, keeping 1-based line numbers and dropping blank lines. */
export function numberedLines(text: string): { no: number; line: string }[] {
  const out: { no: number; line: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line !== '') out.push({ no: i + 1, line });
  }
  return out;
}

/** Splits on runs of whitespace. */
export function fields(line: string): string[] {
  return line.trim().split(/\s+/).filter((f) => f !== '');
}

const UINT = /^\d+$/;
const UDEC = /^\d+(?:\.\d+)?$/;

/** A non-negative integer counter, or null when the token is not one. */
export function uint(tok: string | undefined): number | null {
  if (tok === undefined || !UINT.test(tok)) return null;
  const n = Number(tok);
  return Number.isFinite(n) ? n : null;
}

/** A non-negative decimal (e.g. "0.14", "476.61"), or null. */
export function udec(tok: string | undefined): number | null {
  if (tok === undefined || !UDEC.test(tok)) return null;
  const n = Number(tok);
  return Number.isFinite(n) ? n : null;
}

/** Shortens a token for an error message so that garbage input cannot produce huge lines. */
export function show(tok: string | undefined): string {
  if (tok === undefined) return '(missing)';
  const t = JSON.stringify(tok);
  return t.length > 40 ? `${t.slice(0, 37)}..."` : t;
}
