// The fleet TUI: one row per host of the job (up/down, CPU, memory, load, worst disk p99, worst container p99,
// containers, firing alerts, age of its last scrape), sorted and filtered like the containers table; Enter
// opens the host's containers (from Prometheus) with their latency, Esc goes back. The header says which
// Prometheus, how many hosts are up and how old the newest data is. Built from the monitor's pieces (screen,
// table, key table, help, sanitize); it draws what the FleetSource holds and never queries by itself.
import type blessed from 'blessed';
import { widgets } from '../ui/term/widgets.js';
import { createScreen, restoreTerminal, screenText } from '../ui/term/screen.js';
import { cellText } from '../ui/term/cell-text.js';
import { themeForScreen } from '../ui/colors.js';
import { HelpOverlay } from '../ui/chrome/help.js';
import { Prompt } from '../ui/prompt.js';
import { KeyTable, dispatchKeys } from '../ui/key-dispatch.js';
import { fit, bytes, micros, num, percent, DASH } from '../ui/format.js';
import { sanitize } from '../ui/sanitize.js';
import { gradient, type Theme, type ThemeKey } from '../ui/theme.js';
import { TableModel, TableWidget, tableCommand, tableStatus, type Column } from '../ui/table.js';
import { refreshLabel } from '../ui/chrome/header.js';
import type { Binding, CommandId } from '../ui/keys.js';
import type { ContainerRow, HostRow } from './query.js';
import type { FleetState } from './source.js';
import { bold, escTags, paint, themeColor } from '../ui/markup.js';

export interface FleetTuiOptions {
  state: () => FleetState;
  prometheus: string;
  job: string;
  theme: Theme;
  bindings: Binding[];
  refreshMs: number;
  now?: () => number;
  onOpen(instance: string | null): void;
  onRefreshChange(ms: number): void;
  onQuit(): void;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  terminal?: string;
  cols?: number;
  rows?: number;
}

export interface FleetTui {
  update(): void;
  destroy(): void;
  screenshot(): string;
}

export const FLEET_REFRESH_STEPS = [1000, 2000, 5000, 10_000, 30_000, 60_000] as const;

const sec = (v: number | null): string => (v == null ? DASH : micros(v * 1e6));

