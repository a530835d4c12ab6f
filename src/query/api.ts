// GET /api/v1/range?from=T1&to=T2[&step=D] on the listener of a process that records (the agent, or the
// monitor with --record): the document of `tailtop snapshot --json --from T1 --to T2` (query/range.ts) over
// the store it writes. Times as on the command line (config/time-args.ts); the store is opened read-only for
// each request (SQLite's WAL lets the writer go on).
//
// A query runs on the event loop: a long one delays the next tick. Ranges are therefore limited to 24 hours
// (answered from the roll-up tiers in well under a second: BENCHMARKS.md) and steps to 1440 per request.
import type { Handler } from '../export/server.js';
import { jsonReply as reply } from '../export/live.js';
import { parseDurationArg, parseRangeArgs } from '../config/time-args.js';
import { oneSafeLine } from '../errors.js';
import { StoreReader } from '../record/reader.js';
import { queryRange, RangeError } from './range.js';

export const API_MAX_RANGE_MS = 24 * 3_600_000;
export const API_MAX_STEPS = 1440;

export interface RangeApiOptions {
  /** The store directory this process writes. */
  dir: string;
  version: string;
  showAllDisks?: boolean;
  /** The wall clock (tests). */
  nowMs?: () => number;
}

/** One safe line: error text may quote what the client sent. */
const oneLine = (s: string): string => oneSafeLine(s, 300);

export function rangeHandler(o: RangeApiOptions): Handler {
  return (req) => {
    const param = (k: string): string | undefined => req.query.get(k) ?? undefined;
    let fromMs: number;
    let toMs: number;
    let stepMs: number | null;
    try {
      ({ fromMs, toMs } = parseRangeArgs(param('from'), param('to'), (o.nowMs ?? Date.now)()));
      const step = param('step');
      stepMs = step === undefined ? null : parseDurationArg('step', step);
    } catch (e) {
      return reply(400, { error: oneLine((e as Error).message.replace(/^--(from|to)/, '$1')) });
    }
    if (toMs - fromMs > API_MAX_RANGE_MS) return reply(400, { error: `the range is longer than 24 h (use tailtop snapshot --from --to on the host for more)` });
    if (stepMs !== null && (toMs - fromMs) / stepMs > API_MAX_STEPS) return reply(400, { error: `step makes more than ${API_MAX_STEPS} steps over the range: use a longer step` });
    let reader: StoreReader;
    try {
      reader = StoreReader.open(o.dir, { tailtopVersion: o.version });
    } catch (e) {
      return reply(503, { error: oneLine(e instanceof Error ? e.message : String(e)) });
    }
    try {
      const r = queryRange(reader, fromMs, toMs, { version: o.version, showAllDisks: o.showAllDisks ?? false, stepMs });
      return reply(200, r.series ? { ...r.document, series: r.series } : r.document);
    } catch (e) {
      if (e instanceof RangeError) return reply(404, { error: oneLine(e.message) });
      return reply(500, { error: oneLine((e as Error).message ?? String(e)) });
    } finally {
      reader.close();
    }
  };
}
