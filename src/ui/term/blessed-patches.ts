// Patches to blessed's rendering, each measured in bench/render.mjs (BENCHMARKS.md): a plain container box
// that does not walk its own cells (`container`, `noFill`), and border joining (dockBorders) through tables
// indexed by code point (`fastDocking`). The results are the same as blessed's own; only the work differs.
import type blessed from 'blessed';

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
 * The start of blessed's Element.render: 'prerender', the content parsed, the box placed. Returns its
 * coordinates, or null when it is hidden or has no area (blessed then draws nothing of it).
 */
function placeForRender<C extends { xi: number; xl: number; yi: number; yl: number }>(el: RenderInternals): C | null {
  el._emit('prerender');
  el.parseContent();
  const coords = el._getCoords(true) as C | undefined;
  if (!coords) {
    delete el.lpos;
    return null;
  }
  if (coords.xl - coords.xi <= 0) {
    coords.xl = Math.max(coords.xl, coords.xi);
    return null;
  }
  if (coords.yl - coords.yi <= 0) {
    coords.yl = Math.max(coords.yl, coords.yi);
    return null;
  }
  return coords;
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
    const coords = placeForRender(this);
    if (!coords) return;
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

// ------------------------------------------------------------------ framed boxes
interface FramedInternals extends RenderInternals {
  _noFill?: boolean;
  content: string;
  tpadding: number;
  valign?: string;
  style: { transparent?: boolean; border?: unknown };
  border?: { type?: string; left?: boolean; right?: boolean; top?: boolean; bottom?: boolean };
  sattr(style: unknown): number;
  screen: { _ci: number; lines: (DockCell[] & { dirty?: boolean })[]; _borderStops: Record<number, boolean> };
}

type FramedCoords = { xi: number; xl: number; yi: number; yl: number; notop?: boolean; nobot?: boolean; noleft?: boolean; noright?: boolean };

/**
 * blessed's Element.render for a box with a line border, no content and `noFill` (cell-text.ts boxes: their
 * cells are written after this; all four sides on): the same border, label and children, without the walk over every inner
 * cell that, with no content and noFill, writes nothing (most of what the overview's boxes cost blessed each
 * frame). Anything else (padding, alignment, a scrollbar, a shadow, transparency, content) goes to
 * `original`, blessed's own render.
 */
export function renderFramed(box: unknown, original: () => unknown): unknown {
  const el = box as FramedInternals;
  const b = el.border;
  const plain = el._noFill && el.content === '' && b && b.type === 'line' && b.left && b.top && b.right && b.bottom;
  if (!plain || el.tpadding || el.scrollbar || el.shadow || el.style.transparent || (el.valign && el.valign !== 'top')) return original.call(el);
  const coords = placeForRender<FramedCoords>(el);
  if (!coords) return;
  const screen = el.screen;
  const lines = screen.lines;
  const { xi, xl, yi, yl } = coords;
  el.lpos = coords;
  screen._borderStops[yi] = true;
  screen._borderStops[yl - 1] = true;
  const battr = el.sattr(el.style.border);
  const set = (row: DockCell[] & { dirty?: boolean }, x: number, attr: number, ch: string): void => {
    const cell = row[x]!;
    if (attr !== cell[0] || ch !== cell[1]) {
      cell[0] = attr;
      cell[1] = ch;
      row.dirty = true;
    }
  };
  // top and bottom rows, then the sides (all four sides on: checked above)
  for (const [y, left, right] of [
    [coords.notop ? -1 : yi, '\u250c', '\u2510'],
    [coords.nobot ? -1 : yl - 1, '\u2514', '\u2518'],
  ] as const) {
    const row = lines[y];
    if (!row) continue;
    for (let x = xi; x < xl; x++) {
      if (coords.noleft && x === xi) continue;
      if (coords.noright && x === xl - 1) continue;
      if (row[x]) set(row, x, battr, x === xi ? left : x === xl - 1 ? right : '\u2500');
    }
  }
  for (let y = yi + 1; y < yl - 1; y++) {
    const row = lines[y];
    if (!row) continue;
    if (row[xi] && !coords.noleft) set(row, xi, battr, '\u2502');
    if (row[xl - 1] && !coords.noright) set(row, xl - 1, battr, '\u2502');
  }
  for (const child of el.children) {
    if (screen._ci !== -1) child.index = screen._ci++;
    child.render();
  }
  el._emit('render', [coords]);
  return coords;
}
