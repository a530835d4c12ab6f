// Screen lifecycle. blessed draws box lines through the terminal's alternate character set (smacs + q/x/l/k)
// unless it believes ACS is broken; under tmux, screen and some SSH clients those come out as the letters
// q x l k. We always draw with UTF-8 (forceUnicode) and tell blessed ACS is broken, so box lines are the
// real characters ─ │ ┌ whatever the terminfo says. blessed's signal and exit handlers act only when they
// are the sole listener, so the caller (the CLI) restores the terminal itself via `restoreTerminal` on every
// exit path; `createTui().destroy()` does it too.
import blessed from 'blessed';

export interface ScreenOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  terminal?: string;
  cols?: number;
  rows?: number;
}

type SizedStream = NodeJS.WritableStream & { columns?: number; rows?: number; isTTY?: boolean };

export function createScreen(opts: ScreenOptions = {}): blessed.Widgets.Screen {
  const output = (opts.output ?? process.stdout) as SizedStream;
  const input = opts.input ?? process.stdin;
  // A fixed size (render tests): blessed reads `columns`/`rows` off the output stream.
  if (opts.cols != null) output.columns = opts.cols;
  if (opts.rows != null) output.rows = opts.rows;
  const terminal = opts.terminal ?? process.env['TERM'] ?? 'xterm-256color';
  const screen = blessed.screen({
    input: input as unknown as blessed.Widgets.IScreenOptions['input'],
    output: output as unknown as blessed.Widgets.IScreenOptions['output'],
    // blessed falls back to its bundled xterm entry for names it has no terminfo for.
    terminal,
    smartCSR: true,
    fullUnicode: true,
    dockBorders: true,
    autoPadding: true,
    warnings: false,
    forceUnicode: true,
    // Our own handlers (ui/app.ts) do the keys; no blessed default quit keys.
    ignoreLocked: [],
    title: 'tailtop',
  } as blessed.Widgets.IScreenOptions);
  // Draw box lines as UTF-8, never through the alternate charset (q/x/l/k under tmux): see the header.
  const tput = (screen as unknown as { tput: unknown }).tput as { brokenACS: boolean; unicode: boolean };
  tput.brokenACS = true;
  tput.unicode = true;
  return screen;
}

const RESTORE =
  '\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l' + // mouse reporting off
  '\x1b[?2004l' + // bracketed paste off
  '\x1b[0m' + // reset attributes
  '\x1b[r' + // full scroll region
  '\x1b(B' + // leave any alternate character set
  '\x1b[?25h' + // show the cursor
  '\x1b[?1049l'; // leave the alternate screen

/**
 * Put the terminal back as the shell expects it: leave the alternate screen, show the cursor, reset
 * attributes and the character set, echo on (raw mode off). Safe to call any number of times and from an
 * `exit` handler (writes to a TTY are synchronous).
 */
export function restoreTerminal(output: NodeJS.WritableStream = process.stdout): void {
  const out = output as SizedStream & { destroyed?: boolean; writable?: boolean };
  try {
    if (!out.destroyed && out.writable !== false) out.write(RESTORE);
  } catch {
    // the terminal is gone: nothing to restore
  }
  const stdin = process.stdin as NodeJS.ReadStream;
  try {
    if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
  } catch {
    // not a TTY any more
  }
}

/**
 * A container box whose children cover it whole: blessed skips writing its own cells each render (its area
 * is still cleared by blessed when it or a child hides, moves or goes away). Without it a full-size
 * container repaints every cell, which marks every line dirty and makes blessed re-diff the whole screen.
 */
export function noFill(box: blessed.Widgets.BlessedElement, on = true): void {
  (box as unknown as { _noFill: boolean })._noFill = on;
}
