// One tick of live data into the Exporter: the families of families.ts filled from the tick's SampleSet
// (counters exactly as read: /proc/stat jiffies, /proc/diskstats sectors, cgroup nanoseconds...) and its
// eBPF intervals (each interval's histograms added once to the cumulative series), plus the few gauges the
// frame already derived (a container's limits). Pure apart from the Exporter it fills: no clock, no I/O.
//
// Counters read from the kernel go out as the kernel counts them (since boot, or since the cgroup was made);
// the eBPF histograms and counters are built here and start at 0 when the process started. A figure that
// was not read is absent, never 0. While eBPF is off (or its data is stale) no latency series are exported,
// and when it comes back its histograms start again from 0 (Prometheus' rate() reads that as a reset).
import type { ContainerCounters, ContainerMeta, ContainerFrame, Frame, StaticFacts } from '../model/types.js';
import { LOST_KEYS } from '../model/types.js';
import type { SampleSet } from '../model/sample-set.js';
import { deviceNamesFromDiskstats, type BucketPairs } from '../model/latency.js';
import { latencyMapsOf } from '../model/frame-builder.js';
import { isVirtualDisk } from '../model/host.js';
import { memoryUsed } from '../model/containers.js';
import { Histogram, sparseFromPairs } from '../model/histogram.js';
import type { Labels, ScalarSample } from './exposition.js';
import type { Exporter } from './exporter.js';

export interface FeedOptions {
  facts: () => StaticFacts;
  /** USER_HZ of /proc/stat (100 on Linux). */
  clockTicks?: number;
  /** Export idle loop/ram/zram devices too (show_all_disks). */
  showAllDisks?: boolean;
}

/** The label set of a container (families.ts CONTAINER_LABELS; compose_* only when present). */
export function containerLabels(m: Pick<ContainerMeta, 'id' | 'name' | 'image' | 'runtime' | 'composeProject' | 'composeService'>): Labels {
  const l: Record<string, string> = { container: m.name, id: m.id.slice(0, 12), image: m.image, runtime: m.runtime };
  if (m.composeProject) l['compose_project'] = m.composeProject;
  if (m.composeService) l['compose_service'] = m.composeService;
  return l;
}

const SECTOR = 512;

/** Feeds an Exporter tick by tick; keeps the counters it builds itself (eBPF) across ticks. */
export class ExportFeed {
  private intervals = 0;
  private readonly lost = new Map<string, number>();
  /** `shortId|device|op` -> bytes attributed by eBPF, since start. */
  private readonly containerBytes = new Map<string, { labels: Labels; value: number }>();
  private ebpfWasUp = false;

  constructor(
    private readonly exporter: Exporter,
    private readonly o: FeedOptions,
  ) {}

  /** Everything of one tick. */
  tick(set: SampleSet, frame: Frame): void {
    const ex = this.exporter;
    const running = (set.containers?.containers ?? []).filter((c) => c.counters && c.meta.state === 'running');
    // Oldest first: newcomers fill free places under the cardinality limit in the order they started.
    running.sort((a, b) => (a.meta.createdSec ?? 0) - (b.meta.createdSec ?? 0) || (a.meta.id < b.meta.id ? -1 : 1));
    const kept = ex.beginTick(running.map((c) => c.meta.id));
    this.host(set);
    const frames = new Map((frame.containers?.containers ?? []).map((c) => [c.id, c]));
    this.containers(running.filter((c) => kept.has(c.meta.id.slice(0, 12))).map((c) => ({ meta: c.meta, counters: c.counters!, frame: frames.get(c.meta.id) ?? null })));
    this.latency(set, frame, kept);
    ex.set('tailtop_last_sample_timestamp_seconds', [{ labels: {}, value: set.wallMs / 1000 }]);
  }