export function age(seconds: number | null): string {
  if (seconds == null || !Number.isFinite(seconds)) return DASH;
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

export function hostColumns(now: () => number): Column<HostRow>[] {
  return [
    { id: 'host', title: 'HOST', width: 12, grow: true, maxWidth: 30, format: (r) => sanitize(r.instance), sortKey: (r) => sanitize(r.instance).toLowerCase() },
    { id: 'name', title: 'HOSTNAME', width: 12, grow: true, maxWidth: 24, priority: 3, format: (r) => sanitize(r.hostname ?? DASH), sortKey: (r) => (r.hostname == null ? null : sanitize(r.hostname).toLowerCase()) },
    {
      id: 'state', title: 'STATE', width: 5, format: (r) => (r.up ? 'up' : 'down'), sortKey: (r) => (r.up ? 1 : 0),
      color: (r, t) => (r.up ? undefined : t.colors['status_err']),
    },
    {
      id: 'cpu', title: 'CPU%', width: 6, align: 'right', descending: true, format: (r) => percent(r.cpuPercent), sortKey: (r) => r.cpuPercent,
      color: (r, t) => (r.cpuPercent == null ? undefined : gradient(t, 'cpu', r.cpuPercent)),
    },
    {
      id: 'mem', title: 'MEM%', width: 5, align: 'right', descending: true, format: (r) => percent(r.memPercent, 0), sortKey: (r) => r.memPercent,
      color: (r, t) => (r.memPercent == null ? undefined : gradient(t, 'mem', r.memPercent)),
    },
    { id: 'memtotal', title: 'MEM', width: 6, align: 'right', descending: true, priority: 4, format: (r) => bytes(r.memTotalBytes), sortKey: (r) => r.memTotalBytes },
    { id: 'load', title: 'LOAD', width: 6, align: 'right', descending: true, format: (r) => num(r.load1, 2), sortKey: (r) => r.load1 },
    { id: 'cpus', title: 'CPUS', width: 4, align: 'right', descending: true, priority: 5, format: (r) => num(r.cpus), sortKey: (r) => r.cpus },
    { id: 'disk', title: 'DISK p99', width: 8, align: 'right', descending: true, format: (r) => sec(r.diskP99Sec), sortKey: (r) => r.diskP99Sec },
    { id: 'diskwhere', title: 'ON', width: 11, priority: 3, format: (r) => sanitize(r.diskWhere ?? ''), sortKey: (r) => r.diskWhere },
    { id: 'ctr', title: 'CTR p99', width: 8, align: 'right', descending: true, format: (r) => sec(r.ctrP99Sec), sortKey: (r) => r.ctrP99Sec },
    { id: 'ctrwhere', title: 'IN', width: 12, priority: 3, format: (r) => sanitize(r.ctrWhere ?? ''), sortKey: (r) => r.ctrWhere },
    { id: 'ctrs', title: 'CTRS', width: 4, align: 'right', descending: true, priority: 2, format: (r) => num(r.containers), sortKey: (r) => r.containers },
    {
      id: 'alerts', title: 'ALERTS', width: 6, align: 'right', descending: true, format: (r) => (r.alerts > 0 ? String(r.alerts) : ''), sortKey: (r) => r.alerts,
      color: (r, t) => (r.alerts > 0 ? t.colors['status_err'] : undefined),
    },
    { id: 'age', title: 'AGE', width: 4, align: 'right', descending: true, priority: 1, format: (r) => age(r.lastScrapeSec == null ? null : now() / 1000 - r.lastScrapeSec), sortKey: (r) => (r.lastScrapeSec == null ? null : -r.lastScrapeSec) },
  ];
}

export function containerColumns(): Column<ContainerRow>[] {
  return [
    { id: 'name', title: 'NAME', width: 12, grow: true, maxWidth: 30, format: (r) => sanitize(r.name), sortKey: (r) => sanitize(r.name).toLowerCase() },
    { id: 'image', title: 'IMAGE', width: 12, grow: true, maxWidth: 28, priority: 2, format: (r) => sanitize(r.image), sortKey: (r) => sanitize(r.image).toLowerCase() },
    { id: 'cpu', title: 'CPU%', width: 6, align: 'right', descending: true, format: (r) => percent(r.cpuPercent), sortKey: (r) => r.cpuPercent },
    { id: 'mem', title: 'MEM', width: 7, align: 'right', descending: true, format: (r) => bytes(r.memUsedBytes), sortKey: (r) => r.memUsedBytes },
    { id: 'limit', title: 'LIMIT', width: 7, align: 'right', descending: true, priority: 3, format: (r) => bytes(r.memLimitBytes), sortKey: (r) => r.memLimitBytes },
    { id: 'ior', title: 'IO R p99', width: 8, align: 'right', descending: true, format: (r) => sec(r.ioReadP99Sec), sortKey: (r) => r.ioReadP99Sec },
    { id: 'iow', title: 'IO W p99', width: 8, align: 'right', descending: true, format: (r) => sec(r.ioWriteP99Sec), sortKey: (r) => r.ioWriteP99Sec },
    { id: 'rq', title: 'RQ p99', width: 7, align: 'right', descending: true, priority: 1, format: (r) => sec(r.runqP99Sec), sortKey: (r) => r.runqP99Sec },
    { id: 'thr', title: 'THR%', width: 5, align: 'right', descending: true, priority: 2, format: (r) => percent(r.throttledPercent, 0), sortKey: (r) => r.throttledPercent },
  ];
}

export function createFleetTui(o: FleetTuiOptions): FleetTui {
  const now = o.now ?? Date.now;
  const screen = createScreen({ input: o.input, output: o.output, terminal: o.terminal, cols: o.cols, rows: o.rows });
  const theme = themeForScreen(o.theme, screen);
  const t = (k: ThemeKey, text: string): string => paint(theme, themeColor(theme, k), text);
  const header = widgets.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false } as blessed.Widgets.BoxOptions);
  const title = widgets.box({ parent: screen, top: 1, left: 0, width: '100%', height: 1, tags: true, wrap: false } as blessed.Widgets.BoxOptions);
  const status = widgets.box({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false } as blessed.Widgets.BoxOptions);
  const headerText = cellText(header);
  const statusText = cellText(status);
  const hosts = new TableModel<HostRow>({ columns: hostColumns(now), rowKey: (r) => r.instance, searchText: (r) => [sanitize(r.instance), sanitize(r.hostname ?? '')], sortBy: 'host', descending: false });
  const ctrs = new TableModel<ContainerRow>({ columns: containerColumns(), rowKey: (r) => r.id, searchText: (r) => [sanitize(r.name), sanitize(r.image)], sortBy: 'cpu' });
  const pos = { top: 2, left: 0, width: '100%', height: '100%-3' };
  const hostTable = new TableWidget(hosts, screen, pos);
  const ctrTable = new TableWidget(ctrs, screen, pos);
  ctrTable.box.hide();
  const help = new HelpOverlay(screen, theme);

  let destroyed = false;
  let open: string | null = null;
  const prompt = new Prompt();
  let refreshMs = o.refreshMs;
  const keys = new KeyTable(o.bindings);
  const firstKey = (cmd: CommandId, fallback: string): string => keys.label(cmd, fallback);

  const headerLine = (s: FleetState, width: number): string => {
    const up = s.hosts.filter((h) => h.up).length;
    const down = s.hosts.length - up;
    const fresh = s.newestScrapeSec == null ? 'no data yet' : `data ${age(now() / 1000 - s.newestScrapeSec)} old`;
    const items = [
      t('title', bold('tailtop fleet')),
      escTags(sanitize(o.prometheus, 60)),
      `${t('inactive_fg', 'job')} ${escTags(sanitize(o.job, 30))}`,
      `${t('inactive_fg', 'hosts')} ${s.hosts.length}${down > 0 ? ` (${t('status_err', `${down} down`)})` : ''}`,
      s.error && s.fetchedAtMs != null ? t('status_warn', `stale: fetched ${age((now() - s.fetchedAtMs) / 1000)} ago`) : t(s.newestScrapeSec == null ? 'inactive_fg' : 'hi_fg', fresh),
      `${t('inactive_fg', 'refresh')} ${refreshLabel(refreshMs)}`,
    ];
    return fit(' ', 1) + items.join('  ') + ' '.repeat(Math.max(0, width));
  };

  const redraw = (): void => {
    if (destroyed) return;
    const s = o.state();
    const width = Number(screen.width) || 80;
    headerText.set([headerLine(s, width)]);
    hosts.setRows(s.hosts);
    const detail = open !== null && s.detail?.instance === open ? s.detail : null;
    let titleText: string;
    if (open === null) {
      const shown = hosts.rows.length;
      const parts = [`${bold('Hosts')} ${shown === hosts.totalCount ? shown : `${shown}/${hosts.totalCount}`}`, ...tableStatus(hosts, theme), `${firstKey('open', 'enter')}: containers`];
      titleText = parts.join('  │  ');
      hostTable.draw(theme, { dim: s.error != null, empty: s.fetchedAtMs == null ? (s.error ? 'no data' : 'asking Prometheus…') : hosts.totalCount > 0 ? 'no host matches the filter' : `no targets in job "${sanitize(o.job, 40)}"` });
    } else {
      ctrs.setRows(detail?.containers ?? []);
      const h = s.hosts.find((x) => x.instance === open);
      const name = `${sanitize(open, 60)}${h?.hostname ? ` (${sanitize(h.hostname, 40)})` : ''}`;
      const parts = [`${bold(`Containers of ${escTags(name)}`)} ${ctrs.totalCount}`, ...tableStatus(ctrs, theme), `${firstKey('back', 'escape')}: hosts`];
      if (h && !h.up) parts.splice(1, 0, t('status_err', 'host is down'));
      titleText = parts.join('  │  ');
      ctrTable.draw(theme, { dim: detail?.error != null, empty: detail?.fetchedAtMs == null ? (detail?.error ? 'no data' : 'asking Prometheus…') : 'no containers exported by this host' });
    }
    title.setContent(titleText);
    const err = open !== null && detail?.error ? detail.error : s.error;
    let line: string;
    const p = prompt.shown;
    if (p) line = fit(` ${p.label}${sanitize(p.text, 200)}█`, width);
    else {
      const hint = `${firstKey('help', '?')} help  ${firstKey('quit', 'q')} quit`;
      const left = err ? t('status_err', escTags(fit(sanitize(err, 300), Math.max(0, width - hint.length - 3)))) : '';
      const leftLen = err ? Math.min(sanitize(err, 300).length, Math.max(0, width - hint.length - 3)) : 0;
      line = ` ${left}${' '.repeat(Math.max(1, width - leftLen - hint.length - 2))}${t('inactive_fg', hint)} `;
    }
    statusText.set([line]);
    help.draw(o.bindings, theme, width);
    screen.render();
  };

  const showHosts = (): void => {
    open = null;
    ctrTable.box.hide();
    hostTable.box.show();
    o.onOpen(null);
  };

  const run = (cmd: CommandId): void => {
    if (help.visible) {
      if (!help.command(cmd) && cmd === 'quit') return o.onQuit();
      return redraw();
    }
    const model = open === null ? hosts : ctrs;
    switch (cmd) {
      case 'quit':
        return o.onQuit();
      case 'help':
        help.toggle();
        break;
      case 'open': {
        if (open !== null) break;
        const sel = hosts.selected();
        if (!sel) break;
        open = sel.instance;
        hostTable.box.hide();
        ctrTable.box.show();
        o.onOpen(open);
        break;
      }
      case 'back':
        if (open !== null) showHosts();
        break;
      case 'faster':
      case 'slower': {
        const steps = FLEET_REFRESH_STEPS;
        const next = cmd === 'faster' ? ([...steps].reverse().find((x) => x < refreshMs) ?? steps[0]) : (steps.find((x) => x > refreshMs) ?? steps[steps.length - 1]!);
        if (next !== refreshMs) {
          refreshMs = next;
          o.onRefreshChange(next);
        }
        break;
      }
      default: {
        const r = tableCommand(model as TableModel<unknown>, cmd, () => {});
        if (r && r.kind === 'prompt') prompt.open(r.label, r.onSubmit);
      }
    }
    redraw();
  };

  dispatchKeys(screen, { keys, prompt, tooSmall: () => false, run, quit: () => o.onQuit(), redraw, closed: () => destroyed });
  screen.on('resize', () => redraw());
  redraw();

  return {
    update: redraw,
    destroy(): void {
      if (destroyed) return;
      destroyed = true;
      try {
        screen.destroy();
      } finally {
        restoreTerminal(o.output ?? process.stdout);
      }
    },
    screenshot: () => screenText(screen),
  };
}
