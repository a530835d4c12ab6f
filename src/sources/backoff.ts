// Exponential back-off, the one rule every source that retries uses (the Docker client reconnecting, the eBPF
// helper restarting): the first retry after `initialMs`, each next one twice as late, never later than
// `maxMs`.

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** Delay before retry `attempt` (1-based): initial * 2^(attempt-1), capped at maxMs. */
export function backoffDelay(attempt: number, b: Backoff): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(b.initialMs * 2 ** Math.min(n - 1, 30), b.maxMs);
}
