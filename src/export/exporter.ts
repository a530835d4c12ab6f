// What /metrics serves: the families of families.ts filled with the samples the caller sets once per tick
// (from the metric catalogue), with the cardinality limit and the agent's own families applied. The caller
// sets plain samples and cumulative histograms; `families()` (called per scrape) only formats what is held,
// in table order, so a scrape never reads a source or a clock of its own.
//
// Wiring (the agent or the TUI with --listen), per tick:
//   exporter.beginTick(containerIds)            // ids present now, oldest first: applies max_containers
//   exporter.set('tailtop_cpu_seconds_total', [{ labels: { mode: 'user' }, value: 1234.5 }, ...])
//   exporter.histograms.add('sda|write', { device: 'sda', op: 'write' }, intervalHistogram)   // one per family
//   exporter.setAlerts(evaluator.samples(), hooks.samples())
// and serve `metricsHandler(() => exporter.families())` on the listener.
import { bucketScheme, fold, type BucketScheme } from './buckets.js';
import { ContainerLimit } from './cardinality.js';
import { CumulativeHistograms } from './cumulative.js';
import type { Family, ScalarSample } from './exposition.js';
import { FAMILIES, familyDef, histogramFamily, scalarFamily } from './families.js';
import type { ExportSettings } from '../config/alerts.js';

export class Exporter {
  readonly scheme: BucketScheme;
  private readonly limit: ContainerLimit;
  private kept = new Set<string>();
  private readonly scalars = new Map<string, readonly ScalarSample[]>();
  /** Cumulative histograms per histogram family name. */
  private readonly hists = new Map<string, CumulativeHistograms>();
  private readonly startSec: number;

  constructor(
    settings: ExportSettings,
    private readonly build: { version: string; nowMs?: () => number },
  ) {
    this.scheme = bucketScheme(settings);
    this.limit = new ContainerLimit(settings.maxContainers);
    this.startSec = (build.nowMs ?? Date.now)() / 1000 - process.uptime();
    for (const f of FAMILIES) if (f.type === 'histogram') this.hists.set(f.name, new CumulativeHistograms());
  }

  /** The containers present this tick (by full or short id); returns the short ids exported. */
  beginTick(containerIds: readonly string[]): Set<string> {
    this.kept = this.limit.select(containerIds.map((id) => id.slice(0, 12)));
    // Histograms of containers that are gone or left out leave the exposition.
    for (const [name, h] of this.hists) if (familyDef(name).labels.includes('id')) h.retain((key) => this.kept.has(key.split('|')[0]!));
    return this.kept;
  }

  /** Samples of a counter, gauge or info family for this tick (replaces the previous ones). */
  set(name: string, samples: readonly ScalarSample[]): void {
    const def = familyDef(name);
    if (def.type === 'histogram') throw new Error(`'${name}' is a histogram: use histogram(name).add`);
    this.scalars.set(name, samples);
  }

  /** The cumulative histograms of a family; per-container keys must start with the short id and '|'. */
  histogram(name: string): CumulativeHistograms {
    const h = this.hists.get(name);
    if (!h) throw new Error(`'${name}' is not a histogram family`);
    return h;
  }

  setAlerts(active: readonly ScalarSample[], commandRuns: readonly ScalarSample[]): void {
    this.scalars.set('tailtop_alert_active', active);
    this.scalars.set('tailtop_alert_command_runs_total', commandRuns);
  }

  /** Every family, in table order, with the agent's own figures filled in. */
  families(): Family[] {
    const own: Record<string, ScalarSample[]> = {
      tailtop_build_info: [{ labels: { version: this.build.version, node_version: process.version }, value: 1 }],
      tailtop_exporter_containers_excluded: [{ labels: {}, value: this.limit.excluded }],
      tailtop_exporter_containers_excluded_total: [{ labels: {}, value: this.limit.excludedTotal }],
      process_cpu_seconds_total: [{ labels: {}, value: (() => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; })() }],
      process_resident_memory_bytes: [{ labels: {}, value: process.memoryUsage.rss() }],
      process_start_time_seconds: [{ labels: {}, value: Math.round(this.startSec) }],
    };
    return FAMILIES.map((f) => {
      if (f.type === 'histogram') {
        const perContainer = f.labels.includes('id');
        const series = this.hists.get(f.name)!.entries().filter((s) => !perContainer || this.kept.has(s.labels['id'] ?? ''));
        const samples = series.map((s) => {
          const folded = fold(s.hist, this.scheme, s.sumNs ?? undefined);
          return { labels: s.labels, buckets: folded.buckets, count: folded.count, sum: folded.sum };
        });
        return histogramFamily(f.name, this.scheme, samples);
      }
      let samples = own[f.name] ?? this.scalars.get(f.name) ?? [];
      if (f.labels.includes('id')) samples = samples.filter((s) => this.kept.has((s.labels['id'] ?? '').slice(0, 12)));
      return scalarFamily(f.name, samples);
    });
  }
}