  private host(set: SampleSet): void {
    const ex = this.exporter;
    const h = set.host;
    const facts = this.o.facts();
    const hz = this.o.clockTicks ?? 100;
    ex.set('tailtop_host_info', [{ labels: { hostname: facts.hostname, kernel: facts.kernel, os: facts.os }, value: 1 }]);
    const st = h.stat;
    ex.set('tailtop_cpu_seconds_total', st ? (Object.keys(st.total) as (keyof typeof st.total)[]).map((mode) => ({ labels: { mode }, value: st.total[mode] / hz })) : []);
    ex.set('tailtop_cpus_online', st ? [{ labels: {}, value: st.cores.length }] : []);
    ex.set('tailtop_context_switches_total', one(st?.contextSwitches));
    ex.set('tailtop_boot_time_seconds', one(st?.bootTimeSec));
    ex.set('tailtop_procs_running', one(st?.procsRunning));
    ex.set('tailtop_procs_blocked', one(st?.procsBlocked));
    const m = h.meminfo;
    ex.set('tailtop_memory_total_bytes', one(m?.totalBytes));
    ex.set('tailtop_memory_available_bytes', one(m?.availableBytes));
    ex.set('tailtop_memory_free_bytes', one(m?.freeBytes));
    ex.set('tailtop_memory_buffers_bytes', one(m?.buffersBytes));
    ex.set('tailtop_memory_cached_bytes', one(m?.cachedBytes));
    ex.set('tailtop_memory_swap_total_bytes', one(m?.swapTotalBytes));
    ex.set('tailtop_memory_swap_free_bytes', one(m?.swapFreeBytes));
    ex.set('tailtop_load1', one(h.loadavg?.one));
    ex.set('tailtop_load5', one(h.loadavg?.five));
    ex.set('tailtop_load15', one(h.loadavg?.fifteen));
    ex.set('tailtop_pressure_stalled_seconds_total', pressure(h.pressure, {}));

    // Whole disks; idle loop/ram/zram devices (never any I/O since boot) only with show_all_disks.
    const disks = (h.disks ?? []).filter((d) => d.parent === null && (this.o.showAllDisks || !isVirtualDisk(d.name) || d.readsCompleted + d.writesCompleted > 0));
    const per = (f: (d: (typeof disks)[number]) => number | null): ScalarSample[] => disks.flatMap((d) => one(f(d), { device: d.name }));
    ex.set('tailtop_disk_read_bytes_total', per((d) => d.readSectors * SECTOR));
    ex.set('tailtop_disk_written_bytes_total', per((d) => d.writeSectors * SECTOR));
    ex.set('tailtop_disk_reads_completed_total', per((d) => d.readsCompleted));
    ex.set('tailtop_disk_writes_completed_total', per((d) => d.writesCompleted));
    ex.set('tailtop_disk_discards_completed_total', per((d) => d.discardsCompleted));
    ex.set('tailtop_disk_flush_requests_total', per((d) => d.flushesCompleted));
    ex.set('tailtop_disk_io_time_seconds_total', per((d) => d.ioTicksMs / 1000));

    const net = h.net ?? [];
    const nic = (f: (n: (typeof net)[number]) => number): ScalarSample[] => net.map((n) => ({ labels: { interface: n.name }, value: f(n) }));
    ex.set('tailtop_network_receive_bytes_total', nic((n) => n.rxBytes));
    ex.set('tailtop_network_transmit_bytes_total', nic((n) => n.txBytes));
    ex.set('tailtop_network_receive_packets_total', nic((n) => n.rxPackets));
    ex.set('tailtop_network_transmit_packets_total', nic((n) => n.txPackets));
    ex.set('tailtop_network_receive_errs_total', nic((n) => n.rxErrors));
    ex.set('tailtop_network_transmit_errs_total', nic((n) => n.txErrors));
    ex.set('tailtop_network_receive_drop_total', nic((n) => n.rxDrops));
    ex.set('tailtop_network_transmit_drop_total', nic((n) => n.txDrops));
  }

