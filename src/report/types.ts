// The report's input: one pure data document, everything `renderReport` draws and nothing it must look up.
// The recording side (a query range over the store) produces it; the renderer validates it, rounds it to
// display precision, compresses it into the page and the page draws it. See docs/report.md for every field.
//
// Conventions (as docs/snapshot.md): bytes, seconds, rates per second, percentages 0-100, latency in
// microseconds. Host CPU: 100 = the whole machine; container CPU: 100 = one full core. A figure that cannot
// be known at a step is `null` (a gap in the chart), never 0. Times are epoch seconds (uPlot's unit).

/** Version of this document; the page refuses a document of another version. */
export const REPORT_SCHEMA_VERSION = 1;

/**
 * A figure's id: `host.cpu.percent`, `disk.write.p99`, `container.cpu_percent`... The entity it belongs to
 * (a disk, an interface, a container) is where the series sits, not part of the id. A later metric
 * catalogue owns the list; docs/report.md lists the ids the page knows today.
 */
export type FigureId = string;

/** How a value is shown. */
export type Unit = 'percent' | 'bytes' | 'bytes_per_sec' | 'ops_per_sec' | 'load' | 'count' | 'us';

/** Statistics of one figure over the whole range, from the samples (the raw ones where the store has them). */
export interface WindowStats {
  avg: number | null;
  min: number | null;
  max: number | null;
  p95: number | null;
  p99: number | null;
  /** Samples the statistics were computed from. */
  samples: number;
}

/** One figure over the time axis. */
export interface Series {
  id: FigureId;
  unit: Unit;
  /** One value per step of `ReportData.time`; null = not known at that step (drawn as a gap). */
  values: (number | null)[];
  /** Over the whole range; null when the producer has none. */
  stats: WindowStats | null;
}

/** Which latency a heatmap shows: block I/O (issue -> complete, per op) or run queue (wakeup -> running). */
export type LatencyKind = 'block' | 'runq';

/**
 * Latency over time from tailtop's log-linear histograms (src/model/histogram.ts, docs/ebpf-protocol.md):
 * per step the sparse `[bucketIndex, count]` pairs of the histogram merged over that step, and the
 * percentiles read from it (never averaged).
 */
export interface LatencyData {
  /** Figure id of the heatmap, e.g. `disk.read.latency`, `container.runq.latency`. */
  id: FigureId;
  kind: LatencyKind;
  /** Block I/O op (`read`, `write`, `flush`, ...); absent for the run queue. */
  op?: string;
  /**
   * Per step: sparse `[bucketIndex, count]` pairs, ascending, non-empty buckets only; null = no data then.
   * The whole array may be null: only the percentile lines were kept (the renderer does the same when the
   * file would exceed its size budget, see docs/report.md).
   */
  columns: ([number, number][] | null)[] | null;
  /** Per step, microseconds, null when the step has no requests. */
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  /** Over the whole range, from the histogram merged over every step (µs), and the request count. */
  total: { count: number; p50: number | null; p95: number | null; p99: number | null; p999: number | null; max: number | null };
}

export interface DiskData {
  name: string;
  /** `disk.read.bytes_per_sec`, `disk.write.bytes_per_sec`, `disk.read.iops`, `disk.write.iops`, `disk.util_percent`. */
  series: Series[];
  /** One heatmap per op (read, write, ...), empty when eBPF was off. */
  latency: LatencyData[];
  /** Where throughput and IOPS came from: `ebpf` or `diskstats`. */
  source: string;
  /**
   * Requests and bytes completed over the range, from the counters' difference between the first and the
   * last sample in it (/proc/diskstats), absent or null when not known (no two samples of one boot).
   */
  totals?: DiskTotals | null;
}

/** A disk's counters' difference over [from, to] (epoch s, the two samples' times). */
export interface DiskTotals {
  reads: number;
  writes: number;
  readBytes: number;
  writeBytes: number;
  from: number;
  to: number;
}

export interface NetData {
  name: string;
  /** `net.rx.bytes_per_sec`, `net.tx.bytes_per_sec`. */
  series: Series[];
}

export interface ContainerData {
  /** Full id (64 hex for Docker). */
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  /** `container.cpu_percent`, `container.memory.used`, `container.block.read.bytes_per_sec`, ... */
  series: Series[];
  /** Block I/O per op and run-queue latency of the container's cgroup; empty when eBPF was off. */
  latency: LatencyData[];
  /** Times (epoch s) the container was seen first and last within the range. */
  firstSeen: number;
  lastSeen: number;
}

/** Whether a part was recorded; when it was off, why (shown in the header). */
export interface Recorded {
  on: boolean;
  reason?: string;
}

export interface AlertInterval {
  /** Rule name, e.g. `disk-p99-high`. */
  name: string;
  severity: 'info' | 'warning' | 'critical';
  /** The figure it watched and on what (`sda`, a container name), when it has one. */
  figure?: FigureId;
  subject?: string;
  from: number;
  /** null = still firing at the end of the range. */
  to: number | null;
  message: string;
}

export interface ReportData {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tailtopVersion: string;
  /** When the document was made (epoch s). */
  generatedAt: number;
  host: {
    hostname: string;
    kernel: string;
    os?: string;
    cpuModel?: string;
    cpus?: number;
    memoryTotalBytes?: number;
    /** IANA zone of the host (e.g. `Europe/Berlin`): the page shows times in it. Absent: the viewer's zone. */
    timeZone?: string;
  };
  /** The queried range [from, to], epoch s. */
  range: { from: number; to: number };
  /** Seconds each step covers (60 for 1-minute roll-ups); step i covers [time[i], time[i] + stepSec). */
  stepSec: number;
  /** The recorder's sampling interval, seconds (window statistics come from samples this far apart). */
  sampleIntervalSec: number;
  recorded: { ebpf: Recorded; containers: Recorded; processes: Recorded };
  /** The shared time axis: the start of each step, epoch s, strictly ascending. */
  time: number[];
  /** Host figures: `host.cpu.*`, `host.memory.*`, `host.load.*`, `host.pressure.*`. */
  series: Series[];
  /** Host run-queue latency (eBPF), null when off. */
  runq: LatencyData | null;
  disks: DiskData[];
  net: NetData[];
  containers: ContainerData[];
  /** When `--containers` limited the report: the selectors and how many of how many containers matched. */
  containerFilter: { selectors: string[]; matched: number; total: number } | null;
  alerts: AlertInterval[];
}
