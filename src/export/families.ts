// Every Prometheus family tailtop exports: name, type, unit, labels and help. docs/metrics.md is the same
// list for people (a unit test keeps the two equal); the metric catalogue fills the samples.
//
// Conventions (Prometheus naming practice, node_exporter's names where they overlap): `tailtop_` prefix,
// base units in the name (`_seconds`, `_bytes`), `_total` for counters. Counters read from the kernel are
// exported as the kernel counts them (since boot or since the cgroup was made); counters tailtop builds
// itself (eBPF histograms and counts) start at 0 when the agent starts. Never a rate.

import type { HistogramFamily, HistogramSample, ScalarFamily, ScalarSample } from './exposition.js';
import type { BucketScheme } from './buckets.js';

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'info';

export interface FamilyDef {
  name: string;
  type: FamilyType;
  unit?: 'seconds' | 'bytes';
  /** Label names in exposition order; CONTAINER_LABELS are spelled out. */
  labels: readonly string[];
  help: string;
}

/** The labels of every per-container series (compose_* only when the container has them). */
export const CONTAINER_LABELS = ['container', 'id', 'image', 'runtime', 'compose_project', 'compose_service'] as const;

const C = CONTAINER_LABELS;
const counter = (name: string, labels: readonly string[], help: string, unit?: FamilyDef['unit']): FamilyDef => ({ name, type: 'counter', labels, help, ...(unit ? { unit } : {}) });
const gauge = (name: string, labels: readonly string[], help: string, unit?: FamilyDef['unit']): FamilyDef => ({ name, type: 'gauge', labels, help, ...(unit ? { unit } : {}) });
const histogram = (name: string, labels: readonly string[], help: string): FamilyDef => ({ name, type: 'histogram', unit: 'seconds', labels, help });
const info = (name: string, labels: readonly string[], help: string): FamilyDef => ({ name, type: 'info', labels, help });

export const HOST_FAMILIES: readonly FamilyDef[] = [
  info('tailtop_host_info', ['hostname', 'kernel', 'os'], 'The host the agent runs on.'),
  counter('tailtop_cpu_seconds_total', ['mode'], 'CPU time of all CPUs by mode (user, nice, system, idle, iowait, irq, softirq, steal), from /proc/stat.', 'seconds'),
  gauge('tailtop_cpus_online', [], 'Online CPUs.'),
  counter('tailtop_context_switches_total', [], 'Context switches, from /proc/stat ctxt.'),
  gauge('tailtop_boot_time_seconds', [], 'Boot time, seconds since the epoch.', 'seconds'),
  gauge('tailtop_procs_running', [], 'Runnable tasks (/proc/stat procs_running).'),
  gauge('tailtop_procs_blocked', [], 'Tasks blocked on I/O (/proc/stat procs_blocked).'),
  gauge('tailtop_memory_total_bytes', [], 'MemTotal from /proc/meminfo.', 'bytes'),
  gauge('tailtop_memory_available_bytes', [], 'MemAvailable from /proc/meminfo.', 'bytes'),
  gauge('tailtop_memory_free_bytes', [], 'MemFree from /proc/meminfo.', 'bytes'),
  gauge('tailtop_memory_buffers_bytes', [], 'Buffers from /proc/meminfo.', 'bytes'),
  gauge('tailtop_memory_cached_bytes', [], 'Cached from /proc/meminfo.', 'bytes'),
  gauge('tailtop_memory_swap_total_bytes', [], 'SwapTotal from /proc/meminfo.', 'bytes'),
  gauge('tailtop_memory_swap_free_bytes', [], 'SwapFree from /proc/meminfo.', 'bytes'),
  gauge('tailtop_load1', [], '1-minute load average.'),
  gauge('tailtop_load5', [], '5-minute load average.'),
  gauge('tailtop_load15', [], '15-minute load average.'),
  counter('tailtop_pressure_stalled_seconds_total', ['resource', 'kind'], 'PSI stall time (resource cpu, memory, io; kind some, full), from /proc/pressure.', 'seconds'),
  counter('tailtop_disk_read_bytes_total', ['device'], 'Bytes read from a whole disk, from /proc/diskstats.', 'bytes'),
  counter('tailtop_disk_written_bytes_total', ['device'], 'Bytes written to a whole disk, from /proc/diskstats.', 'bytes'),
  counter('tailtop_disk_reads_completed_total', ['device'], 'Reads completed, from /proc/diskstats.'),
  counter('tailtop_disk_writes_completed_total', ['device'], 'Writes completed, from /proc/diskstats.'),
  counter('tailtop_disk_discards_completed_total', ['device'], 'Discards completed, from /proc/diskstats (kernels that count them).'),
  counter('tailtop_disk_flush_requests_total', ['device'], 'Flush requests completed, from /proc/diskstats (kernels that count them).'),
  counter('tailtop_disk_io_time_seconds_total', ['device'], 'Time the disk was busy (io_ticks), from /proc/diskstats.', 'seconds'),
  counter('tailtop_network_receive_bytes_total', ['interface'], 'Bytes received, from /proc/net/dev.', 'bytes'),
  counter('tailtop_network_transmit_bytes_total', ['interface'], 'Bytes sent, from /proc/net/dev.', 'bytes'),
  counter('tailtop_network_receive_packets_total', ['interface'], 'Packets received, from /proc/net/dev.'),
  counter('tailtop_network_transmit_packets_total', ['interface'], 'Packets sent, from /proc/net/dev.'),
  counter('tailtop_network_receive_errs_total', ['interface'], 'Receive errors, from /proc/net/dev.'),
  counter('tailtop_network_transmit_errs_total', ['interface'], 'Transmit errors, from /proc/net/dev.'),
  counter('tailtop_network_receive_drop_total', ['interface'], 'Received packets dropped, from /proc/net/dev.'),
  counter('tailtop_network_transmit_drop_total', ['interface'], 'Sent packets dropped, from /proc/net/dev.'),
  histogram('tailtop_block_io_latency_seconds', ['device', 'op'], 'Block I/O service time (issue to complete) per device and op, from eBPF.'),
  histogram('tailtop_block_io_queue_latency_seconds', ['device', 'op'], 'Block I/O time from insert to complete (queue included) per device and op, from eBPF.'),
  histogram('tailtop_runqueue_latency_seconds', [], 'Run-queue delay (wakeup to running) of every task on the host, from eBPF.'),
];

