// The metric catalogue: one table of every figure tailtop derives (`container.cpu_percent`, `disk.write.p99`,
// `host.cpu.percent`), each with its unit, kind (a gauge as read, a rate of a counter, a percentile of a
// histogram), scope (which labels its values carry), how to read it from a Frame, and the PromQL expression
// over the families of docs/metrics.md (src/export/families.ts) that gives the same figure from Prometheus.
// Alert rules name these ids; the store's in-memory series (store/store.ts) are the `ring` figures; the
// recording's roll-ups (`figuresOf`) are the figures that are not percentiles (histograms are merged
// there); the snapshot's figures are the `snapshot` paths (a unit test walks a snapshot against them).
// docs/metrics.md lists the ids that have PromQL (a unit test keeps them equal).
//
// Values are in base units: percent 0-100 (container CPU: 100 = one core), seconds, bytes, bytes/s.
// Labels of a value are exactly those its PromQL expression yields, without `instance` and `job`: so an alert
// evaluated here and the same rule evaluated by Prometheus name the same instances.
import type { BlockLatencyRow, BlockOp, ContainerFrame, DiskFrame, Frame, LatencyWindow, LatencyWindowFrame, NetFrame, RunqueueLatency } from './types.js';
import { bucketIndex, Histogram, percentileNs } from './histogram.js';
import type { Unit } from './units.js';
import type { SampleSet } from './sample-set.js';
import { buildFrame } from './frame-builder.js';

export type Scope = 'host' | 'disk' | 'net' | 'container';

/** gauge: a value as read; counter: a rate of a counter over the frame's interval; histogram: a percentile. */
export type FigureKind = 'gauge' | 'counter' | 'histogram';

export interface MetricValue {
  labels: Record<string, string>;
  value: number;
}

/** Values of one id now; `window` is the rule's window for percentiles. The catalogue plugs in here. */
export type MetricLookup = (id: string, window: LatencyWindow) => readonly MetricValue[];

export interface MetricDef {
  id: string;
  unit: Unit;
  kind: FigureKind;
  scope: Scope;
  help: string;
  /** PromQL giving the figure per (instance, job[, scope labels]); `w` is a range such as "1m". */
  promql(w: string): string;
  /** Values from a frame (the TUI and the agent evaluate rules with this until the catalogue exists). */
  read(frame: Frame, window: LatencyWindow): MetricValue[];
}

/** Labels that identify one value of each scope, besides instance and job (PromQL `by (...)`). */
export const SCOPE_LABELS: Record<Scope, readonly string[]> = {
  host: [],
  disk: ['device'],
  net: ['interface'],
  container: ['container', 'id', 'image', 'runtime', 'compose_project', 'compose_service'],
};

const by = (scope: Scope, ...more: string[]): string => ['instance', 'job', ...SCOPE_LABELS[scope], ...more].join(', ');

// Label sets are built once and shared by every value and every tick that has them: frozen (read them, spread
// them, never change them), so that the recorder's roll-ups can know a label set by its identity instead of
// building its key again for every value of every sample (record/rollup.ts).
const MEMO_MAX = 4096;
const containerMemo = new Map<string, { c: Pick<ContainerFrame, 'name' | 'image' | 'runtime' | 'composeProject' | 'composeService'>; labels: Record<string, string> }>();

function containerLabels(c: ContainerFrame): Record<string, string> {
  const m = containerMemo.get(c.id);
  if (m && m.c.name === c.name && m.c.image === c.image && m.c.runtime === c.runtime && m.c.composeProject === c.composeProject && m.c.composeService === c.composeService) return m.labels;
  const l: Record<string, string> = { container: c.name, id: c.id.slice(0, 12), image: c.image, runtime: c.runtime };
  if (c.composeProject) l['compose_project'] = c.composeProject;
  if (c.composeService) l['compose_service'] = c.composeService;
  if (containerMemo.size >= MEMO_MAX) containerMemo.clear();
  containerMemo.set(c.id, { c: { name: c.name, image: c.image, runtime: c.runtime, composeProject: c.composeProject, composeService: c.composeService }, labels: Object.freeze(l) });
  return l;
}

