// Alerts view (`a`): the [[alert]] rules' instances that are pending or firing now (state, rule, severity,
// what it is about, the figure's value, since when), then their history, newest first (time, rule, the
// transition, what, value). Reads the alert board the process evaluates once per frame; never evaluates,
// never reads a clock (times are the frames' wall times). Labels are untrusted text: sanitised.
import type blessed from 'blessed';
import { widgets } from '../term/widgets.js';
import { cellText } from '../term/cell-text.js';
import type { CommandId } from '../keys.js';
import type { View, ViewContext, ViewRequest } from '../view.js';
import type { AlertReader } from '../../export/alert-board.js';
import type { AlertInstance, AlertTransition } from '../../export/alerts.js';
import type { AlertExpr } from '../../model/alert-expr.js';
import { metricDef } from '../../model/catalogue.js';
import { formatQuantity } from '../../model/units.js';
import { fit } from '../format.js';
import { sanitize } from '../sanitize.js';
import { bold, escTags, paint, themeColor } from '../markup.js';
import type { Theme, ThemeKey } from '../theme.js';

/** What an instance is about: its labels (container, device...) without the rule's own, as `k=v`. */
export function subject(labels: Record<string, string>): string {
  const order = ['container', 'device', 'interface', 'op', 'id'];
  const keys = Object.keys(labels).sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
  const s = keys.filter((k) => k !== 'image' && k !== 'runtime').map((k) => `${k}=${labels[k]}`).join(' ');
  return s === '' ? 'host' : s;
}

function firstId(e: AlertExpr): string {
  return e.kind === 'cmp' ? e.id : firstId(e.left);
}

/** The value in the unit of the rule's (first) figure. */
export function valueText(rules: AlertReader['rules'], rule: string, v: number): string {
  const r = rules.find((x) => x.name === rule);
  const unit = r ? metricDef(firstId(r.expr))?.unit : undefined;
  return unit ? formatQuantity(v, unit) : String(Number(v.toPrecision(4)));
}

/** hh:mm:ss of a wall time (UTC when `utc`, else local). */
export function clockText(ms: number, utc = false): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return utc ? `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}` : `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function ago(nowMs: number | null, thenMs: number): string {
  if (nowMs === null) return '';
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The view's lines (tagged), `width` cells wide. */
export function alertLines(board: AlertReader, theme: Theme, width: number): string[] {
  const t = (k: ThemeKey, s: string): string => paint(theme, themeColor(theme, k), s);
  const out: string[] = [];
  if (board.rules.length === 0) {
    out.push(' No [[alert]] rules in the config: see the README, "Alerts".');
    return out;
  }
  const now = board.evaluatedAtMs;
  const active = board.active();
  const firing = active.filter((a) => a.state === 'firing').length;
  out.push(t('title', bold(` Active: ${firing} firing, ${active.length - firing} pending`)) + t('inactive_fg', `   (${board.rules.length} rule${board.rules.length === 1 ? '' : 's'}; evaluated every frame)`));
  const wSubj = Math.max(10, width - 1 - 8 - 20 - 10 - 12 - 10 - 5);
  out.push(t('inactive_fg', ` ${fit('STATE', 8)}${fit('ALERT', 20)}${fit('SEVERITY', 10)}${fit('WHAT', wSubj)}${fit('VALUE', 12, 'right')}${fit('FOR', 10, 'right')}`));
  if (active.length === 0) out.push(t('inactive_fg', ' none'));
  for (const a of active) out.push(activeLine(a, board, theme, wSubj, now));
  out.push('');
  const hist = board.history();
  out.push(t('title', bold(` History: ${hist.length} transition${hist.length === 1 ? '' : 's'}, newest first`)));
  out.push(t('inactive_fg', ` ${fit('TIME', 10)}${fit('ALERT', 20)}${fit('CHANGE', 21)}${fit('WHAT', wSubj - 3)}${fit('VALUE', 12, 'right')}`));
  for (let i = hist.length - 1; i >= 0; i--) out.push(historyLine(hist[i]!, board, theme, wSubj - 3));
  return out;
}

function activeLine(a: AlertInstance, board: AlertReader, theme: Theme, wSubj: number, now: number | null): string {
  const color = a.state === 'firing' ? 'status_warn' : 'inactive_fg';
  return (
    ' ' +
    paint(theme, themeColor(theme, color), fit(a.state.toUpperCase(), 8)) +
    escTags(fit(sanitize(a.rule, 60), 20)) +
    escTags(fit(sanitize(a.severity, 20), 10)) +
    escTags(fit(sanitize(subject(a.labels), 200), wSubj)) +
    fit(valueText(board.rules, a.rule, a.value), 12, 'right') +
    fit(ago(now, a.state === 'firing' && a.firedAtMs !== null ? a.firedAtMs : a.activeSinceMs), 10, 'right')
  );
}

function historyLine(h: AlertTransition, board: AlertReader, theme: Theme, wSubj: number): string {
  const color = h.to === 'firing' ? 'status_warn' : h.to === 'resolved' ? 'hi_fg' : 'inactive_fg';
  return (
    ' ' +
    fit(clockText(h.atMs), 10) +
    escTags(fit(sanitize(h.rule, 60), 20)) +
    paint(theme, themeColor(theme, color), fit(`${h.from} -> ${h.to}`, 21)) +
    escTags(fit(sanitize(subject(h.labels), 200), wSubj)) +
    fit(valueText(board.rules, h.rule, h.value), 12, 'right')
  );
}

export class AlertsView implements View {
  readonly id = 'alerts' as const;
  private box: blessed.Widgets.BoxElement | null = null;
  private text: ReturnType<typeof cellText> | null = null;
  private offset = 0;
  private lines = 0;

  constructor(private readonly board: AlertReader) {}

  mount(parent: blessed.Widgets.BoxElement, ctx: ViewContext): void {
    this.box = widgets.box({ parent, top: 0, left: 0, width: '100%', height: '100%', tags: true, wrap: false } as blessed.Widgets.BoxOptions);
    this.text = cellText(this.box);
    this.update(ctx);
  }

  update(ctx: ViewContext): void {
    if (!this.box || !this.text) return;
    const width = Number(this.box.width) || 80;
    const height = Number(this.box.height) || 20;
    const all = alertLines(this.board, ctx.theme, width);
    this.lines = all.length;
    this.offset = Math.max(0, Math.min(this.offset, all.length - height));
    this.text.set(all.slice(this.offset, this.offset + height));
  }

  command(cmd: CommandId, ctx: ViewContext): ViewRequest | null {
    const height = Number(this.box?.height) || 20;
    const step = cmd === 'up' ? -1 : cmd === 'down' ? 1 : cmd === 'pageUp' ? -height : cmd === 'pageDown' ? height : 0;
    if (step === 0) return null;
    this.offset = Math.max(0, Math.min(this.offset + step, this.lines - height));
    this.update(ctx);
    return { kind: 'none' };
  }

  unmount(): void {
    this.box?.destroy();
    this.box = null;
    this.text = null;
  }
}

export function createAlertsView(board: AlertReader): View {
  return new AlertsView(board);
}