export const CONTAINER_FAMILIES: readonly FamilyDef[] = [
  info('tailtop_container_info', C, 'One series per exported container.'),
  counter('tailtop_container_cpu_usage_seconds_total', C, 'CPU time of the container (cpuacct.usage or cpu.stat usage_usec).', 'seconds'),
  counter('tailtop_container_cpu_user_seconds_total', C, 'User CPU time of the container, where read.', 'seconds'),
  counter('tailtop_container_cpu_system_seconds_total', C, 'System CPU time of the container, where read.', 'seconds'),
  gauge('tailtop_container_cpu_limit_cores', C, 'CPU limit in cores (quota/period or NanoCpus); absent when unlimited.'),
  counter('tailtop_container_cpu_periods_total', C, 'CFS enforcement periods (cpu.stat nr_periods).'),
  counter('tailtop_container_cpu_throttled_periods_total', C, 'Periods in which the container was throttled (cpu.stat nr_throttled).'),
  counter('tailtop_container_cpu_throttled_seconds_total', C, 'Time the container was throttled (cpu.stat throttled_time / throttled_usec).', 'seconds'),
  gauge('tailtop_container_memory_used_bytes', C, 'Memory used: usage minus inactive_file (as the docker CLI).', 'bytes'),
  gauge('tailtop_container_memory_usage_bytes', C, 'Memory usage as the cgroup counts it (page cache included).', 'bytes'),
  gauge('tailtop_container_memory_limit_bytes', C, 'Memory limit; absent when unlimited.', 'bytes'),
  counter('tailtop_container_oom_kills_total', C, 'OOM kills in the container (memory.events oom_kill), where read.'),
  counter('tailtop_container_network_receive_bytes_total', C, 'Bytes received on the container\'s interfaces (lo excluded); absent with host networking.', 'bytes'),
  counter('tailtop_container_network_transmit_bytes_total', C, 'Bytes sent on the container\'s interfaces (lo excluded); absent with host networking.', 'bytes'),
  counter('tailtop_container_block_read_bytes_total', C, 'Bytes read, from the cgroup (blkio / io.stat).', 'bytes'),
  counter('tailtop_container_block_written_bytes_total', C, 'Bytes written, from the cgroup (blkio / io.stat).', 'bytes'),
  counter('tailtop_container_block_reads_completed_total', C, 'Reads, from the cgroup (blkio / io.stat).'),
  counter('tailtop_container_block_writes_completed_total', C, 'Writes, from the cgroup (blkio / io.stat).'),
  gauge('tailtop_container_pids', C, 'Tasks in the container (pids.current).'),
  counter('tailtop_container_pressure_stalled_seconds_total', [...C, 'resource', 'kind'], 'PSI stall time of the container\'s cgroup (cgroup v2 or a hybrid host\'s cgroup2 directory).', 'seconds'),
  counter('tailtop_container_block_io_bytes_total', [...C, 'device', 'op'], 'Bytes of block I/O attributed to the container by the bio\'s cgroup, from eBPF.', 'bytes'),
  histogram('tailtop_container_block_io_latency_seconds', [...C, 'device', 'op'], 'Block I/O service time of the container\'s requests (bio cgroup), per device and op, from eBPF.'),
  histogram('tailtop_container_runqueue_latency_seconds', C, 'Run-queue delay of the container\'s tasks, from eBPF.'),
];

