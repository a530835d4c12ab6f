// `tailtop snapshot --json --store DIR --from T1 --to T2 [--step DURATION] [--processes]`: the snapshot
// document over a recorded range (src/query/range.ts). Exit 0 with the document; 2 for a usage error (a bad
// time names its flag); 1 when the store cannot be read (one line naming the file) or holds nothing there.
import { RuntimeError, UsageError } from '../errors.js';
import { parseDurationArg, parseRangeArgs } from '../config/time-args.js';
import { queryRange, RangeError } from './range.js';

export interface RangeArgs {
  store: string;
  from: string | undefined;
  to: string | undefined;
  step: string | undefined;
  processes: boolean;
  showAllDisks: boolean;
}

export async function runRangeSnapshot(a: RangeArgs, version: string, nowMs: number, out: (s: string) => void): Promise<number> {
  const { fromMs, toMs } = parseRangeArgs(a.from, a.to, nowMs);
  const stepMs = a.step === undefined ? null : parseDurationArg('--step', a.step);
  if (stepMs !== null && (toMs - fromMs) / stepMs > 10_000) throw new UsageError(`--step ${a.step} makes more than 10000 steps over the range: use a longer step`);
  const { StoreReader } = await import('../record/reader.js');
  const { storeErrorLine } = await import('../agent/cli.js');
  let reader;
  try {
    reader = StoreReader.open(a.store, { tailtopVersion: version });
  } catch (err) {
    throw new RuntimeError(storeErrorLine(err));
  }
  try {
    const r = queryRange(reader, fromMs, toMs, { version, processes: a.processes, showAllDisks: a.showAllDisks, stepMs });
    const doc = r.series ? { ...r.document, series: r.series } : r.document;
    out(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof RangeError) throw new RuntimeError(err.message);
    throw new RuntimeError(storeErrorLine(err));
  } finally {
    reader.close();
  }
}
