// One container: identity and limits, sparklines of its series (CPU, memory, block I/O, network,
// throttling, PSI), its labels, its I/O and run-queue latency when eBPF is active, and its processes.
// Esc is left to the app (command returns null for `back`, the app pops the view stack).
import type blessed from 'blessed';
import { widgets } from '../term/widgets.js';
import { cellText } from '../term/cell-text.js';
import type { ContainerFrame, Frame } from '../../model/types.js';
import { key } from '../../store/store.js';
import type { ReadStore } from '../../store/read-store.js';
import type { GradientBase, Theme } from '../theme.js';
import type { CommandId } from '../keys.js';
import type { View, ViewContext, ViewRequest } from '../view.js';
import { DASH, bytes, fit, micros, num, percent, rate, sourceMarker, sparkline } from '../format.js';
import { histogramBars, renderHistogramBars } from '../histogram-bars.js';
import { sanitize } from '../sanitize.js';
import { TableWidget, tableCommand, tableStatus } from '../table.js';
import { newProcessModel } from '../process-table.js';
import { bold, escTags, paint } from '../markup.js';

interface Metric {
  label: string;
  series: string;
  value: string;
  /** Fixed top of the scale, or a floor under the data max. */
  max?: number;
  floor?: number;
  base: GradientBase;
}

function metrics(c: ContainerFrame | undefined, id: string): Metric[] {
  const psi = (res: 'cpu' | 'memory' | 'io'): string => percent(c?.pressure?.[res]?.some.percent ?? null);
  const cpuTop = c?.cpuLimitCores != null ? c.cpuLimitCores * 100 : 100;
  return [
    { label: 'CPU', series: key.ctrCpu(id), value: percent(c?.cpuPercent), floor: cpuTop, base: 'cpu' },
    { label: 'MEM', series: key.ctrMem(id), value: bytes(c?.memoryUsedBytes), max: c?.memoryLimitBytes ?? undefined, base: 'mem' },
    { label: 'BLK R', series: key.ctrBlkRead(id), value: rate(c?.blockReadBytesPerSec), floor: 1, base: 'io' },
    { label: 'BLK W', series: key.ctrBlkWrite(id), value: rate(c?.blockWriteBytesPerSec), floor: 1, base: 'io' },
    { label: 'THROTTLE', series: key.ctrThrottled(id), value: percent(c?.throttledPercent), floor: 1, base: 'cpu' },
    { label: 'NET RX', series: key.ctrRx(id), value: rate(c?.netRxBytesPerSec), floor: 1, base: 'net' },
    { label: 'NET TX', series: key.ctrTx(id), value: rate(c?.netTxBytesPerSec), floor: 1, base: 'net' },
    { label: 'PSI cpu', series: key.ctrPsi(id, 'cpu'), value: psi('cpu'), floor: 1, base: 'cpu' },
    { label: 'PSI mem', series: key.ctrPsi(id, 'memory'), value: psi('memory'), floor: 1, base: 'mem' },
    { label: 'PSI io', series: key.ctrPsi(id, 'io'), value: psi('io'), floor: 1, base: 'io' },
  ];
}

/** Cut to `n` columns without padding. */
function clip(s: string, n: number): string {
  return s.length > n ? fit(s, n) : s;
}

function metricLine(m: Metric, width: number, store: ReadStore, theme: Theme): string {
  const labelW = 9;
  const valueW = 9;
  const sparkW = Math.max(0, width - labelW - valueW - 2);
  const v = store.values(m.series, sparkW);
  let top = m.max ?? m.floor ?? 0;
  if (m.max == null) for (const x of v) if (x > top) top = x;
  const spark = sparkW > 0 ? sparkline(v, sparkW, top) : '';
  const color = theme.mono ? undefined : theme.colors[`${m.base}_start`];
  return `${fit(m.label, labelW)} ${paint(theme, color, spark)} ${fit(m.value, valueW, 'right')}`;
}

export class ContainerView implements View {
  readonly id = 'container' as const;
  readonly model = newProcessModel(false);
  private parent: blessed.Widgets.BoxElement | null = null;
  private header: blessed.Widgets.BoxElement | null = null;
  private charts: blessed.Widgets.BoxElement | null = null;
  private latency: blessed.Widgets.BoxElement | null = null;
  private procTitle: blessed.Widgets.BoxElement | null = null;
  private table: TableWidget<(typeof this.model.rows)[number]> | null = null;
  private ctx: ViewContext | null = null;
  private last: ContainerFrame | undefined;