export const AGENT_FAMILIES: readonly FamilyDef[] = [
  info('tailtop_build_info', ['version', 'node_version'], 'The tailtop build serving these metrics.'),
  gauge('tailtop_last_sample_timestamp_seconds', [], 'Wall time of the newest sample, seconds since the epoch.', 'seconds'),
  gauge('tailtop_exporter_containers_excluded', [], 'Containers left out of this exposition by the cardinality limit (export.max_containers).'),
  counter('tailtop_exporter_containers_excluded_total', [], 'Times a container started being left out by the cardinality limit.'),
  gauge('tailtop_ebpf_up', [], '1 when the eBPF helper is attached and its intervals arrive, else 0.'),
  counter('tailtop_ebpf_intervals_total', [], 'eBPF helper intervals received.'),
  counter('tailtop_ebpf_bad_lines_total', [], 'Helper output lines that could not be parsed.'),
  counter('tailtop_ebpf_lost_events_total', ['cause'], 'Events the helper could not use, by cause (the protocol\'s `lost` causes).'),
  counter('tailtop_ebpf_helper_restarts_total', [], 'Times the eBPF helper was restarted.'),
  gauge('tailtop_alert_active', ['alertname', 'alertstate', 'severity'], 'Alert instances of the [[alert]] rules: 1 per pending or firing instance, with the instance\'s labels and the rule\'s labels.'),
  counter('tailtop_alert_command_runs_total', ['alertname', 'result'], 'Alert hook commands by result: ok, failed, dropped (rate limit).'),
  counter('process_cpu_seconds_total', [], 'CPU time of the agent process (user and system).', 'seconds'),
  gauge('process_resident_memory_bytes', [], 'Resident memory of the agent process.', 'bytes'),
  gauge('process_start_time_seconds', [], 'Start time of the agent process, seconds since the epoch.', 'seconds'),
];

export const FAMILIES: readonly FamilyDef[] = [...HOST_FAMILIES, ...CONTAINER_FAMILIES, ...AGENT_FAMILIES];

export function familyDef(name: string): FamilyDef {
  const f = FAMILIES.find((x) => x.name === name);
  if (!f) throw new Error(`no family '${name}' in src/export/families.ts`);
  return f;
}

/** A scalar family of `name` (its type, unit and help from the table) with these samples. */
export function scalarFamily(name: string, samples: readonly ScalarSample[]): ScalarFamily {
  const d = familyDef(name);
  if (d.type === 'histogram') throw new Error(`'${name}' is a histogram`);
  return { name, type: d.type, help: d.help, ...(d.unit ? { unit: d.unit } : {}), samples };
}

/** A histogram family of `name` folded with `scheme` (bounds in seconds). */
export function histogramFamily(name: string, scheme: BucketScheme, samples: readonly HistogramSample[]): HistogramFamily {
  const d = familyDef(name);
  if (d.type !== 'histogram') throw new Error(`'${name}' is not a histogram`);
  return { name, type: 'histogram', help: d.help, unit: 'seconds', bounds: scheme.bounds, samples };
}
