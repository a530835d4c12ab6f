// Helpers for whoever builds a ReportData (the query range over a recording, the synthetic generator): the
// time step a range should be drawn at, window statistics from samples, and a heatmap with its percentile
// lines from per-step histograms. Pure.
import type { AnyHistogram } from '../model/histogram.js';
import { Histogram, maxUs, percentile, rankOf, toPairs } from '../model/histogram.js';
import type { FigureId, LatencyData, LatencyKind, WindowStats } from './types.js';

/** Steps a report is drawn at, seconds: the first one giving at most MAX_STEPS steps is chosen. */
export const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400] as const;

/**
 * At most this many steps across a range: about the pixel width of a full-width chart on a laptop (finer
 * steps could not be seen without zooming and would only make the file larger). 24 hours -> 1-minute steps.
 */
export const MAX_STEPS = 2000;

/** The step (seconds) for a range: the smallest nice step >= the sampling interval giving <= MAX_STEPS steps. */
export function chooseStep(rangeSec: number, sampleIntervalSec: number): number {
  const want = Math.max(sampleIntervalSec, rangeSec / MAX_STEPS);
  for (const s of NICE_STEPS) if (s >= want) return s;
  return Math.ceil(want / 86400) * 86400;
}

/** avg, min, max and nearest-rank p95/p99 of the known (non-null) samples. */
export function windowStats(samples: ArrayLike<number | null>): WindowStats {
  const known: number[] = [];
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    if (v == null || !Number.isFinite(v)) continue;
    known.push(v);
    sum += v;
  }
  const n = known.length;
  if (n === 0) return { avg: null, min: null, max: null, p95: null, p99: null, samples: 0 };
  known.sort((a, b) => a - b);
  return {
    avg: sum / n,
    min: known[0]!,
    max: known[n - 1]!,
    p95: known[rankOf(0.95, n) - 1]!,
    p99: known[rankOf(0.99, n) - 1]!,
    samples: n,
  };
}

/**
 * A heatmap and its p50/p95/p99 lines from one histogram per step (null = nothing recorded then). Percentiles
 * are read from each step's histogram and the totals from all of them merged, never averaged.
 */
export function latencyData(id: FigureId, kind: LatencyKind, steps: readonly (AnyHistogram | null)[], op?: string): LatencyData {
  const all = new Histogram();
  const columns: ([number, number][] | null)[] = [];
  const p50: (number | null)[] = [];
  const p95: (number | null)[] = [];
  const p99: (number | null)[] = [];
  for (const h of steps) {
    if (h === null || !(h.total > 0)) {
      columns.push(h === null ? null : []);
      p50.push(null);
      p95.push(null);
      p99.push(null);
      continue;
    }
    all.mergeFrom(h);
    columns.push(toPairs(h));
    p50.push(percentile(h, 0.5));
    p95.push(percentile(h, 0.95));
    p99.push(percentile(h, 0.99));
  }
  const out: LatencyData = {
    id,
    kind,
    columns,
    p50,
    p95,
    p99,
    total: {
      count: all.total,
      p50: percentile(all, 0.5),
      p95: percentile(all, 0.95),
      p99: percentile(all, 0.99),
      p999: percentile(all, 0.999),
      max: maxUs(all),
    },
  };
  if (op !== undefined) out.op = op;
  return out;
}