  constructor(readonly containerId: string) {}

  mount(parent: blessed.Widgets.BoxElement, ctx: ViewContext): void {
    this.ctx = ctx;
    this.parent = parent;
    const line = (top: number, height: number): blessed.Widgets.BoxElement =>
      cellText(widgets.box({ parent, top, left: 0, width: '100%', height, tags: true, wrap: false } as blessed.Widgets.BoxOptions)).box;
    this.header = line(0, 3);
    this.charts = line(3, 5);
    this.latency = line(8, 1);
    this.procTitle = line(9, 1);
    this.table = new TableWidget(this.model, parent, { top: 10, left: 0, width: '100%', height: 1 });
    this.header.on('resize', () => this.ctx && this.update(this.ctx));
    this.update(ctx);
  }

  update(ctx: ViewContext): void {
    this.ctx = ctx;
    if (!this.parent || !this.header || !this.charts || !this.latency || !this.procTitle || !this.table) return;
    const theme = ctx.theme;
    const width = Math.max(1, Number(this.parent.width) || 1);
    const height = Math.max(1, Number(this.parent.height) || 1);
    const frame = ctx.store.latest();
    const found = frame?.containers?.containers.find((c) => c.id === this.containerId);
    if (found) this.last = found;
    const c = found ?? this.last;

    this.header.setContent(this.headerLines(c, found != null, frame, theme, width).join('\n'));

    // Sparklines in two columns.
    const ms = metrics(c, this.containerId);
    const half = Math.ceil(ms.length / 2);
    const colW = Math.floor((width - 2) / 2);
    const chartLines: string[] = [];
    for (let i = 0; i < half; i++) {
      const left = metricLine(ms[i]!, colW, ctx.store, theme);
      const right = ms[i + half] ? metricLine(ms[i + half]!, colW, ctx.store, theme) : '';
      chartLines.push(`${left}  ${right}`);
    }
    this.charts.setContent(chartLines.join('\n'));

    const latLines = this.latencyLines(frame, ctx, width, Math.max(1, Math.floor(height / 3)));
    const latH = Math.min(latLines.length, Math.max(1, Math.floor(height / 3)));
    this.latency.height = latH;
    this.latency.setContent(latLines.slice(0, latH).join('\n'));

    const procTop = 8 + latH;
    this.procTitle.top = procTop;
    this.table.box.top = procTop + 1;
    this.table.box.height = Math.max(1, height - procTop - 1);

    const procs = frame?.processes ?? null;
    this.model.setRows(procs == null ? [] : procs.filter((p) => p.containerId === this.containerId));
    this.procTitle.setContent([`${bold('Processes')} ${this.model.rows.length}`, ...tableStatus(this.model, theme)].join('  │  '));
    this.table.draw(theme, { empty: procs == null ? 'no process data' : 'no processes' });
  }

  command(cmd: CommandId, ctx: ViewContext): ViewRequest | null {
    const r = tableCommand(this.model, cmd, () => this.update(ctx));
    return r === undefined ? null : r;
  }

  unmount(): void {
    for (const b of [this.header, this.charts, this.latency, this.procTitle, this.table?.box]) b?.destroy();
    this.header = this.charts = this.latency = this.procTitle = null;
    this.table = null;
    this.parent = null;
  }

  private headerLines(c: ContainerFrame | undefined, live: boolean, frame: Frame | null, theme: Theme, width: number): string[] {
    const err = theme.colors['status_err'];
    if (!c) {
      const why = frame == null ? 'waiting for the first sample…' : `container ${sanitize(this.containerId.slice(0, 12))} not found`;
      return [paint(theme, err, escTags(why))];
    }
    const gone = live ? '' : `  ${paint(theme, err, '(gone: last known figures)')}`;
    const l1 = `${bold(escTags(clip(sanitize(c.name), 40)))}  ${escTags(clip(sanitize(c.image), 40))}  ${escTags(sanitize(c.state))}  ${c.runtime}  ${escTags(sanitize(c.id).slice(0, 12))}${gone}`;
    const compose = c.composeProject || c.composeService ? `compose: ${sanitize(c.composeProject ?? DASH)}/${sanitize(c.composeService ?? DASH)}  ` : '';
    const cpuLim = c.cpuLimitCores != null ? `${num(c.cpuLimitCores, 2)} cores` : 'unlimited';
    const memLim = c.memoryLimitBytes != null ? bytes(c.memoryLimitBytes) : 'unlimited';
    const marker = sourceMarker(c);
    const src = `source: ${c.source}${marker ? ` (${marker})` : ''}${c.blockSource !== c.source ? `, block I/O: ${c.blockSource}` : ''}`;
    const extra = [c.hostNetwork ? 'host network (net figures are the host\'s)' : '', c.oomKills ? `OOM kills: ${c.oomKills}` : '', c.error ? `error: ${sanitize(c.error)}` : '']
      .filter(Boolean)
      .join('  ');
    const l2 = escTags(fit(`limits: CPU ${cpuLim}, memory ${memLim}  ${src}  ${compose}CPU%: 100 = one core  ${extra}`.trimEnd(), width));
    const labels = Object.entries(c.labels)
      .map(([k, v]) => `${sanitize(k, 200)}=${sanitize(v, 200)}`)
      .join('  ');
    const l3 = escTags(fit(`labels: ${labels || DASH}`, width));
    return [l1, l2, l3];
  }

