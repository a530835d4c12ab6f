// Terminal cell width of text, as terminals draw it: East Asian Wide and Fullwidth characters (CJK, Hangul,
// fullwidth forms) and emoji with emoji presentation take two cells, combining marks and format characters
// none, everything else one. East Asian Ambiguous characters count as one (what terminals do outside CJK
// locales). Pure functions; the answers for code points are remembered.
import { eastAsianWidth } from 'get-east-asian-width';

const ZERO = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;

// 0 = not known yet; otherwise width + 1.
const BMP = new Uint8Array(0x10000);
const ASTRAL = new Map<number, number>();

function compute(cp: number): 0 | 1 | 2 {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0; // controls: never drawn (stripped before)
  if (cp >= 0x1160 && cp <= 0x11ff) return 0; // Hangul Jamo medial vowels and final consonants join the syllable
  if (cp >= 0xd7b0 && cp <= 0xd7ff) return 0;
  const ch = String.fromCodePoint(cp);
  if (ZERO.test(ch)) return 0;
  if (EMOJI.test(ch)) return 2;
  return eastAsianWidth(cp);
}

/** Cells taken by one code point: 0, 1 or 2. */
export function charCells(cp: number): 0 | 1 | 2 {
  if (cp >= 0x20 && cp < 0x300) return cp >= 0x7f && cp < 0xa0 ? 0 : 1;
  if (cp <= 0xffff) {
    let w = BMP[cp]!;
    if (w === 0) BMP[cp] = w = compute(cp) + 1;
    return (w - 1) as 0 | 1 | 2;
  }
  let w = ASTRAL.get(cp);
  if (w === undefined) {
    w = compute(cp);
    if (ASTRAL.size < 65536) ASTRAL.set(cp, w);
  }
  return w as 0 | 1 | 2;
}

/** True when every UTF-16 unit of `s` is below U+0300 (one cell per unit): the common, fast case. */
function narrowOnly(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x300 || c < 0x20 || (c >= 0x7f && c < 0xa0)) return false;
  }
  return true;
}

/** Cells taken by `s` in a terminal. */
export function textCells(s: string): number {
  if (narrowOnly(s)) return s.length;
  let n = 0;
  for (const ch of s) n += charCells(ch.codePointAt(0)!);
  return n;
}

/**
 * The longest prefix of `s` that fits in `cells` cells, with the cells it takes. Never splits a surrogate
 * pair, and keeps combining marks with the character before them.
 */
export function cutToCells(s: string, cells: number): { text: string; cells: number } {
  if (cells <= 0) return { text: '', cells: 0 };
  if (narrowOnly(s)) return s.length <= cells ? { text: s, cells: s.length } : { text: s.slice(0, cells), cells };
  let used = 0;
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const w = charCells(cp);
    if (used + w > cells) break;
    used += w;
    i += cp > 0xffff ? 2 : 1;
  }
  return { text: s.slice(0, i), cells: used };
}

/** Pad or cut `s` to exactly `cells` cells; a cut string ends with "…". */
export function fitCells(s: string, cells: number, align: 'left' | 'right' = 'left'): string {
  if (cells <= 0) return '';
  const w = textCells(s);
  if (w > cells) {
    const cut = cutToCells(s, cells > 1 ? cells - 1 : cells);
    const text = cells > 1 ? `${cut.text}…` : cut.text;
    const pad = cells - cut.cells - (cells > 1 ? 1 : 0);
    return pad > 0 ? text + ' '.repeat(pad) : text;
  }
  const pad = ' '.repeat(cells - w);
  return align === 'left' ? s + pad : pad + s;
}
