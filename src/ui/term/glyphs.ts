// Which characters the screen may send. A terminal in a non-UTF-8 locale (LANG=C, LC_ALL=POSIX, a Latin-1
// locale) prints the UTF-8 bytes of ─ ▁ █ as two or three garbage characters each, and old terminals
// (vt100, vt220, ansi, the Linux console's fonts) lack the block and box glyphs: there the screen draws
// with ASCII. Views keep drawing with their usual characters; at the last step, each cell's character is
// turned into one ASCII character (boxes as + - |, the eighth blocks of bars and sparklines and the shades
// of the heatmap as ASCII ramps), so cells and columns stay where they were. Wide characters are already
// "??" in this mode (blessed's non-Unicode path).

export type GlyphMode = 'unicode' | 'ascii';

export interface GlyphChoice {
  mode: GlyphMode;
  /** Why ASCII was chosen (shown nowhere by default; for tests and `--help`-level diagnostics). */
  why: string;
}

/** The locale's character set decides, unless a flag does; old terminals get ASCII whatever the locale. */
export function chooseGlyphs(flags: { ascii?: boolean; unicode?: boolean }, env: NodeJS.ProcessEnv, term: string): GlyphChoice {
  if (flags.ascii) return { mode: 'ascii', why: '--ascii' };
  if (flags.unicode) return { mode: 'unicode', why: '--unicode' };
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  if (!/utf-?8/i.test(locale)) return { mode: 'ascii', why: `locale ${locale === '' ? 'unset (C)' : JSON.stringify(locale)} is not UTF-8` };
  if (/^(vt\d|ansi|linux|cons\d|pcansi|wy\d|dumb)/i.test(term)) return { mode: 'ascii', why: `terminal ${JSON.stringify(term)} lacks the glyphs` };
  return { mode: 'unicode', why: 'UTF-8 locale' };
}

// Characters the screen draws, and their ASCII stand-ins (one character each: cells must not move).
const ASCII: Record<string, string> = {
  // boxes and lines
  '─': '-', '│': '|', '┌': '+', '┐': '+', '└': '+', '┘': '+', '├': '+', '┤': '+', '┬': '+', '┴': '+', '┼': '+',
  // sparklines and bars: an eighth to a full cell, low to high
  '▁': '_', '▂': '.', '▃': ',', '▄': '-', '▅': '=', '▆': '+', '▇': '*', '█': '#',
  // partial bar ends, an eighth to seven eighths of a cell
  '▏': ':', '▎': ':', '▍': ':', '▌': ':', '▋': '#', '▊': '#', '▉': '#',
  // heatmap shades
  '░': '.', '▒': ':', '▓': '%',
  // marks and symbols
  '…': '~', '—': '-', '–': '-', '−': '-', 'µ': 'u', '·': '.', '×': 'x', '→': '>', '←': '<', '▸': '>', '◄': '<',
  '▲': '^', '▼': 'v', '■': '#', '≤': '<', '≥': '>', 'Δ': 'd', '°': 'o', '±': '+',
};

/** One ASCII character for `ch` (a cell's text): the table above, else the letter without its accents, else "?". */
export function asciiGlyph(ch: string): string {
  if (ch.length === 1 && ch.charCodeAt(0) < 0x7f) return ch;
  const mapped = ASCII[ch];
  if (mapped !== undefined) return mapped;
  const bare = ch.normalize('NFD').replace(/\p{M}/gu, '');
  return bare.length === 1 && bare.charCodeAt(0) >= 0x20 && bare.charCodeAt(0) < 0x7f ? bare : '?';
}

/** A lookup object for blessed's `tput.utoa[ch] || '?'`: every character answers with asciiGlyph. */
export function asciiTable(): Record<string, string> {
  return new Proxy({} as Record<string, string>, {
    get: (_t, key) => (typeof key === 'string' ? asciiGlyph(key) : undefined),
  });
}
