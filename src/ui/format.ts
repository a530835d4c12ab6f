// Number formatting for panels. Unknown values (null) are shown as an em dash, never as 0.
import { fitCells } from '../text/width.js';
import type { ContainerFrame, LatencyWindowFrame } from '../model/types.js';
import { noStartPercent } from '../model/latency.js';

export const DASH = '—';

const UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

/** 1536 -> "1.5K" (binary multiples). */
export function bytes(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return DASH;
  let x = Math.abs(v);
  let i = 0;
  while (x >= 1024 && i < UNITS.length - 1) {
    x /= 1024;
    i++;
  }
  const s = x >= 100 || i === 0 ? x.toFixed(0) : x.toFixed(1);
  return `${v < 0 ? '-' : ''}${s}${UNITS[i]}`;
}

export function rate(v: number | null | undefined): string {
  return v == null || !Number.isFinite(v) ? DASH : `${bytes(v)}/s`;
}

export function percent(v: number | null | undefined, digits = 1): string {
  return v == null || !Number.isFinite(v) ? DASH : `${v.toFixed(digits)}%`;
}

export function num(v: number | null | undefined, digits = 0): string {
  if (v == null || !Number.isFinite(v)) return DASH;
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  return v.toFixed(digits);
}

/** Microseconds -> "850µs", "12.3ms", "1.20s". */
export function micros(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return DASH;
  if (v < 1000) return `${v.toFixed(0)}µs`;
  if (v < 1_000_000) return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)}ms`;
  return `${(v / 1_000_000).toFixed(2)}s`;
}

export function duration(sec: number | null | undefined): string {
  if (sec == null || !Number.isFinite(sec)) return DASH;
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  return d > 0 ? `${d}d ${h}h ${m}m` : `${h}h ${m}m`;
}

/** Pad or cut to exactly `width` terminal cells (wide characters take two; see text/width.ts). */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  return fitCells(s, width, align);
}

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'].map((c) => c.charCodeAt(0));
const SPACE = 0x20;

/** Reused code-unit buffer: a line is built without a string per character. */
const codes: number[] = [];
/** The string of `n` code units from `codes` (in chunks: apply() takes a bounded argument list). */
export function codesToString(buf: number[], n: number): string {
  if (n <= 4096) {
    buf.length = n;
    return String.fromCharCode.apply(null, buf);
  }
  let out = '';
  for (let i = 0; i < n; i += 4096) out += String.fromCharCode.apply(null, buf.slice(i, Math.min(n, i + 4096)));
  return out;
}

/** Text sparkline of the newest `width` values; NaN (a gap) is a space. `max` defaults to the data max. */
export function sparkline(values: ArrayLike<number>, width: number, max?: number): string {
  if (width <= 0) return '';
  const n = Math.min(width, values.length);
  const start = values.length - n;
  let top = max ?? 0;
  if (max == null) for (let i = start; i < values.length; i++) if (values[i]! > top) top = values[i]!;
  const buf = codes;
  let k = 0;
  for (let i = 0; i < width - n; i++) buf[k++] = SPACE;
  for (let i = start; i < values.length; i++) {
    const v = values[i]!;
    buf[k++] = Number.isNaN(v) ? SPACE : BARS[Math.min(7, Math.max(0, Math.round((top > 0 ? v / top : 0) * 7)))]!;
  }
  return codesToString(buf, k);
}

/** A share 0-100 with the digits it needs: 0.4%, 0.012%, 12%. */
export function share(v: number): string {
  if (v >= 10) return `${v.toFixed(0)}%`;
  if (v >= 0.1) return `${v.toFixed(1)}%`;
  return `${v.toPrecision(1)}%`;
}

/** What the eBPF helper could not use in a window, one short phrase per cause (empty when nothing). */
export function lossNotes(w: LatencyWindowFrame): string[] {
  const out: string[] = [];
  const l = w.lost;
  const ns = noStartPercent(w);
  if (ns !== null && l.blockNoStart > 0) out.push(`${share(ns)} of block completions had no start`);
  if (l.blockStartDropped > 0) out.push(`${num(l.blockStartDropped)} block starts dropped (start map full)`);
  if (l.blockStale > 0) out.push(`${num(l.blockStale)} block starts aged out`);
  if (l.histFull > 0) out.push(`${num(l.histFull)} events not counted (histogram map full)`);
  if (l.runqStartDropped > 0) out.push(`${num(l.runqStartDropped)} wakeups not timed (run-queue map full)`);
  const all = w.blockCompleted;
  if (all > 0 && w.unattributed.count > 0) out.push(`${share((w.unattributed.count / all) * 100)} of block I/O had no cgroup`);
  return out;
}

/** Marker for figures that do not come from cgroup files. */
export function sourceMarker(c: ContainerFrame): string {
  if (c.source === 'docker-stats') return 'api';
  if (c.source === 'cgroup-v1' || c.source === 'cgroup-v2') return '';
  return c.source.slice(0, 3);
}
