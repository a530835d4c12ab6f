// The contracts between layers. Sources produce *Sample* values (counters exactly as read, stamped with
// the sampler's clock); the pure model turns (sample, previous sample, elapsedMs) into *Frame* values
// (rates, gauges, histograms); the store keeps frames; the UI and `snapshot` only read frames.
//
// Conventions: bytes and seconds; rates are per second; percentages are 0-100. A figure that cannot be
// known (first sample, counter went backwards, source absent) is `null`, never 0.

import type { Percentiles, Summary } from './histogram.js';

/** Where a figure came from. Every frame section carries one. */
export type Source = 'procfs' | 'sysinfo' | 'cgroup-v1' | 'cgroup-v2' | 'docker-stats' | 'ebpf' | 'diskstats';

export interface SourceError {
  /** Short name of the collector, e.g. "diskstats", "docker", "ebpf". */
  source: string;
  /** One line, naming the file, field or key that failed. */
  message: string;
}

// ---------------------------------------------------------------- raw host samples (counters as read)

/** One line of /proc/stat: jiffies (USER_HZ ticks) per mode. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

export interface StatSample {
  total: CpuTimes;
  /** Indexed by CPU number as in /proc/stat (cpu0, cpu1, ...). Offline CPUs are absent (sparse). */
  cores: { id: number; times: CpuTimes }[];
  contextSwitches: number | null;
  bootTimeSec: number | null;
  procsRunning: number | null;
  procsBlocked: number | null;
}

export interface MeminfoSample {
  totalBytes: number;
  availableBytes: number;
  freeBytes: number;
  buffersBytes: number;
  cachedBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

export interface LoadavgSample {
  one: number;
  five: number;
  fifteen: number;
  running: number;
  total: number;
}

export interface DiskCounters {
  name: string;
  major: number;
  minor: number;
  readsCompleted: number;
  readSectors: number;
  writesCompleted: number;
  writeSectors: number;
  discardsCompleted: number | null;
  flushesCompleted: number | null;
  ioTicksMs: number;
  /** Whole-disk name this partition belongs to, or null for a whole disk. */
  parent: string | null;
}

export interface NetCounters {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrops: number;
}

export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Cumulative stall time, microseconds. */
  totalUs: number;
}

export interface PressureResource {
  some: PressureLine;
  /** Absent for cpu on older kernels. */
  full: PressureLine | null;
}

export interface PressureSample {
  cpu: PressureResource | null;
  memory: PressureResource | null;
  io: PressureResource | null;
}

export interface HostSample {
  /** Sampler clock, milliseconds (monotonic). */
  atMs: number;
  source: 'procfs' | 'sysinfo';
  stat: StatSample | null;
  meminfo: MeminfoSample | null;
  loadavg: LoadavgSample | null;
  disks: DiskCounters[] | null;
  net: NetCounters[] | null;
  /** null when /proc/pressure is absent: no PSI panel. */
  pressure: PressureSample | null;
  uptimeSec: number | null;
  errors: SourceError[];
}

// ---------------------------------------------------------------- host frame (derived)

export interface CpuSplit {
  /** All 0-100 of the CPU (or of the whole machine for the total). null on the first sample. */
  percent: number | null;
  user: number | null;
  nice: number | null;
  system: number | null;
  idle: number | null;
  iowait: number | null;
  irq: number | null;
  softirq: number | null;
  steal: number | null;
}

export interface CoreFrame extends CpuSplit {
  id: number;
}

export interface DiskFrame {
  name: string;
  readBytesPerSec: number | null;
  writeBytesPerSec: number | null;
  readOpsPerSec: number | null;
  writeOpsPerSec: number | null;
  /** 0-100, from io_ticks. */
  utilPercent: number | null;
  /** Partitions folded under their disk. */
  partitions: string[];
  /** "diskstats", or "ebpf" when eBPF supplied bytes and ops (then tail figures exist too). */
  source: Source;
  /** When source is "ebpf": the kernel's own accounting (/proc/diskstats) over the same interval. */
  diskstats?: { readBytesPerSec: number | null; writeBytesPerSec: number | null; readOpsPerSec: number | null; writeOpsPerSec: number | null };
}