const NO_LABELS: Record<string, string> = Object.freeze({});

const oneLabelMemo = { device: new Map<string, Record<string, string>>(), interface: new Map<string, Record<string, string>>() };

/** `{ [name]: value }`, the same frozen object every time. */
function oneLabel(name: 'device' | 'interface', value: string): Record<string, string> {
  const memo = oneLabelMemo[name];
  let l = memo.get(value);
  if (!l) {
    if (memo.size >= MEMO_MAX) memo.clear();
    l = Object.freeze({ [name]: value });
    memo.set(value, l);
  }
  return l;
}

const usable = (v: number | null | undefined): v is number => v != null && Number.isFinite(v);
const some = (labels: Record<string, string>, v: number | null | undefined): MetricValue[] => (usable(v) ? [{ labels, value: v }] : []);

/**
 * `items.flatMap((x) => some(labels(x), value(x)))`, without an array per item: these run for every
 * figure of every tick (the recorder's roll-ups read them all). `value` is made once per figure, not per call:
 * V8 keeps a function's optimised code only while one of its closures is alive, so a closure made anew each
 * tick is compiled again after every full garbage collection.
 */
function valuesOf<T>(items: readonly T[], labels: (x: T) => Record<string, string>, value: (x: T) => number | null | undefined): MetricValue[] {
  const out: MetricValue[] = [];
  for (let i = 0; i < items.length; i++) {
    const x = items[i]!;
    const v = value(x);
    if (usable(v)) out.push({ labels: labels(x), value: v });
  }
  return out;
}

const deviceLabels = (d: { name: string }): Record<string, string> => oneLabel('device', d.name);
const utilOf = (d: DiskFrame) => d.utilPercent;
const interfaceLabels = (n: { name: string }): Record<string, string> => oneLabel('interface', n.name);

function latencyWindow(f: Frame, w: LatencyWindow): LatencyWindowFrame | null {
  return f.latency?.active ? (f.latency.windows[w] ?? null) : null;
}

const PCTS = { p50: 0.5, p95: 0.95, p99: 0.99, p999: 0.999 } as const;
type Pct = keyof typeof PCTS;
const rowPct = (r: { p50Us: number | null; p95Us: number | null; p99Us: number | null; p999Us?: number | null }, p: Pct): number | null => {
  const us = p === 'p50' ? r.p50Us : p === 'p95' ? r.p95Us : p === 'p99' ? r.p99Us : (r.p999Us ?? null);
  return us == null ? null : us / 1e6;
};

/** Percentile over several rows (a container's devices): merged bucket counts, never averaged. */
function mergedPct(rows: BlockLatencyRow[], p: Pct): number | null {
  if (rows.length === 1) return rowPct(rows[0]!, p);
  const h = new Histogram();
  let max: number | null = null;
  for (const r of rows) {
    for (const [upUs, n] of r.buckets) h.addBucket(bucketIndex(Math.round(upUs * 1000) - 1), n);
    if (r.maxUs != null) max = Math.max(max ?? 0, Math.round(r.maxUs * 1000));
  }
  h.noteMax(max);
  const ns = percentileNs(h, PCTS[p]);
  return ns == null ? null : ns / 1e9;
}

const hostDef = (id: string, unit: Unit, kind: FigureKind, help: string, promql: (w: string) => string, read: (f: Frame) => number | null | undefined): MetricDef => ({
  id, unit, kind, scope: 'host', help, promql, read: (f) => some(NO_LABELS, read(f)),
});

function cpuShare(mode: string): (w: string) => string {
  return (w) => `100 * sum by (instance, job) (rate(tailtop_cpu_seconds_total{mode="${mode}"}[${w}])) / sum by (instance, job) (rate(tailtop_cpu_seconds_total[${w}]))`;
}

