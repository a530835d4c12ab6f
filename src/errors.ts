// One kind of error per way tailtop can fail, and one way to turn any error into the single line the user
// sees. Usage (flags), config (the config file) and theme (theme files) errors exit 2; runtime errors exit 1.
// The line is safe for a terminal: quoted text from a file or flag loses its escape sequences and controls
// (a key named ESC ]0;PWNED BEL must not retitle the terminal), it is one line, and it is bounded.
import { stripUnsafe } from './text/safe.js';
import { cutToCells, textCells } from './text/width.js';

export type ErrorKind = 'usage' | 'config' | 'theme' | 'runtime';

export class TailtopError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** 2 for usage, config and theme errors; 1 for runtime errors. */
  get exitCode(): 1 | 2 {
    return this.kind === 'runtime' ? 1 : 2;
  }
}

/** A bad flag, argument or command (exit 2, with the usage text). */
export class UsageError extends TailtopError {
  override name = 'UsageError';
  constructor(message: string, options?: ErrorOptions) {
    super('usage', message, options);
  }
}

/** A config file that cannot be used: `file[:line]: key: message` (exit 2). */
export class ConfigError extends TailtopError {
  override name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super('config', message, options);
  }
}

/** A theme that cannot be used: missing, malformed, unknown key, not text (exit 2). */
export class ThemeError extends TailtopError {
  override name = 'ThemeError';
  constructor(message: string, options?: ErrorOptions) {
    super('theme', message, options);
  }
}

/** Something failed while running (exit 1). */
export class RuntimeError extends TailtopError {
  override name = 'RuntimeError';
  constructor(message: string, options?: ErrorOptions) {
    super('runtime', message, options);
  }
}

/** The exit code for an error: the TailtopError's own, else 1. */
export function exitCodeOf(err: unknown): number {
  return err instanceof TailtopError ? err.exitCode : 1;
}

/** Longest error line shown, in cells. */
export const MAX_ERROR_CELLS = 400;

/**
 * Any error as one safe line: the message (never a stack), its first line only, without escape sequences
 * or controls, cut to `max` cells with "…". Errors that are not ours are said to be internal.
 */
export function errorLine(err: unknown, max = MAX_ERROR_CELLS): string {
  let msg: string;
  if (err instanceof TailtopError) msg = err.message;
  else if (err instanceof Error) msg = err.message ? `internal error: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : `internal error: ${err.name}`;
  else msg = String(err);
  return oneSafeLine(msg, max);
}

/** The first non-blank line of `text`, made safe and cut to `max` cells. */
export function oneSafeLine(text: string, max = MAX_ERROR_CELLS): string {
  const first = text.split(/\r?\n|\r/).find((l) => l.trim() !== '') ?? '';
  const safe = stripUnsafe(first).trim();
  if (textCells(safe) <= max) return safe;
  return `${cutToCells(safe, Math.max(1, max - 1)).text}…`;
}

/**
 * Text from a file or a flag, quoted for an error message: in double quotes, controls and other unsafe
 * characters shown as \xNN / \u{...} escapes (so the user sees what is there), at most `max` cells of it.
 */
export function quote(text: string, max = 40): string {
  let out = '';
  let cells = 0;
  for (const ch of text) {
    let piece: string;
    if (ch === '"' || ch === '\\') piece = `\\${ch}`;
    else if (stripUnsafe(ch) === ch && ch !== '\t') piece = ch;
    else {
      const cp = ch.codePointAt(0)!;
      piece = cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
    }
    const w = textCells(piece);
    if (cells + w > max) return `"${out}"…`;
    out += piece;
    cells += w;
  }
  return `"${out}"`;
}
