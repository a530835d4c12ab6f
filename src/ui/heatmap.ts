// Latency heatmap (Brendan Gregg style): time runs across (newest on the right), latency buckets go up on
// a log scale, and each cell's shade is the number of requests that completed in that interval with that
// latency. Shades are characters (' ░▒▓█') so the map reads in the mono theme; colours come on top.
import type { HeatmapColumn } from '../store/read-store.js';
import type { Theme } from './theme.js';
import { gradient } from './theme.js';
import { micros } from './format.js';
import { paint } from './markup.js';

export const SHADES = [' ', '░', '▒', '▓', '█'] as const;

/** Shade level 0-4 for a count relative to the largest cell: 0 only for an empty cell. */
export function shadeLevel(count: number, max: number): number {
  if (!(count > 0) || !(max > 0)) return 0;
  return Math.max(1, Math.min(4, Math.ceil((count / max) * 4)));
}

/** Rows per power of two the grid may use, finest first. */
const RESOLUTIONS = [2, 1, 0.5, 0.25, 0.125, 0.0625];

export interface HeatmapGrid {
  /** cells[row][col]; row 0 is the top (highest latency), col 0 the oldest shown interval. */
  cells: number[][];
  /** Per row, [lowerUs, upperUs). */
  rowBoundsUs: [number, number][];
  /** Per column, the interval time or null when blank (not enough history). */
  colAtMs: (number | null)[];
  /** Largest cell count. */
  max: number;
  /** Rows per power of two (2 = half octaves). */
  rowsPerOctave: number;
}

function rowIndex(us: number, r: number): number {
  // A bucket is placed by its upper bound, just inside (an upper bound of exactly 2^k belongs below it).
  return Math.floor(Math.log2(us) * r - 1e-9);
}

/**
 * Build the grid for `width` time columns and at most `height` latency rows from per-interval histograms
 * ([upperBoundUs, count] pairs). The latency range is the data's, at the finest resolution that fits.
 */
export function buildHeatmap(columns: readonly HeatmapColumn[], width: number, height: number): HeatmapGrid {
  const w = Math.max(0, width);
  const shown = columns.slice(Math.max(0, columns.length - w));
  const pad = w - shown.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of shown) {
    for (const [up, n] of c.buckets ?? []) {
      if (!(n > 0) || !(up > 0)) continue;
      lo = Math.min(lo, up);
      hi = Math.max(hi, up);
    }
  }
  const colAtMs: (number | null)[] = [...Array<null>(pad).fill(null), ...shown.map((c) => c.atMs)];
  if (!Number.isFinite(lo) || height <= 0) {
    return { cells: [], rowBoundsUs: [], colAtMs, max: 0, rowsPerOctave: 1 };
  }
  let r = RESOLUTIONS[RESOLUTIONS.length - 1]!;
  for (const cand of RESOLUTIONS) {
    if (rowIndex(hi, cand) - rowIndex(lo, cand) + 1 <= height) {
      r = cand;
      break;
    }
  }
  let bottom = rowIndex(lo, r);
  let top = rowIndex(hi, r);
  // Use spare height for one row of headroom on each side, so the extremes are not on the frame edge.
  if (top - bottom + 1 < height) top++;
  if (top - bottom + 1 < height && bottom > rowIndex(1, r)) bottom--;
  const nRows = Math.min(height, top - bottom + 1);
  top = bottom + nRows - 1;
  const cells = Array.from({ length: nRows }, () => new Array<number>(w).fill(0));
  let max = 0;
  shown.forEach((c, k) => {
    const col = pad + k;
    for (const [up, n] of c.buckets ?? []) {
      if (!(n > 0) || !(up > 0)) continue;
      const idx = Math.max(bottom, Math.min(top, rowIndex(up, r)));
      const row = top - idx;
      const v = (cells[row]![col]! += n);
      if (v > max) max = v;
    }
  });
  const rowBoundsUs: [number, number][] = [];
  for (let idx = top; idx >= bottom; idx--) rowBoundsUs.push([2 ** (idx / r), 2 ** ((idx + 1) / r)]);
  return { cells, rowBoundsUs, colAtMs, max, rowsPerOctave: r };
}

export interface HeatmapRenderOptions {
  /** Width of the y-axis label gutter (labels are right-aligned, followed by '│'). */
  axisWidth?: number;
  /** Produce blessed colour tags (false: plain text). */
  tags?: boolean;
}

/** Text lines: one per grid row (y-axis label, '│', shaded cells) plus a time axis line. */
export function renderHeatmap(grid: HeatmapGrid, theme: Theme, opts: HeatmapRenderOptions = {}): string[] {
  const axis = opts.axisWidth ?? 8;
  const tags = opts.tags ?? true;
  const w = grid.colAtMs.length;
  const lines: string[] = [];
  grid.cells.forEach((row, i) => {
    const [, upper] = grid.rowBoundsUs[i]!;
    // With several rows per power of two, only the rows ending on a power of two are labelled.
    const l2 = Math.log2(upper);
    const label = grid.rowsPerOctave <= 1 || Math.abs(l2 - Math.round(l2)) < 1e-6 ? micros(upper) : '';
    let text = `${label.padStart(axis).slice(-axis)}│`;
    let run = '';
    let runLevel = -1;
    const flush = (): void => {
      if (run === '') return;
      const color = tags && runLevel > 0 ? gradient(theme, 'lat', runLevel * 25 - 1) : undefined;
      text += paint(theme, color, run);
      run = '';
    };
    for (const n of row) {
      const level = shadeLevel(n, grid.max);
      if (level !== runLevel) {
        flush();
        runLevel = level;
      }
      run += SHADES[level];
    }
    flush();
    lines.push(text);
  });
  // Time axis: oldest shown interval on the left, "now" on the right.
  const newest = grid.colAtMs[w - 1] ?? null;
  const firstIdx = grid.colAtMs.findIndex((t) => t != null);
  const oldest = firstIdx >= 0 ? grid.colAtMs[firstIdx]! : null;
  let axisLine = `${' '.repeat(axis)}└${'─'.repeat(w)}`;
  if (newest != null && oldest != null && w > 12) {
    const ago = `-${Math.round((newest - oldest) / 1000)}s`;
    const pos = axis + 1 + Math.max(0, firstIdx);
    const arr = axisLine.split('');
    const put = (s: string, at: number): void => {
      for (let k = 0; k < s.length && at + k < arr.length; k++) arr[at + k] = s[k]!;
    };
    if (pos + ago.length < arr.length - 4) put(ago, pos);
    put('now', arr.length - 3);
    axisLine = arr.join('');
  }
  lines.push(axisLine);
  return lines;
}
