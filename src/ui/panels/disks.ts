// Disks: per whole disk read/write rates, util %, and a sparkline of read+write throughput ("—" before the
// second sample: rates are null on the first frame, never 0). Names are sanitised (they reach the terminal).
import { key } from '../../store/store.js';
import { gradient } from '../theme.js';
import { fit, percent, rate } from '../format.js';
import { sanitize } from '../sanitize.js';
import { spark, sumSeries, type PanelContext, type PanelOutput } from './draw.js';
import { dim, inverse, paint, themeColor } from '../markup.js';

export function disksPanel(ctx: PanelContext): PanelOutput {
  const { theme, frame, store, width: W, height: H } = ctx;
  const disks = frame?.host.disks ?? [];
  const nameW = Math.min(12, Math.max(5, ...disks.map((d) => sanitize(d.name, 32).length + 1)));
  const rateW = 10;
  const utilW = 6;
  const fixed = nameW + rateW * 2 + utilW;
  const sparkW = Math.max(0, W - fixed - 1);
  const lines: string[] = [];
  lines.push(dim(theme, fit(fit('disk', nameW) + fit('read', rateW, 'right') + fit('write', rateW, 'right') + fit('util', utilW, 'right'), W)));
  if (!frame) return { title: 'Disks', lines: [...lines, dim(theme, 'waiting for the first sample…')].slice(0, H), rows: [] };
  if (disks.length === 0) return { title: 'Disks', lines: [...lines, dim(theme, 'no disks')].slice(0, H), rows: [] };
  const room = Math.max(0, H - 1);
  const shown = disks.length > room ? Math.max(0, room - 1) : disks.length;
  const rows: string[] = [];
  for (let i = 0; i < shown; i++) {
    const d = disks[i]!;
    const name = sanitize(d.name, 32);
    rows.push(d.name);
    let line =
      paint(theme, themeColor(theme, 'main_fg'), fit(name, nameW)) +
      paint(theme, themeColor(theme, 'io_start'), fit(rate(d.readBytesPerSec), rateW, 'right')) +
      paint(theme, themeColor(theme, 'io_mid'), fit(rate(d.writeBytesPerSec), rateW, 'right')) +
      paint(theme, gradient(theme, 'io', d.utilPercent ?? 0), fit(percent(d.utilPercent, 0), utilW, 'right'));
    if (sparkW > 0) {
      const vals = sumSeries(store.values(key.diskRead(d.name), sparkW), store.values(key.diskWrite(d.name), sparkW));
      line += ' ' + spark(theme, 'io', vals, sparkW);
    }
    if (ctx.focused && ctx.selected === i) line = inverse(line);
    lines.push(line);
  }
  if (shown < disks.length) lines.push(dim(theme, `+${disks.length - shown} more (Enter opens the selected disk)`));
  return { title: `Disks${disks.length ? ` ${disks.length}` : ''}`, lines: lines.slice(0, H), rows };
}
