// Load average (1/5/15 min), tasks (running/total), context switches, and a sparkline of the 1-min load.
import { key } from '../../store/store.js';
import { fit, num } from '../format.js';
import { gradient } from '../theme.js';
import { byPriority, spark, tallSparkline, type PanelContext, type PanelOutput } from './draw.js';
import { dim, paint, themeColor } from '../markup.js';

export function loadPanel(ctx: PanelContext): PanelOutput {
  const { theme, frame, store, width: W, height: H } = ctx;
  const l = frame?.host.load ?? null;
  const cores = frame?.host.cores.length ?? 0;
  const lines: [number, string][] = [];
  const f = (v: number | undefined): string => num(v ?? null, 2);
  const hot = (v: number | undefined): string | undefined =>
    v != null && cores > 0 && v > cores ? themeColor(theme, 'status_err') : themeColor(theme, 'main_fg');
  const t = (s: string): string => paint(theme, themeColor(theme, 'title'), s);
  const long = `1m ${f(l?.one)}  5m ${f(l?.five)}  15m ${f(l?.fifteen)}`;
  if (long.length <= W) {
    lines.push([0, `${t('1m')} ${paint(theme, hot(l?.one), f(l?.one))}  ${t('5m')} ${paint(theme, hot(l?.five), f(l?.five))}  ${t('15m')} ${paint(theme, hot(l?.fifteen), f(l?.fifteen))}`]);
  } else {
    lines.push([0, fit(`load ${f(l?.one)} ${f(l?.five)} ${f(l?.fifteen)}`, W)]);
  }
  lines.push([1, fit(`tasks ${l ? `${l.running} run / ${l.total}` : '—'}`, W)]);
  lines.push([3, fit(`ctxsw ${num(frame?.host.contextSwitchesPerSec ?? null)}/s`, W)]);
  const sparkW = Math.max(0, W - 5);
  const vals = store.values(key.load1, sparkW);
  // Rows beyond the three text lines make the 1-min load graph taller (scaled to the core count).
  const graphRows = H - 3;
  if (graphRows >= 2) {
    // Scaled to the core count, or to the peak when the load went above it.
    let top = Math.max(cores, 1);
    let last = NaN;
    for (const v of vals) {
      if (Number.isNaN(v)) continue;
      last = v;
      if (v > top) top = v;
    }
    const g = tallSparkline(vals, sparkW, graphRows, top);
    const color = gradient(theme, 'cpu', Number.isNaN(last) ? 0 : Math.min(100, (last / Math.max(cores, 1)) * 100));
    g.forEach((line, r) => lines.push([2, dim(theme, r === 0 ? 'l1m  ' : '     ') + paint(theme, color, line)]));
  } else {
    lines.push([2, `${dim(theme, 'l1m  ')}${spark(theme, 'cpu', vals, sparkW, Math.max(cores, 1))}`]);
  }
  return { title: 'Load', lines: byPriority(lines, H) };
}
