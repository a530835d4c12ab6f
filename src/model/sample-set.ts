// One tick's raw samples as one value: what every source returned, counters exactly as read, stamped with
// the sampler's clock. The sampler produces one per tick (src/sampler.ts, event 'sample-set'); the frame
// builder (model/frame-builder.ts) turns (set, previous set, latency windows) into the Frame; the recorder
// stores sets and replay feeds them back through the same builder (store/frame-maker.ts), so it holds
// inputs only (no rates, no percentiles). The recorder's codec is generic over JSON-like values, so a new
// field needs no change there. Nothing here is mutated after the sampler emitted it.
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

/** What the frame builder needs of the running helper's hello. */
export interface LatencyHello {
  /** The helper's process id: a new pid is a new helper (its hello restarts the staleness clock). */
  pid: number;
  /** The helper's own interval, ms (latency figures are withdrawn when none came for this + a grace). */
  intervalMs: number;
  /** Which cgroup hierarchy the rows' cgroup ids belong to. */
  cgroup: { block: LatencyCgroupHierarchy; runq: LatencyCgroupHierarchy };
  /** Attached program -> how ("tp_btf", "raw_tp"): block attribution needs block_rq_issue and _complete. */
  programs: Record<string, string>;
}

export interface LatencySample {
  status: LatencyStatus;
  /** The running helper's hello; null before hello or when none runs. */
  hello: LatencyHello | null;
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
  /** Errors of this tick that have no sample of their own to travel in (processes); the host's and the
   *  containers' errors are in `host.errors` and `containers.errors`. The frame lists all three. */
  errors: SourceError[];
}
