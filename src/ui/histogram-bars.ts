// One window's latency histogram as horizontal bars: one row per power of two (like biolatency), the
// count at the end of each bar, and percentile marks (p50/p95/p99) on the rows that hold them.
import type { Theme } from './theme.js';
import { gradient } from './theme.js';
import { micros } from './format.js';
import { paint } from './markup.js';

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

function rowOf(us: number, r: number): number {
  return Math.floor(Math.log2(us) * r - 1e-9);
}

/**
 * Group [upperBoundUs, count] buckets into log-scale rows from the lowest to the highest non-empty row
 * (empty rows in between are kept): one row per power of two, or up to `maxRowsPerOctave` (2: half
 * octaves, 4: quarters) when that still fits `maxRows`. Beyond `maxRows`, adjacent rows are merged.
 */
export function histogramBars(
  buckets: readonly [number, number][],
  marks: readonly PercentileMark[] = [],
  maxRows = 32,
  maxRowsPerOctave = 1,
): HistogramBar[] {
  const live = buckets.filter(([up, n]) => n > 0 && up > 0);
  if (live.length === 0) return [];
  const ups = live.map(([up]) => up);
  const minUp = Math.min(...ups);
  const maxUp = Math.max(...ups);
  let r = 1;
  for (const cand of [4, 2, 1]) {
    if (cand > maxRowsPerOctave) continue;
    if (rowOf(maxUp, cand) - rowOf(minUp, cand) + 1 <= maxRows) {
      r = cand;
      break;
    }
  }
  const byRow = new Map<number, number>();
  for (const [up, n] of live) byRow.set(rowOf(up, r), (byRow.get(rowOf(up, r)) ?? 0) + n);
  const lo = rowOf(minUp, r);
  const hi = rowOf(maxUp, r);
  const per = Math.max(1, Math.ceil((hi - lo + 1) / Math.max(1, maxRows)));
  const bars: HistogramBar[] = [];
  for (let i = lo; i <= hi; i += per) {
    let count = 0;
    for (let k = 0; k < per; k++) count += byRow.get(i + k) ?? 0;
    bars.push({ loUs: 2 ** (i / r), hiUs: 2 ** ((i + per) / r), count, marks: [] });
  }
  for (const m of marks) {
    if (m.us == null || !(m.us > 0)) continue;
    const idx = Math.max(0, Math.min(bars.length - 1, Math.floor((rowOf(m.us, r) - lo) / per)));
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
function rangeLabel(bar: HistogramBar): string {
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
    const barOut = paint(theme, color, bar);
    const marks = b.marks.length ? ` ◄${b.marks.join(' ')}` : '';
    return `${rangeLabel(b).padStart(labelW)} │${barOut} ${String(b.count).padStart(countW)}${marks}`;
  });
}
