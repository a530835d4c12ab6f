// Fast tagged text for boxes redrawn every frame (the overview panels, header and status line).
//
// blessed's own content path costs a lot per frame even when the text did not change: every render walks
// the parsed content and, for each colour escape, runs a regex on a substring and re-parses the SGR code
// (about 0.8 MB of garbage per frame at 160x50). Here a box keeps its lines; each line is parsed once into
// cells (attribute, character) with blessed's own tag and attribute functions (results cached), and a line
// that is the same as in the previous frame reuses its cells. The box itself keeps empty content and does
// not fill its inner area; after blessed has drawn the border and the label, the cells are copied into the
// screen buffer, touching only cells that changed (so unchanged lines stay clean for blessed's diff).
//
// The result is the cells blessed would produce for `tags: true, wrap: false` content with the same text:
// the same attributes (from program._attr and screen.attrCode), rows below the text filled with blanks,
// wide characters (by their real width: cell-width.ts) followed by a filler cell, combining characters
// joined to the cell before them; but lines are cut at the inner width counted in cells (blessed counts
// UTF-16 units, which cuts a line holding emoji short), and a wide character with only one cell left
// becomes a blank. A box given cell text also takes `setContent(text)` (lines split at "\n").
import type blessed from 'blessed';
import { noFill, renderFramed } from './blessed-patches.js';
import { unicode } from './cell-width.js';
import { charCells } from '../../text/width.js';

type Cell = [number, string];
interface ScreenInternals {
  lines: (Cell[] & { dirty?: boolean })[];
  fullUnicode: boolean;
  tabc: string;
  program: { _attr(param: string, val?: boolean): string | null };
  attrCode(code: string, cur: number, def: number): number;
}
interface BoxInternals {
  screen: ScreenInternals;
  style: unknown;
  ileft: number;
  itop: number;
  iright: number;
  ibottom: number;
  sattr(style: unknown): number;
}
interface Coords {
  xi: number;
  xl: number;
  yi: number;
  yl: number;
}

/** One parsed line: its cells (at most the width it was parsed for) and the attribute after it. */
interface Parsed {
  entry: number;
  width: number;
  attrs: number[];
  chars: string[];
  exit: number;
  /** Tag state stacks were empty before and after: the parse does not depend on earlier lines. */
  clean: boolean;
}

// Per screen: SGR code by tag parameter, and attribute by (code, current, default).
const sgrCache = new WeakMap<object, Map<string, string | null>>();
const attrCache = new WeakMap<object, Map<string, Map<number, Map<number, number>>>>();
// One string per UTF-16 code unit seen (box and block characters would otherwise be a new string per cell).
const CHARS = new Map<number, string>();
function charOf(code: number): string {
  let c = CHARS.get(code);
  if (c === undefined) {
    c = String.fromCharCode(code);
    if (CHARS.size < 65536) CHARS.set(code, c);
  }
  return c;
}

