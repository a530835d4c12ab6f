// The header line: host, kernel, uptime, refresh interval, the paused flag and the current view.
import type { Frame, StaticFacts } from '../../model/types.js';
import type { Theme, ThemeKey } from '../theme.js';
import { duration, fit } from '../format.js';
import { sanitize } from '../sanitize.js';
import { bold, escTags, paint, themeColor } from '../markup.js';

export interface HeaderState {
  refreshMs: number;
  paused: boolean;
  view: string;
  window: string;
  /** Firing alerts (alerts-summary.ts), shown whatever the width; null or absent when none. */
  alerts?: string | null;
  /** Replay/history marker with the recorded time ("REPLAY 2026-12-01 03:10:05"); null live. */
  mode?: string | null;
}

export function refreshLabel(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : ms >= 1000 ? `${(ms / 1000).toFixed(2).replace(/0+$/, '')}s` : `${ms}ms`;
}

/** One line of tagged text, `width` columns wide. Items are dropped from the right when narrow. */
export function headerLine(facts: StaticFacts, frame: Frame | null, s: HeaderState, theme: Theme, width: number): string {
  const t = (k: ThemeKey, text: string): string => paint(theme, themeColor(theme, k), text);
  // [plain, tagged, priority]: the lowest priority (highest number) is dropped first when narrow.
  const items: [string, string, number][] = [
    ['tailtop', t('title', bold('tailtop')), 0],
    [sanitize(facts.hostname, 64), t('hi_fg', sanitize(facts.hostname, 64)), 1],
    [`kernel ${sanitize(facts.kernel, 40)}`, `${t('inactive_fg', 'kernel')} ${sanitize(facts.kernel, 40)}`, 5],
    [`up ${duration(frame?.host.uptimeSec ?? null)}`, `${t('inactive_fg', 'up')} ${duration(frame?.host.uptimeSec ?? null)}`, 4],
    [`refresh ${refreshLabel(s.refreshMs)}`, `${t('inactive_fg', 'refresh')} ${refreshLabel(s.refreshMs)}`, 3],
    [`view ${sanitize(s.view, 80)}`, `${t('inactive_fg', 'view')} ${sanitize(s.view, 80)}`, 2],
  ];
  if (s.mode) items.splice(1, 0, [sanitize(s.mode, 60), t('status_warn', bold(sanitize(s.mode, 60))), 0]);
  if (s.paused) items.push(['PAUSED', t('status_warn', bold('PAUSED')), 0]);
  if (s.alerts) {
    // After the host name, cut to half the width: it must not push the rest off a narrow line.
    const a = s.alerts.length > width / 2 ? `${s.alerts.slice(0, Math.max(8, Math.floor(width / 2) - 1))}…` : s.alerts;
    items.splice(2, 0, [a, t('status_warn', bold(escTags(a))), 0]);
  }
  const sep = '  ';
  const plainLen = (xs: typeof items): number => xs.reduce((a, [p]) => a + p.length, 0) + sep.length * (xs.length - 1) + 1;
  let used = items;
  for (let prio = 5; prio > 0 && plainLen(used) > width; prio--) used = used.filter((x) => x[2] < prio);
  const out = ' ' + used.map(([, tagged]) => tagged).join(sep);
  const pad = Math.max(0, width - plainLen(used));
  return out + fit('', pad);
}
