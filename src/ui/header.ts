// The header line: host, kernel, uptime, refresh interval, the paused flag and the current view.
import type { Frame, StaticFacts } from '../model/types.js';
import type { Theme } from './theme.js';
import { duration, fit } from './format.js';
import { sanitize } from './sanitize.js';
import { paint, themeColor } from './panels/draw.js';

export interface HeaderState {
  refreshMs: number;
  paused: boolean;
  view: string;
  window: string;
}

export function refreshLabel(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : ms >= 1000 ? `${(ms / 1000).toFixed(2).replace(/0+$/, '')}s` : `${ms}ms`;
}

/** One line of tagged text, `width` columns wide. Items are dropped from the right when narrow. */
export function headerLine(facts: StaticFacts, frame: Frame | null, s: HeaderState, theme: Theme, width: number): string {
  const t = (k: string, text: string): string => paint(theme, themeColor(theme, k), text);
  const items: [string, string][] = [
    ['tailtop', t('title', '{bold}tailtop{/bold}')],
    [sanitize(facts.hostname, 64), t('hi_fg', sanitize(facts.hostname, 64))],
    [`kernel ${sanitize(facts.kernel, 40)}`, `${t('inactive_fg', 'kernel')} ${sanitize(facts.kernel, 40)}`],
    [`up ${duration(frame?.host.uptimeSec ?? null)}`, `${t('inactive_fg', 'up')} ${duration(frame?.host.uptimeSec ?? null)}`],
    [`refresh ${refreshLabel(s.refreshMs)}`, `${t('inactive_fg', 'refresh')} ${refreshLabel(s.refreshMs)}`],
    [`view ${s.view}`, `${t('inactive_fg', 'view')} ${s.view}`],
  ];
  const paused: [string, string] = ['PAUSED', t('status_warn', '{bold}PAUSED{/bold}')];
  const sep = '  ';
  // The paused flag is never dropped; others go from the right until the line fits.
  let keep = items.length;
  const plainLen = (n: number): number =>
    items.slice(0, n).reduce((a, [p]) => a + p.length, 0) + sep.length * (n - 1) + (s.paused ? paused[0].length + sep.length : 0) + 1;
  while (keep > 1 && plainLen(keep) > width) keep--;
  const used = items.slice(0, keep);
  let out = ' ' + used.map(([, tagged]) => tagged).join(sep);
  if (s.paused) out += sep + paused[1];
  const pad = Math.max(0, width - plainLen(keep));
  return out + fit('', pad);
}
