// The fleet view's questions to Prometheus, and the answers turned into rows. Pure: PromQL strings in, API JSON
// in, rows out (tested without a server). Every value in a label (job, instance, names) comes from outside:
// it is escaped where it goes into PromQL and sanitised by the view before it is drawn.

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export class ApiError extends Error {
  override name = 'ApiError';
}

/** A PromQL string literal. */
export function promString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export type HostField = 'up' | 'last' | 'info' | 'cpu' | 'mem' | 'memTotal' | 'load' | 'cpus' | 'disk' | 'ctr' | 'ctrs' | 'alerts';

/** One instant query per column, over every instance of `job`; `w` is the rate window ("1m"). */
export function hostQueries(job: string, w: string): Record<HostField, string> {
  const j = `job=${promString(job)}`;
  const worst = (metric: string, by: string): string =>
    `topk by (instance) (1, histogram_quantile(0.99, sum by (instance, ${by}, le) (rate(${metric}{${j}, op=~"read|write"}[${w}]))) >= 0)`;
  return {
    up: `up{${j}}`,
    last: `timestamp(up{${j}})`,
    info: `tailtop_host_info{${j}}`,
    cpu: `100 * (1 - sum by (instance) (rate(tailtop_cpu_seconds_total{${j}, mode=~"idle|iowait"}[${w}])) / sum by (instance) (rate(tailtop_cpu_seconds_total{${j}}[${w}])))`,
    mem: `100 * (1 - sum by (instance) (tailtop_memory_available_bytes{${j}}) / sum by (instance) (tailtop_memory_total_bytes{${j}}))`,
    memTotal: `sum by (instance) (tailtop_memory_total_bytes{${j}})`,
    load: `sum by (instance) (tailtop_load1{${j}})`,
    cpus: `sum by (instance) (tailtop_cpus_online{${j}})`,
    disk: worst('tailtop_block_io_latency_seconds_bucket', 'device, op'),
    ctr: worst('tailtop_container_block_io_latency_seconds_bucket', 'container'),
    ctrs: `count by (instance) (tailtop_container_info{${j}})`,
    alerts: `count by (instance) (tailtop_alert_active{${j}, alertstate="firing"})`,
  };
}

export type ContainerField = 'info' | 'cpu' | 'mem' | 'memLimit' | 'ioRead' | 'ioWrite' | 'runq' | 'throttled';

/** The containers of one instance. */
export function containerQueries(job: string, instance: string, w: string): Record<ContainerField, string> {
  const m = `job=${promString(job)}, instance=${promString(instance)}`;
  const io = (op: string): string => `histogram_quantile(0.99, sum by (id, le) (rate(tailtop_container_block_io_latency_seconds_bucket{${m}, op="${op}"}[${w}]))) >= 0`;
  return {
    info: `tailtop_container_info{${m}}`,
    cpu: `100 * sum by (id) (rate(tailtop_container_cpu_usage_seconds_total{${m}}[${w}]))`,
    mem: `sum by (id) (tailtop_container_memory_used_bytes{${m}})`,
    memLimit: `sum by (id) (tailtop_container_memory_limit_bytes{${m}})`,
    ioRead: io('read'),
    ioWrite: io('write'),
    runq: `histogram_quantile(0.99, sum by (id, le) (rate(tailtop_container_runqueue_latency_seconds_bucket{${m}}[${w}]))) >= 0`,
    throttled: `100 * sum by (id) (rate(tailtop_container_cpu_throttled_periods_total{${m}}[${w}])) / sum by (id) (rate(tailtop_container_cpu_periods_total{${m}}[${w}]))`,
  };
}

/** The samples of an /api/v1/query answer (vector or scalar); ApiError for anything else. */
export function parseQueryResponse(body: unknown): Sample[] {
  const b = body as { status?: unknown; error?: unknown; data?: { resultType?: unknown; result?: unknown } } | null;
  if (typeof b !== 'object' || b === null || (b.status !== 'success' && b.status !== 'error')) throw new ApiError('not a Prometheus API response');
  if (b.status === 'error') throw new ApiError(typeof b.error === 'string' ? b.error : 'query failed');
  const type = b.data?.resultType;
  const result = b.data?.result;
  const num = (v: unknown): number => (typeof v === 'string' ? Number(v) : NaN);
  if (type === 'scalar' && Array.isArray(result)) return [{ labels: {}, value: num(result[1]) }];
  if (type !== 'vector' || !Array.isArray(result)) throw new ApiError(`unexpected result type ${JSON.stringify(type)}`);
  const out: Sample[] = [];
  for (const r of result as { metric?: unknown; value?: unknown }[]) {
    if (typeof r?.metric !== 'object' || r.metric === null || !Array.isArray(r.value)) continue;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.metric as Record<string, unknown>)) if (typeof v === 'string') labels[k] = v;
    out.push({ labels, value: num(r.value[1]) });
  }
  return out;
}

