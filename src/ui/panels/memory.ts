// Memory and swap: used bars (used = total - available), a sparkline of used memory, and the breakdown.
import { key } from '../../store/store.js';
import { gradient, type GradientBase } from '../theme.js';
import { bytes, fit, percent } from '../format.js';
import { byPriority, meter, spark, tallSparkline, type PanelContext, type PanelOutput } from './draw.js';
import { dim, paint } from '../markup.js';

export function memoryPanel(ctx: PanelContext): PanelOutput {
  const { theme, frame, store, width: W, height: H } = ctx;
  const m = frame?.host.memory ?? null;
  const lines: [number, string][] = [];
  const memPct = m && m.totalBytes > 0 ? (m.usedBytes / m.totalBytes) * 100 : null;
  const swapPct = m && m.swapTotalBytes > 0 ? (m.swapUsedBytes / m.swapTotalBytes) * 100 : null;

  const meterLine = (label: string, base: GradientBase, pct: number | null, used: number | null, total: number | null): string => {
    const fig = `${bytes(used)}/${bytes(total)}`;
    const pc = fit(percent(pct, 0), 5, 'right');
    const tail = W >= 36 ? ` ${fit(fig, 13, 'right')}${pc}` : pc;
    const barW = Math.max(0, W - label.length - tail.length);
    return paint(theme, theme.mono ? undefined : theme.colors['title'], label) + meter(theme, base, pct, barW) + paint(theme, gradient(theme, base, pct ?? 0), tail);
  };

  lines.push([0, meterLine('mem  ', 'mem', memPct, m?.usedBytes ?? null, m?.totalBytes ?? null)]);
  const sparkW = Math.max(0, W - 5);
  const swapSpark = m != null && m.swapTotalBytes > 0;
  // Rows beyond the four text lines (five with a swap graph) make the used-memory graph taller.
  const graphRows = H - 3 - (swapSpark ? 1 : 0);
  if (graphRows >= 2) {
    const g = tallSparkline(store.values(key.memUsed, sparkW), sparkW, graphRows, m?.totalBytes);
    const color = gradient(theme, 'mem', memPct ?? 0);
    g.forEach((line, r) => lines.push([2, dim(theme, r === 0 ? 'used ' : '     ') + paint(theme, color, line)]));
  } else {
    lines.push([2, `${dim(theme, 'used ')}${spark(theme, 'mem', store.values(key.memUsed, sparkW), sparkW, m?.totalBytes)}`]);
  }
  if (!m || m.swapTotalBytes > 0) lines.push([1, meterLine('swap ', 'mem', swapPct, m?.swapUsedBytes ?? null, m?.swapTotalBytes ?? null)]);
  else lines.push([1, `swap ${dim(theme, 'none')}`]);
  lines.push([3, fit(`avail ${bytes(m?.availableBytes)}  cache ${bytes(m?.cachedBytes)}  buf ${bytes(m?.buffersBytes)}`, W)]);
  if (H >= 6 && swapSpark) {
    lines.push([4, `${dim(theme, 'swap ')}${spark(theme, 'mem', store.values(key.swapUsed, sparkW), sparkW, m.swapTotalBytes)}`]);
  }
  return { title: 'Memory', lines: byPriority(lines, H) };
}
