// `tailtop snapshot --json --follow`: after the first document, one more per interval, each on one line
// (JSON lines), until interrupted (SIGINT, SIGTERM, SIGHUP: exit 0) or the reader goes away (EPIPE: exit 0).
// Samples are taken at start + k x interval on the sampler's clock (no drift); each document covers exactly
// the time since the previous one, as a single snapshot covers its interval.
import type { Frame } from './model/types.js';

export interface FollowSampler {
  tick(cutAtMs?: number): Promise<Frame>;
}

export interface FollowOptions {
  intervalMs: number;
  /** How far ahead of a sample the sampler agrees the cut with the helper (ms). */
  leadMs: number;
  nowMs: () => number;
  write: (line: string) => Promise<void>;
  doc: (frame: Frame) => unknown;
  /** Resolves when following must stop. */
  stopped: Promise<void>;
}

/** Print `first` and then a document per interval until `stopped` resolves or a write fails. */
export async function follow(sampler: FollowSampler, first: Frame, o: FollowOptions): Promise<void> {
  let stop = false;
  let wake: (() => void) | null = null;
  void o.stopped.then(() => {
    stop = true;
    wake?.();
  });
  await o.write(`${JSON.stringify(o.doc(first))}\n`);
  let cutAt = first.atMs;
  while (!stop) {
    cutAt += o.intervalMs;
    // A sample that could not be taken on time (a suspended process) is skipped, not bunched up.
    while (cutAt - o.leadMs < o.nowMs() - o.intervalMs) cutAt += o.intervalMs;
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, Math.max(0, cutAt - o.leadMs - o.nowMs()));
    });
    wake = null;
    if (stop) break;
    const frame = await sampler.tick(cutAt);
    if (stop) break;
    await o.write(`${JSON.stringify(o.doc(frame))}\n`);
  }
}

/** A write to stdout that resolves when written and rejects with EPIPE when the reader has gone. */
export function stdoutWriter(out: NodeJS.WritableStream = process.stdout): (line: string) => Promise<void> {
  return (line) =>
    new Promise((resolve, reject) => {
      out.write(line, (err) => (err ? reject(err) : resolve()));
    });
}