  private containers(list: { meta: ContainerMeta; counters: ContainerCounters; frame: ContainerFrame | null }[]): void {
    const ex = this.exporter;
    const each = (f: (c: (typeof list)[number]) => number | null | undefined): ScalarSample[] => list.flatMap((c) => one(f(c), containerLabels(c.meta)));
    const ns = (v: number | null): number | null => (v === null ? null : v / 1e9);
    ex.set('tailtop_container_info', list.map((c) => ({ labels: containerLabels(c.meta), value: 1 })));
    ex.set('tailtop_container_cpu_usage_seconds_total', each((c) => ns(c.counters.cpuUsageNs)));
    ex.set('tailtop_container_cpu_user_seconds_total', each((c) => ns(c.counters.cpuUserNs)));
    ex.set('tailtop_container_cpu_system_seconds_total', each((c) => ns(c.counters.cpuSystemNs)));
    ex.set('tailtop_container_cpu_limit_cores', each((c) => c.frame?.cpuLimitCores));
    ex.set('tailtop_container_cpu_periods_total', each((c) => c.counters.nrPeriods));
    ex.set('tailtop_container_cpu_throttled_periods_total', each((c) => c.counters.nrThrottled));
    ex.set('tailtop_container_cpu_throttled_seconds_total', each((c) => ns(c.counters.throttledNs)));
    ex.set('tailtop_container_memory_used_bytes', each((c) => memoryUsed(c.counters)));
    ex.set('tailtop_container_memory_usage_bytes', each((c) => c.counters.memoryUsageBytes));
    ex.set('tailtop_container_memory_limit_bytes', each((c) => c.frame?.memoryLimitBytes));
    ex.set('tailtop_container_oom_kills_total', each((c) => c.counters.oomKills));
    ex.set('tailtop_container_network_receive_bytes_total', each((c) => (c.meta.hostNetwork ? null : c.counters.netRxBytes)));
    ex.set('tailtop_container_network_transmit_bytes_total', each((c) => (c.meta.hostNetwork ? null : c.counters.netTxBytes)));
    ex.set('tailtop_container_block_read_bytes_total', each((c) => c.counters.blockReadBytes));
    ex.set('tailtop_container_block_written_bytes_total', each((c) => c.counters.blockWriteBytes));
    ex.set('tailtop_container_block_reads_completed_total', each((c) => c.counters.blockReadOps));
    ex.set('tailtop_container_block_writes_completed_total', each((c) => c.counters.blockWriteOps));
    ex.set('tailtop_container_pids', each((c) => c.counters.pids));
    ex.set('tailtop_container_pressure_stalled_seconds_total', list.flatMap((c) => pressure(c.counters.pressure, containerLabels(c.meta))));
  }

