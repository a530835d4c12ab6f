// Synthetic tailtop agents for Prometheus tests: every family of src/export/families.ts with values that are
// known functions of time, served through the real exposition writer and listener. One listener serves any
// number of hosts: Prometheus scrapes `/metrics?host=NAME` once per host (a target per host, so each has its
// own `up`), the blackbox-exporter way (relabel the target into a parameter and the instance label).
import { bucketIndex, Histogram } from '../src/model/histogram.js';
import { bucketScheme, fold, type BucketScheme } from '../src/export/buckets.js';
import { CONTENT_TYPES, negotiate, writeExposition, type Family, type HistogramSample, type Labels } from '../src/export/exposition.js';
import { FAMILIES, histogramFamily, scalarFamily } from '../src/export/families.js';
import { ExportServer, listenConfig } from '../src/export/server.js';
import type { ScrapeJob } from './prometheus.js';

export interface SyntheticContainer {
  name: string;
  id: string;
  image: string;
  /** CPU used, in cores (rate of cpu seconds). */
  cores: number;
  memUsed: number;
  memLimit: number | null;
  /** I/O latency: 98% of requests take 100 µs, 2% take this many ms (so the p99 lies in its bucket). */
  ioP99Ms: number;
}

export interface SyntheticHost {
  name: string;
  hostname: string;
  cpus: number;
  /** Busy share of all CPUs, 0..1 (idle + iowait make the rest). */
  busy: number;
  memTotal: number;
  memAvailable: number;
  load1: number;
  /** Per disk: 98% of requests at 100 µs, 2% at p99Ms. */
  disks: { device: string; p99Ms: number }[];
  containers: SyntheticContainer[];
  /** Block requests per second per disk and op (read, write). */
  iops: number;
  alertsFiring: number;
}

const GiB = 1024 ** 3;

/** Host i of a synthetic fleet: figures spread so that sorting and thresholds have something to find. */
export function syntheticHost(i: number, containers = 2): SyntheticHost {
  const n = String(i).padStart(3, '0');
  return {
    name: `host-${n}`,
    hostname: `node${n}.example`,
    cpus: 4,
    busy: ((i * 37) % 90) / 100 + 0.05,
    memTotal: 16 * GiB,
    memAvailable: 16 * GiB * (1 - ((i * 13) % 80) / 100 - 0.1),
    load1: (i % 8) + 0.5,
    disks: [{ device: 'vda', p99Ms: 1 + (i % 20) }],
    containers: Array.from({ length: containers }, (_, j) => ({
      name: `app-${n}-${j}`,
      id: `${n}${j}`.padEnd(12, 'a'),
      image: 'example/app:1',
      cores: 0.1 * (j + 1),
      memUsed: 256 * 1024 ** 2 * (j + 1),
      memLimit: j === 0 ? 1024 ** 3 : null,
      ioP99Ms: 2 + ((i + j * 7) % 30),
    })),
    iops: 50,
    alertsFiring: i % 10 === 3 ? 1 : 0,
  };
}

/** A cumulative latency histogram after `events` requests: 98% at 100 µs, 2% at `slowMs`. */
function latency(events: number, slowMs: number): Histogram {
  const h = new Histogram();
  const slow = Math.floor(events * 0.02);
  h.addBucket(bucketIndex(100_000), Math.floor(events) - slow);
  h.addBucket(bucketIndex(slowMs * 1e6), slow);
  return h;
}

function hist(labels: Labels, h: Histogram, scheme: BucketScheme): HistogramSample {
  const f = fold(h, scheme);
  return { labels, buckets: f.buckets, count: f.count, sum: f.sum };
}

