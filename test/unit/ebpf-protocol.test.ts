import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseLine, type Hello, type IntervalData } from '../../src/sources/ebpf/protocol.js';

const fixture = (name: string): string[] =>
  readFileSync(fileURLToPath(new URL(`../fixtures/ebpf/${name}`, import.meta.url)), 'utf8')
    .split('\n')
    .filter((l) => l !== '');

const good = fixture('good.jsonl');
const bad = fixture('bad.jsonl');

const expectOneLine = (reason: string): void => {
  expect(reason).not.toMatch(/[\n\r]/);
  expect(reason.length).toBeGreaterThan(0);
  expect(reason.length).toBeLessThanOrEqual(160);
};

describe('parseLine: good lines', () => {
  it('parses the protocol doc hello', () => {
    const h = parseLine(good[0]!) as Hello;
    expect(h).toEqual({
      kind: 'hello',
      version: 1,
      pid: 1234,
      intervalMs: 1000,
      programs: {
        block_rq_insert: 'tp_btf',
        block_rq_issue: 'tp_btf',
        block_rq_complete: 'tp_btf',
        sched_wakeup: 'tp_btf',
        sched_wakeup_new: 'tp_btf',
        sched_switch: 'tp_btf',
      },
      failed: {},
      cgroup: { block: 'v1-blkio', runq: 'v1-cpu' },
      histogram: { unit: 'ns', subBucketBits: 3, buckets: 320 },
    });
  });

  it('parses the protocol doc interval', () => {
    const iv = parseLine(good[1]!) as IntervalData;
    expect(iv).toEqual({
      kind: 'interval',
      seq: 1,
      monoNs: 123456789,
      intervalNs: 1000123456,
      block: [
        {
          major: 7,
          minor: 0,
          op: 'read',
          cgroup: 4026,
          count: 812,
          bytes: 3325952,
          maxNs: 91234,
          service: [
            [96, 3],
            [97, 40],
          ],
          total: [
            [97, 12],
            [98, 31],
          ],
        },
      ],
      runq: [{ cgroup: 1, count: 5000, maxNs: 80211, hist: [[60, 12], [61, 80]] }],
      lost: 0,
    });
  });

  it('ignores unknown keys, maps unknown ops to "other", defaults lost to 0', () => {
    const a = parseLine(good[2]!) as IntervalData;
    expect(a.kind).toBe('interval');
    expect(a.lost).toBe(3);
    expect(a).not.toHaveProperty('future');
    const b = parseLine(good[3]!) as IntervalData;
    expect(b.block[0]!.op).toBe('other');
    expect(b.lost).toBe(0);
    expect(b.block[0]).not.toHaveProperty('extra');
  });

  it('parses error lines and a minimal hello', () => {
    expect(parseLine(good[4]!)).toEqual({ kind: 'error', message: 'start map full: 12 events dropped' });
    const h = parseLine(good[5]!) as Hello;
    expect(h.kind).toBe('hello');
    expect(h.programs).toEqual({});
    expect(h.failed).toEqual({});
    expect(h.cgroup).toEqual({ block: 'v2', runq: 'v2' });
    expect(h.intervalMs).toBe(250);
  });

  it('accepts the largest exact numbers and a huge monotonic clock', () => {
    const iv = parseLine(good[6]!) as IntervalData;
    expect(iv.kind).toBe('interval');
    expect(iv.monoNs).toBe(9.3e18);
    expect(iv.block[0]!.count).toBe(Number.MAX_SAFE_INTEGER);
    expect(iv.runq[0]!.hist).toEqual([
      [0, 0],
      [319, 1],
    ]);
  });

  it('accepts every op name of the protocol', () => {
    for (const op of ['read', 'write', 'flush', 'discard', 'secure-erase', 'write-zeroes', 'zone', 'other']) {
      const line = good[1]!.replace('"op":"read"', `"op":"${op}"`);
      expect((parseLine(line) as IntervalData).block[0]!.op).toBe(op);
    }
  });

  it('reads the optional totalMaxNs, and rejects a wrong one', () => {
    const line = good[1]!.replace('"maxNs":91234,', '"maxNs":91234,"totalMaxNs":120000,');
    expect((parseLine(line) as IntervalData).block[0]!.totalMaxNs).toBe(120000);
    expect((parseLine(good[1]!) as IntervalData).block[0]).not.toHaveProperty('totalMaxNs');
    expect(parseLine(good[1]!.replace('"maxNs":91234,', '"maxNs":91234,"totalMaxNs":"x",')).kind).toBe('bad');
  });

  it('tolerates surrounding whitespace and CRLF', () => {
    expect(parseLine(`  ${good[4]!}\r`).kind).toBe('error');
  });
});

