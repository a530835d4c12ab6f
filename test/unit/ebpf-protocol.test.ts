import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_BYTES, MAX_COUNT, PROTOCOL_VERSION, parseLine, type Hello, type IntervalData } from '../../src/sources/ebpf/protocol.js';
import { BLOCK_OPS } from '../../src/model/types.js';
import { packedBucketsOf } from '../../src/model/packed-buckets.js';

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

const noLoss = {
  blockStartDropped: 0,
  blockNoStart: 0,
  blockNoStartBytes: 0,
  blockStale: 0,
  histFull: 0,
  histFullBytes: 0,
  runqStartDropped: 0,
  partial: 0,
  partialBytes: 0,
  merged: 0,
};

describe('parseLine: good lines', () => {
  it('parses the protocol doc hello (version 2)', () => {
    const h = parseLine(good[0]!) as Hello;
    expect(PROTOCOL_VERSION).toBe(2);
    expect(h).toEqual({
      kind: 'hello',
      version: 2,
      pid: 1234,
      intervalMs: 1000,
      programs: {
        block_rq_insert: 'tp_btf',
        block_rq_issue: 'tp_btf',
        block_rq_complete: 'tp_btf',
        block_rq_merge: 'tp_btf',
        block_rq_requeue: 'tp_btf',
        sched_wakeup: 'tp_btf',
        sched_wakeup_new: 'tp_btf',
        sched_switch: 'tp_btf',
      },
      failed: {},
      cgroup: { block: 'v1-blkio', runq: 'v1-cpu' },
      histogram: { unit: 'ns', subBucketBits: 3, buckets: 320 },
      maps: { inflight: 16384, hist: 1024, runq: 32768 },
    });
  });

  it('parses the protocol doc interval, with the flush token it answers', () => {
    const iv = parseLine(good[1]!) as IntervalData;
    expect(iv).toEqual({
      kind: 'interval',
      seq: 1,
      monoNs: 123456789000,
      intervalNs: 1000123456,
      flush: 7,
      block: [
        {
          major: 7,
          minor: 0,
          op: 'read',
          cgroup: 4026,
          count: 43,
          bytes: 176128,
          maxNs: 20000,
          totalMaxNs: 21000,
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
      runq: [{ cgroup: 1, count: 92, maxNs: 880, hist: [[60, 12], [61, 80]] }],
      lost: noLoss,
    });
  });

  it('reads lost events by cause, partial completions and merges; ignores unknown keys; maps unknown ops to "other"', () => {
    const a = parseLine(good[2]!) as IntervalData;
    expect(a.kind).toBe('interval');
    expect(a.flush).toBeNull();
    expect(a.lost).toEqual({ ...noLoss, blockNoStart: 3, blockNoStartBytes: 12288, runqStartDropped: 2, partial: 4, partialBytes: 2048, merged: 5 });
    expect(a).not.toHaveProperty('future');
    const b = parseLine(good[3]!) as IntervalData;
    expect(b.block[0]!.op).toBe('other');
    expect(b.lost).toEqual(noLoss);
    expect(b.block[0]).not.toHaveProperty('extra');
  });

  it('parses error lines and a minimal hello', () => {
    expect(parseLine(good[4]!)).toEqual({ kind: 'error', message: 'start map full: 12 events dropped' });
    const h = parseLine(good[5]!) as Hello;
    expect(h.kind).toBe('hello');
    expect(h.programs).toEqual({});
    expect(h.failed).toEqual({});
    expect(h.maps).toBeNull();
    expect(h.cgroup).toEqual({ block: 'v2', runq: 'v2' });
    expect(h.intervalMs).toBe(250);
  });

  it('accepts the largest plausible numbers: a clock near 2^63, 2^40 events, 2^50 bytes, the largest device numbers', () => {
    const iv = parseLine(good[6]!) as IntervalData;
    expect(iv.kind).toBe('interval');
    expect(iv.monoNs).toBe(9.2e18);
    expect(iv.block[0]!.count).toBe(MAX_COUNT);
    expect(iv.block[0]!.bytes).toBe(MAX_BYTES);
    expect(iv.block[0]!.cgroup).toBe(Number.MAX_SAFE_INTEGER);
    expect([iv.block[0]!.major, iv.block[0]!.minor]).toEqual([4095, 1048575]);
    // zero counts dropped, duplicates summed
    expect(iv.block[0]!.total).toEqual([[319, MAX_COUNT]]);
    expect(iv.runq[0]!.hist).toEqual([[0, 1]]);
  });

  it('accepts every op name of the protocol', () => {
    for (const op of BLOCK_OPS) {
      const line = good[1]!.replace('"op":"read"', `"op":"${op}"`);
      expect((parseLine(line) as IntervalData).block[0]!.op).toBe(op);
    }
  });

  it('normalises histograms: sorted by bucket, duplicates summed', () => {
    const line = good[1]!.replace('"service":[[96,3],[97,40]]', '"service":[[97,30],[96,3],[97,10]]');
    expect((parseLine(line) as IntervalData).block[0]!.service).toEqual([
      [96, 3],
      [97, 40],
    ]);
  });

  it('gives the engine the same buckets as typed arrays (packedBucketsOf), for these rows only', () => {
    // good[1] as the helper prints it, and with a histogram to normalise and a pair with a third element
    const lines = [good[1]!, good[1]!.replace('"service":[[96,3],[97,40]]', '"service":[[97,30],[96,3],[97,10]]'), good[1]!.replace('[96,3]', '[96,3,"x"]')];
    for (const line of lines) {
      const iv = parseLine(line) as IntervalData;
      expect(iv.kind).toBe('interval');
      const p = packedBucketsOf(iv.block, iv.runq)!;
      expect(p).toBeDefined();
      const hists = [...iv.block.flatMap((r) => [r.service, r.total]), ...iv.runq.map((r) => r.hist)];
      expect(p.at.length).toBe(hists.length + 1);
      hists.forEach((pairs, k) => {
        const got: [number, number][] = [];
        for (let j = p.at[k]!; j < p.at[k + 1]!; j++) got.push([p.idx[j]!, p.cnt[j]!]);
        expect(got).toEqual(pairs.map((x) => [x[0], x[1]]));
        for (const x of pairs) expect(x.length).toBe(2);
      });
      // not for other arrays, nor once the rows were changed
      expect(packedBucketsOf([...iv.block], iv.runq)).toBeUndefined();
      expect(packedBucketsOf(iv.block, [...iv.runq])).toBeUndefined();
      iv.block.push(iv.block[0]!);
      expect(packedBucketsOf(iv.block, iv.runq)).toBeUndefined();
    }
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
    expect(reason(bad.find((l) => l.includes('"version":1'))!)).toMatch(/unsupported protocol version 1 \(tailtop speaks 2\)/);
    expect(reason(bad.find((l) => l.includes('"subBucketBits":4'))!)).toMatch(/histogram: expected subBucketBits 3 and 320 buckets/);
    expect(reason(bad.find((l) => l.includes('"v3"'))!)).toMatch(/cgroup.block: unknown cgroup hierarchy "v3"/);
    expect(reason(bad.find((l) => l.includes('"pid":"1234"'))!)).toMatch(/pid: expected a finite number >= 0, got string "1234"/);
    expect(reason(bad.find((l) => l.includes('"count":-1'))!)).toMatch(/block\[0\]\.count: expected a finite number >= 0, got -1/);
    expect(reason(bad.find((l) => l.includes('"count":1.5'))!)).toMatch(/block\[0\]\.count: expected a whole number/);
    expect(reason(bad.find((l) => l.includes('"count":1e400'))!)).toMatch(/block\[0\]\.count: expected a finite number >= 0, got Infinity/);
    expect(reason(bad.find((l) => l.includes('18446744073709551615'))!)).toMatch(/block\[0\]\.count: expected a whole number below 2\^53/);
    expect(reason(bad.find((l) => l.includes('[[320,1]]'))!)).toMatch(/block\[0\]\.service\[0\]: bucket index must be a whole number 0\.\.319, got 320/);
    expect(reason(bad.find((l) => l.includes('"maxNs":-5'))!)).toMatch(/runq\[0\]\.maxNs/);
    expect(reason(bad.find((l) => l.includes('"lost":"0"'))!)).toMatch(/^interval: lost: expected an object/);
    // absurd values: refused with a reason, so that they can neither freeze a window nor leave a phantom row
    expect(reason(bad.find((l) => l.includes('"monoNs":1e+308'))!)).toMatch(/^interval: monoNs: expected whole nanoseconds below 2\^63/);
    expect(reason(bad.find((l) => l.includes('"count":9007199254740991'))!)).toMatch(/block\[0\]\.count: 9007199254740991 is beyond any real count per interval/);
    expect(reason(bad.find((l) => l.includes('"monoNs":5,'))!)).toMatch(/intervalNs: 10 would start the interval before boot/);
    expect(reason(bad.find((l) => l.includes('"maxNs":30000'))!)).toMatch(/block\[0\]: maximum 30000 ns is outside the highest service bucket \[18432, 20480\)/);
    expect(reason(bad.find((l) => l.includes('"maxNs":100,'))!)).toMatch(/maximum 100 ns is outside the highest service bucket/);
    expect(reason(bad.find((l) => l.includes('"count":2,'))!)).toMatch(/block\[0\]\.service: holds 1 values, count is 2/);
    expect(reason(bad.find((l) => l.includes('"count":0,'))!)).toMatch(/block\[0\]\.count: a row must count at least one event/);
    expect(reason(bad.find((l) => l.includes('"major":4096'))!)).toMatch(/block\[0\]\.major: 4096 is beyond any real 12-bit device number/);
    expect(reason(bad.find((l) => l.includes('"bytes":2251799813685248'))!)).toMatch(/block\[0\]\.bytes: .* is beyond any real byte count/);
    expect(reason(bad.find((l) => l.includes('"totalMaxNs":null'))!)).toMatch(/block\[0\]\.totalMaxNs/);
    expect(reason(bad.find((l) => l.includes('"hist":[[61,1]]'))!)).toMatch(/runq\[0\]\.hist: holds 1 values, count is 2/);
    expect(reason(bad.find((l) => l.includes('"blockNoStart":-1'))!)).toMatch(/lost\.blockNoStart/);
    expect(reason(bad.find((l) => l.includes('"flush":-3'))!)).toMatch(/flush/);
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
    const fields = ['seq', 'monoNs', 'intervalNs', 'block', 'runq', 'lost', 'flush'];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.constantFrom<unknown>('1', null, -1, NaN, true, {}, 1e400), (f, v) => {
        const r = parseLine(JSON.stringify({ ...base, [f]: v }));
        // JSON.stringify turns NaN/Infinity into null: all of these are wrong for every field.
        expect(r.kind).toBe('bad');
      }),
    );
  });
});

