// The recording codec round-trips any chain of JSON-like values exactly (-0, NaN, ±Infinity, counters near
// 2^53, strings that are not well-formed UTF-16, keys that look like paths or prototypes), whether the
// values are unrelated or evolve step by step as samples do; and bad bytes give a CodecError, never a crash.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChainDecoder, ChainEncoder, CodecError, decodeOne, encodeOne } from '../../src/record/codec.js';
import { createHash } from 'node:crypto';
import { firstDifference, samples } from './record-helpers.js';
import { figuresOf } from '../../src/model/catalogue.js';

const awkwardNumbers = fc.constantFrom(
  0, -0, NaN, Infinity, -Infinity, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2, 2 ** 64, 1e300,
  Number.MIN_VALUE, -Number.MIN_VALUE, Number.EPSILON, 0.1, 0.52, 12.75, -3.125, 1 / 3, 123456789.123, 2 ** 31, -(2 ** 31), 2 ** 32 + 1,
);
const numbers = fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger(), awkwardNumbers, fc.integer({ min: -1000, max: 1000 }).map((n) => n / 100));
const awkwardStrings = fc.constantFrom('', 'a.b', 'a[0]', '[0]', '0', '__proto__', 'constructor', 'toString', 'x/y', '\u0000', '\ud800', 'a\udc00b', '€', '😀', 'ω'.repeat(50), 'x'.repeat(300));
const strings = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), awkwardStrings);
// Decoded objects are plain objects (Object.prototype): generate those.
const plain = { noNullPrototype: true } as const;
const keys = fc.oneof(fc.string({ maxLength: 4 }), awkwardStrings);

const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(undefined, null, true, false),
    numbers,
    strings,
    tie('array'),
    tie('object'),
    tie('rows'),
  ),
  array: fc.array(tie('value'), { maxLength: 6 }),
  object: fc.dictionary(keys, tie('value'), { maxKeys: 6, noNullPrototype: true }),
  // Rows with identities from a small set, so that chains meet the same rows again (keyed matching).
  rows: fc.array(
    fc.oneof(
      fc.record({ id: fc.integer({ min: 0, max: 5 }), v: numbers, s: strings }, plain),
      fc.record({ pid: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 0, max: 2 ** 53 - 1 }) }, plain),
      fc.record({ meta: fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd') }, plain), counters: fc.option(fc.record({ cpu: numbers }, plain)) }, plain),
      fc.record({ major: fc.constantFrom(7, 8), minor: fc.integer({ min: 0, max: 2 }), op: fc.constantFrom('read', 'write'), cgroup: fc.nat(3), count: fc.nat() }, plain),
    ),
    { maxLength: 8 },
  ),
}));

function roundTrip(values: unknown[]): unknown[] {
  const enc = new ChainEncoder();
  const frames = values.map((v) => enc.encode(v));
  const dec = new ChainDecoder();
  return frames.map((f) => dec.decode(f));
}

/** A value changed a little: numbers moved, keys added or dropped, rows inserted, removed or reordered. */
type Edit = { path: number[]; op: 'num' | 'drop' | 'add' | 'swap' | 'str' | 'dup'; n: number; s: string };
const edit: fc.Arbitrary<Edit> = fc.record({
  path: fc.array(fc.nat(7), { minLength: 0, maxLength: 4 }),
  op: fc.constantFrom('num', 'drop', 'add', 'swap', 'str', 'dup'),
  n: fc.oneof(fc.integer({ min: -5, max: 1000 }), awkwardNumbers),
  s: keys,
});