describe('parseLine: bad lines', () => {
  it('rejects every line of the bad fixture with a one-line reason', () => {
    for (const line of bad) {
      const r = parseLine(line);
      expect(r.kind, line).toBe('bad');
      if (r.kind === 'bad') expectOneLine(r.reason);
    }
  });

  it('names what is wrong', () => {
    const reason = (l: string): string => {
      const r = parseLine(l);
      return r.kind === 'bad' ? r.reason : `(parsed as ${r.kind})`;
    };
    expect(reason('')).toBe('empty line');
    expect(reason('garbage')).toMatch(/^not JSON/);
    expect(reason('[1,2,3]')).toBe('expected a JSON object, got an array');
    expect(reason('{}')).toBe('no "type" key');
    expect(reason('{"type":"goodbye"}')).toBe('unknown type string "goodbye"');
    expect(reason(bad[0]!)).toMatch(/^not JSON/); // truncated
    expect(reason(bad.find((l) => l.includes('"version":2'))!)).toMatch(/unsupported protocol version 2/);
    expect(reason(bad.find((l) => l.includes('"subBucketBits":4'))!)).toMatch(/histogram: expected subBucketBits 3 and 320 buckets/);
    expect(reason(bad.find((l) => l.includes('"v3"'))!)).toMatch(/cgroup.block: unknown cgroup hierarchy "v3"/);
    expect(reason(bad.find((l) => l.includes('"pid":"1234"'))!)).toMatch(/pid: expected a finite number >= 0, got string "1234"/);
    expect(reason(bad.find((l) => l.includes('"count":-1'))!)).toMatch(/block\[0\]\.count: expected a finite number >= 0, got -1/);
    expect(reason(bad.find((l) => l.includes('"count":1.5'))!)).toMatch(/block\[0\]\.count: expected a whole number/);
    expect(reason(bad.find((l) => l.includes('"count":1e400'))!)).toMatch(/block\[0\]\.count: expected a finite number >= 0, got Infinity/);
    expect(reason(bad.find((l) => l.includes('18446744073709551615'))!)).toMatch(/block\[0\]\.count: expected a whole number below 2\^53/);
    expect(reason(bad.find((l) => l.includes('[[320,1]]'))!)).toMatch(/block\[0\]\.service\[0\]: bucket index must be a whole number 0\.\.319, got 320/);
    expect(reason(bad.find((l) => l.includes('"maxNs":-5'))!)).toMatch(/runq\[0\]\.maxNs/);
    expect(reason(bad.find((l) => l.includes('"lost":"0"'))!)).toMatch(/^interval: lost: expected a finite number/);
  });

  it('rejects every truncation of a good line', () => {
    for (const line of good) {
      for (let n = 0; n < line.length - 1; n++) {
        const r = parseLine(line.slice(0, n));
        expect(r.kind, line.slice(0, n)).toBe('bad');
      }
    }
  });

  it('never throws and always gives one-line reasons on random input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ type: 'interval', block: [v] }))), (s) => {
        const r = parseLine(s);
        if (r.kind === 'bad') expectOneLine(r.reason);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives one-line reasons for messages with control characters', () => {
    const r = parseLine('{"type":"error","message":"a\\nb\\u0000c"}');
    expect(r).toEqual({ kind: 'error', message: 'a b c' });
    const long = parseLine(`{"type":"${'x'.repeat(10_000)}"}`);
    expect(long.kind).toBe('bad');
    if (long.kind === 'bad') expectOneLine(long.reason);
  });

  it('mutating a field type of a good interval makes it bad, never a crash', () => {
    const base = JSON.parse(good[1]!) as Record<string, unknown>;
    const fields = ['seq', 'monoNs', 'intervalNs', 'block', 'runq', 'lost'];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.constantFrom<unknown>('1', null, -1, NaN, true, {}, 1e400), (f, v) => {
        const r = parseLine(JSON.stringify({ ...base, [f]: v }));
        // JSON.stringify turns NaN/Infinity into null: all of these are wrong for every field.
        expect(r.kind).toBe('bad');
      }),
    );
  });
});
