// The status line: collector errors from the newest frame ("diskstats: permission denied"), the eBPF state,
// PAUSED, a prompt while one is open, and a short key hint.
import type { Frame } from '../../model/types.js';
import type { Theme, ThemeKey } from '../theme.js';
import { fit, lossNotes } from '../format.js';
import { textCells } from '../../text/width.js';
import { sanitize } from '../sanitize.js';
import { bold, paint, themeColor } from '../markup.js';

export interface StatusState {
  paused: boolean;
  /** An open prompt: label and the text typed so far. */
  prompt: { label: string; text: string } | null;
  /** Notes the caller set (a failed tick, stray stderr output), already sanitised. */
  notes?: string[];
  helpKey: string;
  quitKey: string;
}

/** "eBPF on", with what it lost over the last minute ("eBPF on: 0.4% of block completions had no start"), or why it is off. */
export function ebpfState(frame: Frame | null): string | null {
  const l = frame?.latency;
  if (!l) return null;
  const bad = l.badLines > 0 ? ` (${l.badLines} bad lines)` : '';
  if (!l.active) return sanitize(l.source, 120) + bad;
  const lost = lossNotes(l.windows['1m']);
  return lost.length > 0 ? `eBPF on: ${lost.join('; ')}${bad}` : `eBPF on${bad}`;
}

export function statusLine(frame: Frame | null, s: StatusState, theme: Theme, width: number): string {
  const t = (k: ThemeKey, text: string): string => paint(theme, themeColor(theme, k), text);
  if (s.prompt) {
    const text = sanitize(s.prompt.text, 500);
    const room = Math.max(0, width - textCells(s.prompt.label) - 2);
    const shown = tailCells(text, room);
    return fit(` ${s.prompt.label}${shown}█`, width);
  }
  const parts: [string, string][] = [];
  if (s.paused) parts.push(['PAUSED', t('status_warn', bold('PAUSED'))]);
  for (const n of s.notes ?? []) parts.push([n, t('status_err', n)]);
  for (const e of frame?.errors ?? []) {
    // Messages that already name their source ("docker: reconnecting ...") are not prefixed twice.
    const text = sanitize(e.message, 200);
    const msg = text.startsWith(`${e.source}:`) ? text : `${sanitize(e.source, 40)}: ${text}`;
    parts.push([msg, t('status_err', msg)]);
  }
  const eb = ebpfState(frame);
  if (eb) parts.push([eb, t(frame?.latency?.active ? 'status_fg' : 'inactive_fg', eb)]);
  const hint = `${s.helpKey} help  ${s.quitKey} quit`;
  const sep = ' │ ';
  // Fit the parts in order, leaving room for the hint on the right; a cut part ends with "…".
  const right = width - hint.length - 2;
  let used = 1;
  let out = ' ';
  for (const [plain, tagged] of parts) {
    const need = (used > 1 ? sep.length : 0) + textCells(plain);
    if (used + need <= right) {
      out += (used > 1 ? sep : '') + tagged;
      used += need;
    } else {
      const room = right - used - (used > 1 ? sep.length : 0);
      if (room > 4) {
        out += (used > 1 ? sep : '') + fit(plain, room);
        used += room + (used > 1 ? sep.length : 0);
      }
      break;
    }
  }
  if (width - used >= hint.length + 1) return out + ' '.repeat(width - used - hint.length - 1) + t('inactive_fg', hint) + ' ';
  return out + ' '.repeat(Math.max(0, width - used));
}

/** The end of `text` that fits in `cells` cells (the prompt shows what was typed last). */
function tailCells(text: string, cells: number): string {
  if (textCells(text) <= cells) return text;
  const chars = [...text];
  let used = 0;
  let k = chars.length;
  while (k > 0) {
    const w = textCells(chars[k - 1]!);
    if (used + w > cells) break;
    used += w;
    k--;
  }
  return chars.slice(k).join('');
}
