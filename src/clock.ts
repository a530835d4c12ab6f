// The one place that reads time. The sampler gets a Clock injected; the model never reads one.
export interface Clock {
  /** Monotonic milliseconds. */
  nowMs(): number;
  /** Wall clock, ms since epoch, for display only. */
  wallMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
};