const HOST: MetricDef[] = [
  hostDef('host.cpu.percent', 'percent', 'counter', 'Busy share of all CPUs (100 = the whole machine).',
    (w) => `100 * (1 - sum by (instance, job) (rate(tailtop_cpu_seconds_total{mode=~"idle|iowait"}[${w}])) / sum by (instance, job) (rate(tailtop_cpu_seconds_total[${w}])))`,
    (f) => f.host.cpu.percent),
  ...(['user', 'system', 'iowait', 'steal'] as const).map((m) =>
    hostDef(`host.cpu.${m}`, 'percent', 'counter', `Share of all CPUs' time in ${m}.`, cpuShare(m), (f) => f.host.cpu[m])),
  hostDef('host.memory.used', 'bytes', 'gauge', 'Memory used (total - available).', () => 'tailtop_memory_total_bytes - tailtop_memory_available_bytes',
    (f) => f.host.memory?.usedBytes),
  hostDef('host.memory.used_percent', 'percent', 'gauge', 'Memory used, % of total.', () => '100 * (1 - tailtop_memory_available_bytes / tailtop_memory_total_bytes)',
    (f) => (f.host.memory && f.host.memory.totalBytes > 0 ? (100 * f.host.memory.usedBytes) / f.host.memory.totalBytes : null)),
  hostDef('host.memory.available', 'bytes', 'gauge', 'MemAvailable.', () => 'tailtop_memory_available_bytes + 0', (f) => f.host.memory?.availableBytes),
  hostDef('host.swap.used', 'bytes', 'gauge', 'Swap used.', () => 'tailtop_memory_swap_total_bytes - tailtop_memory_swap_free_bytes', (f) => f.host.memory?.swapUsedBytes),
  hostDef('host.load1', 'count', 'gauge', '1-minute load average.', () => 'tailtop_load1 + 0', (f) => f.host.load?.one),
  hostDef('host.load5', 'count', 'gauge', '5-minute load average.', () => 'tailtop_load5 + 0', (f) => f.host.load?.five),
  hostDef('host.load15', 'count', 'gauge', '15-minute load average.', () => 'tailtop_load15 + 0', (f) => f.host.load?.fifteen),
  hostDef('host.load1_per_cpu', 'count', 'gauge', '1-minute load average per online CPU.', () => 'tailtop_load1 / tailtop_cpus_online',
    (f) => (f.host.load && f.host.cores.length > 0 ? f.host.load.one / f.host.cores.length : null)),
  ...(['cpu', 'memory', 'io'] as const).flatMap((res) =>
    (['some', 'full'] as const).map((kind) =>
      hostDef(`host.pressure.${res}.${kind}`, 'percent', 'counter', `PSI ${res} ${kind}: share of time stalled.`,
        (w) => `100 * sum by (instance, job) (rate(tailtop_pressure_stalled_seconds_total{resource="${res}", kind="${kind}"}[${w}]))`,
        (f) => f.host.pressure?.[res]?.[kind]?.percent))),
  ...(Object.keys(PCTS) as Pct[]).map((p): MetricDef => ({
    id: `runqueue.${p}`, unit: 'seconds', kind: 'histogram', scope: 'host', help: `Run-queue delay ${p} of every task on the host (eBPF).`,
    promql: (w) => `histogram_quantile(${PCTS[p]}, sum by (instance, job, le) (rate(tailtop_runqueue_latency_seconds_bucket[${w}])))`,
    read: (f, w) => {
      const r: RunqueueLatency | null | undefined = latencyWindow(f, w)?.runqueue;
      return r && r.count > 0 ? some(NO_LABELS, rowPct(r, p)) : [];
    },
  })),
];

const OPS = ['read', 'write'] as const;

