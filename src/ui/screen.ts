// Screen lifecycle. blessed draws box lines through the terminal's alternate character set (smacs + q/x/l/k)
// unless it believes ACS is broken; under tmux, screen and some SSH clients those come out as the letters
// q x l k. We draw with UTF-8 (forceUnicode) and tell blessed ACS is broken, so box lines are the real
// characters ─ │ ┌ whatever the terminfo says; in ASCII mode (glyphs.ts: a non-UTF-8 locale, an old
// terminal, --ascii) blessed's non-Unicode path draws every cell through an ASCII table instead (+ - |). blessed's signal and exit handlers act only when they
// are the sole listener, so the caller (the CLI) restores the terminal itself via `restoreTerminal` on every
// exit path; `createTui().destroy()` does it too.
import blessed from 'blessed';
import './blessed-unicode.js'; // real character widths, before anything is measured
import { asciiTable, type GlyphMode } from './glyphs.js';

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
  const { tput: makeTput } = blessed as unknown as { tput: (o: { terminal: string; extended: boolean }) => { strings: Record<string, unknown> } };
  const tput = makeTput({ terminal: term, extended: true });
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
  const S = (blessed as unknown as { Screen: Record<string, unknown> }).Screen;
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) {
    const h = S[`_${sig.toLowerCase()}Handler`];
    if (typeof h === 'function') process.removeListener(sig, h as () => void);
  }
}

function makeScreen(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, terminal: string, ascii: boolean): blessed.Widgets.Screen {
  return blessed.screen({
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

/**
 * A container box whose children cover it whole: blessed skips writing its own cells each render (its area
 * is still cleared by blessed when it or a child hides, moves or goes away). Without it a full-size
 * container repaints every cell, which marks every line dirty and makes blessed re-diff the whole screen.
 */
export function noFill(box: blessed.Widgets.BlessedElement, on = true): void {
  (box as unknown as { _noFill: boolean })._noFill = on;
}

interface RenderInternals {
  _emit(name: string, args?: unknown[]): void;
  parseContent(): void;
  _getCoords(get: boolean): { xi: number; xl: number; yi: number; yl: number } | undefined;
  lpos?: unknown;
  border?: unknown;
  scrollbar?: unknown;
  shadow?: unknown;
  children: { index: number; render(): unknown }[];
  screen: { _ci: number };
  render(): unknown;
}

/**
 * A plain container (no border, content, scrollbar or shadow) whose children cover it whole: render only
 * places it and renders its children, as blessed's Element.render does for such a box with `noFill`, minus
 * the walk over every cell of its area that writes nothing. `on = false` puts blessed's render back.
 */
export function container(box: blessed.Widgets.BlessedElement, on = true): void {
  noFill(box, on);
  const b = box as unknown as RenderInternals;
  if (!on) {
    delete (b as { render?: unknown }).render;
    return;
  }
  const original = b.render;
  b.render = function (this: RenderInternals) {
    if (this.border || this.scrollbar || this.shadow) return original.call(this);
    this._emit('prerender');
    this.parseContent();
    const coords = this._getCoords(true);
    if (!coords) {
      delete this.lpos;
      return;
    }
    if (coords.xl - coords.xi <= 0) {
      coords.xl = Math.max(coords.xl, coords.xi);
      return;
    }
    if (coords.yl - coords.yi <= 0) {
      coords.yl = Math.max(coords.yl, coords.yi);
      return;
    }
    this.lpos = coords;
    for (const el of this.children) {
      if (this.screen._ci !== -1) el.index = this.screen._ci++;
      el.render();
    }
    this._emit('render', [coords]);
    return coords;
  };
}

// ------------------------------------------------------------------ docked borders
// blessed joins the borders of neighbouring boxes (dockBorders) after every render: for each row that holds
// a border it looks at every cell and, for each box-drawing character, at its four neighbours, through
// object lookups keyed by one-character strings. The same rules with tables indexed by code point (the
// characters are U+2500..U+253C), in the same order (rows top to bottom, cells left to right, each cell
// seeing the already joined cells to its left and above). A row is marked for redraw only when a cell changes.
const BOX0 = 0x2500;
const BOX_N = 0x3d;
const IS_ANGLE = new Uint8Array(BOX_N);
const LEFT = new Uint8Array(BOX_N); // joins to its right neighbour (┌ └ ┼ ├ ┴ ┬ ─)
const UP = new Uint8Array(BOX_N); // joins to the cell below (┐ ┌ ┼ ├ ┤ ┬ │)
const RIGHT = new Uint8Array(BOX_N); // joins to its left neighbour (┘ ┐ ┼ ┤ ┴ ┬ ─)
const DOWN = new Uint8Array(BOX_N); // joins to the cell above (┘ └ ┼ ├ ┤ ┴ │)
const mark = (t: Uint8Array, chars: string): void => {
  for (const c of chars) t[c.charCodeAt(0) - BOX0] = 1;
};
mark(IS_ANGLE, '┘┐┌└┼├┤┴┬│─');
mark(LEFT, '┌└┼├┴┬─');
mark(UP, '┐┌┼├┤┬│');
mark(RIGHT, '┘┐┼┤┴┬─');
mark(DOWN, '┘└┼├┤┴│');
// [left][up][right][down] -> character ('' = keep).
const ANGLE_TABLE = ['', '│', '─', '┌', '│', '│', '└', '├', '─', '┐', '─', '┬', '┘', '┤', '┴', '┼'];

type DockCell = [number, string];
const boxIndex = (cell: DockCell | undefined, table: Uint8Array): boolean => {
  if (!cell) return false;
  const ch = cell[1];
  if (ch.length !== 1) return false;
  const i = ch.charCodeAt(0) - BOX0;
  return i >= 0 && i < BOX_N && table[i] === 1;
};

function fastDockBorders(this: { lines: (DockCell[] & { dirty?: boolean })[]; _borderStops: Record<string, boolean>; width: number; options: { ignoreDockContrast?: boolean } }): void {
  const lines = this.lines;
  const contrast = !this.options.ignoreDockContrast;
  const stops = Object.keys(this._borderStops)
    .map((k) => +k)
    .sort((a, b) => a - b);
  const width = this.width;
  for (const y of stops) {
    const row = lines[y];
    if (!row) continue;
    const above = lines[y - 1];
    const below = lines[y + 1];
    for (let x = 0; x < width; x++) {
      const cell = row[x]!;
      if (!boxIndex(cell, IS_ANGLE)) continue;
      const attr = cell[0];
      const ch = cell[1];
      let angle = 0;
      let keep = false;
      const l = row[x - 1];
      if (boxIndex(l, LEFT)) {
        if (contrast && l![0] !== attr) keep = true;
        angle |= 8;
      }
      const u = above?.[x];
      if (!keep && boxIndex(u, UP)) {
        if (contrast && u![0] !== attr) keep = true;
        angle |= 4;
      }
      const r = row[x + 1];
      if (!keep && boxIndex(r, RIGHT)) {
        if (contrast && r![0] !== attr) keep = true;
        angle |= 2;
      }
      const d = below?.[x];
      if (!keep && boxIndex(d, DOWN)) {
        if (contrast && d![0] !== attr) keep = true;
        angle |= 1;
      }
      const next = keep ? ch : ANGLE_TABLE[angle] || ch;
      if (next !== ch) {
        cell[1] = next;
        row.dirty = true;
      }
    }
  }
}

/** Use the table-driven border joining above instead of blessed's own (same result). */
export function fastDocking(screen: blessed.Widgets.Screen): void {
  (screen as unknown as { _dockBorders: unknown })._dockBorders = fastDockBorders;
}
