// The header's alert badge: how many alert instances fire and which rules, e.g. "ALERT 2: SlowDisk,
// HighCpu" (null when none fires). Rule names come from the config; sanitised all the same.
import type { AlertReader } from '../export/alert-board.js';
import { sanitize } from './sanitize.js';

export const NO_ALERTS: AlertReader = { rules: [], active: () => [], firing: () => [], history: () => [], evaluatedAtMs: null };

export function alertsSummary(board: AlertReader | undefined, maxNames = 3): string | null {
  const firing = board?.firing() ?? [];
  if (firing.length === 0) return null;
  const names = [...new Set(firing.map((a) => sanitize(a.rule, 40)))];
  const shown = names.slice(0, maxNames).join(', ') + (names.length > maxNames ? ` +${names.length - maxNames}` : '');
  return `ALERT ${firing.length}: ${shown}`;
}
