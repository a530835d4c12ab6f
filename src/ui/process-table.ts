// The processes table's columns, search text and model: one definition for the processes view (whole host
// or one container) and the process pane of a container's view.
import type { ProcessFrame } from '../model/types.js';
import { gradient } from './theme.js';
import { bytes, num, percent } from './format.js';
import { sanitize } from './sanitize.js';
import { TableModel, type Column } from './table.js';

function processColumns(withContainer: boolean): Column<ProcessFrame>[] {
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

function processSearchText(p: ProcessFrame): string[] {
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
