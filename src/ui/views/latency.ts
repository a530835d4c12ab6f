// Tail-latency view (eBPF): per disk and op, count, IOPS and p50/p95/p99/p99.9/max of the service time
// (issue -> complete) over the current window, the total time (insert -> complete, queue included) beside
// it, and a sparkline of the 1 s p99. Ops other than read/write are rows of their own. The run-queue
// summary and what the helper could not use (lost events) are below. Every figure comes from the model
// (IOPS over the window's own covered seconds); this only formats. When eBPF is off, the reason is shown
// and every figure is "—".
import type blessed from 'blessed';
import { widgets } from '../term/widgets.js';
import { cellText } from '../term/cell-text.js';
import type { BlockLatencyRow, BlockOp, Frame, LatencyWindow } from '../../model/types.js';
import { LISTED_OPS, opRank } from '../../contract.js';
import { key } from '../../store/store.js';
import type { ReadStore } from '../../store/read-store.js';
import { gradient } from '../theme.js';
import type { CommandId } from '../keys.js';
import type { View, ViewContext, ViewRequest } from '../view.js';
import { DASH, lossNotes, micros, num, sparkline } from '../format.js';
import { sanitize } from '../sanitize.js';
import { TableModel, TableWidget, tableCommand, tableStatus } from '../table.js';
import type { Column } from '../table.js';
import { bold, escTags, paint } from '../markup.js';


export interface LatencyRow {
  device: string;
  op: BlockOp;
  /** null when eBPF is inactive (every figure "—"). */
  r: BlockLatencyRow | null;
  iops: number | null;
  trend: (n: number) => Float64Array;
}

function latCol(id: string, title: string, get: (r: BlockLatencyRow) => number | null | undefined, priority: number): Column<LatencyRow> {
  return {
    id, title, width: 7, align: 'right', descending: true, priority,
    format: (x) => micros(x.r ? get(x.r) : null),
    sortKey: (x) => (x.r ? get(x.r) : null),
  };
}

function latencyColumns(): Column<LatencyRow>[] {
  return [
    { id: 'device', title: 'DEVICE', width: 8, grow: true, maxWidth: 16, format: (x) => sanitize(x.device), sortKey: (x) => `${x.device}\u0000${String(opRank(x.op)).padStart(2, '0')}` },
    { id: 'op', title: 'OP', width: 7, format: (x) => x.op, sortKey: (x) => opRank(x.op) },
    { id: 'count', title: 'COUNT', width: 7, align: 'right', descending: true, format: (x) => num(x.r?.count ?? null), sortKey: (x) => x.r?.count },
    { id: 'iops', title: 'IOPS', width: 7, align: 'right', descending: true, priority: 1, format: (x) => num(x.iops, x.iops != null && x.iops < 10 ? 1 : 0), sortKey: (x) => x.iops },
    latCol('p50', 'p50', (r) => r.p50Us, 1),
    latCol('p95', 'p95', (r) => r.p95Us, 2),
    { ...latCol('p99', 'p99', (r) => r.p99Us, 0), color: (x, t) => (x.r?.p99Us == null ? undefined : gradient(t, 'lat', Math.min(100, (Math.log10(Math.max(1, x.r.p99Us)) / 5) * 100))) },
    latCol('p999', 'p99.9', (r) => r.p999Us, 3),
    latCol('max', 'max', (r) => r.maxUs, 1),
    latCol('tp50', 'tot p50', (r) => r.total?.p50Us, 4),
    latCol('tp99', 'tot p99', (r) => r.total?.p99Us, 2),
    latCol('tmax', 'tot max', (r) => r.total?.maxUs, 4),
    {
      id: 'trend', title: 'p99 (1s)', width: 10, grow: true, priority: 5,
      format: (x, w) => sparkline(x.trend(w), w),
      color: (_x, t) => (t.mono ? undefined : t.colors['lat_start']),
    },
  ];
}

export function latencyRows(frame: Frame | null, w: LatencyWindow, store: ReadStore): LatencyRow[] {
  if (!frame) return [];
  const lat = frame.latency;
  const trend = (device: string, op: BlockOp) => (n: number) => store.values(key.lat(device, op, 'p99'), n);
  if (lat?.active) {
    return lat.windows[w].block.map((r) => ({ device: r.device, op: r.op, r, iops: r.opsPerSec, trend: trend(r.device, r.op) }));
  }
  // Inactive: the host's disks with unknown figures.
  const out: LatencyRow[] = [];
  for (const d of frame.host.disks) {
    for (const op of LISTED_OPS) out.push({ device: d.name, op, r: null, iops: null, trend: trend(d.name, op) });
  }
  return out;
}

