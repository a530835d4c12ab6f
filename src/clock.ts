// The one place that reads time. The sampler gets a Clock injected; the model never reads one.
export interface Clock {
  /** Monotonic milliseconds. */
  nowMs(): number;
  /** Wall clock, ms since epoch, for display only. */
  wallMs(): number;
  /**
   * A CLOCK_MONOTONIC reading (ns, as the eBPF helper stamps its intervals) on this clock's scale (ms), when
   * the two can be related; without it, helper intervals are placed at the time they are read.
   */
  fromMonoNs?(ns: number): number;
  /** The inverse of fromMonoNs: this clock's ms as CLOCK_MONOTONIC ns. */
  toMonoNs?(ms: number): number;
}

// performance.now() counts CLOCK_MONOTONIC from the process's time origin (libuv's hrtime), as does
// process.hrtime: their difference is a constant, taken once.
const monoOffsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
  fromMonoNs: (ns) => ns / 1e6 - monoOffsetMs,
  toMonoNs: (ms) => Math.round((ms + monoOffsetMs) * 1e6),
};
