// snapshot --follow's loop with a fake sampler: documents at start + k x interval (no drift), a late sample
// skipped rather than bunched up, stop on the signal promise, and a failed write (EPIPE) ends it.
import { describe, expect, it } from 'vitest';
import { follow } from '../../src/snapshot-follow.js';
import type { Frame } from '../../src/model/types.js';

const t0 = performance.now();
const now = (): number => performance.now() - t0;

function fakeSampler(delayAt: number | null = null) {
  const cuts: number[] = [];
  return {
    cuts,
    async tick(cutAtMs?: number): Promise<Frame> {
      cuts.push(cutAtMs!);
      if (delayAt !== null && cuts.length === delayAt) await new Promise((r) => setTimeout(r, 130));
      return { atMs: cutAtMs!, wallMs: cutAtMs! } as Frame;
    },
  };
}

describe('follow', () => {
  it('one document per interval at start + k x interval, until stopped', async () => {
    const s = fakeSampler();
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const first = { atMs: now(), wallMs: 0 } as Frame;
    const done = follow(s, first, { intervalMs: 40, leadMs: 5, nowMs: now, write: async (l) => void lines.push(l), doc: (f) => ({ at: f.atMs }), stopped });
    await new Promise((r) => setTimeout(r, 230));
    stop();
    await done;
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    s.cuts.forEach((c, i) => expect(c).toBeCloseTo(first.atMs + 40 * (i + 1), 6));
  });

  it('skips samples it could not take in time instead of bunching them', async () => {
    const s = fakeSampler(2);
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const first = { atMs: now(), wallMs: 0 } as Frame;
    const done = follow(s, first, { intervalMs: 40, leadMs: 5, nowMs: now, write: async () => {}, doc: () => ({}), stopped });
    await new Promise((r) => setTimeout(r, 400));
    stop();
    await done;
    const gaps = s.cuts.slice(1).map((c, i) => c - s.cuts[i]!);
    expect(gaps.some((g) => g > 40)).toBe(true); // the late one was skipped over
    expect(gaps.every((g) => g % 40 < 1e-6 || 40 - (g % 40) < 1e-6)).toBe(true);
  });

  it('a failed write ends it with the error (the CLI turns EPIPE into exit 0)', async () => {
    const s = fakeSampler();
    let n = 0;
    const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    await expect(
      follow(s, { atMs: now(), wallMs: 0 } as Frame, { intervalMs: 20, leadMs: 2, nowMs: now, write: async () => { if (++n === 3) throw err; }, doc: () => ({}), stopped: new Promise(() => {}) }),
    ).rejects.toBe(err);
    expect(n).toBe(3);
  });
});
