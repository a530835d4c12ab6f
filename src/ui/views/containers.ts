// Containers table (ctop/btop-like): one row per container with CPU (100 = one core), memory, network,
// block I/O, pids, throttling, tail latency (eBPF: "IO p99" is the model's percentile of the container's
// reads and writes merged over the window, "—" when its I/O cannot be attributed) and a CPU sparkline when
// wide enough. Sortable (s/S),
// filterable (/ substring, ~regex), selection follows the container id, Enter opens the container view.
import type { ContainerFrame, ContainerLatency, ContainersFrame, Frame, LatencyWindow } from '../../model/types.js';
import { key } from '../../store/store.js';
import type { ReadStore } from '../../store/read-store.js';
import type { Theme } from '../theme.js';
import { gradient } from '../theme.js';
import type { CommandId } from '../keys.js';
import type { View, ViewContext, ViewRequest } from '../view.js';
import { DASH, bytes, micros, num, percent, rate, sourceMarker, sparkline } from '../format.js';
import { sanitize } from '../sanitize.js';
import { TableModel, tableStatus } from '../table.js';
import { TitledTableView } from '../table-view.js';
import type { Column } from '../table.js';
import { bold, escTags, paint } from '../markup.js';

export const NO_RUNTIME = 'no container runtime found (DOCKER_HOST, /var/run/docker.sock, podman sockets)';

function containerSearchText(c: ContainerFrame): string[] {
  const out = [c.name, c.image, c.composeProject ?? '', c.composeService ?? ''];
  for (const [k, v] of Object.entries(c.labels)) if (k.startsWith('com.docker.compose.')) out.push(v);
  return out.map((s) => sanitize(s));
}

interface Row {
  c: ContainerFrame;
  lat: ContainerLatency | undefined;
  io99: number | null;
  spark: (n: number) => Float64Array;
}

function memText(c: ContainerFrame): string {
  if (c.memoryUsedBytes == null) return DASH;
  return c.memoryLimitBytes != null ? `${bytes(c.memoryUsedBytes)}/${bytes(c.memoryLimitBytes)}` : bytes(c.memoryUsedBytes);
}

function containerColumns(): Column<Row>[] {
  return [
    { id: 'name', title: 'NAME', width: 12, grow: true, maxWidth: 28, format: (r) => sanitize(r.c.name), sortKey: (r) => sanitize(r.c.name).toLowerCase() },
    { id: 'src', title: 'SRC', width: 3, format: (r) => sourceMarker(r.c), priority: 1 },
    { id: 'image', title: 'IMAGE', width: 12, grow: true, maxWidth: 28, priority: 2, format: (r) => sanitize(r.c.image), sortKey: (r) => sanitize(r.c.image).toLowerCase() },
    {
      id: 'state', title: 'STATE', width: 7, priority: 1, format: (r) => sanitize(r.c.state), sortKey: (r) => r.c.state,
      color: (r, t) => (r.c.state === 'running' ? undefined : t.colors['inactive_fg']),
    },
    {
      id: 'cpu', title: 'CPU%', width: 6, align: 'right', descending: true, format: (r) => percent(r.c.cpuPercent), sortKey: (r) => r.c.cpuPercent,
      color: (r, t) => (r.c.cpuPercent == null ? undefined : gradient(t, 'cpu', r.c.cpuOfLimitPercent ?? Math.min(100, r.c.cpuPercent))),
    },
    { id: 'cpulim', title: '%LIM', width: 6, align: 'right', descending: true, priority: 4, format: (r) => percent(r.c.cpuOfLimitPercent), sortKey: (r) => r.c.cpuOfLimitPercent },
    { id: 'mem', title: 'MEM/LIMIT', width: 11, align: 'right', descending: true, format: (r) => memText(r.c), sortKey: (r) => r.c.memoryUsedBytes },
    {
      id: 'mempct', title: 'MEM%', width: 5, align: 'right', descending: true, priority: 1, format: (r) => percent(r.c.memoryPercent, 0), sortKey: (r) => r.c.memoryPercent,
      color: (r, t) => (r.c.memoryPercent == null ? undefined : gradient(t, 'mem', r.c.memoryPercent)),
    },
    { id: 'rx', title: 'NET RX', width: 8, align: 'right', descending: true, priority: 2, format: (r) => rate(r.c.netRxBytesPerSec), sortKey: (r) => r.c.netRxBytesPerSec },
    { id: 'tx', title: 'NET TX', width: 8, align: 'right', descending: true, priority: 2, format: (r) => rate(r.c.netTxBytesPerSec), sortKey: (r) => r.c.netTxBytesPerSec },
    { id: 'blkr', title: 'BLK R', width: 8, align: 'right', descending: true, priority: 3, format: (r) => rate(r.c.blockReadBytesPerSec), sortKey: (r) => r.c.blockReadBytesPerSec },
    { id: 'blkw', title: 'BLK W', width: 8, align: 'right', descending: true, priority: 3, format: (r) => rate(r.c.blockWriteBytesPerSec), sortKey: (r) => r.c.blockWriteBytesPerSec },
    { id: 'pids', title: 'PIDS', width: 5, align: 'right', descending: true, priority: 5, format: (r) => num(r.c.pids), sortKey: (r) => r.c.pids },
    { id: 'thr', title: 'THR%', width: 5, align: 'right', descending: true, priority: 4, format: (r) => percent(r.c.throttledPercent, 0), sortKey: (r) => r.c.throttledPercent },
    { id: 'io99', title: 'IO p99', width: 7, align: 'right', descending: true, priority: 4, format: (r) => micros(r.io99), sortKey: (r) => r.io99 },
    { id: 'rq99', title: 'RQ p99', width: 7, align: 'right', descending: true, priority: 4, format: (r) => micros(r.lat?.runqueue?.p99Us), sortKey: (r) => r.lat?.runqueue?.p99Us },
    {
      id: 'spark', title: 'CPU', width: 10, grow: true, priority: 6,
      format: (r, w) => {
        const v = r.spark(w);
        let top = r.c.cpuLimitCores != null ? r.c.cpuLimitCores * 100 : 100;
        for (const x of v) if (x > top) top = x;
        return sparkline(v, w, top);
      },
      color: (r, t) => (r.c.cpuPercent == null ? undefined : gradient(t, 'cpu', r.c.cpuOfLimitPercent ?? Math.min(100, r.c.cpuPercent))),
    },
  ];
}