const DISK: MetricDef[] = [
  ...OPS.flatMap((op): MetricDef[] => {
    const counter = op === 'read' ? 'read' : 'written';
    const done = op === 'read' ? 'reads' : 'writes';
    // Accessors made once, not a closure per read (see valuesOf).
    const bytesOf = op === 'read' ? (d: DiskFrame) => d.readBytesPerSec : (d: DiskFrame) => d.writeBytesPerSec;
    const opsOf = op === 'read' ? (d: DiskFrame) => d.readOpsPerSec : (d: DiskFrame) => d.writeOpsPerSec;
    return [
      {
        id: `disk.${op}.bytes_per_sec`, unit: 'bytes_per_second', kind: 'counter', scope: 'disk', help: `Bytes ${counter} per second.`,
        promql: (w) => `rate(tailtop_disk_${counter}_bytes_total[${w}])`,
        read: (f) => valuesOf(f.host.disks, deviceLabels, bytesOf),
      },
      {
        id: `disk.${op}.iops`, unit: 'per_second', kind: 'counter', scope: 'disk', help: `${op === 'read' ? 'Reads' : 'Writes'} completed per second.`,
        promql: (w) => `rate(tailtop_disk_${done}_completed_total[${w}])`,
        read: (f) => valuesOf(f.host.disks, deviceLabels, opsOf),
      },
      ...(Object.keys(PCTS) as Pct[]).map((p): MetricDef => ({
        id: `disk.${op}.${p}`, unit: 'seconds', kind: 'histogram', scope: 'disk', help: `Block ${op} service time ${p} (eBPF).`,
        promql: (w) => `histogram_quantile(${PCTS[p]}, sum by (instance, job, device, le) (rate(tailtop_block_io_latency_seconds_bucket{op="${op}"}[${w}])))`,
        read: (f, w) => (latencyWindow(f, w)?.block ?? []).filter((r) => r.op === op && r.count > 0).flatMap((r) => some(oneLabel('device', r.device), rowPct(r, p))),
      })),
      ...(['p50', 'p95', 'p99'] as const).map((p): MetricDef => ({
        id: `disk.${op}.queue.${p}`, unit: 'seconds', kind: 'histogram', scope: 'disk', help: `Block ${op} time from insert to complete (queue included) ${p} (eBPF).`,
        promql: (w) => `histogram_quantile(${PCTS[p]}, sum by (instance, job, device, le) (rate(tailtop_block_io_queue_latency_seconds_bucket{op="${op}"}[${w}])))`,
        read: (f, w) => (latencyWindow(f, w)?.block ?? []).filter((r) => r.op === op && r.count > 0 && r.total).flatMap((r) => some(oneLabel('device', r.device), rowPct(r.total!, p))),
      })),
    ];
  }),
  {
    id: 'disk.util_percent', unit: 'percent', kind: 'counter', scope: 'disk', help: 'Share of time the disk was busy (io_ticks).',
    promql: (w) => `100 * rate(tailtop_disk_io_time_seconds_total[${w}])`,
    read: (f) => valuesOf(f.host.disks, deviceLabels, utilOf),
  },
];

const NET: MetricDef[] = (['rx', 'tx'] as const).flatMap((dir) => {
  const word = dir === 'rx' ? 'receive' : 'transmit';
  const key = (k: 'BytesPerSec' | 'ErrorsPerSec' | 'DropsPerSec') => `${dir}${k}` as const;
  const defs: [string, Unit, string, 'BytesPerSec' | 'ErrorsPerSec' | 'DropsPerSec'][] = [
    ['bytes_per_sec', 'bytes_per_second', 'bytes', 'BytesPerSec'],
    ['errors_per_sec', 'per_second', 'errs', 'ErrorsPerSec'],
    ['drops_per_sec', 'per_second', 'drop', 'DropsPerSec'],
  ];
  return defs.map(([suffix, unit, fam, k]): MetricDef => {
    const field = key(k);
    const valueOf = (n: NetFrame) => n[field];
    return {
      id: `net.${dir}.${suffix}`, unit, kind: 'counter', scope: 'net', help: `${word === 'receive' ? 'Received' : 'Sent'} ${fam === 'bytes' ? 'bytes' : fam === 'errs' ? 'errors' : 'drops'} per second.`,
      promql: (w) => `rate(tailtop_network_${word}_${fam}_total[${w}])`,
      read: (f) => valuesOf(f.host.net, interfaceLabels, valueOf),
    };
  });
});

