// Overview layout: a pure function from the main area's size to one rectangle per panel. Neighbouring boxes
// share their border line (they overlap by one cell; blessed's dockBorders joins the corners), btop-style.
//
//   ┌ CPU ───────────────────────────────┐   rows, top to bottom:
//   ├ Memory ──────┬ Load ───┬ Pressure ─┤   A  cpu (height from the core grid)
//   ├ Disks ───────┴──┬ Network ─────────┤   B  memory | load | pressure (pressure only when PSI exists)
//   ├ Tail latency ───┴──────────────────┤   C  disks | network
//   └────────────────────────────────────┘   D  tail latency
//
// Small areas drop rows from the bottom (D, then C); narrow ones drop the pressure panel.
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
export function cpuGridRows(cores: number, w: number): number {
  if (cores <= 0) return 0;
  const comfortable = w >= 100 ? coreColumns(cores, w, 1) : Math.max(1, Math.floor(w / Math.max(MIN_CORE_CELL, 24)));
  return Math.ceil(cores / Math.max(1, Math.min(cores, comfortable)));
}

export function overviewLayout(width: number, height: number, opts: LayoutOptions): OverviewLayout {
  const W = Math.max(0, Math.floor(width));
  const H = Math.max(0, Math.floor(height));
  const out: OverviewLayout = {};
  if (W < 10 || H < 4) return out;

  const nRows = H >= 18 ? 4 : H >= 13 ? 3 : 2;
  // Row heights before the overlap (each includes both border lines).
  const bH = H >= 40 ? 8 : H >= 20 ? 6 : H >= 13 ? 5 : Math.max(3, Math.floor(H / 2));
  const avail = H + (nRows - 1); // overlapping borders give one line back per boundary
  const wantA = 2 + cpuGridRows(opts.cores, W - 2) + 2;
  let aH: number;
  let cH = 0;
  let dH = 0;
  if (nRows === 2) {
    aH = avail - bH;
  } else {
    const minRest = nRows === 4 ? 10 : 5; // C (and D) need a header and some rows
    // Large terminals: the CPU box grows (a taller total graph) up to about a third of the height.
    const roomyA = H >= 40 ? Math.floor(avail * 0.3) : 0;
    aH = Math.max(4, Math.min(Math.max(wantA, roomyA), avail - bH - minRest, Math.floor(avail * 0.45)));
    const rest = avail - aH - bH;
    if (nRows === 4) {
      // Share the rest by what the panels would show, each with room for a header and a row or two.
      const wantC = (opts.ioRows ?? 4) + 2;
      const wantD = (opts.latencyRows ?? 4) + 2;
      cH = Math.max(5, Math.min(rest - 5, Math.round((rest * wantC) / (wantC + wantD))));
      dH = rest - cH;
    } else {
      cH = rest;
    }
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
