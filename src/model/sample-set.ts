// One tick's raw samples as one value: what every source returned, counters exactly as read, stamped with
// the sampler's clock. This is the value the recorder stores and replay feeds back through the frame
// builder, so it holds inputs only (no rates, no percentiles). Built from today's source types; the seam
// (issue 11) and "Truth in every window" (issue 8) may still add fields: the recorder's codec is generic
// over JSON-like values, so a new field needs no change there.
import type { ContainersSample, HostSample, LostCounts, ProcessCounters, SourceError } from './types.js';
import type { BlockIntervalRow, RunqIntervalRow } from './latency.js';

/** Which cgroup hierarchy the helper's cgroup ids belong to (protocol.ts `CgroupHierarchy`). */
export type LatencyCgroupHierarchy = 'v2' | 'v1-blkio' | 'v1-cpu';

/** One helper `interval` line as drained this tick (the parser's IntervalData without its `kind`), and where
 *  the sampler placed it in time. */
export interface LatencyIntervalSample {
  seq: number;
  /** CLOCK_MONOTONIC at the end of the interval, ns. */
  monoNs: number;
  intervalNs: number;
  /** The flush token it answers, or null when the helper's timer ended it. */
  flush: number | null;
  /** When it completed on the sampler's clock (ms, the `atMs` scale): what the window engine is fed. */
  t: number;
  block: BlockIntervalRow[];
  runq: RunqIntervalRow[];
  /** Events the helper lost (and folded) in this interval, by cause. */
  lost: LostCounts;
}

/** The helper's state at this tick (the supervisor's status, minus what only a live process has). */
export interface LatencyStatus {
  /** True once the running helper said hello. */
  active: boolean;
  /** "ebpf" when active, else why not (one line). */
  reason: string;
  /** Malformed helper lines so far. */
  badLines: number;
  /** Events the helper reported lost so far (sum of `lost`). */
  lost: number;
  /** Intervals dropped because nobody drained them. */
  dropped: number;
  /** Times the helper was started again after dying. */
  restarts: number;
  lastError: string | null;
}

export interface LatencySample {
  status: LatencyStatus;
  /** The hierarchies of the hello (null before hello): which cgroup ids the rows carry. */
  cgroup: { block: LatencyCgroupHierarchy; runq: LatencyCgroupHierarchy } | null;
  /** CLOCK_MONOTONIC when this set was taken, ns (the clock of the intervals' `monoNs`): places each
   *  interval's end on the wall clock as `wallMs - (clockMonoNs - monoNs) / 1e6`. null when unknown. */
  clockMonoNs: number | null;
  /** The intervals drained this tick, oldest first, each with its own end time and length. */
  intervals: LatencyIntervalSample[];
}

export interface SampleSet {
  /** Sampler clock, ms (monotonic, starts anew with each process). */
  atMs: number;
  /** Wall clock, ms since the epoch: what recordings are indexed by. */
  wallMs: number;
  host: HostSample;
  /** Container metadata, counters and cgroup ids; null when no container source is attached. */
  containers: ContainersSample | null;
  /** Process rows; null when processes were not collected this tick. */
  processes: ProcessCounters[] | null;
  /** eBPF helper status and intervals; null when eBPF is not in use. */
  latency: LatencySample | null;
  /** Errors of this tick, per source. */
  errors: SourceError[];
}