/** Every family for host `h` at `t` seconds of uptime. */
export function hostFamilies(h: SyntheticHost, t: number, scheme: BucketScheme): Family[] {
  const busySec = h.cpus * h.busy * t;
  const idleSec = h.cpus * (1 - h.busy) * t;
  const s: Record<string, { labels: Labels; value: number }[]> = {};
  const put = (name: string, value: number, labels: Labels = {}): void => {
    (s[name] ??= []).push({ labels, value });
  };
  const hs: Record<string, HistogramSample[]> = {};
  const putH = (name: string, sample: HistogramSample): void => {
    (hs[name] ??= []).push(sample);
  };
  put('tailtop_host_info', 1, { hostname: h.hostname, kernel: '6.1.0', os: 'Linux' });
  for (const [mode, v] of Object.entries({ user: busySec * 0.6, system: busySec * 0.3, softirq: busySec * 0.1, nice: 0, irq: 0, steal: 0, iowait: idleSec * 0.05, idle: idleSec * 0.95 })) put('tailtop_cpu_seconds_total', v, { mode });
  put('tailtop_cpus_online', h.cpus);
  put('tailtop_context_switches_total', Math.floor(1000 * t));
  put('tailtop_boot_time_seconds', 1.7e9);
  put('tailtop_procs_running', 2);
  put('tailtop_procs_blocked', 0);
  put('tailtop_memory_total_bytes', h.memTotal);
  put('tailtop_memory_available_bytes', Math.round(h.memAvailable));
  put('tailtop_memory_free_bytes', Math.round(h.memAvailable / 2));
  put('tailtop_memory_buffers_bytes', 64 * 1024 ** 2);
  put('tailtop_memory_cached_bytes', GiB);
  put('tailtop_memory_swap_total_bytes', 0);
  put('tailtop_memory_swap_free_bytes', 0);
  put('tailtop_load1', h.load1);
  put('tailtop_load5', h.load1);
  put('tailtop_load15', h.load1);
  for (const resource of ['cpu', 'memory', 'io']) for (const kind of ['some', 'full']) put('tailtop_pressure_stalled_seconds_total', (kind === 'some' ? 0.02 : 0.01) * t, { resource, kind });
  for (const d of h.disks) {
    const dl = { device: d.device };
    put('tailtop_disk_read_bytes_total', Math.floor(h.iops * 4096 * t), dl);
    put('tailtop_disk_written_bytes_total', Math.floor(h.iops * 4096 * t), dl);
    put('tailtop_disk_reads_completed_total', Math.floor(h.iops * t), dl);
    put('tailtop_disk_writes_completed_total', Math.floor(h.iops * t), dl);
    put('tailtop_disk_discards_completed_total', 0, dl);
    put('tailtop_disk_flush_requests_total', 0, dl);
    put('tailtop_disk_io_time_seconds_total', 0.1 * t, dl);
    for (const op of ['read', 'write']) {
      putH('tailtop_block_io_latency_seconds', hist({ device: d.device, op }, latency(h.iops * t, d.p99Ms), scheme));
      putH('tailtop_block_io_queue_latency_seconds', hist({ device: d.device, op }, latency(h.iops * t, d.p99Ms * 1.5), scheme));
    }
  }
  for (const iface of ['eth0']) {
    for (const dir of ['receive', 'transmit']) {
      put(`tailtop_network_${dir}_bytes_total`, Math.floor(1e6 * t), { interface: iface });
      put(`tailtop_network_${dir}_packets_total`, Math.floor(1000 * t), { interface: iface });
      put(`tailtop_network_${dir}_errs_total`, 0, { interface: iface });
      put(`tailtop_network_${dir}_drop_total`, 0, { interface: iface });
    }
  }
  const rq = new Histogram().addBucket(bucketIndex(5_000), Math.floor(1000 * t)).addBucket(bucketIndex(80_000), Math.floor(10 * t));
  putH('tailtop_runqueue_latency_seconds', hist({}, rq, scheme));
  for (const c of h.containers) {
    const cl: Labels = { container: c.name, id: c.id, image: c.image, runtime: 'docker', compose_project: '', compose_service: '' };
    put('tailtop_container_info', 1, cl);
    put('tailtop_container_cpu_usage_seconds_total', c.cores * t, cl);
    put('tailtop_container_cpu_user_seconds_total', c.cores * t * 0.7, cl);
    put('tailtop_container_cpu_system_seconds_total', c.cores * t * 0.3, cl);
    if (c.memLimit != null) put('tailtop_container_memory_limit_bytes', c.memLimit, cl);
    put('tailtop_container_cpu_limit_cores', 1, cl);
    put('tailtop_container_cpu_periods_total', Math.floor(10 * t), cl);
    put('tailtop_container_cpu_throttled_periods_total', 0, cl);
    put('tailtop_container_cpu_throttled_seconds_total', 0, cl);
    put('tailtop_container_memory_used_bytes', c.memUsed, cl);
    put('tailtop_container_memory_usage_bytes', c.memUsed * 1.5, cl);
    put('tailtop_container_oom_kills_total', 0, cl);
    put('tailtop_container_network_receive_bytes_total', Math.floor(1e4 * t), cl);
    put('tailtop_container_network_transmit_bytes_total', Math.floor(1e4 * t), cl);
    put('tailtop_container_block_read_bytes_total', 0, cl);
    put('tailtop_container_block_written_bytes_total', Math.floor(4096 * h.iops * t), cl);
    put('tailtop_container_block_reads_completed_total', 0, cl);
    put('tailtop_container_block_writes_completed_total', Math.floor(h.iops * t), cl);
    put('tailtop_container_pids', 3, cl);
    for (const resource of ['cpu', 'memory', 'io']) for (const kind of ['some', 'full']) put('tailtop_container_pressure_stalled_seconds_total', 0.01 * t, { ...cl, resource, kind });
    for (const op of ['read', 'write']) {
      put('tailtop_container_block_io_bytes_total', Math.floor(4096 * h.iops * t), { ...cl, device: 'vda', op });
      putH('tailtop_container_block_io_latency_seconds', hist({ ...cl, device: 'vda', op }, latency(h.iops * t, c.ioP99Ms), scheme));
    }
    putH('tailtop_container_runqueue_latency_seconds', hist(cl, rq, scheme));
  }
  put('tailtop_build_info', 1, { version: '0.1.0', node_version: process.version });
  put('tailtop_last_sample_timestamp_seconds', Date.now() / 1000);
  put('tailtop_exporter_containers_excluded', 0);
  put('tailtop_exporter_containers_excluded_total', 0);
  put('tailtop_ebpf_up', 1);
  put('tailtop_ebpf_intervals_total', Math.floor(t));
  put('tailtop_ebpf_bad_lines_total', 0);
  put('tailtop_ebpf_lost_events_total', 0, { cause: 'unmatched_completion' });
  put('tailtop_ebpf_helper_restarts_total', 0);
  for (let k = 0; k < h.alertsFiring; k++) put('tailtop_alert_active', 1, { alertname: 'SlowDisk', alertstate: 'firing', severity: 'warning', device: h.disks[0]!.device });
  put('tailtop_alert_command_runs_total', 0, { alertname: 'SlowDisk', result: 'ok' });
  put('process_cpu_seconds_total', 0.01 * t);
  put('process_resident_memory_bytes', 60 * 1024 ** 2);
  put('process_start_time_seconds', Date.now() / 1000 - t);
  return FAMILIES.map((f) => (f.type === 'histogram' ? histogramFamily(f.name, scheme, hs[f.name] ?? []) : scalarFamily(f.name, s[f.name] ?? [])));
}