export interface NetFrame {
  name: string;
  rxBytesPerSec: number | null;
  txBytesPerSec: number | null;
  rxPacketsPerSec: number | null;
  txPacketsPerSec: number | null;
  rxErrorsPerSec: number | null;
  txErrorsPerSec: number | null;
  rxDropsPerSec: number | null;
  txDropsPerSec: number | null;
}

export interface PressureFrameLine {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Share of wall time stalled over the interval, 0-100, from Δtotal. */
  percent: number | null;
}

export interface PressureFrame {
  cpu: { some: PressureFrameLine; full: PressureFrameLine | null } | null;
  memory: { some: PressureFrameLine; full: PressureFrameLine | null } | null;
  io: { some: PressureFrameLine; full: PressureFrameLine | null } | null;
}

export interface HostFrame {
  source: 'procfs' | 'sysinfo';
  cpu: CpuSplit;
  cores: CoreFrame[];
  contextSwitchesPerSec: number | null;
  memory: {
    totalBytes: number;
    availableBytes: number;
    usedBytes: number;
    buffersBytes: number;
    cachedBytes: number;
    swapTotalBytes: number;
    swapUsedBytes: number;
  } | null;
  load: LoadavgSample | null;
  disks: DiskFrame[];
  net: NetFrame[];
  pressure: PressureFrame | null;
  uptimeSec: number | null;
}

/** Facts that do not change while running (from systeminformation / uname). */
export interface StaticFacts {
  hostname: string;
  kernel: string;
  os: string;
  cpuModel: string;
  cpuCount: number;
}

// ---------------------------------------------------------------- containers

export type Runtime = 'docker' | 'podman';

export interface ContainerMeta {
  id: string;
  name: string;
  image: string;
  runtime: Runtime;
  state: string;
  initPid: number | null;
  /** CPU limit in cores (NanoCpus or quota/period), null when unlimited. */
  cpuLimitCores: number | null;
  memoryLimitBytes: number | null;
  labels: Record<string, string>;
  composeProject: string | null;
  composeService: string | null;
  hostNetwork: boolean;
  createdSec: number | null;
}

/** Raw per-container counters as read from cgroup files (or the stats API fallback). */
export interface ContainerCounters {
  source: 'cgroup-v1' | 'cgroup-v2' | 'docker-stats';
  /** When the counters were read, wall ms, if the source says so (the stats API's `read`): rates then use
   *  the time between the two readings, not between our two requests. */
  readAtMs?: number;
  /** Cumulative CPU time, nanoseconds. */
  cpuUsageNs: number | null;
  cpuUserNs: number | null;
  cpuSystemNs: number | null;
  nrPeriods: number | null;
  nrThrottled: number | null;
  throttledNs: number | null;
  memoryUsageBytes: number | null;
  memoryLimitBytes: number | null;
  inactiveFileBytes: number | null;
  memoryStat: Record<string, number>;
  oomEvents: number | null;
  oomKills: number | null;
  memoryFailcnt: number | null;
  blockReadBytes: number | null;
  blockWriteBytes: number | null;
  blockReadOps: number | null;
  blockWriteOps: number | null;
  pids: number | null;
  pidsMax: number | null;
  netRxBytes: number | null;
  netTxBytes: number | null;
  pressure: PressureSample | null;
  /** Inode of the cgroup directory per hierarchy, for matching eBPF cgroup ids. */
  cgroupIds: { unified: number | null; blkio: number | null; cpu: number | null };
  /**
   * Cgroups nested below the container's, per hierarchy (inode numbers: their I/O and wakeups count to the
   * container), and how deep the container's own directory is (the innermost container wins where
   * containers nest). Absent when not known (the stats API).
   */
  nestedCgroups?: NestedCgroups | null;
  /**
   * cgroup v2: whether the `io` controller is enabled for the container's cgroup. Without it the kernel
   * charges the container's block I/O to an ancestor, so it cannot be attributed. null when not v2.
   */
  ioController?: boolean | null;
}

export interface NestedCgroups {
  unified: number[];
  blkio: number[];
  cpu: number[];
  depth: { unified: number; blkio: number; cpu: number };
}

export interface ContainerSample {
  meta: ContainerMeta;
  counters: ContainerCounters | null;
  error: string | null;
}

