// Output captured from the real bpf/tailtop-bpf (kernel 6.18, 500 ms intervals) through the parser and the
// model: the C and TypeScript sides agree on the protocol.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLine, type IntervalData } from '../../src/sources/ebpf/protocol.js';
import { Ticker, timed } from './latency-helpers.js';
import { sparseFromPairs } from '../../src/model/histogram.js';

const lines = readFileSync(fileURLToPath(new URL('../fixtures/ebpf/real-helper.jsonl', import.meta.url)), 'utf8').split('\n').filter(Boolean);

describe('real helper output', () => {
  const parsed = lines.map(parseLine);

  it('parses every line', () => {
    expect(parsed.filter((p) => p.kind === 'bad')).toEqual([]);
    expect(parsed[0]!.kind).toBe('hello');
    expect(parsed.slice(1).every((p) => p.kind === 'interval')).toBe(true);
  });

  it('histogram totals match the row counts', () => {
    for (const p of parsed) {
      if (p.kind !== 'interval') continue;
      for (const r of p.block) {
        expect(sparseFromPairs(r.service).total).toBe(r.count);
        expect(sparseFromPairs(r.total).total).toBe(r.count);
        expect(r.totalMaxNs).toBeGreaterThanOrEqual(r.maxNs);
      }
      for (const r of p.runq) expect(sparseFromPairs(r.hist).total).toBe(r.count);
    }
  });

  it('frames: the 5 m window holds every request, percentiles ordered, maxima exact', () => {
    const ivs = parsed.filter((p): p is IntervalData => p.kind === 'interval');
    const k = new Ticker();
    let f = k.tick(0);
    ivs.forEach((iv, i) => {
      f = k.tick((i + 1) * 500, [timed((i + 1) * 500, iv.block, iv.runq, iv.intervalNs / 1e6)]);
    });
    const all = ivs.flatMap((iv) => iv.block).reduce((n, r) => n + r.count, 0);
    expect(all).toBeGreaterThan(1000);
    expect(f.windows['5m'].block.reduce((n, r) => n + r.count, 0)).toBe(all);
    const last = ivs[ivs.length - 1]!.block.reduce((n, r) => n + r.count, 0);
    expect(f.windows['1s'].block.reduce((n, r) => n + r.count, 0)).toBeGreaterThanOrEqual(last);
    for (const r of f.windows['5m'].block) {
      expect(r.p50Us!).toBeLessThanOrEqual(r.p95Us!);
      expect(r.p95Us!).toBeLessThanOrEqual(r.p99Us!);
      expect(r.p99Us!).toBeLessThanOrEqual(r.p999Us!);
      expect(r.p999Us!).toBeLessThanOrEqual(r.maxUs!);
      expect(r.total!.maxUs!).toBeGreaterThanOrEqual(r.maxUs!);
    }
    const rq = f.windows['5m'].runqueue!;
    expect(rq.count).toBe(ivs.flatMap((iv) => iv.runq).reduce((n, r) => n + r.count, 0));
    expect(rq.maxUs).toBe(Math.max(...ivs.flatMap((iv) => iv.runq).map((r) => r.maxNs)) / 1000);
  });
});
