// Small pure helpers for turning cumulative counters into rates. No clocks: elapsed time is a parameter.
// A figure that cannot be known is null, never 0 and never a spike.

function known(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/**
 * cur − prev, or null when either is missing / not finite (NaN marks "not collected" in fallback
 * samples) or the counter went backwards (reset, wrap, device re-added).
 */
export function counterDelta(cur: number | null | undefined, prev: number | null | undefined): number | null {
  if (!known(cur) || !known(prev)) return null;
  const d = cur - prev;
  return d >= 0 ? d : null;
}

/**
 * Per-second rate of a cumulative counter: (cur − prev) / elapsed. null on the first sample (prev
 * missing), when elapsedMs ≤ 0 or is not finite, or when the counter went backwards.
 */
export function rate(
  cur: number | null | undefined,
  prev: number | null | undefined,
  elapsedMs: number | null | undefined,
): number | null {
  if (!known(elapsedMs) || elapsedMs <= 0) return null;
  const d = counterDelta(cur, prev);
  return d === null ? null : (d * 1000) / elapsedMs;
}

/** 100 × delta / total, clamped to 0..100; null when either is unknown or total ≤ 0. */
export function percentOf(delta: number | null | undefined, total: number | null | undefined): number | null {
  if (!known(delta) || !known(total) || total <= 0) return null;
  const p = (delta * 100) / total;
  return p < 0 ? 0 : p > 100 ? 100 : p;
}
