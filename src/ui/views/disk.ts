// One disk: the latency heatmap of one op (read or write, `tab` toggles) with time across and log-scale
// latency buckets up, the current window's histogram as bars with p50/p95/p99 marks, service vs total
// time, and the counts of the other ops.
import type blessed from 'blessed';
import { widgets } from '../term/widgets.js';
import { cellText } from '../term/cell-text.js';
import type { BlockOp } from '../../model/types.js';
import { opRank } from '../../contract.js';
import type { CommandId } from '../keys.js';
import type { View, ViewContext, ViewRequest } from '../view.js';
import { DASH, micros, num } from '../format.js';
import { sanitize } from '../sanitize.js';
import { buildHeatmap, renderHeatmap } from '../heatmap.js';
import { histogramBars, renderHistogramBars } from '../histogram-bars.js';
import { bold, escTags, paint } from '../markup.js';

const AXIS = 8;

export class DiskView implements View {
  readonly id = 'disk' as const;
  op: BlockOp = 'read';
  private parent: blessed.Widgets.BoxElement | null = null;
  private title: blessed.Widgets.BoxElement | null = null;
  private heat: blessed.Widgets.BoxElement | null = null;
  private detail: blessed.Widgets.BoxElement | null = null;
  private ctx: ViewContext | null = null;

  constructor(readonly device: string) {}

  mount(parent: blessed.Widgets.BoxElement, ctx: ViewContext): void {
    this.ctx = ctx;
    this.parent = parent;
    const box = (top: number, height: number): blessed.Widgets.BoxElement =>
      cellText(widgets.box({ parent, top, left: 0, width: '100%', height, tags: true, wrap: false } as blessed.Widgets.BoxOptions)).box;
    this.title = box(0, 1);
    this.heat = box(1, 10);
    this.detail = box(11, 5);
    this.title.on('resize', () => this.ctx && this.update(this.ctx));
    this.update(ctx);
  }

  update(ctx: ViewContext): void {
    this.ctx = ctx;
    if (!this.parent || !this.title || !this.heat || !this.detail) return;
    const theme = ctx.theme;
    const width = Math.max(1, Number(this.parent.width) || 1);
    const height = Math.max(3, Number(this.parent.height) || 3);
    const frame = ctx.store.latest();
    const lat = frame?.latency ?? null;
    const active = lat?.active === true;
    const dev = sanitize(this.device);
    const other: BlockOp = this.op === 'read' ? 'write' : 'read';

    const src = active ? 'source: eBPF' : paint(theme, theme.colors['status_err'], escTags(sanitize(lat?.source ?? 'eBPF: not running')));
    this.title.setContent(
      `${bold(`Disk ${escTags(dev)}`)} — ${this.op} latency (tab: ${other})  │  window ${ctx.window}  │  ${src}`,
    );

    // Heatmap: about half of the height (axis line included).
    const heatH = Math.max(4, Math.floor((height - 1) / 2));
    this.heat.top = 1;
    this.heat.height = heatH;
    const cols = Math.max(1, width - AXIS - 1);
    const grid = buildHeatmap(ctx.store.heatmap(this.device, this.op), cols, heatH - 1);
    if (grid.cells.length === 0) {
      const why = !active ? `heatmap: ${DASH} (${sanitize(lat?.source ?? 'eBPF: not running')})` : `no ${this.op} requests on ${dev} yet`;
      this.heat.setContent(paint(theme, theme.colors['inactive_fg'], escTags(why)));
    } else {
      this.heat.setContent(renderHeatmap(grid, theme, { axisWidth: AXIS }).join('\n'));
    }

    // Detail: service vs total, other ops, the window's histogram.
    const detailTop = 1 + heatH;
    this.detail.top = detailTop;
    this.detail.height = Math.max(1, height - detailTop);
    const rows = active ? lat.windows[ctx.window].block.filter((r) => r.device === this.device) : [];
    const row = rows.find((r) => r.op === this.op) ?? null;
    const f = micros;
    const lines: string[] = [];
    lines.push(
      `service (issue→complete):  n=${num(row?.count ?? null)}  p50 ${f(row?.p50Us)}  p95 ${f(row?.p95Us)}  p99 ${f(row?.p99Us)}  p99.9 ${f(row?.p999Us)}  max ${f(row?.maxUs)}`,
    );
    const t = row?.total ?? null;
    lines.push(`total (insert→complete):   p50 ${f(t?.p50Us)}  p95 ${f(t?.p95Us)}  p99 ${f(t?.p99Us)}  max ${f(t?.maxUs)}`);
    const others = rows.filter((r) => r.op !== this.op).sort((a, b) => opRank(a.op) - opRank(b.op));
    lines.push(`other ops (${ctx.window}): ${others.length ? others.map((r) => `${r.op} ${num(r.count)}`).join(', ') : active ? 'none' : DASH}`);
    const bars = histogramBars(row?.buckets ?? [], [
      { label: 'p50', us: row?.p50Us ?? null },
      { label: 'p95', us: row?.p95Us ?? null },
      { label: 'p99', us: row?.p99Us ?? null },
    ], Math.max(1, height - detailTop - lines.length - 1), 2);
    const out = lines.map((l) => escTags(l));
    if (bars.length > 0) {
      out.push(bold(`${this.op} histogram (${ctx.window}, service time)`));
      out.push(...renderHistogramBars(bars, Math.min(width, 100), theme));
    }
    this.detail.setContent(out.join('\n'));
  }

  command(cmd: CommandId, ctx: ViewContext): ViewRequest | null {
    if (cmd === 'focusNext' || cmd === 'focusPrev') {
      this.op = this.op === 'read' ? 'write' : 'read';
      this.update(ctx);
      return { kind: 'none' };
    }
    return null;
  }

  unmount(): void {
    for (const b of [this.title, this.heat, this.detail]) b?.destroy();
    this.title = this.heat = this.detail = null;
    this.parent = null;
  }
}

/** `target` is a device name, or "device op" (op read or write: the heatmap shown first). */
export function createDiskView(target: string): View {
  const m = /^(\S+) (read|write)$/.exec(target);
  const v = new DiskView(m ? m[1]! : target);
  if (m) v.op = m[2] as BlockOp;
  return v;
}
