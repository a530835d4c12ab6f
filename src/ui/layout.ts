// Overview layout: a pure function from the main area's size to one rectangle per panel. Neighbouring boxes
// share their border line (they overlap by one cell; blessed's dockBorders joins the corners), btop-style.
//
//   ┌ CPU ───────────────────────────────┐   rows, top to bottom:
//   ├ Memory ──────┬ Load ───┬ Pressure ─┤   A  cpu (core grid, then the spare rows)
//   ├ Disks ───────┴──┬ Network ─────────┤   B  memory | load | pressure (pressure only when PSI exists)
//   ├ Tail latency ───┴──────────────────┤   C  disks | network
//   └────────────────────────────────────┘   D  tail latency
//
// Rows C and D are as tall as their content (disks, interfaces, latency rows) with a small minimum; the
// rest goes to A (a taller total-CPU graph) and, on tall areas, a little to B. Small areas drop rows from the
// bottom (D, then C); narrow ones drop the pressure panel.
import { coreColumns, MIN_CORE_CELL } from './panels/cpu.js';
import type { PanelId } from './panels/draw.js';

export interface Rect {
  top: number;
  left: number;
  width: number;
  height: number;
}

export type OverviewLayout = Partial<Record<PanelId, Rect>>;

export interface LayoutOptions {
  cores: number;
  pressure: boolean;
  /** Content rows the disks/network and tail-latency panels would like (header lines included). */
  ioRows?: number;
  latencyRows?: number;
}

/** The smallest terminal the UI draws panels in; below it shows "terminal too small". */
export const MIN_COLS = 40;
export const MIN_ROWS = 10;

export function tooSmall(cols: number, rows: number): boolean {
  return cols < MIN_COLS || rows < MIN_ROWS;
}

/** Split `total` cells into boxes of the given sizes that overlap by one (shared borders). */
function place(total: number, sizes: number[]): [number, number][] {
  const out: [number, number][] = [];
  let at = 0;
  for (let i = 0; i < sizes.length; i++) {
    const size = i === sizes.length - 1 ? total - at : sizes[i]!;
    out.push([at, size]);
    at += size - 1;
  }
  return out;
}

/** Rows the CPU core grid wants at inner width `w` (as many columns as fit at a comfortable width). */
function cpuGridRows(cores: number, w: number): number {
  if (cores <= 0) return 0;
  const comfortable = w >= 100 ? coreColumns(cores, w, 1) : Math.max(1, Math.floor(w / Math.max(MIN_CORE_CELL, 24)));
  return Math.ceil(cores / Math.max(1, Math.min(cores, comfortable)));
}

/** Smallest box height for the disks/network and tail-latency rows: a header and two lines. */
const MIN_IO_BOX = 5;

/**
 * Heights (borders included, before the overlap) of rows A..D for 3 or 4 rows: disks/network (C) and tail
 * latency (D) get what their content needs (at least MIN_IO_BOX), the CPU box (A) what its core grid needs;
 * when that does not fit, the tallest of C/D shrinks first, then A. Rows left over go to the CPU box (a taller
 * total graph) and, on tall areas, a few to the memory row (taller used-memory and load graphs).
 */
function rowsByNeed(avail: number, bBase: number, nRows: number, wantA: number, opts: LayoutOptions): [number, number, number, number] {
  const minA = 4;
  let a = Math.max(minA, Math.min(wantA, Math.floor(avail * 0.45)));
  let b = bBase;
  let c = Math.max(MIN_IO_BOX, (opts.ioRows ?? 4) + 2);
  let d = nRows === 4 ? Math.max(MIN_IO_BOX, (opts.latencyRows ?? 4) + 2) : 0;
  let over = a + b + c + d - avail;
  while (over > 0) {
    if (c > MIN_IO_BOX && c >= d) c--;
    else if (d > MIN_IO_BOX) d--;
    else if (c > MIN_IO_BOX) c--;
    else if (a > minA) a--;
    else if (nRows === 4 && d > 3) d--;
    else if (c > 3) c--;
    else break;
    over--;
  }
  if (over < 0) {
    const spare = -over;
    // One row more for the memory row per four spare (at most three: the pressure panel has three graphs).
    const bExtra = nRows === 4 && avail >= 30 ? Math.min(3, Math.floor(spare / 4)) : 0;
    b += bExtra;
    // A single spare row would not make a graph (it needs two): the disks/network row takes it.
    if (spare - bExtra === 1) c++;
    else a += spare - bExtra;
  }
  return [a, b, c, d];
}

export function overviewLayout(width: number, height: number, opts: LayoutOptions): OverviewLayout {
  const W = Math.max(0, Math.floor(width));
  const H = Math.max(0, Math.floor(height));
  const out: OverviewLayout = {};
  if (W < 10 || H < 4) return out;

  const nRows = H >= 18 ? 4 : H >= 13 ? 3 : 2;
  // Row heights before the overlap (each includes both border lines).
  let bH = H >= 20 ? 6 : H >= 13 ? 5 : Math.max(3, Math.floor(H / 2));
  const avail = H + (nRows - 1); // overlapping borders give one line back per boundary
  const wantA = 2 + cpuGridRows(opts.cores, W - 2) + 2;
  let aH: number;
  let cH = 0;
  let dH = 0;
  if (nRows === 2) {
    aH = avail - bH;
  } else {
    const rows = rowsByNeed(avail, bH, nRows, wantA, opts);
    [aH, bH, cH, dH] = rows;
  }
  const heights = [aH, bH, cH, dH].slice(0, nRows);
  const rows = place(H, heights);

  const [aTop, aHeight] = rows[0]!;
  out.cpu = { top: aTop, left: 0, width: W, height: aHeight };

  const [bTop, bHeight] = rows[1]!;
  const withPsi = opts.pressure && W >= 60;
  if (withPsi) {
    const psiW = Math.max(24, Math.round(W * 0.3));
    const loadW = Math.max(22, Math.round(W * 0.27));
    const cols = place(W, [W - psiW - loadW + 2, loadW, psiW]);
    out.memory = { top: bTop, left: cols[0]![0], width: cols[0]![1], height: bHeight };
    out.load = { top: bTop, left: cols[1]![0], width: cols[1]![1], height: bHeight };
    out.pressure = { top: bTop, left: cols[2]![0], width: cols[2]![1], height: bHeight };
  } else {
    const cols = place(W, [Math.round(W * 0.6), 0]);
    out.memory = { top: bTop, left: cols[0]![0], width: cols[0]![1], height: bHeight };
    out.load = { top: bTop, left: cols[1]![0], width: cols[1]![1], height: bHeight };
  }

  if (nRows >= 3) {
    const [cTop, cHeight] = rows[2]!;
    const cols = place(W, [Math.round(W / 2) + 1, 0]);
    out.disks = { top: cTop, left: cols[0]![0], width: cols[0]![1], height: cHeight };
    out.network = { top: cTop, left: cols[1]![0], width: cols[1]![1], height: cHeight };
  }
  if (nRows === 4) {
    const [dTop, dHeight] = rows[3]!;
    out.latency = { top: dTop, left: 0, width: W, height: dHeight };
  }
  return out;
}
