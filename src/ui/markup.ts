// blessed tag markup, in one place: every `{…}` tag the UI writes comes from here. Widths are computed on
// plain text and tags are added afterwards, so a tagged line is never wider than its box. Text that is not
// ours (names, labels, command lines) goes through sanitize() first, which also turns `{` `}` into `(` `)`;
// escTags keeps braces of our own text as they are.
import type { Theme, ThemeKey } from '../contract.js';

/** Wrap text in a foreground colour tag; no tag for mono themes, no colour, `default` or empty text. */
export function paint(theme: Theme, color: string | undefined, text: string): string {
  if (theme.mono || !color || color === 'default' || text === '') return text;
  return `{${color}-fg}${text}{/${color}-fg}`;
}

/** A theme colour by key; undefined for mono themes. */
export function themeColor(theme: Theme, k: ThemeKey): string | undefined {
  return theme.mono ? undefined : theme.colors[k];
}

/** Text in the inactive colour (labels, units, figures that are stale). */
export function dim(theme: Theme, text: string): string {
  return paint(theme, themeColor(theme, 'inactive_fg'), text);
}

/** A selected row: the theme's selection colours, or inverse video where there are none (mono). */
export function selected(theme: Theme, text: string): string {
  const bg = themeColor(theme, 'selected_bg');
  if (!bg) return inverse(text);
  return `{${bg}-bg}${paint(theme, themeColor(theme, 'selected_fg'), text)}{/${bg}-bg}`;
}

export function bold(text: string): string {
  return `{bold}${text}{/bold}`;
}

export function inverse(text: string): string {
  return `{inverse}${text}{/inverse}`;
}

export function underline(text: string): string {
  return `{underline}${text}{/underline}`;
}

/** Our own text shown as is: `{` and `}` would start a tag. */
export function escTags(s: string): string {
  return s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}
