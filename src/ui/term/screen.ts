// Screen lifecycle. blessed draws box lines through the terminal's alternate character set (smacs + q/x/l/k)
// unless it believes ACS is broken; under tmux, screen and some SSH clients those come out as the letters
// q x l k. We draw with UTF-8 (forceUnicode) and tell blessed ACS is broken, so box lines are the real
// characters ─ │ ┌ whatever the terminfo says; in ASCII mode (glyphs.ts: a non-UTF-8 locale, an old
// terminal, --ascii) blessed's non-Unicode path draws every cell through an ASCII table instead (+ - |). blessed's signal and exit handlers act only when they
// are the sole listener, so the caller (the CLI) restores the terminal itself via `restoreTerminal` on every
// exit path; `createTui().destroy()` does it too.
import type blessed from 'blessed';
import { widgets } from './widgets.js';
import './cell-width.js'; // real character widths, before anything is measured
import { asciiTable, type GlyphMode } from './glyphs.js';
import { fastDocking } from './blessed-patches.js';

export interface ScreenOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  terminal?: string;
  cols?: number;
  rows?: number;
  /** 'ascii': only ASCII reaches the terminal. Default 'unicode'. */
  glyphs?: GlyphMode;
}

/**
 * Why the monitor cannot draw on terminal `term` (no cursor addressing: TERM=dumb, an emacs shell buffer),
 * or null. blessed falls back to its own xterm entry for names it has no terminfo for.
 */
export function terminalProblem(term: string): string | null {
  if (term === '' || term === 'dumb') return `terminal ${JSON.stringify(term || '(TERM unset)')} cannot move the cursor`;
  const tput = widgets.tput({ terminal: term, extended: true });
  return tput.strings['cursor_address'] ? null : `terminal ${JSON.stringify(term)} cannot move the cursor`;
}

type SizedStream = NodeJS.WritableStream & { columns?: number; rows?: number; isTTY?: boolean };

export function createScreen(opts: ScreenOptions = {}): blessed.Widgets.Screen {
  const output = (opts.output ?? process.stdout) as SizedStream;
  const input = opts.input ?? process.stdin;
  // A fixed size (render tests): blessed reads `columns`/`rows` off the output stream.
  if (opts.cols != null) output.columns = opts.cols;
  if (opts.rows != null) output.rows = opts.rows;
  const terminal = opts.terminal ?? process.env['TERM'] ?? 'xterm-256color';
  // Inside tmux blessed runs `tmux -V` synchronously while it builds the screen (10-20 ms before the first
  // frame) only to choose how to pass mouse all-motion through, which we never turn on: hide $TMUX during
  // construction and set the flag afterwards.
  const tmuxEnv = process.env['TMUX'];
  if (tmuxEnv !== undefined) delete process.env['TMUX'];
  const ascii = opts.glyphs === 'ascii';
  let screen: blessed.Widgets.Screen;
  try {
    screen = makeScreen(input, output, terminal, ascii);
  } finally {
    if (tmuxEnv !== undefined) process.env['TMUX'] = tmuxEnv;
  }
  const program = (screen as unknown as { program: { tmux: boolean; tmuxVersion: number } }).program;
  program.tmux = !!tmuxEnv;
  program.tmuxVersion = 2;
  // The title goes out after the tmux flag is back (inside tmux blessed wraps it for the outer terminal).
  screen.title = 'tailtop';
  // Draw box lines as UTF-8, never through the alternate charset (q/x/l/k under tmux): see the header.
  // ASCII: every character above '~' goes through the ASCII table (Screen.draw's non-Unicode path).
  const tput = (screen as unknown as { tput: unknown }).tput as { brokenACS: boolean; unicode: boolean; numbers: Record<string, unknown>; utoa: Record<string, string> };
  tput.brokenACS = true;
  tput.unicode = !ascii;
  if (ascii) {
    tput.numbers = { ...tput.numbers, U8: 0 };
    tput.utoa = asciiTable();
  }
  fastDocking(screen);
  dropBlessedSignalHandlers();
  return screen;
}

/**
 * blessed adds process handlers for SIGTERM, SIGINT and SIGQUIT that call process.exit(0) when they are
 * the only listener left; the caller's own handler restores the terminal and destroys the screen, which
 * leaves blessed's as the only one mid-dispatch: the process would exit 0 instead of 128 + the signal.
 * The caller handles signals (cli.ts), so blessed's are taken away.
 */
function dropBlessedSignalHandlers(): void {
  const S = widgets.Screen;
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) {
    const h = S[`_${sig.toLowerCase()}Handler`];
    if (typeof h === 'function') process.removeListener(sig, h as () => void);
  }
}

function makeScreen(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, terminal: string, ascii: boolean): blessed.Widgets.Screen {
  return widgets.screen({
    input: input as unknown as blessed.Widgets.IScreenOptions['input'],
    output: output as unknown as blessed.Widgets.IScreenOptions['output'],
    // blessed falls back to its bundled xterm entry for names it has no terminfo for.
    terminal,
    smartCSR: true,
    fullUnicode: !ascii,
    dockBorders: true,
    autoPadding: true,
    warnings: false,
    forceUnicode: !ascii,
    // Our own handlers (ui/app.ts) do the keys; no blessed default quit keys.
    ignoreLocked: [],
  } as blessed.Widgets.IScreenOptions);
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

/** The screen's cell buffer as plain text (rows joined by "\n", trailing spaces trimmed): render tests. */
export function screenText(screen: blessed.Widgets.Screen): string {
  const lines = (screen as unknown as { lines: [unknown, string][][] }).lines;
  const out: string[] = [];
  for (const line of lines) {
    let s = '';
    for (const cell of line) s += cell[1] === '\0' ? '' : cell[1];
    out.push(s.replace(/\s+$/, ''));
  }
  return out.join('\n');
}
