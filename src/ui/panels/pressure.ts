// Pressure stall information (PSI): some/full avg10 from the kernel, and the share of this interval spent
// stalled (from the Δ of the cumulative total). The overview leaves this panel out when host.pressure is null.
import type { PressureFrame } from '../../model/types.js';
import { gradient } from '../theme.js';
import { fit, percent } from '../format.js';
import { key } from '../../store/store.js';
import { byPriority, spark, type PanelContext, type PanelOutput } from './draw.js';
import { dim, paint } from '../markup.js';

export function pressurePanel(ctx: PanelContext): PanelOutput {
  const { theme, frame, store, width: W, height: H } = ctx;
  const p: PressureFrame | null = frame?.host.pressure ?? null;
  const lines: [number, string][] = [];
  const full = W >= 28;
  const cw = full ? 7 : 6;
  lines.push([1, dim(theme, fit('', 4) + fit('some10', cw, 'right') + (full ? fit('full10', cw, 'right') : '') + fit('intv', cw, 'right'))]);
  const res: ['cpu' | 'memory' | 'io', string][] = [
    ['cpu', 'cpu'],
    ['memory', 'mem'],
    ['io', 'io'],
  ];
  for (const [r, label] of res) {
    const x = p?.[r] ?? null;
    const cell = (v: number | null | undefined): string => paint(theme, gradient(theme, 'lat', v ?? 0), fit(percent(v ?? null), cw, 'right'));
    lines.push([0, fit(label, 4) + cell(x?.some.avg10) + (full ? cell(x?.full?.avg10) : '') + cell(x?.some.percent)]);
  }
  // Rows beyond the table: one graph per resource of the stalled share per interval.
  if (H >= 5 && p) {
    const sparkW = Math.max(0, W - 5);
    for (const [r, label] of res) {
      if (!p[r]) continue;
      lines.push([2, dim(theme, fit(label, 5)) + spark(theme, 'lat', store.values(key.psi(r), sparkW), sparkW, 100)]);
    }
  }
  return { title: 'Pressure', lines: byPriority(lines, H) };
}