describe('parseLine: every numeric field at its edges', () => {
  // field-edges.json: a good interval line with one field set to each of these values, as main b0c093f
  // parsed it (the parsed row, or the reason it was refused), before the parser checked fields without
  // building their paths. Every value and every reason must stay the same.
  const edges = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/ebpf/field-edges.json', import.meta.url)), 'utf8')) as [string, string, string][];
  const values: unknown[] = [-1, -0, 0, 1, 1.5, 4095, 4096, 2 ** 20 - 1, 2 ** 20, 2 ** 40, 2 ** 40 + 1, 2 ** 50, 2 ** 50 + 1, 2 ** 53 - 1, 2 ** 53, 2 ** 63, 1e308, '1', null, true, [], {}];
  const paths: (string | number)[][] = [
    ['block', 0, 'major'], ['block', 0, 'minor'], ['block', 0, 'cgroup'], ['block', 0, 'count'], ['block', 0, 'bytes'], ['block', 0, 'maxNs'], ['block', 0, 'totalMaxNs'], ['block', 0, 'op'],
    ['block', 0, 'service', 0, 0], ['block', 0, 'service', 1, 1], ['block', 0, 'total', 0, 1],
    ['runq', 0, 'cgroup'], ['runq', 0, 'count'], ['runq', 0, 'maxNs'], ['runq', 0, 'hist', 0, 0], ['runq', 0, 'hist', 1, 1],
  ];
  const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (Object.is(x, -0) ? '-0' : x));

  it('parses or refuses each as before', () => {
    const got: [string, string, string][] = [];
    for (const p of paths) {
      for (const v of values) {
        const o = JSON.parse(good[1]!) as Record<string, unknown>;
        let t = o as Record<string | number, unknown>;
        for (const k of p.slice(0, -1)) t = t[k] as Record<string | number, unknown>;
        t[p.at(-1)!] = v;
        const r = parseLine(JSON.stringify(o));
        let f: unknown = r;
        if (r.kind !== 'bad') for (const k of p.slice(0, p.length === 5 ? -2 : -1)) f = (f as Record<string | number, unknown>)[k];
        got.push([p.join('.'), show(v), r.kind === 'bad' ? `bad: ${r.reason}` : show(f)]);
      }
    }
    // histograms as a helper may send them: unsorted, duplicated, with empty buckets
    for (const hist of [[[61, 80], [60, 12]], [[60, 12], [60, 0], [61, 80]], [[60, 2], [60, 10], [61, 80]], [[60, 12], [61, 0], [61, 80]], [[61, 80], [60, 12], [59, 0]]]) {
      const o = JSON.parse(good[1]!) as { runq: { hist: unknown }[] };
      o.runq[0]!.hist = hist;
      const r = parseLine(JSON.stringify(o));
      got.push(['runq.0.hist', show(hist), r.kind === 'bad' ? `bad: ${r.reason}` : show((r as IntervalData).runq[0]!.hist)]);
    }
    expect(got).toEqual(edges);
  });
});

