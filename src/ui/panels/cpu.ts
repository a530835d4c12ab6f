// CPU: total busy % with a sparkline, the user/system/iowait/steal split, and one bar per core. On a wide
// box the cores go into several columns (btop-style) and each core gets its own small sparkline.
import { key } from '../../store/store.js';
import { gradient } from '../theme.js';
import { DASH, fit, percent } from '../format.js';
import { byPriority, meter, row, spark, tallSparkline, type PanelContext, type PanelOutput } from './draw.js';
import { dim, paint, themeColor } from '../markup.js';

/** Width of one core cell below which the grid does not go. */
export const MIN_CORE_CELL = 18;
/** Preferred width of a core cell on wide boxes (bar + sparkline). */
const WIDE_CORE_CELL = 38;

/** Columns for `cores` core cells in `rows` rows of `width`. */
export function coreColumns(cores: number, width: number, rows: number): number {
  if (cores <= 0 || rows <= 0) return 1;
  const maxCols = Math.max(1, Math.floor(width / MIN_CORE_CELL));
  const needed = Math.ceil(cores / rows);
  const wide = width >= 100 ? Math.min(cores, Math.floor(width / WIDE_CORE_CELL)) : 1;
  return Math.max(1, Math.min(maxCols, Math.max(needed, wide)));
}

export function cpuPanel(ctx: PanelContext): PanelOutput {
  const { theme, frame, store, width: W, height: H } = ctx;
  const h = frame?.host;
  const total = h?.cpu.percent ?? null;
  const title = `CPU${h && h.cores.length > 0 ? ` ${h.cores.length} cores` : ''}`;
  const lines: [number, string][] = [];

  const cores = h?.cores ?? [];
  // Rows beyond what the core grid needs become a taller total graph (large terminals).
  const gridWant = cores.length > 0 ? Math.ceil(cores.length / coreColumns(cores.length, W, Math.max(1, H - 2))) : 0;
  // A graph needs two rows; when the grid as wanted leaves fewer, the grid packs into more columns instead.
  const gridMin = cores.length > 0 ? Math.ceil(cores.length / coreColumns(cores.length, W, 1)) : 0;
  const graphRows = H - 2 - gridWant >= 2 ? H - 2 - gridWant : H - 2 - gridMin >= 2 ? H - 2 - gridMin : 0;

  const label = 'total ';
  const pct = fit(percent(total), 6, 'right');
  const sparkW = graphRows > 0 ? 0 : Math.max(0, W - label.length - pct.length - 1);
  lines.push([0, `${paint(theme, themeColor(theme, 'title'), label)}${paint(theme, gradient(theme, 'cpu', total ?? 0), pct)} ${spark(theme, 'cpu', store.values(key.hostCpu, sparkW), sparkW, 100)}`]);

  const c = h?.cpu;
  const parts: [string, string, number | null | undefined][] = [
    ['user', 'usr', c?.user],
    ['system', 'sys', c?.system],
    ['iowait', 'io', c?.iowait],
    ['steal', 'st', c?.steal],
  ];
  const long = parts.map(([n, , v]) => `${n} ${percent(v ?? null)}`).join('  ');
  const split = long.length <= W ? long : parts.map(([, s, v]) => `${s} ${percent(v ?? null)}`).join(' ');
  lines.push([1, fit(split, W)]);

  if (graphRows > 0) {
    const graphW = Math.max(0, W - 7);
    const g = tallSparkline(store.values(key.hostCpu, graphW), graphW, graphRows, 100);
    const color = gradient(theme, 'cpu', total ?? 0);
    g.forEach((line, r) => {
      const axis = r === 0 ? '100%' : r === g.length - 1 ? '  0%' : '';
      lines.push([3, dim(theme, fit(axis, 6, 'right')) + ' ' + paint(theme, color, line)]);
    });
  }
  const rowsLeft = H - 2 - graphRows;
  if (rowsLeft > 0 && cores.length > 0) {
    const cols = coreColumns(cores.length, W, rowsLeft);
    const cellW = Math.floor(W / cols);
    const shownRows = Math.min(rowsLeft, Math.ceil(cores.length / cols));
    const capacity = shownRows * cols;
    const idW = Math.max(2, String(cores[cores.length - 1]!.id).length + 1);
    for (let r = 0; r < shownRows; r++) {
      let line = '';
      for (let col = 0; col < cols; col++) {
        // Column-major, like btop: c0..c7 down the first column.
        const i = col * shownRows + r;
        const core = cores[i];
        if (!core) break;
        if (i === capacity - 1 && cores.length > capacity) {
          line += fit(`+${cores.length - capacity + 1} more`, cellW);
          break;
        }
        line += coreCell(ctx, core.id, core.percent, cellW, idW);
      }
      lines.push([2, line]);
    }
  } else if (!h) {
    lines.push([2, dim(theme, 'waiting for the first sample…')]);
  }
  return { title, lines: byPriority(lines, H) };
}

function coreCell(ctx: PanelContext, id: number, pct: number | null, cellW: number, idW: number): string {
  const { theme, store } = ctx;
  const label = fit(`c${id}`, idW + 1);
  const val = pct == null ? fit(DASH, 5, 'right') : fit(`${pct.toFixed(0)}%`, 5, 'right');
  const rest = cellW - label.length - val.length - 1; // one space between cells
  if (rest <= 0) return row(theme, cellW, [[label + val, cellW]]);
  const withSpark = rest >= 20;
  const barW = withSpark ? Math.min(12, Math.floor(rest / 2)) : rest;
  const sparkW = withSpark ? rest - barW - 1 : 0;
  let s = paint(theme, themeColor(theme, 'main_fg'), label) + meter(theme, 'cpu', pct, barW) + paint(theme, gradient(theme, 'cpu', pct ?? 0), val);
  if (withSpark) s += ' ' + spark(theme, 'cpu', store.values(key.core(id), sparkW), sparkW, 100);
  return s + ' ';
}