function clone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clone);
  if (typeof v === 'object' && v !== null) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: clone((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

function applyEdit(root: unknown, e: Edit): unknown {
  const next = clone(root);
  let node: unknown = next;
  for (const step of e.path) {
    const kids = Array.isArray(node) ? node : typeof node === 'object' && node !== null ? Object.values(node) : [];
    const child = kids[step % Math.max(1, kids.length)];
    if (typeof child !== 'object' || child === null) break;
    node = child;
  }
  if (Array.isArray(node)) {
    const i = node.length ? e.n >>> 0 : 0;
    if (e.op === 'drop' && node.length) node.splice(i % node.length, 1);
    else if (e.op === 'add') node.splice(node.length ? i % (node.length + 1) : 0, 0, { id: e.n, name: e.s });
    else if (e.op === 'swap' && node.length > 1) node.reverse();
    else if (e.op === 'dup' && node.length) node.push(clone(node[i % node.length]));
    else if (node.length) node[i % node.length] = e.op === 'str' ? e.s : e.n;
  } else if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    const ks = Object.keys(o);
    const k = ks.length ? ks[(e.n >>> 0) % ks.length]! : e.s;
    if (e.op === 'drop') delete o[k];
    else if (e.op === 'add') Object.defineProperty(o, e.s, { value: { n: e.n }, enumerable: true, writable: true, configurable: true });
    else if (e.op === 'str') o[k] = e.s;
    else if (typeof o[k] === 'number') o[k] = (o[k] as number) + e.n;
    else o[k] = e.n;
  }
  return next;
}

describe('codec round trip', () => {
  it('chains of unrelated values', () => {
    fc.assert(
      fc.property(fc.array(jsonValue, { minLength: 1, maxLength: 8 }), (values) => {
        expect(firstDifference(roundTrip(values), values)).toBeNull();
      }),
      { numRuns: 400 },
    );
  });

  it('chains of values that evolve by small edits (the shape of samples)', () => {
    fc.assert(
      fc.property(jsonValue, fc.array(fc.array(edit, { maxLength: 4 }), { minLength: 1, maxLength: 12 }), (start, steps) => {
        const values = [start];
        for (const edits of steps) values.push(edits.reduce(applyEdit, values[values.length - 1]));
        expect(firstDifference(roundTrip(values), values)).toBeNull();
      }),
      { numRuns: 400 },
    );
  });

  it('a forked decoder goes on from the same point as its parent, each independently (base rows)', () => {
    fc.assert(
      fc.property(jsonValue, fc.array(fc.array(edit, { maxLength: 4 }), { minLength: 2, maxLength: 8 }), (start, steps) => {
        // A base value, then two chains that continue it (as two blocks of one hour do).
        const base = start;
        const chain = (k: number): unknown[] => {
          const out = [base];
          for (const edits of steps.slice(k)) out.push(edits.reduce(applyEdit, out[out.length - 1]));
          return out;
        };
        const a = chain(0);
        const b = chain(1);
        const enc = (values: unknown[]): Buffer[] => {
          const e = new ChainEncoder();
          return values.map((v) => e.encode(v));
        };
        const fa = enc(a);
        const fb = enc(b);
        const parent = new ChainDecoder();
        parent.decode(fa[0]!);
        const forkA = parent.fork();
        const forkB = parent.fork();
        // interleaved: neither fork sees the other's strings or values
        const outA: unknown[] = [a[0]];
        const outB: unknown[] = [b[0]];
        for (let i = 1; i < Math.max(fa.length, fb.length); i++) {
          if (i < fa.length) outA.push(forkA.decode(fa[i]!));
          if (i < fb.length) outB.push(forkB.decode(fb[i]!));
        }
        expect(firstDifference(outA, a)).toBeNull();
        expect(firstDifference(outB, b)).toBeNull();
        // the parent is where it was: it forks again to the same chain
        const again = parent.fork();
        expect(firstDifference(fa.slice(1).map((f) => again.decode(f)), a.slice(1))).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to fork a decoder whose values are not frozen (they would be shared and could change)', () => {
    const d = new ChainDecoder({ freeze: false });
    d.decode(encodeOne({ a: 1 }));
    expect(() => d.fork()).toThrow(/frozen/);
  });

  it('keeps -0, NaN, infinities and counters near 2^53 exact, also as differences', () => {
    const values = [
      { a: 0, b: NaN, c: 2 ** 53 - 1, d: -0, e: 1 },
      { a: -0, b: NaN, c: 2 ** 53 - 2, d: 0, e: Infinity },
      { a: 0, b: 1, c: -(2 ** 53 - 1), d: -0, e: -Infinity },
      { a: 2 ** 53, b: 2 ** 53 + 2, c: 2 ** 53 - 1, d: 5e-324, e: 0.1 + 0.2 },
    ];
    const out = roundTrip(values) as Record<string, number>[];
    expect(out).toStrictEqual(values);
    expect(Object.is(out[1]!.a, -0)).toBe(true);
    expect(Object.is(out[2]!.d, -0)).toBe(true);
  });

  it('rows matched by identity: a new process costs one row, not a shift of all the rows after it', () => {
    const row = (pid: number) => ({ pid, comm: `proc-${pid}`, cmdline: `/usr/bin/thing --id ${pid} --with many arguments`, utime: pid * 10 });
    const a = Array.from({ length: 200 }, (_, i) => row(i + 100));
    const b = [row(1), ...a]; // a new pid sorts first
    const enc = new ChainEncoder();
    enc.encode(a);
    const delta = enc.encode(b);
    expect(delta.length).toBeLessThan(600);
    expect(roundTrip([a, b])).toStrictEqual([a, b]);
  });

  it('an unchanged value costs one byte, a counter that moved a few bytes', () => {
    const s = { host: { cpu: { user: 123456789, idle: 987654321 }, disks: [{ name: 'sda', reads: 1e9 }] } };
    const enc = new ChainEncoder();
    expect(enc.encode(s).length).toBeGreaterThan(30);
    expect(enc.encode(s).length).toBe(1);
    const moved = { host: { cpu: { user: 123456790, idle: 987654321 }, disks: [{ name: 'sda', reads: 1e9 + 300 }] } };
    expect(enc.encode(moved).length).toBeLessThanOrEqual(24);
  });

  it('decoded values are frozen and share what did not change', () => {
    const a = { big: { x: 1 }, n: 1 };
    const b = { big: { x: 1 }, n: 2 };
    const [da, db] = roundTrip([a, b]) as (typeof a)[];
    expect(Object.isFrozen(da)).toBe(true);
    expect(db!.big).toBe(da!.big);
    expect(() => {
      (db as { n: number }).n = 3;
    }).toThrow(TypeError);
  });

  it('refuses what is not JSON-like, and the chain stays usable', () => {
    const enc = new ChainEncoder();
    const dec = new ChainDecoder();
    expect(dec.decode(enc.encode({ a: 'x' }))).toEqual({ a: 'x' });
    expect(() => enc.encode({ a: 'y', m: new Map() })).toThrow(/cannot record a value of type Map/);
    expect(() => enc.encode({ d: new Date() })).toThrow(CodecError);
    expect(() => enc.encode({ b: 1n })).toThrow(/bigint/);
    expect(dec.decode(enc.encode({ a: 'y', z: 'x' }))).toEqual({ a: 'y', z: 'x' });
  });
});

describe('codec bytes', () => {
  // The bytes are the store's format (docs/store.md): the encoder may get faster, never write other bytes.
  // Both expectations are what main b0c093f's encoder wrote for the same values.
  it('writes the same bytes as before for values that flip between 0 and -0, NaN, shared objects, integer tables', () => {
    const shared = { k: 1 };
    const chain = [
      { a: 0, b: NaN, c: [0, -0, 1, 'x'], d: shared, e: [[1, 2], [3, 4]], f: null },
      { a: -0, b: NaN, c: [-0, -0, 1, 'x'], d: shared, e: [[1, 2], [3, 5]], f: undefined },
      { a: -0, b: 1, c: [-0, 0, 1, 'y', 2], d: { k: 1 }, e: [[1, 2], [3, 5]], f: false },
      { a: 0, b: 1, c: [-0, 0], d: { k: -0 }, e: [[1, 2]], f: false },
      { a: 0, b: 1, c: [-0, 0], d: { k: -0 }, e: [[1, 2]], f: false },
    ];
    const enc = new ChainEncoder();
    expect(chain.map((v) => enc.encode(v).toString('hex'))).toEqual([
      '0d06090161050009016207000000000000f87f0901630c04050008810005010901780901640d0109016b05010901651402820102020409016602',
      '100108810002120401088100000214028201020205010100',
      '10020501011205020e000209017901050200030300',
      '10010e0002120200011001088100000112010000',
      '00',
    ]);
  });

  it('writes the same bytes as before for rows reordered, repeated, new, or without an identity', () => {
    const r = (pid: number, v: number) => ({ pid, v });
    const a = r(1, 1), b = r(2, 2), c = r(3, 3);
    const chain = [
      { rows: [a, b, c] },
      { rows: [a, c, b] }, // reordered: by identity
      { rows: [a, c, r(2, 5), r(4, 1)] }, // changed and new rows
      { rows: [a, a, c] }, // an identity twice: by index
      { rows: [c, a] }, // after that
      { rows: [c, a, { v: 1 }] }, // a row without identity: by index
      { rows: [a, c] },
      { rows: [a, c] },
    ];
    const enc = new ChainEncoder();
    // The bytes of main b39148a.
    expect(chain.map((v) => enc.encode(v).toString('hex'))).toEqual([
      '0d010904726f77730c030d020903706964050109017605010d020a0105020a0205020d020a0105030a020503', '1001130301000300040000',
      '10011304010001000110020e0300000d020a0105040a02050100', '100112030210010501010501000110010e01010f02000000', '100112020110010e02010e02000000',
      '10011203030d010a0205010000', '100112020110010501010501000110010e02010e02000000', '00',
    ]);
  });

  it('writes the same bytes as before for a chain of samples and of their roll-up figures', () => {
    const h = createHash('sha256');
    const sets = samples(120, { seed: 11, containers: 6, processes: 40 });
    const enc = new ChainEncoder();
    for (const s of sets) h.update(enc.encode(s));
    const figures = new ChainEncoder();
    let prev = null;
    for (const s of sets) {
      h.update(figures.encode(figuresOf(prev, s)));
      prev = s;
    }
    expect(h.digest('hex')).toBe('7232911c7415ce6e2dba05dd10e3cbec727adef1404a698201d54da96cde74d7');
  });
});

describe('codec bytes with rows given again', () => {
  it('a process row given again as the same object (a process the reader found unchanged) writes the bytes of an equal copy', () => {
    const sets = samples(120, { seed: 11, containers: 6, processes: 40 });
    // Every row equal to the previous set's row of its pid becomes that very object; some sets reorder rows.
    let reused = 0;
    const shared = sets.map((s, i) => {
      if (i === 0 || !s.processes) return s;
      const before = new Map((sets[i - 1]!.processes ?? []).map((r) => [r.pid, r]));
      const rows = s.processes.map((r) => {
        const p = before.get(r.pid);
        if (p && JSON.stringify(p) === JSON.stringify(r)) {
          reused++;
          return p;
        }
        return r;
      });
      return { ...s, processes: i % 7 === 0 ? [...rows].reverse() : rows };
    });
    for (let i = 1; i < shared.length; i++) if (shared[i]!.processes && sets[i]!.processes) sets[i] = { ...sets[i]!, processes: i % 7 === 0 ? [...sets[i]!.processes!].reverse() : sets[i]!.processes };
    expect(reused).toBeGreaterThan(100);
    const a = new ChainEncoder();
    const b = new ChainEncoder();
    for (let i = 0; i < sets.length; i++) expect(b.encode(shared[i]).toString('hex')).toBe(a.encode(structuredClone(sets[i])).toString('hex'));
  });
});

describe('codec on bad bytes', () => {
  it('random or truncated bytes give a CodecError or some value, never another exception', () => {
    const valid = encodeOne({ a: [1, 2, { b: 'c' }], d: 1.5, e: 'xyz' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(valid.length), (junk, cut) => {
        for (const bytes of [Buffer.from(junk), valid.subarray(0, cut), Buffer.concat([valid, Buffer.from(junk)])]) {
          try {
            decodeOne(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(CodecError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a difference without the value it continues is refused', () => {
    const enc = new ChainEncoder();
    enc.encode({ n: 1 });
    const delta = enc.encode({ n: 2 });
    expect(() => decodeOne(delta)).toThrow(CodecError);
  });
});
