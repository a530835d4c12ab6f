// Tail latency: per disk, read and write service-time p50/p95/p99/max over the chosen window (w cycles
// 1s/10s/1m/5m), with a sparkline of the 1 s p99. Figures only come from eBPF (totals and tails from one
// source); when it is off the panel says why (e.g. "eBPF: not permitted (not in group tailtop)") and every
// figure is "—", never a number from another source.
import type { BlockLatencyRow } from '../../model/types.js';
import { key } from '../../store/store.js';
import { gradient } from '../theme.js';
import { DASH, fit, micros } from '../format.js';
import { sanitize } from '../sanitize.js';
import { spark, type PanelContext, type PanelOutput } from './draw.js';
import { dim, paint, themeColor } from '../markup.js';

/** Colour scale for latency: 0 at 100 µs or less, 100 at 100 ms or more (log). */
function latencyPct(us: number | null): number {
  if (us == null || !(us > 0)) return 0;
  return Math.max(0, Math.min(100, ((Math.log10(us) - 2) / 3) * 100));
}

export function latencyPanel(ctx: PanelContext): PanelOutput {
  const { theme, frame, store, width: W, height: H, window } = ctx;
  const lat = frame?.latency ?? null;
  const active = lat?.active === true;
  const title = `Tail latency ${window}`;
  const lines: string[] = [];
  const source = !frame ? 'waiting for the first sample…' : !lat ? 'eBPF: off' : active ? `source: eBPF (service time, window ${window})` : sanitize(lat.source, 200);
  lines.push(paint(theme, themeColor(theme, active ? 'status_fg' : 'status_warn'), fit(source, W)));

  const devW = 10;
  const opW = 6;
  const pW = 9;
  const fixed = devW + opW + pW * 4;
  const sparkW = Math.max(0, W - fixed - 1);
  lines.push(dim(theme, fit(fit('device', devW) + fit('op', opW) + ['p50', 'p95', 'p99', 'max'].map((h) => fit(h, pW, 'right')).join('') + (sparkW > 0 ? ' p99 trend' : ''), W)));

  let rows: { device: string; op: 'read' | 'write'; r: BlockLatencyRow | null }[];
  if (active) {
    const block = lat!.windows[window]?.block ?? [];
    rows = block
      .filter((r): r is BlockLatencyRow & { op: 'read' | 'write' } => r.op === 'read' || r.op === 'write')
      .map((r) => ({ device: r.device, op: r.op, r }))
      // Device names in code-point order, read before write: the frame's own order (model/latency.ts), and no
      // localeCompare, which loads ICU's collation tables into the process (1.6 MiB resident) for kernel names.
      .sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : a.op === b.op ? 0 : a.op === 'read' ? -1 : 1));
    if (rows.length === 0) lines.push(dim(theme, fit('no block I/O in this window', W)));
  } else {
    // No tail figures without eBPF: list the disks with dashes so the absence is visible.
    rows = (frame?.host.disks ?? []).flatMap((d) => [
      { device: d.name, op: 'read' as const, r: null },
      { device: d.name, op: 'write' as const, r: null },
    ]);
  }
  const room = H - lines.length;
  const shown = rows.length > room ? Math.max(0, room - 1) : rows.length;
  for (let i = 0; i < shown; i++) {
    const { device, op, r } = rows[i]!;
    const cell = (v: number | null | undefined): string =>
      r ? paint(theme, gradient(theme, 'lat', latencyPct(v ?? null)), fit(micros(v ?? null), pW, 'right')) : dim(theme, fit(DASH, pW, 'right'));
    let line = fit(sanitize(device, 32), devW) + fit(op, opW) + cell(r?.p50Us) + cell(r?.p95Us) + cell(r?.p99Us) + cell(r?.maxUs);
    if (sparkW > 0 && r) line += ' ' + spark(theme, 'lat', store.values(key.lat(device, op, 'p99'), sparkW), sparkW);
    lines.push(line);
  }
  if (shown < rows.length) lines.push(dim(theme, `+${rows.length - shown} more (l: latency view)`));
  return { title, lines: lines.slice(0, H) };
}
