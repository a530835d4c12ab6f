// Colours along a theme's gradients. The theme type and its keys are in contract.ts (shared with the loader,
// config/themes.ts); colours go into text through markup.ts.
import type { GradientBase, Theme } from '../contract.js';

export type { GradientBase, Theme, ThemeKey } from '../contract.js';

/** Pick a colour along start/mid/end for a value 0-100 (btop-style gradient). */
export function gradient(theme: Theme, base: GradientBase, pct: number): string | undefined {
  if (theme.mono) return undefined;
  const c = theme.colors;
  if (pct < 34) return c[`${base}_start`];
  if (pct < 67) return c[`${base}_mid`];
  return c[`${base}_end`];
}