export class LatencyView implements View {
  readonly id = 'latency' as const;
  readonly model = new TableModel<LatencyRow>({
    columns: latencyColumns(),
    rowKey: (x) => `${x.device}/${x.op}`,
    searchText: (x) => [sanitize(x.device), x.op],
    sortBy: 'device',
    descending: false,
  });
  private title: blessed.Widgets.BoxElement | null = null;
  private table: TableWidget<LatencyRow> | null = null;
  private footer: blessed.Widgets.BoxElement | null = null;
  private ctx: ViewContext | null = null;

  mount(parent: blessed.Widgets.BoxElement, ctx: ViewContext): void {
    this.ctx = ctx;
    this.title = cellText(widgets.box({ parent, top: 0, left: 0, width: '100%', height: 2, tags: true, wrap: false } as blessed.Widgets.BoxOptions)).box;
    this.table = new TableWidget(this.model, parent, { top: 2, left: 0, width: '100%', height: '100%-5' });
    this.footer = cellText(widgets.box({ parent, bottom: 0, left: 0, width: '100%', height: 3, tags: true, wrap: false } as blessed.Widgets.BoxOptions)).box;
    this.title.on('resize', () => this.ctx && this.update(this.ctx));
    this.update(ctx);
  }

  update(ctx: ViewContext): void {
    this.ctx = ctx;
    if (!this.title || !this.table || !this.footer) return;
    const theme = ctx.theme;
    const frame = ctx.store.latest();
    this.model.setRows(latencyRows(frame, ctx.window, ctx.store));
    const lat = frame?.latency ?? null;
    const active = lat?.active === true;
    const src = active ? 'source: eBPF' : paint(theme, theme.colors['status_err'], escTags(sanitize(lat?.source ?? 'eBPF: not running')));
    const bad = lat && lat.badLines > 0 ? `  │  ${lat.badLines} malformed helper lines` : '';
    const line1 = [`${bold('Tail latency')} (window ${ctx.window})`, src, ...tableStatus(this.model, theme)].join('  │  ') + bad;
    const line2 = 'service = issue→complete; tot = insert→complete (queue included); Enter: disk heatmap';
    this.title.setContent(`${line1}\n${paint(theme, theme.colors['inactive_fg'], line2)}`);
    const empty = frame == null ? 'waiting for the first sample…' : active ? `no block I/O in the ${ctx.window} window` : 'no disks';
    this.table.draw(theme, { empty });

    const rq = active ? lat.windows[ctx.window].runqueue : null;
    const f = (v: number | null | undefined): string => micros(v);
    const rqLine = `run queue (wakeup→run): n=${num(rq?.count ?? null)} p50 ${f(rq?.p50Us)} p95 ${f(rq?.p95Us)} p99 ${f(rq?.p99Us)} p99.9 ${f(rq?.p999Us)} max ${f(rq?.maxUs)}`;
    const other = active ? this.model.rows.filter((x) => x.op !== 'read' && x.op !== 'write') : [];
    const otherLine = other.length > 0 ? `other ops (${ctx.window}): ${other.map((x) => `${sanitize(x.device)} ${x.op} ${num(x.r?.count ?? null)}`).join(', ')}` : '';
    const lost = active ? lossNotes(lat.windows[ctx.window]) : [];
    const lostLine = active ? `lost (${ctx.window}): ${lost.length > 0 ? lost.join('; ') : 'none'}` : `figures: ${DASH} (no eBPF)`;
    this.footer.setContent([rqLine, lostLine, otherLine].map(escTags).join('\n'));
  }

  command(cmd: CommandId, ctx: ViewContext): ViewRequest | null {
    if (cmd === 'open') {
      const sel = this.model.selected();
      // The disk view opens on the selected row's op (read or write): "sda write".
      if (!sel) return { kind: 'none' };
      return { kind: 'open', view: 'disk', target: sel.op === 'read' || sel.op === 'write' ? `${sel.device} ${sel.op}` : sel.device };
    }
    const r = tableCommand(this.model, cmd, () => this.update(ctx));
    return r === undefined ? null : r;
  }

  unmount(): void {
    for (const b of [this.title, this.table?.box, this.footer]) b?.destroy();
    this.title = this.footer = null;
    this.table = null;
  }
}

export function createLatencyView(): View {
  return new LatencyView();
}
