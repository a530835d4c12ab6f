// Plausibility of helper intervals: what the real helper printed passes; impossible figures do not.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { implausible } from '../../src/sources/ebpf/plausible.js';
import { parseLine, type IntervalData } from '../../src/sources/ebpf/protocol.js';

const real = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ebpf', 'real-helper.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.includes('"interval"'))
  .map((l) => parseLine(l) as IntervalData);

const base = (): IntervalData => ({
  kind: 'interval',
  seq: 1,
  monoNs: 1e9,
  intervalNs: 1e9,
  block: [{ major: 8, minor: 0, op: 'read', cgroup: 1, count: 3, bytes: 12288, maxNs: 19234, service: [[96, 1], [97, 2]], total: [[97, 3]] }],
  runq: [{ cgroup: 1, count: 2, maxNs: 8000, hist: [[87, 2]] }],
  lost: 0,
});

describe('implausible', () => {
  it('passes every interval the real helper printed', () => {
    expect(real.length).toBeGreaterThan(3);
    for (const iv of real) expect(implausible(iv)).toBeNull();
    expect(implausible(base())).toBeNull();
  });

  it('refuses impossible intervals, rows, sums and maxima', () => {
    const cases: [string, (iv: IntervalData) => void][] = [
      ['intervalNs 0', (iv) => (iv.intervalNs = 0)],
      ['intervalNs 7200000000000', (iv) => (iv.intervalNs = 7.2e12)],
      ['completions in', (iv) => Object.assign(iv.block[0]!, { count: 2e9, service: [[96, 2e9]], total: [] })],
      ['bytes in 3 requests', (iv) => (iv.block[0]!.bytes = 3 * 2 ** 32 + 1)],
      ['histogram holds 3 values for a count of 5000', (iv) => (iv.block[0]!.count = 5000)],
      ['total: histogram holds', (iv) => (iv.block[0]!.total = [[97, 40000]])],
      ['above the highest bucket', (iv) => (iv.block[0]!.maxNs = 20480)],
      ['wakeups in', (iv) => Object.assign(iv.runq[0]!, { count: 1e9 * 4096 + 1, hist: [[87, 1e9 * 4096 + 1]] })],
      ['counts add up beyond 2^53', (iv) => (iv.runq[0]!.hist = [[87, 2 ** 52], [88, 2 ** 52]])],
    ];
    for (const [want, change] of cases) {
      const iv = base();
      change(iv);
      expect(implausible(iv), want).toContain(want);
    }
  });

  it('allows the small difference of updates in flight during the map swap, and a max in the last (open) bucket', () => {
    const iv = base();
    iv.block[0]!.count = 10;
    iv.block[0]!.service = [[96, 1], [97, 2]];
    iv.block[0]!.total = [];
    expect(implausible(iv)).toBeNull();
    iv.block[0]!.service = [[319, 10]];
    iv.block[0]!.maxNs = 3600e9;
    expect(implausible(iv)).toBeNull();
  });
});