  private latencyLines(frame: Frame | null, ctx: ViewContext, width: number, room: number): string[] {
    const lat = frame?.latency;
    if (!lat || !lat.active) return [escTags(fit(`latency: ${sanitize(lat?.source ?? 'eBPF: not running')}  (I/O and run-queue p99: ${DASH})`, width))];
    const win = lat.windows[ctx.window].containers[this.containerId];
    const out: string[] = [];
    const rq = win?.runqueue;
    out.push(
      escTags(
        fit(
          `latency (${ctx.window})  run queue: n=${num(rq?.count ?? null)} p50 ${micros(rq?.p50Us)} p95 ${micros(rq?.p95Us)} p99 ${micros(rq?.p99Us)} max ${micros(rq?.maxUs)}`,
          width,
        ),
      ),
    );
    const rows = win?.block ?? [];
    if (win && win.block === null) out.push(escTags(fit(`  I/O: ${DASH} (${sanitize(win.blockReason ?? 'cannot be attributed', 160)})`, width)));
    else if (rows.length === 0) out.push(`  I/O: no requests in the ${ctx.window} window`);
    for (const r of rows) {
      out.push(
        escTags(
          fit(
            `  ${fit(sanitize(r.device), 10)} ${fit(r.op, 8)} n=${fit(num(r.count), 6)} p50 ${fit(micros(r.p50Us), 7, 'right')} p95 ${fit(micros(r.p95Us), 7, 'right')} p99 ${fit(micros(r.p99Us), 7, 'right')} max ${fit(micros(r.maxUs), 7, 'right')}`,
            width,
          ),
        ),
      );
    }
    // The container's own histograms side by side: I/O service time (all its devices, reads and writes
    // merged bucket by bucket by the model) and run-queue latency, with the model's percentile marks.
    const histRows = room - out.length - 1;
    if (histRows >= 3 && width >= 60) {
      const colW = Math.floor((width - 3) / 2);
      const io = win?.io?.buckets ?? [];
      const ioMarks = [
        { label: 'p50', us: win?.io?.p50Us ?? null },
        { label: 'p99', us: win?.io?.p99Us ?? null },
      ];
      const left = [
        fit(`I/O service time (${ctx.window})`, colW),
        ...renderHistogramBars(histogramBars(io, ioMarks, histRows - 1), colW, ctx.theme, !ctx.theme.mono),
      ];
      const rqBuckets = rq?.buckets ?? [];
      const right = [
        fit(`run queue (${ctx.window})`, colW),
        ...renderHistogramBars(
          histogramBars(rqBuckets, [
            { label: 'p50', us: rq?.p50Us ?? null },
            { label: 'p99', us: rq?.p99Us ?? null },
          ], histRows - 1),
          colW,
          ctx.theme,
          !ctx.theme.mono,
        ),
      ];
      if (left.length === 1) left.push(fit(`  no I/O`, colW));
      if (right.length === 1) right.push(fit(`  no wakeups`, colW));
      out.push('');
      for (let i = 0; i < Math.max(left.length, right.length); i++) {
        const l = left[i] ?? ' '.repeat(colW);
        out.push(`${i === 0 ? escTags(l) : padTagged(l, colW)} │ ${i === 0 ? escTags(right[i] ?? '') : (right[i] ?? '')}`);
      }
    }
    return out;
  }
}

/** Pad a line that may hold blessed tags to `width` visible columns. */
function padTagged(line: string, width: number): string {
  const visible = line.replace(/\{[^{}]*\}/g, '').length;
  return visible >= width ? line : line + ' '.repeat(width - visible);
}

export function createContainerView(containerId: string): View {
  return new ContainerView(containerId);
}
