// Well-formed numbers can still be impossible: a helper that is broken, replaced or confused must not put
// them on the screen as measurements. An interval is refused (the supervisor counts it as a bad line, with
// this reason) when it claims what no kernel measured:
//   - an interval of zero or longer than an hour;
//   - more completions in a block row than nanoseconds in the interval, or more run-queue wakeups than one
//     per nanosecond per CPU (4096 CPUs);
//   - more than 4 GiB per request;
//   - a histogram whose counts do not add up to the row's count (a small difference is allowed: updates
//     in flight while the helper swaps its maps), or add up beyond 2^53;
//   - a maximum at or above the upper bound of the highest non-empty bucket.
import type { BucketPairs } from '../../model/latency.js';
import { LAST_BUCKET, bucketUpper, pairsCount, pairsTop } from '../../model/histogram.js';
import type { IntervalData } from './protocol.js';

const MAX_INTERVAL_NS = 3600e9;
const MAX_BYTES_PER_REQUEST = 2 ** 32;
const MAX_CPUS = 4096;

function histProblem(pairs: BucketPairs, count: number, maxNs: number | null, path: string): string | null {
  const sum = pairsCount(pairs);
  const top = pairsTop(pairs);
  if (!Number.isSafeInteger(sum)) return `${path}: counts add up beyond 2^53`;
  if (Math.abs(sum - count) > 1024 + Math.ceil(count / 100)) return `${path}: histogram holds ${sum} values for a count of ${count}`;
  if (maxNs !== null && top >= 0 && top < LAST_BUCKET && maxNs >= bucketUpper(top)) {
    return `${path}: maximum ${maxNs} ns is above the highest bucket (< ${bucketUpper(top)} ns)`;
  }
  return null;
}

/** Why `iv` cannot be a measurement (one line), or null when it is plausible. */
export function implausible(iv: IntervalData): string | null {
  if (!(iv.intervalNs > 0 && iv.intervalNs <= MAX_INTERVAL_NS)) return `interval: intervalNs ${iv.intervalNs} is not a plausible interval (0 < ns <= 1 h)`;
  for (let k = 0; k < iv.block.length; k++) {
    const r = iv.block[k]!;
    const at = `interval: block[${k}]`;
    if (r.count > iv.intervalNs) return `${at}.count: ${r.count} completions in ${iv.intervalNs} ns`;
    if (r.bytes > r.count * MAX_BYTES_PER_REQUEST) return `${at}.bytes: ${r.bytes} bytes in ${r.count} requests`;
    const p = histProblem(r.service, r.count, r.maxNs, `${at}.service`) ?? (r.total.length > 0 ? histProblem(r.total, r.count, r.totalMaxNs ?? null, `${at}.total`) : null);
    if (p) return p;
  }
  for (let k = 0; k < iv.runq.length; k++) {
    const r = iv.runq[k]!;
    const at = `interval: runq[${k}]`;
    if (r.count > iv.intervalNs * MAX_CPUS) return `${at}.count: ${r.count} wakeups in ${iv.intervalNs} ns`;
    const p = histProblem(r.hist, r.count, r.maxNs, `${at}.hist`);
    if (p) return p;
  }
  return null;
}