  private latency(set: SampleSet, frame: Frame, kept: Set<string>): void {
    const ex = this.exporter;
    const lat = set.latency;
    const up = !!(lat && frame.latency?.active);
    ex.set('tailtop_ebpf_up', lat ? [{ labels: {}, value: up ? 1 : 0 }] : []);
    ex.set('tailtop_ebpf_bad_lines_total', lat ? [{ labels: {}, value: lat.status.badLines }] : []);
    ex.set('tailtop_ebpf_helper_restarts_total', lat ? [{ labels: {}, value: lat.status.restarts }] : []);
    const names = ['tailtop_block_io_latency_seconds', 'tailtop_block_io_queue_latency_seconds', 'tailtop_runqueue_latency_seconds', 'tailtop_container_block_io_latency_seconds', 'tailtop_container_runqueue_latency_seconds'] as const;
    const hists = Object.fromEntries(names.map((n) => [n, ex.histogram(n)])) as Record<(typeof names)[number], ReturnType<Exporter['histogram']>>;
    if (!up) {
      // Off or stale: no latency series; when it comes back the histograms start again (a counter reset).
      if (this.ebpfWasUp) {
        for (const h of Object.values(hists)) h.retain(() => false);
        this.containerBytes.clear();
      }
      this.ebpfWasUp = false;
      ex.set('tailtop_container_block_io_bytes_total', []);
    }
    if (lat) {
      this.intervals += lat.intervals.length;
      for (const iv of lat.intervals) for (const k of LOST_KEYS) if (!k.endsWith('Bytes')) this.lost.set(k, (this.lost.get(k) ?? 0) + iv.lost[k]);
      ex.set('tailtop_ebpf_intervals_total', [{ labels: {}, value: this.intervals }]);
      ex.set('tailtop_ebpf_lost_events_total', [...this.lost].map(([cause, value]) => ({ labels: { cause }, value })));
    } else {
      ex.set('tailtop_ebpf_intervals_total', []);
      ex.set('tailtop_ebpf_lost_events_total', []);
    }
    if (!up || !lat) return;
    this.ebpfWasUp = true;

    const containers = set.containers?.containers ?? [];
    const maps = latencyMapsOf(set);
    const labelsOf = new Map(containers.map((c) => [c.meta.id, containerLabels(c.meta)]));
    const devices = deviceNamesFromDiskstats(set.host.disks ?? []);
    const dev = (major: number, minor: number): string => devices.get(`${major}:${minor}`) ?? `${major}:${minor}`;
    const ofCgroup = (m: Map<number, string>, cg: number): { short: string; labels: Labels } | null => {
      const id = m.get(cg);
      if (!id) return null;
      const short = id.slice(0, 12);
      return kept.has(short) ? { short, labels: labelsOf.get(id)! } : null;
    };
    const hist = (pairs: BucketPairs, maxNs: number): ReturnType<typeof sparseFromPairs> => sparseFromPairs(pairs, maxNs);

    for (const iv of lat.intervals) {
      // Rows are per (device, op, cgroup): the host series sums every cgroup's rows.
      const hostService = new Map<string, { labels: Labels; h: Histogram }>();
      const hostTotal = new Map<string, { labels: Labels; h: Histogram }>();
      for (const r of iv.block) {
        const device = dev(r.major, r.minor);
        const key = `${device}|${r.op}`;
        const labels = { device, op: r.op };
        addTo(hostService, key, labels, r.service, r.maxNs);
        addTo(hostTotal, key, labels, r.total, r.totalMaxNs);
        const c = ofCgroup(maps.block, r.cgroup);
        if (!c) continue;
        const ckey = `${c.short}|${key}`;
        const clabels = { ...c.labels, device, op: r.op };
        hists.tailtop_container_block_io_latency_seconds.add(ckey, clabels, hist(r.service, r.maxNs));
        const b = this.containerBytes.get(ckey) ?? { labels: clabels, value: 0 };
        b.value += r.bytes;
        this.containerBytes.set(ckey, b);
      }
      for (const [k, v] of hostService) hists.tailtop_block_io_latency_seconds.add(k, v.labels, v.h);
      for (const [k, v] of hostTotal) hists.tailtop_block_io_queue_latency_seconds.add(k, v.labels, v.h);
      const rq = new Histogram();
      for (const r of iv.runq) {
        const h = hist(r.hist, r.maxNs);
        rq.mergeFrom(h);
        const c = ofCgroup(maps.runq, r.cgroup);
        if (c) hists.tailtop_container_runqueue_latency_seconds.add(c.short, c.labels, h);
      }
      if (rq.total > 0) hists.tailtop_runqueue_latency_seconds.add('', {}, rq);
    }
    for (const k of [...this.containerBytes.keys()]) if (!kept.has(k.split('|')[0]!)) this.containerBytes.delete(k);
    ex.set('tailtop_container_block_io_bytes_total', [...this.containerBytes.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, v]) => ({ labels: v.labels, value: v.value })));
  }
}

function addTo(m: Map<string, { labels: Labels; h: Histogram }>, key: string, labels: Labels, pairs: BucketPairs, maxNs: number): void {
  let e = m.get(key);
  if (!e) m.set(key, (e = { labels, h: new Histogram() }));
  e.h.mergeFrom(sparseFromPairs(pairs, maxNs));
}

function one(v: number | null | undefined, labels: Labels = {}): ScalarSample[] {
  return v === null || v === undefined || !Number.isFinite(v) ? [] : [{ labels, value: v }];
}

function pressure(p: SampleSet['host']['pressure'], labels: Labels): ScalarSample[] {
  if (!p) return [];
  const out: ScalarSample[] = [];
  for (const resource of ['cpu', 'memory', 'io'] as const) {
    const r = p[resource];
    if (!r) continue;
    out.push({ labels: { ...labels, resource, kind: 'some' }, value: r.some.totalUs / 1e6 });
    if (r.full) out.push({ labels: { ...labels, resource, kind: 'full' }, value: r.full.totalUs / 1e6 });
  }
  return out;
}
