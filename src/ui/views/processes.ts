// Processes table, for the whole host or one container: pid, user, state, threads, CPU (user/sys), RSS,
// VMS, swap, container, command line (sanitised). Sortable (s/S), filterable (/), selection follows the pid.
import type { ProcessFrame } from '../../model/types.js';
import { gradient } from '../theme.js';
import type { CommandId } from '../keys.js';
import type { View, ViewContext, ViewRequest } from '../view.js';
import { bytes, num, percent } from '../format.js';
import { sanitize } from '../sanitize.js';
import { TableModel, escTags, tableStatus } from '../table.js';
import { TitledTableView } from './table-view.js';
import type { Column } from '../table.js';

export function processColumns(withContainer: boolean): Column<ProcessFrame>[] {
  const cols: Column<ProcessFrame>[] = [
    { id: 'pid', title: 'PID', width: 7, align: 'right', format: (p) => String(p.pid), sortKey: (p) => p.pid },
    { id: 'user', title: 'USER', width: 8, priority: 1, format: (p) => sanitize(p.user), sortKey: (p) => p.user },
    { id: 'state', title: 'S', width: 1, priority: 2, format: (p) => sanitize(p.state), sortKey: (p) => p.state },
    { id: 'threads', title: 'THR', width: 4, align: 'right', descending: true, priority: 3, format: (p) => num(p.threads), sortKey: (p) => p.threads },
    {
      id: 'cpu', title: 'CPU%', width: 6, align: 'right', descending: true, format: (p) => percent(p.cpuPercent), sortKey: (p) => p.cpuPercent,
      color: (p, t) => (p.cpuPercent == null ? undefined : gradient(t, 'cpu', Math.min(100, p.cpuPercent))),
    },
    { id: 'usr', title: 'USR%', width: 5, align: 'right', descending: true, priority: 4, format: (p) => percent(p.cpuUserPercent), sortKey: (p) => p.cpuUserPercent },
    { id: 'sys', title: 'SYS%', width: 5, align: 'right', descending: true, priority: 4, format: (p) => percent(p.cpuSystemPercent), sortKey: (p) => p.cpuSystemPercent },
    { id: 'rss', title: 'RSS', width: 6, align: 'right', descending: true, format: (p) => bytes(p.rssBytes), sortKey: (p) => p.rssBytes },
    { id: 'vms', title: 'VMS', width: 6, align: 'right', descending: true, priority: 3, format: (p) => bytes(p.vmsBytes), sortKey: (p) => p.vmsBytes },
    { id: 'swap', title: 'SWAP', width: 6, align: 'right', descending: true, priority: 4, format: (p) => bytes(p.swapBytes), sortKey: (p) => p.swapBytes },
  ];
  if (withContainer) {
    cols.push({ id: 'ctr', title: 'CONTAINER', width: 12, priority: 2, format: (p) => sanitize(p.containerName ?? ''), sortKey: (p) => p.containerName ?? '' });
  }
  cols.push({ id: 'cmd', title: 'COMMAND', width: 16, grow: true, format: (p) => sanitize(p.command), sortKey: (p) => sanitize(p.command) });
  return cols;
}

export function processSearchText(p: ProcessFrame): string[] {
  return [String(p.pid), sanitize(p.user), sanitize(p.command), sanitize(p.containerName ?? '')];
}

export function newProcessModel(withContainer: boolean): TableModel<ProcessFrame> {
  return new TableModel<ProcessFrame>({
    columns: processColumns(withContainer),
    rowKey: (p) => String(p.pid),
    searchText: processSearchText,
    sortBy: 'cpu',
  });
}

export class ProcessesView extends TitledTableView<ProcessFrame> implements View {
  readonly id = 'processes' as const;
  readonly model: TableModel<ProcessFrame>;

  constructor(readonly containerId?: string) {
    super();
    this.model = newProcessModel(containerId == null);
  }

  update(ctx: ViewContext): void {
    this.ctx = ctx;
    if (!this.title || !this.table) return;
    const frame = ctx.store.latest();
    const all = frame?.processes ?? null;
    const rows = all == null ? [] : this.containerId == null ? all : all.filter((p) => p.containerId === this.containerId);
    this.model.setRows(rows);
    let scope = 'host';
    if (this.containerId != null) {
      const c = frame?.containers?.containers.find((x) => x.id === this.containerId);
      scope = `container ${sanitize(c?.name ?? this.containerId.slice(0, 12))}`;
    }
    const total = this.model.totalCount;
    const shown = this.model.rows.length;
    const parts = [`{bold}Processes{/bold} (${escTags(scope)}) ${shown === total ? total : `${shown}/${total}`}`, ...tableStatus(this.model, ctx.theme)];
    this.title.setContent(parts.join('  │  '));
    const empty = frame == null ? 'waiting for the first sample…' : all == null ? 'no process data' : total > 0 ? 'no process matches the filter' : 'no processes';
    this.table.draw(ctx.theme, { empty });
  }

  command(cmd: CommandId, ctx: ViewContext): ViewRequest | null {
    return this.tableCommand(cmd, ctx);
  }
}

export function createProcessesView(containerId?: string): View {
  return new ProcessesView(containerId);
}
