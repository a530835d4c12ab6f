// What the UI and the rest of tailtop (CLI, sampler, config) agree on, in one module both sides import:
// what the UI wants collected, the refresh bounds and steps, the latency windows and the order of block
// ops, and the theme's keys (typed from the default theme, so a misspelt colour key does not compile).
// It holds no I/O and imports only model types: `cli, sampler, config, ui -> contract -> model`.
import { BLOCK_OPS, LATENCY_WINDOWS, opRank, type BlockOp, type LatencyWindow } from './model/types.js';

export { BLOCK_OPS, LATENCY_WINDOWS, opRank, type BlockOp, type LatencyWindow };

// ------------------------------------------------------------------ what the UI shows, what to collect
/** What to collect besides the host: the TUI says it on every view change; `snapshot` once. */
export interface Wants {
  /** Collect processes (only while a process table is visible, or for `snapshot --processes`). */
  processes: boolean;
  /** The container whose view is open (its detail files are read every poll). */
  containerId: string | null;
  /** The container under the table's cursor: detail every poll too, so its view opens with history. */
  cursorContainerId?: string | null;
  /** Detail files for every container (`snapshot`; the default until the TUI says what it shows). */
  allDetail?: boolean;
  /** The latency window shown: per-container latency is computed for it and `current` only (else for all). */
  latencyWindow?: LatencyWindow;
  /** Windows alert rules read per-container latency over: computed for every container, with rows. */
  alertWindows?: readonly LatencyWindow[];
}

// ------------------------------------------------------------------ refresh interval
export const MIN_REFRESH_MS = 250;
export const MAX_REFRESH_MS = 10_000;
export const DEFAULT_REFRESH_MS = 1000;
/** The intervals + and - step through. */
export const REFRESH_STEPS = [250, 500, 1000, 2000, 3000, 5000, 10_000] as const;

/** A refresh interval within the bounds (whole ms; not a number: the default). */
export function clampRefresh(ms: number): number {
  if (!Number.isFinite(ms)) return DEFAULT_REFRESH_MS;
  return Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, Math.round(ms)));
}

export function fasterRefresh(ms: number): number {
  const lower = REFRESH_STEPS.filter((s) => s < ms);
  return lower.length ? lower[lower.length - 1]! : MIN_REFRESH_MS;
}

export function slowerRefresh(ms: number): number {
  return REFRESH_STEPS.find((s) => s > ms) ?? MAX_REFRESH_MS;
}

// ------------------------------------------------------------------ latency windows, block ops
/** The window `w` cycles to (1s -> 10s -> 1m -> 5m -> 1s). */
export function nextWindow(w: LatencyWindow): LatencyWindow {
  return LATENCY_WINDOWS[(LATENCY_WINDOWS.indexOf(w) + 1) % LATENCY_WINDOWS.length]!;
}

/** Ops the latency table lists for every device, with "—" while they have no data. */
export const LISTED_OPS: readonly BlockOp[] = ['read', 'write'];

// ------------------------------------------------------------------ theme keys
/**
 * The default (dark) theme; themes/default.theme holds the same values (a test keeps them equal). Also the
 * set of valid keys: every theme file is checked against it and filled from it.
 */
export const DEFAULT_COLORS = Object.freeze({
  main_fg: '#cccccc',
  main_bg: 'default',
  title: '#eeeeee',
  hi_fg: '#ffb000',
  selected_fg: '#000000',
  selected_bg: '#5fafff',
  inactive_fg: '#6c6c6c',
  box_fg: '#5f87af',
  focus_fg: '#ffb000',
  div_line: '#444444',
  meter_bg: '#3a3a3a',
  status_fg: '#aaaaaa',
  status_err: '#ff5f5f',
  status_warn: '#ffd75f',
  cpu_start: '#5fd75f',
  cpu_mid: '#ffd75f',
  cpu_end: '#ff5f5f',
  mem_start: '#5fafff',
  mem_mid: '#af87ff',
  mem_end: '#ff5faf',
  net_start: '#87d7ff',
  net_mid: '#5fafd7',
  net_end: '#d787ff',
  io_start: '#afd787',
  io_mid: '#ffd75f',
  io_end: '#ff875f',
  lat_start: '#5fd7af',
  lat_mid: '#ffaf5f',
  lat_end: '#ff5f5f',
} as const satisfies Record<string, string>);

export type ThemeKey = keyof typeof DEFAULT_COLORS;
/** The gradients (start/mid/end keys) a value can be coloured along. */
export type GradientBase = BaseOf<ThemeKey>;
type BaseOf<K> = K extends `${infer B}_start` ? B : never;

/**
 * A loaded theme. Themes are plain `key = value` files in themes/ (config/themes.ts loads and validates them);
 * colours are blessed colour strings ("#rrggbb", a name, `default`), down-sampled to the terminal's depth.
 */
export interface Theme {
  name: string;
  colors: Record<ThemeKey, string>;
  /** true for the monochrome theme (NO_COLOR / no colour terminal): no colour attributes at all. */
  mono: boolean;
}

export function isThemeKey(k: string): k is ThemeKey {
  return Object.hasOwn(DEFAULT_COLORS, k);
}