export interface ContainersSample {
  atMs: number;
  /** "ok", "none" (no daemon found), "reconnecting". */
  daemon: { state: 'ok' | 'none' | 'reconnecting'; attempt: number; endpoint: string | null; runtime: Runtime | null };
  containers: ContainerSample[];
  errors: SourceError[];
}

export interface ContainerFrame {
  id: string;
  name: string;
  image: string;
  runtime: Runtime;
  state: string;
  /** 100 = one full core, as `docker stats`. */
  cpuPercent: number | null;
  cpuUserPercent: number | null;
  cpuSystemPercent: number | null;
  cpuLimitCores: number | null;
  /** Percent of the CPU limit (0-100), null when no limit. */
  cpuOfLimitPercent: number | null;
  memoryUsedBytes: number | null;
  memoryLimitBytes: number | null;
  memoryPercent: number | null;
  netRxBytesPerSec: number | null;
  netTxBytesPerSec: number | null;
  blockReadBytesPerSec: number | null;
  blockWriteBytesPerSec: number | null;
  pids: number | null;
  throttledPercent: number | null;
  oomKills: number | null;
  pressure: PressureFrame | null;
  labels: Record<string, string>;
  composeProject: string | null;
  composeService: string | null;
  hostNetwork: boolean;
  source: Source;
  /** Where block I/O bytes came from ("ebpf" when the helper is active). */
  blockSource: Source;
  error: string | null;
}

export interface ContainersFrame {
  daemon: ContainersSample['daemon'];
  containers: ContainerFrame[];
}

// ---------------------------------------------------------------- processes

export interface ProcessCounters {
  pid: number;
  ppid: number;
  uid: number;
  user: string;
  state: string;
  threads: number;
  /** Clock ticks (USER_HZ). */
  utimeTicks: number;
  stimeTicks: number;
  rssBytes: number;
  vmsBytes: number;
  swapBytes: number;
  comm: string;
  cmdline: string;
  containerId: string | null;
  startTicks: number;
}

export interface ProcessFrame {
  pid: number;
  user: string;
  state: string;
  threads: number;
  cpuPercent: number | null;
  cpuUserPercent: number | null;
  cpuSystemPercent: number | null;
  rssBytes: number;
  vmsBytes: number;
  swapBytes: number;
  command: string;
  containerId: string | null;
  containerName: string | null;
}

// ---------------------------------------------------------------- latency (eBPF)

/** Block request ops, in their one order (the kernel's REQ_OP numbers: 0 read, 1 write, 2 flush, 3 discard,
 *  5 secure-erase, 9 write-zeroes, then zone ops and the rest). Protocol, model and UI all use this list. */
export const BLOCK_OPS = ['read', 'write', 'flush', 'discard', 'secure-erase', 'write-zeroes', 'zone', 'other'] as const;
export type BlockOp = (typeof BLOCK_OPS)[number];

/** Position of an op in BLOCK_OPS (for sorting). */
export function opRank(op: BlockOp): number {
  const i = BLOCK_OPS.indexOf(op);
  return i < 0 ? BLOCK_OPS.length : i;
}

/**
 * Events the eBPF helper could not use, by cause, and what it folded (docs/ebpf-protocol.md, "lost"):
 * counts of events unless named *Bytes.
 */
export interface LostCounts {
  /** Block inserts/issues not recorded: the start map was full. */
  blockStartDropped: number;
  /** Block requests completed with no recorded start (began before the helper attached, start dropped, aged out). */
  blockNoStart: number;
  blockNoStartBytes: number;
  /** Starts aged out by the helper (requests freed without completing). */
  blockStale: number;
  /** Events not counted because the histogram map was full, and the bytes of such block completions. */
  histFull: number;
  histFullBytes: number;
  /** Wakeups not recorded: the run-queue start map was full. */
  runqStartDropped: number;
  /** Partial completions folded into their request's final completion (not lost: bytes counted there). */
  partial: number;
  partialBytes: number;
  /** Requests merged into another before issue (their start dropped; not lost: the other one completes). */
  merged: number;
}

