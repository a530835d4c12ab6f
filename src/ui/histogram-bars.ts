// One window's latency histogram as horizontal bars: one row per power of two (like biolatency), the
// count at the end of each bar, and percentile marks (p50/p95/p99) on the rows that hold them.
import type { Theme } from './theme.js';
import { gradient } from './theme.js';
import { micros } from './format.js';

export interface HistogramBar {
  loUs: number;
  hiUs: number;
  count: number;
  /** Percentile labels that fall in this row ("p50", "p99"...). */
  marks: string[];
}

export interface PercentileMark {
  label: string;
  us: number | null;
}

function octave(us: number): number {
  return Math.floor(Math.log2(us) - 1e-9);
}

/**
 * Group [upperBoundUs, count] buckets into power-of-two rows from the lowest to the highest non-empty row
 * (empty rows in between are kept). When there are more than `maxRows`, adjacent rows are merged.
 */
export function histogramBars(buckets: readonly [number, number][], marks: readonly PercentileMark[] = [], maxRows = 32): HistogramBar[] {
  const byOct = new Map<number, number>();
  for (const [up, n] of buckets) {
    if (!(n > 0) || !(up > 0)) continue;
    const o = octave(up);
    byOct.set(o, (byOct.get(o) ?? 0) + n);
  }
  if (byOct.size === 0) return [];
  const lo = Math.min(...byOct.keys());
  const hi = Math.max(...byOct.keys());
  const span = hi - lo + 1;
  const per = Math.max(1, Math.ceil(span / Math.max(1, maxRows)));
  const bars: HistogramBar[] = [];
  for (let o = lo; o <= hi; o += per) {
    let count = 0;
    for (let k = 0; k < per; k++) count += byOct.get(o + k) ?? 0;
    bars.push({ loUs: 2 ** o, hiUs: 2 ** (o + per), count, marks: [] });
  }
  for (const m of marks) {
    if (m.us == null || !(m.us > 0)) continue;
    const idx = Math.max(0, Math.min(bars.length - 1, Math.floor((octave(m.us) - lo) / per)));
    bars[idx]!.marks.push(m.label);
  }
  return bars;
}

const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `frac` (0-1) of `width` cells using eighth blocks. Non-zero counts get at least one eighth. */
export function barText(frac: number, width: number): string {
  const eighths = Math.max(frac > 0 ? 1 : 0, Math.round(Math.max(0, Math.min(1, frac)) * width * 8));
  const full = Math.floor(eighths / 8);
  return ('█'.repeat(full) + PARTIAL[eighths % 8]).padEnd(width);
}

/** Compact range label, e.g. "256µs-512µs". */
export function rangeLabel(bar: HistogramBar): string {
  return `${micros(bar.loUs)}-${micros(bar.hiUs)}`;
}

/** Text lines "range │bar count marks", fitted to `width`. With `tags`, bars are coloured (not in mono). */
export function renderHistogramBars(bars: readonly HistogramBar[], width: number, theme: Theme, tags = true): string[] {
  if (bars.length === 0) return [];
  const labelW = Math.max(...bars.map((b) => rangeLabel(b).length));
  const max = Math.max(...bars.map((b) => b.count));
  const countW = Math.max(...bars.map((b) => String(b.count).length));
  const marksW = Math.max(0, ...bars.map((b) => (b.marks.length ? b.marks.join(' ').length + 2 : 0)));
  const barW = Math.max(4, width - labelW - 2 - countW - 1 - marksW);
  return bars.map((b) => {
    const bar = barText(max > 0 ? b.count / max : 0, barW);
    const color = tags ? gradient(theme, 'lat', max > 0 ? (b.count / max) * 100 : 0) : undefined;
    const barOut = color ? `{${color}-fg}${bar}{/${color}-fg}` : bar;
    const marks = b.marks.length ? ` ◄${b.marks.join(' ')}` : '';
    return `${rangeLabel(b).padStart(labelW)} │${barOut} ${String(b.count).padStart(countW)}${marks}`;
  });
}
