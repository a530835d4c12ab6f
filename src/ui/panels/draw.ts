// Shared pieces for the overview panels. A panel is a pure function from (store, frame, theme, size) to
// lines of blessed-tagged text; the overview owns the boxes and sets their content once per frame. Widths are
// computed on the plain text, colour tags (markup.ts) are added afterwards, so a line is never wider than its box.
// Untrusted names (disks, interfaces) go through sanitize(), which also removes `{` `}` (blessed tags).
import type { Frame, LatencyWindow } from '../../model/types.js';
import type { ReadStore } from '../../store/read-store.js';
import { gradient, type GradientBase, type Theme } from '../theme.js';
import { codesToString, fit, sparkline } from '../format.js';
import { dim, paint, themeColor } from '../markup.js';

export type PanelId = 'cpu' | 'memory' | 'load' | 'pressure' | 'disks' | 'network' | 'latency';

export interface PanelContext {
  store: ReadStore;
  frame: Frame | null;
  theme: Theme;
  window: LatencyWindow;
  /** Inner size of the box (without the border). */
  width: number;
  height: number;
  /** The panel has keyboard focus (tab); `selected` is the highlighted row, if the panel has rows. */
  focused: boolean;
  selected: number;
}

export interface PanelOutput {
  /** Box label, without the surrounding spaces. */
  title: string;
  lines: string[];
  /** Row keys a selection can land on (disk names for the disks panel), in display order. */
  rows?: string[];
}

/** A meter of exactly `width` cells: filled part coloured along the gradient `base` (cpu, mem, ...). */
export function meter(theme: Theme, base: GradientBase, pct: number | null, width: number): string {
  if (width <= 0) return '';
  if (pct == null || !Number.isFinite(pct)) return dim(theme, '·'.repeat(width));
  const p = Math.max(0, Math.min(100, pct));
  const filled = Math.round((p / 100) * width);
  const full = '■'.repeat(filled);
  const empty = '·'.repeat(width - filled);
  if (theme.mono) return full + empty;
  return paint(theme, gradient(theme, base, p), full) + paint(theme, themeColor(theme, 'meter_bg'), empty);
}

/** Sparkline of the newest `width` values of a store series, coloured by the newest value's share of `max`. */
export function spark(theme: Theme, base: GradientBase, values: Float64Array, width: number, max?: number): string {
  if (width <= 0) return '';
  const s = sparkline(values, width, max);
  let top = max ?? 0;
  if (max == null) for (let i = 0; i < values.length; i++) if (values[i]! > top) top = values[i]!;
  let last = NaN;
  for (let i = values.length - 1; i >= 0; i--) {
    if (!Number.isNaN(values[i]!)) {
      last = values[i]!;
      break;
    }
  }
  const pct = Number.isNaN(last) || top <= 0 ? 0 : (last / top) * 100;
  return paint(theme, gradient(theme, base, pct), s);
}

/** Sum two aligned series (gaps stay gaps unless one side has a value). */
export function sumSeries(a: Float64Array, b: Float64Array): Float64Array {
  const n = Math.max(a.length, b.length);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i];
    const y = b[b.length - n + i];
    const xv = x === undefined || Number.isNaN(x) ? NaN : x;
    const yv = y === undefined || Number.isNaN(y) ? NaN : y;
    out[i] = Number.isNaN(xv) ? yv : Number.isNaN(yv) ? xv : xv + yv;
  }
  return out;
}

/** A line from [text, width, align, color] cells, total width capped at `width`. */
export function row(theme: Theme, width: number, cells: [string, number, ('left' | 'right')?, (string | undefined)?][]): string {
  let used = 0;
  let out = '';
  for (const [text, w, align, color] of cells) {
    const room = Math.min(w, width - used);
    if (room <= 0) break;
    out += paint(theme, color, fit(text, room, align ?? 'left'));
    used += room;
  }
  return out;
}

/** Keep at most `height` lines by priority (lower number = more important), in their original order. */
export function byPriority(lines: [number, string][], height: number): string[] {
  if (lines.length <= height) return lines.map((l) => l[1]);
  const keep = new Set(
    lines
      .map((l, i) => [l[0], i] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .slice(0, Math.max(0, height))
      .map((x) => x[1]),
  );
  return lines.filter((_, i) => keep.has(i)).map((l) => l[1]);
}


const EIGHTHS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'].map((c) => c.charCodeAt(0));
const tallCodes: number[] = [];
const tallLevels: number[] = [];

/**
 * A sparkline `height` rows tall (text, one string per row, top first): each column is filled from the
 * bottom in eighths. Gaps (NaN) stay empty. Used where a panel has rows to spare (large terminals).
 */
export function tallSparkline(values: ArrayLike<number>, width: number, height: number, max?: number): string[] {
  const rows: string[] = Array.from({ length: Math.max(0, height) }, () => '');
  if (height <= 0 || width <= 0) return rows;
  const n = Math.min(width, values.length);
  const start = values.length - n;
  let top = max ?? 0;
  if (max == null) for (let i = start; i < values.length; i++) if (values[i]! > top) top = values[i]!;
  const pad = width - n;
  // Level of each column in eighths of a row (-1 = a gap).
  for (let i = 0; i < n; i++) {
    const v = values[start + i]!;
    tallLevels[i] = Number.isNaN(v) ? -1 : top <= 0 ? 0 : Math.max(0, Math.min(height * 8, Math.round((v / top) * height * 8)));
  }
  for (let r = 0; r < height; r++) {
    const fromBottom = height - 1 - r;
    let k = 0;
    for (let i = 0; i < pad; i++) tallCodes[k++] = 0x20;
    for (let i = 0; i < n; i++) {
      const level = tallLevels[i]!;
      tallCodes[k++] = level < 0 ? 0x20 : EIGHTHS[Math.max(0, Math.min(8, level - fromBottom * 8))]!;
    }
    rows[r] = codesToString(tallCodes, k);
  }
  return rows;
}