export class ContainersView extends TitledTableView<Row> implements View {
  readonly id = 'containers' as const;
  readonly model = new TableModel<Row>({
    columns: containerColumns(),
    rowKey: (r) => r.c.id,
    searchText: (r) => containerSearchText(r.c),
    sortBy: 'cpu',
  });
  /** Rows from the last frame with a connected daemon (shown greyed while reconnecting). */
  private lastKnown: ContainerFrame[] = [];

  update(ctx: ViewContext): void {
    this.ctx = ctx;
    if (!this.title || !this.table) return;
    const frame = ctx.store.latest();
    const cf = frame?.containers ?? null;
    const { rows, dim, status } = this.collect(cf, frame, ctx.window, ctx.store);
    this.model.setRows(rows);
    this.title.setContent(this.titleText(ctx.theme, status, frame == null));
    this.table.draw(ctx.theme, { dim, empty: status ?? (this.model.totalCount > 0 ? 'no container matches the filter' : 'no containers') });
  }

  cursorContainerId(): string | null {
    return this.model.selectedKey ?? null;
  }

  command(cmd: CommandId, ctx: ViewContext): ViewRequest | null {
    if (cmd === 'open') {
      const id = this.model.selectedKey;
      return id ? { kind: 'open', view: 'container', target: id } : { kind: 'none' };
    }
    return this.tableCommand(cmd, ctx);
  }

  private collect(cf: ContainersFrame | null, frame: Frame | null, w: LatencyWindow, store: ReadStore): { rows: Row[]; dim: boolean; status: string | null } {
    const latWin = frame?.latency?.active ? frame.latency.windows[w] : undefined;
    const toRow = (c: ContainerFrame): Row => {
      const lat = latWin?.containers[c.id];
      return { c, lat, io99: lat?.io?.p99Us ?? null, spark: (n) => store.values(key.ctrCpu(c.id), n) };
    };
    if (frame == null) return { rows: [], dim: false, status: 'waiting for the first sample…' };
    if (cf == null || cf.daemon.state === 'none') return { rows: [], dim: false, status: NO_RUNTIME };
    if (cf.daemon.state === 'reconnecting') {
      const src = cf.containers.length > 0 ? cf.containers : this.lastKnown;
      return { rows: src.map(toRow), dim: true, status: `${cf.daemon.runtime ?? 'docker'}: reconnecting (attempt ${cf.daemon.attempt})` };
    }
    this.lastKnown = cf.containers;
    return { rows: cf.containers.map(toRow), dim: false, status: null };
  }

  private titleText(theme: Theme, status: string | null, _noFrame: boolean): string {
    const c = theme.colors;
    const parts: string[] = [];
    const total = this.model.totalCount;
    const shown = this.model.rows.length;
    parts.push(`${bold('Containers')} ${shown === total ? total : `${shown}/${total}`}`);
    if (status) parts.push(paint(theme, c['status_err'] ?? c['inactive_fg'], escTags(status)));
    parts.push(...tableStatus(this.model, theme));
    parts.push('CPU%: 100 = one core');
    return parts.join('  │  ');
  }
}

export function createContainersView(): View {
  return new ContainersView();
}
