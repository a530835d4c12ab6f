// Theme type. Themes are plain `key = value` files in themes/ (see themes/default.theme); the loader
// (ui/theme-load.ts) validates them against this set of keys. Colours are blessed colour strings
// ("#rrggbb", a name, or a 0-255 index); the app down-samples to the terminal's depth.
export interface Theme {
  name: string;
  /** Colours by key: main_fg, main_bg, title, hi_fg, selected_bg, selected_fg, inactive_fg, div_line,
   *  cpu_start, cpu_mid, cpu_end, mem_start, mem_mid, mem_end, net_start, net_mid, net_end,
   *  io_start, io_mid, io_end, lat_start, lat_mid, lat_end, status_fg, status_err, box_fg, ... */
  colors: Record<string, string>;
  /** true for the monochrome theme (NO_COLOR / no colour terminal): no colour attributes at all. */
  mono: boolean;
}

/** Pick a colour along start/mid/end for a value 0-100 (btop-style gradient). */
export function gradient(theme: Theme, base: string, pct: number): string | undefined {
  if (theme.mono) return undefined;
  const c = theme.colors;
  if (pct < 34) return c[`${base}_start`] ?? c['main_fg'];
  if (pct < 67) return c[`${base}_mid`] ?? c[`${base}_start`] ?? c['main_fg'];
  return c[`${base}_end`] ?? c[`${base}_mid`] ?? c['main_fg'];
}
