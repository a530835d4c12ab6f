// Colour depth and down-sampling. Themes are written in #rrggbb; the terminal may have 24-bit colour
// (COLORTERM=truecolor), 256, 16 or 8 colours, or none. blessed 0.1.81 packs every colour into a 256-entry
// palette index, so truecolor terminals get the nearest xterm-256 colour (blessed's own matching); for 16 and
// 8 colours we pick the nearest ANSI colour here (by name, which blessed understands in tags and styles),
// which is closer than reducing an already-rounded 256 index.
import type blessed from 'blessed';
import type { Theme } from './theme.js';

export type ColorDepth = 2 | 8 | 16 | 256 | 16777216;

/**
 * Colours of the terminal on `out` before a screen is made (to choose the theme): 0 for NO_COLOR, 2^24 for
 * COLORTERM=truecolor or 24bit, else what node makes of the stream and TERM (8 when it is not a terminal).
 */
export function terminalColors(env: NodeJS.ProcessEnv = process.env, out: { getColorDepth?: (env?: object) => number } = process.stdout): number {
  if ((env['NO_COLOR'] ?? '') !== '') return 0;
  if (/truecolor|24bit/i.test(env['COLORTERM'] ?? '')) return 16_777_216;
  const depth = out.getColorDepth?.(env);
  return depth ? 2 ** depth : 8;
}

/** Depth from the environment and the terminfo colour count (`screen.tput.colors`). */
export function colorDepth(env: NodeJS.ProcessEnv, terminfoColors: number): ColorDepth {
  if ((env['NO_COLOR'] ?? '') !== '') return 2;
  const ct = (env['COLORTERM'] ?? '').toLowerCase();
  if (ct === 'truecolor' || ct === '24bit') return 16777216;
  if (terminfoColors >= 256) return 256;
  if (terminfoColors >= 16) return 16;
  if (terminfoColors >= 8) return 8;
  return 2;
}

// xterm's default values for the 16 ANSI colours, with blessed's names for them.
const ANSI16: readonly [string, number, number, number][] = [
  ['black', 0, 0, 0],
  ['red', 205, 0, 0],
  ['green', 0, 205, 0],
  ['yellow', 205, 205, 0],
  ['blue', 0, 0, 238],
  ['magenta', 205, 0, 205],
  ['cyan', 0, 205, 205],
  ['white', 229, 229, 229],
  ['lightblack', 127, 127, 127],
  ['lightred', 255, 0, 0],
  ['lightgreen', 0, 255, 0],
  ['lightyellow', 255, 255, 0],
  ['lightblue', 92, 92, 255],
  ['lightmagenta', 255, 0, 255],
  ['lightcyan', 0, 255, 255],
  ['lightwhite', 255, 255, 255],
];

function parseHex(c: string): [number, number, number] | null {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : null;
}

/** Nearest ANSI colour name among the first `n` (8 or 16), by weighted RGB distance. */
export function nearestAnsi(rgb: [number, number, number], n: 8 | 16): string {
  let best = ANSI16[0]![0];
  let bestD = Infinity;
  for (let i = 0; i < n; i++) {
    const [name, r, g, b] = ANSI16[i]!;
    const dr = rgb[0] - r;
    const dg = rgb[1] - g;
    const db = rgb[2] - b;
    const d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best;
}

/** One colour for the given depth; `default` and names pass through. */
export function downsample(color: string, depth: ColorDepth): string {
  const rgb = parseHex(color);
  if (!rgb || depth >= 256) return color;
  if (depth === 2) return 'default';
  return nearestAnsi(rgb, depth === 16 ? 16 : 8);
}

/** The theme with every colour down-sampled; depth 2 turns it monochrome. */
export function themeForDepth(theme: Theme, depth: ColorDepth): Theme {
  if (theme.mono || depth === 2) return { ...theme, colors: { ...theme.colors }, mono: true };
  if (depth >= 256) return theme;
  const colors: Record<string, string> = {};
  for (const [k, v] of Object.entries(theme.colors)) colors[k] = downsample(v, depth);
  return { ...theme, colors };
}

/** The theme as `screen` can show it: the depth from the environment and the screen's terminfo colour count. */
export function themeForScreen(theme: Theme, screen: blessed.Widgets.Screen, env: NodeJS.ProcessEnv = process.env): Theme {
  const terminfoColors = (screen as unknown as { tput: { colors: number } }).tput.colors;
  return themeForDepth(theme, colorDepth(env, terminfoColors));
}