/** One listener serving `hosts` (by `?host=NAME`); a host set down answers 503, so its `up` is 0. */
export class FakeFleet {
  private readonly down = new Set<string>();
  private readonly byName: Map<string, SyntheticHost>;
  private readonly started = Date.now();
  private server: ExportServer | null = null;
  port = 0;
  scrapes = 0;

  constructor(
    readonly hosts: SyntheticHost[],
    private readonly scheme: BucketScheme = bucketScheme({ resolution: 1, minNs: 1000, maxNs: 2 ** 34 }),
    /** Uptime the counters start from, seconds (so rates exist from the second scrape). */
    private readonly uptime0 = 1000,
  ) {
    this.byName = new Map(hosts.map((h) => [h.name, h]));
  }

  /** Seconds of synthetic uptime now. */
  t(): number {
    return this.uptime0 + (Date.now() - this.started) / 1000;
  }

  async start(): Promise<number> {
    const server = new ExportServer(listenConfig({ listen: '127.0.0.1:0' }), { maxConnections: 256 });
    const serve = (format: 'text' | 'openmetrics' | null) => (req: { query: URLSearchParams; headers: Record<string, string | string[] | undefined> }) => {
      this.scrapes++;
      const name = req.query.get('host') ?? '';
      const h = this.byName.get(name);
      if (!h || this.down.has(name)) return { status: 503, contentType: 'text/plain', body: 'down\n' };
      const f = format ?? negotiate(req.headers['accept'] as string | undefined);
      return { contentType: CONTENT_TYPES[f], body: writeExposition(hostFamilies(h, this.t(), this.scheme), f) };
    };
    server.route('/metrics', serve(null));
    server.route('/metrics-text', serve('text'));
    this.server = server;
    this.port = (await server.start()).port;
    return this.port;
  }

  setDown(name: string, down: boolean): void {
    if (down) this.down.add(name);
    else this.down.delete(name);
  }

  /** The exposition of one host as Prometheus would get it. */
  exposition(name: string, format: 'text' | 'openmetrics' = 'text'): string {
    return writeExposition(hostFamilies(this.byName.get(name)!, this.t(), this.scheme), format);
  }

  /** A scrape job: one target per host, each scraped at /metrics?host=NAME with instance=NAME. */
  job(job: string, interval = '1s', path = '/metrics'): ScrapeJob {
    return {
      job,
      interval,
      metricsPath: path,
      targets: this.hosts.map((h) => h.name),
      extra: [
        '    relabel_configs:',
        '      - source_labels: [__address__]',
        '        target_label: __param_host',
        '      - source_labels: [__address__]',
        '        target_label: instance',
        '      - target_label: __address__',
        `        replacement: 127.0.0.1:${this.port}`,
      ].join('\n'),
    };
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}