const C = (id: string, unit: Unit, kind: FigureKind, help: string, promql: (w: string, b: string) => string, read: (c: ContainerFrame) => number | null | undefined): MetricDef => {
  const ifRunning = (c: ContainerFrame) => (c.state === 'running' ? read(c) : null);
  return { id, unit, kind, scope: 'container', help, promql: (w) => promql(w, by('container')), read: (f) => valuesOf(f.containers?.containers ?? [], containerLabels, ifRunning) };
};

function containerLatency(f: Frame, w: LatencyWindow): { c: ContainerFrame; lat: LatencyWindowFrame['containers'][string] }[] {
  const win = latencyWindow(f, w);
  if (!win) return [];
  return (f.containers?.containers ?? []).flatMap((c) => (win.containers[c.id] ? [{ c, lat: win.containers[c.id]! }] : []));
}

const CONTAINER: MetricDef[] = [
  C('container.cpu_percent', 'percent', 'counter', 'CPU used, 100 = one core (as docker stats).',
    (w, b) => `100 * sum by (${b}) (rate(tailtop_container_cpu_usage_seconds_total[${w}]))`, (c) => c.cpuPercent),
  C('container.cpu_limit_percent', 'percent', 'counter', 'CPU used, % of the container\'s CPU limit.',
    (w, b) => `100 * sum by (${b}) (rate(tailtop_container_cpu_usage_seconds_total[${w}])) / sum by (${b}) (tailtop_container_cpu_limit_cores)`, (c) => c.cpuOfLimitPercent),
  C('container.throttled_percent', 'percent', 'counter', 'Share of CFS periods throttled.',
    (w, b) => `100 * sum by (${b}) (rate(tailtop_container_cpu_throttled_periods_total[${w}])) / sum by (${b}) (rate(tailtop_container_cpu_periods_total[${w}]))`, (c) => c.throttledPercent),
  C('container.memory.used', 'bytes', 'gauge', 'Memory used (usage - inactive_file).',
    (_w, b) => `sum by (${b}) (tailtop_container_memory_used_bytes)`, (c) => c.memoryUsedBytes),
  C('container.memory.percent', 'percent', 'gauge', 'Memory used, % of the limit.',
    (_w, b) => `100 * sum by (${b}) (tailtop_container_memory_used_bytes) / sum by (${b}) (tailtop_container_memory_limit_bytes)`, (c) => c.memoryPercent),
  C('container.net.rx.bytes_per_sec', 'bytes_per_second', 'counter', 'Bytes received per second.',
    (w, b) => `sum by (${b}) (rate(tailtop_container_network_receive_bytes_total[${w}]))`, (c) => c.netRxBytesPerSec),
  C('container.net.tx.bytes_per_sec', 'bytes_per_second', 'counter', 'Bytes sent per second.',
    (w, b) => `sum by (${b}) (rate(tailtop_container_network_transmit_bytes_total[${w}]))`, (c) => c.netTxBytesPerSec),
  C('container.block.read.bytes_per_sec', 'bytes_per_second', 'counter', 'Block bytes read per second (cgroup).',
    (w, b) => `sum by (${b}) (rate(tailtop_container_block_read_bytes_total[${w}]))`, (c) => c.blockReadBytesPerSec),
  C('container.block.write.bytes_per_sec', 'bytes_per_second', 'counter', 'Block bytes written per second (cgroup).',
    (w, b) => `sum by (${b}) (rate(tailtop_container_block_written_bytes_total[${w}]))`, (c) => c.blockWriteBytesPerSec),
  C('container.pids', 'count', 'gauge', 'Tasks in the container.', (_w, b) => `sum by (${b}) (tailtop_container_pids)`, (c) => c.pids),
  ...OPS.flatMap((op) =>
    (Object.keys(PCTS) as Pct[]).map((p): MetricDef => ({
      id: `container.io.${op}.${p}`, unit: 'seconds', kind: 'histogram', scope: 'container', help: `Block ${op} service time ${p} of the container's requests, all devices merged (eBPF).`,
      promql: (w) => `histogram_quantile(${PCTS[p]}, sum by (${by('container', 'le')}) (rate(tailtop_container_block_io_latency_seconds_bucket{op="${op}"}[${w}])))`,
      read: (f, w) =>
        containerLatency(f, w).flatMap(({ c, lat }) => {
          const rows = (lat.block ?? []).filter((r) => r.op === (op as BlockOp) && r.count > 0);
          return rows.length ? some(containerLabels(c), mergedPct(rows, p)) : [];
        }),
    })),
  ),
  ...(Object.keys(PCTS) as Pct[]).map((p): MetricDef => ({
    id: `container.runqueue.${p}`, unit: 'seconds', kind: 'histogram', scope: 'container', help: `Run-queue delay ${p} of the container's tasks (eBPF).`,
    promql: (w) => `histogram_quantile(${PCTS[p]}, sum by (${by('container', 'le')}) (rate(tailtop_container_runqueue_latency_seconds_bucket[${w}])))`,
    read: (f, w) => containerLatency(f, w).flatMap(({ c, lat }) => (lat.runqueue && lat.runqueue.count > 0 ? some(containerLabels(c), rowPct(lat.runqueue, p)) : [])),
  })),
];

