// Terminal-safe text and cell widths (src/text/): what is stripped, how wide characters count.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stripUnsafe } from '../../src/text/safe.js';
import { charCells, cutToCells, fitCells, textCells } from '../../src/text/width.js';

describe('stripUnsafe', () => {
  it('removes escape sequences, C0 and C1 controls', () => {
    expect(stripUnsafe('a\x1b]0;PWNED\x07b')).toBe('ab');
    expect(stripUnsafe('a\x1b[31mred\x1b[0m')).toBe('ared');
    expect(stripUnsafe('a\x9b31mb\x85c\x7f')).toBe('a31mbc');
    expect(stripUnsafe('tab\there\nnew')).toBe('tab here new');
  });

  it('removes bidi overrides, zero-width characters, variation selectors and lone surrogates', () => {
    expect(stripUnsafe('abc\u202Etxt.exe')).toBe('abctxt.exe');
    for (const c of ['\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2066', '\u2069', '\ufeff', '\u00ad', '\u061c', '\u{e0041}']) expect(stripUnsafe(`x${c}y`)).toBe('xy');
    expect(stripUnsafe('\u2764\ufe0f')).toBe('\u2764');
    expect(stripUnsafe('a\ud800b\udc00c')).toBe('abc');
    expect(stripUnsafe('👨\u200d👩')).toBe('👨👩');
  });

  it('keeps printable text, combining marks (at most four on a character) and wide characters', () => {
    expect(stripUnsafe('café e\u0301 日本語 🙂')).toBe('café e\u0301 日本語 🙂');
    expect(stripUnsafe(`e${'\u0301'.repeat(40)}`)).toBe(`e${'\u0301'.repeat(4)}`);
  });

  it('leaves nothing a terminal would act on, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const out = stripUnsafe(s);
        expect(out).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/);
        expect(out.isWellFormed()).toBe(true);
        expect(stripUnsafe(out)).toBe(out);
      }),
    );
  });
});

describe('cell widths', () => {
  it('counts wide characters as two cells and combining marks as none', () => {
    expect(charCells('🙂'.codePointAt(0)!)).toBe(2);
    expect(charCells('日'.codePointAt(0)!)).toBe(2);
    expect(charCells('Ａ'.codePointAt(0)!)).toBe(2);
    expect(charCells('한'.codePointAt(0)!)).toBe(2);
    expect(charCells(0x301)).toBe(0);
    expect(charCells('é'.codePointAt(0)!)).toBe(1);
    expect(charCells('─'.codePointAt(0)!)).toBe(1);
    expect(charCells('…'.codePointAt(0)!)).toBe(1); // ambiguous: narrow
    expect(textCells('a🙂b')).toBe(4);
    expect(textCells('日本語')).toBe(6);
    expect(textCells('e\u0301')).toBe(1);
  });

  it('cuts at a cell boundary, never inside a wide character or a surrogate pair', () => {
    expect(cutToCells('ab🙂cd', 3)).toEqual({ text: 'ab', cells: 2 });
    expect(cutToCells('ab🙂cd', 4)).toEqual({ text: 'ab🙂', cells: 4 });
    expect(fitCells('日本語テキスト', 7)).toBe('日本語…');
    expect(textCells(fitCells('日本語テキスト', 7))).toBe(7);
    expect(fitCells('🙂', 5, 'right')).toBe('   🙂');
  });

  it('fitCells always gives exactly the cells asked for', () => {
    const unit = fc.constantFrom('a', 'é', 'e\u0301', '日', '🙂', '─', ' ', 'Ａ', '\u0301');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), fc.integer({ min: 0, max: 40 }), fc.constantFrom('left' as const, 'right' as const), (s, n, a) => {
        expect(textCells(fitCells(s, n, a))).toBe(n);
      }),
    );
  });
});