export interface HostRow {
  instance: string;
  hostname: string | null;
  /** true up, false down (the last scrape failed). */
  up: boolean;
  /** Time of the last scrape, seconds since the epoch. */
  lastScrapeSec: number | null;
  cpuPercent: number | null;
  memPercent: number | null;
  memTotalBytes: number | null;
  load1: number | null;
  cpus: number | null;
  diskP99Sec: number | null;
  /** "vda write": where the worst disk p99 is. */
  diskWhere: string | null;
  ctrP99Sec: number | null;
  ctrWhere: string | null;
  containers: number | null;
  alerts: number;
}

const finite = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

function byInstance(samples: Sample[] | undefined): Map<string, Sample> {
  const m = new Map<string, Sample>();
  for (const s of samples ?? []) {
    const i = s.labels['instance'];
    if (i !== undefined && !m.has(i)) m.set(i, s);
  }
  return m;
}

/** One row per instance that has an `up` series. */
export function hostRows(r: Partial<Record<HostField, Sample[]>>): HostRow[] {
  const idx = Object.fromEntries((Object.keys(hostQueries('', '1m')) as HostField[]).map((f) => [f, byInstance(r[f])])) as Record<HostField, Map<string, Sample>>;
  const rows: HostRow[] = [];
  for (const [instance, up] of idx.up) {
    const v = (f: HostField): number | null => finite(idx[f].get(instance)?.value);
    const disk = idx.disk.get(instance);
    const ctr = idx.ctr.get(instance);
    rows.push({
      instance,
      hostname: idx.info.get(instance)?.labels['hostname'] ?? null,
      up: up.value === 1,
      lastScrapeSec: v('last'),
      cpuPercent: v('cpu'),
      memPercent: v('mem'),
      memTotalBytes: v('memTotal'),
      load1: v('load'),
      cpus: v('cpus'),
      diskP99Sec: finite(disk?.value),
      diskWhere: disk ? `${disk.labels['device'] ?? '?'} ${disk.labels['op'] ?? ''}`.trim() : null,
      ctrP99Sec: finite(ctr?.value),
      ctrWhere: ctr ? (ctr.labels['container'] ?? null) : null,
      containers: v('ctrs'),
      alerts: v('alerts') ?? 0,
    });
  }
  return rows;
}

export interface ContainerRow {
  id: string;
  name: string;
  image: string;
  runtime: string;
  cpuPercent: number | null;
  memUsedBytes: number | null;
  memLimitBytes: number | null;
  ioReadP99Sec: number | null;
  ioWriteP99Sec: number | null;
  runqP99Sec: number | null;
  throttledPercent: number | null;
}

export function containerRows(r: Partial<Record<ContainerField, Sample[]>>): ContainerRow[] {
  const idx = (f: ContainerField): Map<string, number> => new Map((r[f] ?? []).filter((s) => s.labels['id'] !== undefined).map((s) => [s.labels['id']!, s.value]));
  const fields = { cpu: idx('cpu'), mem: idx('mem'), memLimit: idx('memLimit'), ioRead: idx('ioRead'), ioWrite: idx('ioWrite'), runq: idx('runq'), throttled: idx('throttled') };
  const seen = new Set<string>();
  const rows: ContainerRow[] = [];
  for (const s of r.info ?? []) {
    const id = s.labels['id'];
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    const v = (m: Map<string, number>): number | null => finite(m.get(id));
    rows.push({
      id,
      name: s.labels['container'] ?? id,
      image: s.labels['image'] ?? '',
      runtime: s.labels['runtime'] ?? '',
      cpuPercent: v(fields.cpu),
      memUsedBytes: v(fields.mem),
      memLimitBytes: v(fields.memLimit),
      ioReadP99Sec: v(fields.ioRead),
      ioWriteP99Sec: v(fields.ioWrite),
      runqP99Sec: v(fields.runq),
      throttledPercent: v(fields.throttled),
    });
  }
  return rows;
}
