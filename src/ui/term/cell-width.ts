// blessed's idea of character width is Unicode 5-era: it counts 🙂 and most emoji as one cell where every
// current terminal draws two, so a row holding one overflows by a cell and leaves text behind. Here blessed's
// unicode module is made to answer with text/width.ts (East Asian Width and emoji presentation):
//   charWidth / strWidth   - the width of a character or string (Screen.draw skips the cell after a wide one)
//   combining / isCombining - zero-width characters join the cell before them
//   chars.all              - every wide character, BMP or not, gets the filler cell blessed puts after wide
//                            characters ("$1\x03"), or becomes "??" where the screen is not Unicode
// Installed once, when this module is first imported (by screen.ts and cell-text.ts).
import { createRequire } from 'node:module';
import { charCells } from '../../text/width.js';

export interface BlessedUnicode {
  charWidth(s: string | number, i?: number): number;
  strWidth(s: string): number;
  codePointAt(s: string, i: number): number;
  isSurrogate(s: string, i: number): boolean;
  isCombining(s: string, i: number): boolean;
  combining: Record<number, boolean>;
  chars: { all: RegExp; combining: RegExp; surrogate: RegExp; wide: RegExp };
  __tailtopWidths?: boolean;
}

export const unicode = createRequire(import.meta.url)('blessed/lib/unicode.js') as BlessedUnicode;

function codePoint(s: string | number, i = 0): number {
  if (typeof s === 'number') return s;
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
  }
  return c;
}

/** Zero-width and not a control: drawn in the cell of the character before it. */
function joins(cp: number): boolean {
  return cp >= 0x300 && charCells(cp) === 0;
}

/** `s` with the filler "\x03" after each wide character, or each wide character as "??". */
function markWide(s: string, replacement: string): string {
  const full = replacement !== '??';
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x1100) continue;
    const cp = codePoint(s, i);
    const len = cp > 0xffff ? 2 : 1;
    if (charCells(cp) === 2) {
      out += s.slice(from, i) + (full ? s.slice(i, i + len) + '\x03' : '??');
      from = i + len;
    }
    i += len - 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

if (!unicode.__tailtopWidths) {
  unicode.__tailtopWidths = true;
  const blessedCharWidth = unicode.charWidth;
  unicode.charWidth = (s: string | number, i?: number): number => {
    const cp = codePoint(s, i ?? 0);
    if (cp === 0x09) return blessedCharWidth(s, i); // a tab: the screen's tab width
    return charCells(cp);
  };
  unicode.strWidth = (s: string): number => {
    let w = 0;
    for (let i = 0; i < s.length; i++) {
      const cp = codePoint(s, i);
      w += unicode.charWidth(cp);
      if (cp > 0xffff) i++;
    }
    return w;
  };
  unicode.isCombining = (s: string, i: number): boolean => joins(codePoint(s, i));
  unicode.combining = new Proxy({} as Record<number, boolean>, {
    get: (_t, key) => (typeof key === 'string' ? joins(Number(key)) : undefined),
    has: (_t, key) => typeof key === 'string' && joins(Number(key)),
  });
  const all = unicode.chars.all;
  unicode.chars.all = Object.assign(Object.create(all) as RegExp, {
    [Symbol.replace]: (s: string, replacement: string) => markWide(s, replacement),
  });
}
