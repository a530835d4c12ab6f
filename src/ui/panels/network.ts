// Network: per interface receive/transmit rates and a sparkline each (one combined when narrow), plus
// errors and drops per second when any is non-zero. Interface names are sanitised.
import type { NetFrame } from '../../model/types.js';
import { key } from '../../store/store.js';
import { fit, num, rate } from '../format.js';
import { sanitize } from '../sanitize.js';
import { spark, sumSeries, type PanelContext, type PanelOutput } from './draw.js';
import { dim, paint, themeColor } from '../markup.js';

function problems(n: NetFrame): string | null {
  const e = (n.rxErrorsPerSec ?? 0) + (n.txErrorsPerSec ?? 0);
  const d = (n.rxDropsPerSec ?? 0) + (n.txDropsPerSec ?? 0);
  if (!(e > 0) && !(d > 0)) return null;
  const parts: string[] = [];
  if (e > 0) parts.push(`err rx ${num(n.rxErrorsPerSec, 1)}/s tx ${num(n.txErrorsPerSec, 1)}/s`);
  if (d > 0) parts.push(`drop rx ${num(n.rxDropsPerSec, 1)}/s tx ${num(n.txDropsPerSec, 1)}/s`);
  return parts.join('  ');
}

export function networkPanel(ctx: PanelContext): PanelOutput {
  const { theme, frame, store, width: W, height: H } = ctx;
  // Loopback last: it is rarely the interesting one.
  const nets = [...(frame?.host.net ?? [])].sort((a, b) => Number(a.name === 'lo') - Number(b.name === 'lo'));
  const nameW = Math.min(14, Math.max(6, ...nets.map((n) => sanitize(n.name, 32).length + 1)));
  const rateW = 10;
  const fixed = nameW + rateW * 2;
  const rest = Math.max(0, W - fixed);
  const two = rest >= 24;
  const sparkW = two ? Math.floor((rest - 2) / 2) : Math.max(0, rest - 1);
  const lines: string[] = [];
  lines.push(dim(theme, fit(fit('iface', nameW) + fit('rx', rateW, 'right') + fit('tx', rateW, 'right'), W)));
  if (!frame) return { title: 'Network', lines: [...lines, dim(theme, 'waiting for the first sample…')].slice(0, H) };
  if (nets.length === 0) return { title: 'Network', lines: [...lines, dim(theme, 'no interfaces')].slice(0, H) };
  let hidden = 0;
  for (let i = 0; i < nets.length; i++) {
    const n = nets[i]!;
    const problem = problems(n);
    const need = problem ? 2 : 1;
    const left = H - lines.length - (i < nets.length - 1 ? 1 : 0);
    if (left < 1) {
      hidden = nets.length - i;
      break;
    }
    let line =
      paint(theme, themeColor(theme, 'main_fg'), fit(sanitize(n.name, 32), nameW)) +
      paint(theme, themeColor(theme, 'net_start'), fit(rate(n.rxBytesPerSec), rateW, 'right')) +
      paint(theme, themeColor(theme, 'net_end'), fit(rate(n.txBytesPerSec), rateW, 'right'));
    const rx = store.values(key.netRx(n.name), sparkW);
    const tx = store.values(key.netTx(n.name), sparkW);
    if (two) line += ' ' + spark(theme, 'net', rx, sparkW) + ' ' + spark(theme, 'net', tx, sparkW);
    else if (sparkW > 0) line += ' ' + spark(theme, 'net', sumSeries(rx, tx), sparkW);
    lines.push(line);
    if (problem && need <= left) lines.push(paint(theme, themeColor(theme, 'status_err'), fit(`  ${problem}`, W)));
    else if (problem) lines[lines.length - 1] += paint(theme, themeColor(theme, 'status_err'), ' !');
  }
  if (hidden > 0) lines.push(dim(theme, `+${hidden} more`));
  return { title: `Network${nets.length ? ` ${nets.length}` : ''}`, lines: lines.slice(0, H) };
}