export const LOST_KEYS = [
  'blockStartDropped',
  'blockNoStart',
  'blockNoStartBytes',
  'blockStale',
  'histFull',
  'histFullBytes',
  'runqStartDropped',
  'partial',
  'partialBytes',
  'merged',
] as const satisfies readonly (keyof LostCounts)[];

/**
 * One device and op in a window. The percentiles are of the service time (issue -> complete); maxUs is the
 * exact largest one (never below a request's; the percentiles never above it).
 */
export interface BlockLatencyRow extends Percentiles {
  device: string;
  op: BlockOp;
  count: number;
  bytes: number;
  /** count and bytes over the window's covered seconds; null when it covers no time. */
  opsPerSec: number | null;
  bytesPerSec: number | null;
  /** [[upperBoundUs, count], ...] of the service-time histogram (issue -> complete). */
  buckets: [number, number][];
  /** Total time including the queue (insert -> complete). */
  total: { p50Us: number | null; p95Us: number | null; p99Us: number | null; maxUs: number | null } | null;
}

export interface RunqueueLatency extends Percentiles {
  count: number;
  /** [[upperBoundUs, count], ...] of the merged histogram (non-empty buckets). */
  buckets?: [number, number][];
}

/** A container's reads and writes over every device, merged bucket by bucket (the table's "IO p99"). */
export interface IoSummary extends Summary {
  count: number;
  opsPerSec: number | null;
  readBytes: number;
  writeBytes: number;
}

export interface ContainerLatency {
  /**
   * Per device and op. null when the container's block I/O cannot be attributed (then blockReason says
   * why), or when the frame carries this container's summary only (blockReason null: the monitor computes
   * rows for the open container; `io` and `runqueue` are there for every container).
   */
  block: BlockLatencyRow[] | null;
  /** Why block I/O cannot be attributed to this container; null when it can. */
  blockReason: string | null;
  /** Reads and writes merged over every device (buckets only where rows are given); null when unattributable. */
  io: IoSummary | null;
  runqueue: RunqueueLatency | null;
}

export type LatencyWindow = '1s' | '10s' | '1m' | '5m';
export const LATENCY_WINDOWS: readonly LatencyWindow[] = ['1s', '10s', '1m', '5m'];

/** Block I/O the helper saw but could not give a cgroup (cgroup id 0), in a window. */
export interface Unattributed {
  count: number;
  bytes: number;
}

/**
 * Figures over one window: the intervals that completed inside it, merged bucket by bucket (never averaged
 * percentiles). Every figure of a window covers the same intervals.
 */
export interface LatencyWindowFrame {
  /** Time the window's intervals cover, seconds (less than the window right after start or after a gap). */
  seconds: number;
  block: BlockLatencyRow[];
  runqueue: RunqueueLatency | null;
  /**
   * Keyed by container id (cgroup ids already mapped to containers, nested cgroups included). Filled for the
   * spans asked for: `snapshot` everything; the monitor the window on screen (rows and buckets for the open
   * container only) and, for `current`, each container's I/O counts and bytes only; {} for the others.
   */
  containers: Record<string, ContainerLatency>;
  /** What the helper could not use (or folded) in this window. */
  lost: LostCounts;
  /** Block requests completed in the window (all devices and ops, with a start), for loss ratios. */
  blockCompleted: number;
  unattributed: Unattributed;
}

export interface LatencyFrame {
  /** "ebpf", or the reason it is off ("eBPF: helper not built (make -C bpf)", "eBPF: no data for 4 s", ...). */
  source: string;
  active: boolean;
  /** The intervals that completed since the previous frame: (previous tick, this tick]. */
  current: LatencyWindowFrame;
  windows: Record<LatencyWindow, LatencyWindowFrame>;
  /** Malformed helper lines seen so far. */
  badLines: number;
}

// ---------------------------------------------------------------- the frame every consumer reads

export interface Frame {
  /** Sampler clock, milliseconds. */
  atMs: number;
  /** Wall clock for display, ms since epoch. */
  wallMs: number;
  /** Elapsed since the previous frame, ms; null on the first. */
  elapsedMs: number | null;
  host: HostFrame;
  containers: ContainersFrame | null;
  processes: ProcessFrame[] | null;
  latency: LatencyFrame | null;
  errors: SourceError[];
}
