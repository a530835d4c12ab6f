// Processes table, for the whole host or one container: pid, user, state, threads, CPU (user/sys), RSS,
// VMS, swap, container, command line (sanitised). Sortable (s/S), filterable (/), selection follows the pid.
import type { ProcessFrame } from '../../model/types.js';
import type { CommandId } from '../keys.js';
import type { View, ViewContext, ViewRequest } from '../view.js';
import { sanitize } from '../sanitize.js';
import { TableModel, tableStatus } from '../table.js';
import { TitledTableView } from '../table-view.js';
import { newProcessModel } from '../process-table.js';
import { bold, escTags } from '../markup.js';

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
    const parts = [`${bold('Processes')} (${escTags(scope)}) ${shown === total ? total : `${shown}/${total}`}`, ...tableStatus(this.model, ctx.theme)];
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