export const METRIC_IDS: readonly MetricDef[] = [...HOST, ...DISK, ...NET, ...CONTAINER];

const BY_ID = new Map(METRIC_IDS.map((d) => [d.id, d]));

export function metricDef(id: string): MetricDef | undefined {
  return BY_ID.get(id);
}

/** A lookup over one frame (rates of the newest interval; percentiles over the rule's window). */
export function frameLookup(frame: Frame | null): MetricLookup {
  return (id, window) => {
    const d = BY_ID.get(id);
    return d && frame ? d.read(frame, window) : [];
  };
}

/** The figures a recording rolls up (record/rollup.ts): all but percentiles (their histograms are merged). */
export const ROLLUP_FIGURES: readonly MetricDef[] = METRIC_IDS.filter((d) => d.kind !== 'histogram');

const ROLLUP_FRAME = { showAllDisks: false, clockTicks: 100 } as const;

/**
 * The recorder's `figuresOf(prev, set)`: every roll-up figure of the frame built from the set (the same
 * builder as live, without the latency windows), with the labels the catalogue gives its values.
 */
export function figuresOf(prev: SampleSet | null, set: SampleSet): { id: string; labels: Record<string, string>; value: number }[] {
  // processes are not rolled up: leave them out of the frame (deriving them costs more than the rest)
  const frame = buildFrame({ ...set, processes: null }, prev && { ...prev, processes: null }, null, ROLLUP_FRAME);
  const out: { id: string; labels: Record<string, string>; value: number }[] = [];
  for (const d of ROLLUP_FIGURES) for (const v of d.read(frame, '1s')) out.push({ id: d.id, labels: v.labels, value: v.value });
  return out;
}

// ---------------------------------------------------------------- series kept by the store

/** How the store keeps a figure over time: one value per frame and per entity (null for host figures). */
export type SeriesPut = (entity: string | null, value: number | null | undefined) => void;

export interface SeriesFigure {
  id: string;
  unit: Unit;
  kind: FigureKind;
  help: string;
  /** Every value of this figure in a frame, for each entity (container id, disk, interface, core...). */
  series(frame: Frame, put: SeriesPut): void;
}

/** The store's name of a figure's series for one entity. */
export const seriesKey = (id: string, entity: string | null = null): string => (entity === null ? id : `${id}/${entity}`);

/** A figure of the table above, kept as a series. */
function kept(id: string, series: SeriesFigure['series']): SeriesFigure {
  const d = BY_ID.get(id);
  if (!d) throw new Error(`catalogue: no figure ${id}`);
  return { id, unit: d.unit, kind: d.kind, help: d.help, series };
}