describe("parseLine: the helper's own form (the scanner's fast path) reads as JSON.parse does", () => {
  // The same text with a space after its first brace: JSON.parse reads the same value, the scanner stops at
  // once, so it takes the general path.
  const general = (line: string): string => (line.startsWith('{') ? `{ ${line.slice(1)}` : line);
  const pairsOf = (iv: IntervalData): [number, number][] => [...iv.block.flatMap((r) => [...r.service, ...r.total]), ...iv.runq.flatMap((r) => r.hist)];
  const samePacked = (a: IntervalData, b: IntervalData): void => {
    const pa = packedBucketsOf(a.block, a.runq)!;
    const pb = packedBucketsOf(b.block, b.runq)!;
    expect([...pa.idx]).toEqual([...pb.idx]);
    expect([...pa.cnt]).toEqual([...pb.cnt]);
    expect([...pa.at]).toEqual([...pb.at]);
  };

  it('reads every interval of the real helper (bpf/loader.c) as the general path does, pairs shared', () => {
    const real = fixture('real-helper.jsonl').filter((l) => l.startsWith('{"type":"interval"'));
    expect(real.length).toBeGreaterThanOrEqual(5);
    let shared = 0;
    for (const line of real) {
      const fast = parseLine(line) as IntervalData;
      const slow = parseLine(general(line)) as IntervalData;
      expect(fast.kind).toBe('interval');
      expect(fast).toEqual(slow);
      samePacked(fast, slow);
      // small counts come as shared frozen pairs from the scanner (JSON.parse makes new, writable ones)
      const small = pairsOf(fast).filter((p) => p[1] < 64);
      expect(small.every((p) => Object.isFrozen(p))).toBe(true);
      expect(pairsOf(slow).some((p) => Object.isFrozen(p))).toBe(false);
      shared += small.length;
    }
    expect(shared).toBeGreaterThan(100);
  });

  // Intervals in the helper's form (JSON.stringify of the keys in loader.c's order prints exactly what it
  // prints), with values at the edges of every check, consistent or not.
  const edge = fc.constantFrom(0, 1, 63, 64, 4095, 4096, 2 ** 20, 2 ** 40, 2 ** 40 + 1, 2 ** 50, 2 ** 50 + 1, 2 ** 53 - 1, 2 ** 53, 2 ** 63 - 2048, 2 ** 63, 1e20);
  // mostly plausible values (so that many lines are read), sometimes one at an edge
  const value = fc.oneof({ weight: 30, arbitrary: fc.nat({ max: 5000 }) }, { weight: 1, arbitrary: edge });
  // clocks: 16 to 19 digits too (past 2^53: read through Number, as JSON.parse rounds)
  const clock = fc.oneof({ weight: 10, arbitrary: fc.bigInt({ min: 10n ** 12n, max: 2n ** 63n - 1n }).map(Number) }, { weight: 1, arbitrary: edge });
  const hist = fc.oneof(
    fc.uniqueArray(fc.integer({ min: 0, max: 325 }), { maxLength: 6 }).chain((ix) => fc.tuple(...ix.sort((a, b) => a - b).map((i) => fc.tuple(fc.constant(i), fc.oneof(value, fc.constant(0)))))),
    fc.array(fc.tuple(fc.nat({ max: 330 }), value), { maxLength: 4 }),
  );
  const consistentRow = (h: [number, number][], n: number): number => (h.length === 0 ? n : h.reduce((a, p) => a + p[1], 0));
  const maxFor = (h: [number, number][], pick: number): number => {
    if (h.length === 0) return pick;
    const top = Math.max(...h.map((p) => p[0]));
    return top < 8 ? top : (8 + (top & 7)) * 2 ** ((top >> 3) - 1);
  };
  const blockRow = fc.record({ major: value, minor: value, op: fc.constantFrom(...BLOCK_OPS, 'bogus'), cgroup: value, count: value, bytes: value, maxNs: value, totalMaxNs: value, service: hist, total: hist, fix: fc.boolean() }).map(({ fix, ...r }) => {
    if (!fix) return r;
    const count = consistentRow(r.service, r.count);
    const total = r.total.length === 0 || consistentRow(r.total, 0) !== count ? r.service : r.total;
    return { ...r, count, total, maxNs: maxFor(r.service, r.maxNs), totalMaxNs: maxFor(total, r.totalMaxNs) };
  });
  const runqRow = fc.record({ cgroup: value, count: value, maxNs: value, hist, fix: fc.boolean() }).map(({ fix, ...r }) =>
    fix ? { ...r, count: consistentRow(r.hist, r.count), maxNs: maxFor(r.hist, r.maxNs) } : r,
  );
  const lost = fc.record(Object.fromEntries(['blockStartDropped', 'blockNoStart', 'blockNoStartBytes', 'blockStale', 'histFull', 'histFullBytes', 'runqStartDropped'].map((k) => [k, value])));
  const line = fc
    .record({ seq: value, monoNs: clock, intervalNs: value, flush: fc.option(value, { nil: undefined }), block: fc.array(blockRow, { maxLength: 4 }), runq: fc.array(runqRow, { maxLength: 4 }), lost, pc: value, pb: value, merged: value })
    .map(({ seq, monoNs, intervalNs, flush, block, runq, lost, pc, pb, merged }) =>
      JSON.stringify({ type: 'interval', seq, monoNs, intervalNs, ...(flush === undefined ? {} : { flush }), block, runq, lost, partial: { count: pc, bytes: pb }, merged }),
    );

  it('parses or refuses generated lines exactly as the general path does (the same rows, buckets and reasons)', () => {
    let read = 0;
    fc.assert(
      fc.property(line, (l) => {
        const fast = parseLine(l);
        const slow = parseLine(general(l));
        expect(fast).toEqual(slow);
        if (fast.kind === 'interval') {
          read++;
          samePacked(fast, slow as IntervalData);
        }
      }),
      { numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(50);
  });

  it('a line changed anywhere (a character replaced, dropped or doubled) is read as JSON.parse reads it, or refused', () => {
    const real = fixture('real-helper.jsonl').filter((l) => l.startsWith('{"type":"interval"') && l.length < 4000);
    const changed = fc.tuple(fc.constantFrom(...real), fc.nat(), fc.constantFrom('0', '9', '-', 'e', '.', ',', '[', ']', '{', '}', '"', ' ', 'x', '', 'dup')).map(([l, at, c]) => {
      const i = at % l.length;
      return c === 'dup' ? l.slice(0, i + 1) + l.slice(i) : l.slice(0, i) + c + l.slice(i + 1);
    });
    fc.assert(
      fc.property(changed, (l) => {
        const got = parseLine(l);
        let json = true;
        try {
          JSON.parse(l);
        } catch {
          json = false;
        }
        if (!json) expect(got.kind).toBe('bad');
        else expect(got).toEqual(parseLine(general(l)));
      }),
      { numRuns: 3000 },
    );
  });
});