const CONTROLS = /[\x00-\x08\x0b-\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;
/** Any character the three replaces below act on (controls, ESC, tab): most lines hold none. */
const UNSAFE = /[\x00-\x1f\x7f]/;
const TAG = /^\{(\/?)([\w\-,;!#]*)\}$/;

interface Tag {
  valid: boolean;
  slash: boolean;
  /** blessed's form: dashes as spaces ("red fg"). */
  param: string;
  length: number;
}
/** Parsed tags by a hash of their text ("{red-fg}"); each entry is verified against the text. */
const TAGS = new Map<number, (Tag & { raw: string })[]>();

/** The tag starting at `i` (a "{"), as blessed's /^{(\/?)([\w\-,;!#]*)}/ would read it. */
function tagAt(text: string, i: number): Tag | null {
  const end = text.indexOf('}', i + 1);
  if (end < 0) return null;
  let h = 0x811c9dc5;
  for (let k = i; k <= end; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  const len = end + 1 - i;
  let list = TAGS.get(h);
  if (list) for (const t of list) if (t.length === len && text.startsWith(t.raw, i)) return t.valid ? t : null;
  const raw = text.slice(i, end + 1);
  const m = TAG.exec(raw);
  const t = { slash: m?.[1] === '/', param: m ? m[2]!.replace(/-/g, ' ') : '', length: len, raw, valid: m != null };
  if (!list) TAGS.set(h, (list = []));
  if (list.length < 8) list.push(t);
  return t.valid ? t : null;
}

export class CellText {
  private lines: readonly string[] = [];
  private cache = new Map<string, Parsed>();
  private spare = new Map<string, Parsed>();
  /** Parsed lines no longer shown: their arrays are reused by the next parse. */
  private readonly pool: Parsed[] = [];
  private readonly screen: ScreenInternals;
  private readonly sgr: Map<string, string | null>;
  private readonly attrs: Map<string, Map<number, Map<number, number>>>;

  constructor(readonly box: blessed.Widgets.BoxElement) {
    const b = box as unknown as BoxInternals;
    this.screen = b.screen;
    let s = sgrCache.get(this.screen);
    if (!s) sgrCache.set(this.screen, (s = new Map()));
    this.sgr = s;
    let a = attrCache.get(this.screen);
    if (!a) attrCache.set(this.screen, (a = new Map()));
    this.attrs = a;
    box.setContent('');
    noFill(box);
    box.setContent = (content: string): void => this.set(content === '' ? [] : content.split('\n'));
    box.getContent = (): string => this.lines.join('\n');
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const text = this;
    const render = box.render;
    box.render = function (this: blessed.Widgets.BoxElement) {
      const coords = renderFramed(this, render) as Coords | undefined;
      if (coords) text.paint(coords);
      return coords as never;
    };
  }

  /** The box's text, one string per row (blessed tags allowed). Shown at the next screen render. */
  set(lines: readonly string[]): void {
    this.lines = lines;
  }

  get(): readonly string[] {
    return this.lines;
  }

  private paint(c: Coords): void {
    const b = this.box as unknown as BoxInternals;
    const xi = c.xi + b.ileft;
    const xl = c.xl - b.iright;
    const yi = c.yi + b.itop;
    const yl = c.yl - b.ibottom;
    const width = xl - xi;
    if (width <= 0 || yl <= yi) return;
    const dattr = b.sattr(b.style);
    const screenLines = this.screen.lines;
    const next = this.spare;
    next.clear();
    const stacks: Stacks = { fg: [], bg: [], flag: [] };
    let attr = dattr;
    let n = 0;
    for (let y = yi; y < yl; y++, n++) {
      const row = screenLines[y];
      let p: Parsed | null = null;
      if (n < this.lines.length) {
        const text = this.lines[n]!;
        const clean = stacks.fg.length === 0 && stacks.bg.length === 0 && stacks.flag.length === 0;
        const hit = clean ? (next.get(text) ?? this.cache.get(text)) : undefined;
        p = hit && hit.clean && hit.entry === attr && hit.width === width ? hit : this.parse(text, attr, dattr, width, stacks);
        if (p.clean) next.set(text, p);
      }
      if (!row) {
        if (p) attr = p.exit;
        continue;
      }
      let x = 0;
      if (p) {
        const { attrs, chars } = p;
        for (; x < chars.length; x++) {
          const cell = row[xi + x];
          if (!cell) continue;
          const a = attrs[x]!;
          const ch = chars[x]!;
          if (cell[0] !== a || cell[1] !== ch) {
            cell[0] = a;
            cell[1] = ch;
            row.dirty = true;
          }
        }
        attr = p.exit;
      }
      for (; x < width; x++) {
        const cell = row[xi + x];
        if (!cell) continue;
        if (cell[0] !== attr || cell[1] !== ' ') {
          cell[0] = attr;
          cell[1] = ' ';
          row.dirty = true;
        }
      }
    }
    for (const [k, p] of this.cache) if (next.get(k) !== p && this.pool.length < 256) this.pool.push(p);
    this.spare = this.cache;
    this.cache = next;
  }

  private code(param: string, val?: boolean): string | null {
    const k = val === false ? `${param}\u0000off` : param;
    let v = this.sgr.get(k);
    if (v === undefined) {
      v = this.screen.program._attr(param, val) ?? null;
      this.sgr.set(k, v);
    }
    return v;
  }

  private apply(code: string, cur: number, def: number): number {
    let byCur = this.attrs.get(code);
    if (!byCur) this.attrs.set(code, (byCur = new Map()));
    let byDef = byCur.get(cur);
    if (!byDef) byCur.set(cur, (byDef = new Map()));
    let v = byDef.get(def);
    if (v === undefined) {
      v = this.screen.attrCode(code, cur, def);
      byDef.set(def, v);
    }
    return v;
  }

  /** blessed's parseContent + _parseTags + _wrapContent (wrap off) + render, for one line. */
  private parse(raw: string, entry: number, dattr: number, width: number, st: Stacks): Parsed {
    const clean = st.fg.length === 0 && st.bg.length === 0 && st.flag.length === 0;
    const full = this.screen.fullUnicode;
    let text = UNSAFE.test(raw) ? raw.replace(CONTROLS, '').replace(/\x1b/g, '').replace(/\t/g, this.screen.tabc) : raw;
    if (!full) text = text.replace(unicode.chars.all, '??').replace(unicode.chars.combining, '').replace(unicode.chars.surrogate, '?');
    const p = this.pool.pop() ?? { entry, width, attrs: [], chars: [], exit: entry, clean: false };
    const { attrs, chars } = p;
    let n = 0; // cells so far (the arrays may be longer: reused)
    let attr = entry;
    let cells = 0; // cells filled so far: the line is cut at `width` cells
    let i = 0;
    const hasTags = /\{\/?[\w\-,;!#]*\}/.test(text);
    while (i < text.length) {
      let ch: string | null = null;
      let next = i + 1;
      if (hasTags && text.charCodeAt(i) === 0x7b /* { */) {
        const t = tagAt(text, i);
        if (t) {
          if (t.param === 'open' || t.param === 'close') {
            ch = t.param === 'open' ? '{' : '}'; // literal braces
            next = i + t.length;
          } else {
            const code = this.tag(t.slash, t.param, st);
            if (code !== undefined) {
              i += t.length;
              if (code !== '') attr = this.apply(code, attr, dattr);
              continue;
            }
          }
        }
      }
      if (cells >= width) {
        i = next;
        continue; // cut: only tags after this point still count
      }
      let point: number;
      if (ch !== null) {
        point = ch.charCodeAt(0);
      } else {
        const unit = text.charCodeAt(i);
        point = full && unit >= 0xd800 && unit <= 0xdbff ? unicode.codePointAt(text, i) : unit;
        ch = charOf(unit);
        if (full && point > 0xffff) {
          ch = text.slice(i, i + 2);
          next = i + 2;
        }
      }
      i = next;
      // unicode.combining and unicode.charWidth answer with charCells (cell-width.ts); asked directly here,
      // as this runs for every cell of a changed line (a Proxy lookup by a string key per cell otherwise).
      const cells1 = full && point >= 0x300 ? charCells(point) : 1;
      if (cells1 === 0) {
        if (n > 0) chars[n - 1] += ch;
        continue;
      }
      const wide = cells1 === 2 && point >= 0x1100;
      if (wide && cells + 2 > width) {
        // Only one cell left: the terminal cannot draw half of it.
        attrs[n] = attr;
        chars[n++] = ' ';
        cells++;
        continue;
      }
      attrs[n] = attr;
      chars[n++] = ch;
      cells++;
      if (wide) {
        // blessed puts a filler after a double-width character; the terminal draws the pair as one.
        attrs[n] = attr;
        chars[n++] = '\x03';
        cells++;
      }
    }
    n = Math.min(n, width);
    if (chars.length !== n) {
      chars.length = n;
      attrs.length = n;
    }
    const after = st.fg.length === 0 && st.bg.length === 0 && st.flag.length === 0;
    p.entry = entry;
    p.width = width;
    p.exit = attr;
    p.clean = clean && after;
    return p;
  }

  /** A tag: the SGR code to apply ('' none), or undefined when it is not a tag (drawn as text). */
  private tag(slash: boolean, param: string, st: Stacks): string | undefined {
    if (param === 'escape') return undefined; // {escape} blocks are not used in these boxes
    const state = param.slice(-3) === ' bg' ? st.bg : param.slice(-3) === ' fg' ? st.fg : st.flag;
    if (slash) {
      if (!param) {
        st.fg.length = 0;
        st.bg.length = 0;
        st.flag.length = 0;
        return this.code('normal') ?? '';
      }
      const off = this.code(param, false);
      if (off == null) return undefined;
      state.pop();
      return state.length ? (this.code(state[state.length - 1]!) ?? '') : off;
    }
    if (!param) return undefined;
    const on = this.code(param);
    if (on == null) return undefined;
    state.push(param);
    return on;
  }
}

interface Stacks {
  fg: string[];
  bg: string[];
  flag: string[];
}

/** Give `box` fast per-line tagged text (see the header); returns the handle to set its lines. */
export function cellText(box: blessed.Widgets.BoxElement): CellText {
  return new CellText(box);
}
