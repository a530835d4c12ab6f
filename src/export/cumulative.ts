// Histograms cumulative since the agent started, one per label set, for the exporter: each eBPF interval's
// histogram is added to its series' running total (never cleared), which is what a Prometheus histogram is.
// Series whose subject went away (a stopped container, a removed device) are dropped with `retain`, so they
// leave the exposition and Prometheus marks them stale. No clock, no I/O.
import { Histogram, type AnyHistogram } from '../model/histogram.js';
import type { Labels } from './exposition.js';

export interface CumulativeSeries {
  labels: Labels;
  hist: Histogram;
  /** Exact sum of the values in ns while every part added came with one; null once a part had none. */
  sumNs: number | null;
}

export class CumulativeHistograms {
  private readonly series = new Map<string, CumulativeSeries>();

  /** Add one interval's histogram to the series `key` (created with `labels` on first use). */
  add(key: string, labels: Labels, h: AnyHistogram, sumNs?: number): void {
    let s = this.series.get(key);
    if (!s) {
      s = { labels, hist: new Histogram(), sumNs: 0 };
      this.series.set(key, s);
    }
    s.hist.mergeFrom(h);
    s.sumNs = s.sumNs === null || sumNs === undefined ? null : s.sumNs + sumNs;
  }

  get(key: string): CumulativeSeries | undefined {
    return this.series.get(key);
  }

  /** Keep only the series for which `keep(key)` is true. */
  retain(keep: (key: string) => boolean): void {
    for (const k of [...this.series.keys()]) if (!keep(k)) this.series.delete(k);
  }

  get size(): number {
    return this.series.size;
  }

  /** Series in key order (a stable exposition order from scrape to scrape). */
  entries(): CumulativeSeries[] {
    return [...this.series.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, s]) => s);
  }
}