const eachContainer = (get: (c: ContainerFrame) => number | null | undefined) => (f: Frame, put: SeriesPut): void => {
  for (const c of f.containers?.containers ?? []) put(c.id, get(c));
};

const RESOURCES = ['cpu', 'memory', 'io'] as const;

/**
 * The figures the monitor draws over time (sparklines, graphs), each read from the frame once per frame: the
 * store's series are exactly these (store/store.ts), named seriesKey(id, entity).
 */
export const SERIES_FIGURES: readonly SeriesFigure[] = [
  kept('host.cpu.percent', (f, put) => put(null, f.host.cpu.percent)),
  ...(['user', 'system', 'iowait', 'steal'] as const).map((m) => kept(`host.cpu.${m}`, (f, put) => put(null, f.host.cpu[m]))),
  {
    id: 'host.core.percent', unit: 'percent', kind: 'counter', help: 'Busy share of one CPU (100 = that core).',
    series: (f, put) => {
      for (const c of f.host.cores) put(String(c.id), c.percent);
    },
  },
  kept('host.memory.used', (f, put) => put(null, f.host.memory?.usedBytes)),
  kept('host.swap.used', (f, put) => put(null, f.host.memory?.swapUsedBytes)),
  kept('host.load1', (f, put) => put(null, f.host.load?.one)),
  ...RESOURCES.map((res) =>
    kept(`host.pressure.${res}.some`, (f, put) => {
      if (f.host.pressure) put(null, f.host.pressure[res]?.some.percent);
    }),
  ),
  kept('disk.read.bytes_per_sec', (f, put) => {
    for (const d of f.host.disks) put(d.name, d.readBytesPerSec);
  }),
  kept('disk.write.bytes_per_sec', (f, put) => {
    for (const d of f.host.disks) put(d.name, d.writeBytesPerSec);
  }),
  kept('net.rx.bytes_per_sec', (f, put) => {
    for (const n of f.host.net) put(n.name, n.rxBytesPerSec);
  }),
  kept('net.tx.bytes_per_sec', (f, put) => {
    for (const n of f.host.net) put(n.name, n.txBytesPerSec);
  }),
  kept('container.cpu_percent', eachContainer((c) => c.cpuPercent)),
  kept('container.memory.used', eachContainer((c) => c.memoryUsedBytes)),
  kept('container.net.rx.bytes_per_sec', eachContainer((c) => c.netRxBytesPerSec)),
  kept('container.net.tx.bytes_per_sec', eachContainer((c) => c.netTxBytesPerSec)),
  kept('container.block.read.bytes_per_sec', eachContainer((c) => c.blockReadBytesPerSec)),
  kept('container.block.write.bytes_per_sec', eachContainer((c) => c.blockWriteBytesPerSec)),
  kept('container.throttled_percent', eachContainer((c) => c.throttledPercent)),
  ...RESOURCES.map((res): SeriesFigure => ({
    id: `container.pressure.${res}.some`, unit: 'percent', kind: 'counter', help: `PSI ${res} some of the container's cgroup: share of time stalled.`,
    series: (f, put) => {
      for (const c of f.containers?.containers ?? []) if (c.pressure) put(c.id, c.pressure[res]?.some.percent);
    },
  })),
  {
    id: 'disk.latency.p99', unit: 'seconds', kind: 'histogram', help: 'Block service time p99 over the last second, per device and op (eBPF).',
    series: (f, put) => {
      if (!f.latency?.active) return;
      for (const r of f.latency.windows['1s'].block) put(`${r.device}/${r.op}`, r.p99Us == null ? null : r.p99Us / 1e6);
    },
  },
];

/** Every figure of the catalogue: the alert/export ids and the series-only ones. */
export const CATALOGUE: readonly { id: string; unit: Unit; kind: FigureKind; help: string }[] = [
  ...METRIC_IDS,
  ...SERIES_FIGURES.filter((s) => !BY_ID.has(s.id)),
];
