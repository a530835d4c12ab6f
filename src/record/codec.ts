// The recording codec: generic over JSON-like values (undefined, null, booleans, numbers, strings, arrays,
// plain objects), with no knowledge of what a SampleSet holds. Values form a chain: the first of a block
// is written whole (a keyframe), each next one as a difference from the one before:
//
// - an unchanged value is omitted (an object lists only the keys whose values changed, an array only the
//   indices), so a counter that did not move and a process that did nothing cost nothing;
// - a whole number is written as the difference from its previous value when that is smaller (counters
//   grow by small steps); other numbers are written whole, as a decimal (mantissa, exponent) when one
//   gives exactly the same double (0.52, 12.75), else as the 8-byte double (NaN, ±Infinity, -0 included);
// - arrays of rows that carry an identity (a field named like `id`, `pid`, `name`, `major`/`minor`/`op`/
//   `cgroup`, or such a field inside `meta`) are matched by it, so a process or container that appears or
//   vanishes costs one row, not a shift of every row after it; other arrays are matched by index;
// - strings (values and object keys) are written once per chain and referred to by number afterwards.
//
// Decoded values are frozen and share the unchanged parts with the value decoded before them: treat them
// as read-only. The encoder keeps a reference to the last value it encoded (it diffs against it): do not
// mutate a value after encoding it. See docs/store.md for the byte layout.
import { ByteReader, ByteWriter, CodecError } from './bytes.js';

export { CodecError };

const T_SAME = 0;
const T_UNDEF = 1;
const T_NULL = 2;
const T_FALSE = 3;
const T_TRUE = 4;
const T_UINT = 5;
const T_NINT = 6;
const T_F64 = 7;
const T_DEC = 8;
const T_STR = 9;
const T_STRREF = 10;
const T_STR16 = 11;
const T_ARR = 12;
const T_OBJ = 13;
const T_DPOS = 14;
const T_DNEG = 15;
const T_OBJDIFF = 16;
const T_OBJREKEY = 17;
const T_ARRDIFF = 18;
const T_ARRKEYED = 19;
const T_INTTAB = 20;

/** Widest row of an integer table (see intTableWidth). */
const MAX_TABLE_WIDTH = 8;

/** Fields that identify a row of an array (in this order), looked up in the row or its `meta` object. */
export const DEFAULT_IDENTITY_FIELDS: readonly string[] = ['id', 'pid', 'name', 'major', 'minor', 'op', 'cgroup', 'device'];
export const DEFAULT_IDENTITY_NESTED: readonly string[] = ['meta'];

export interface CodecOptions {
  identityFields?: readonly string[];
  identityNested?: readonly string[];
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const NO_PREV = Symbol('no previous value');
type Prev = unknown;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (typeof v === 'object' && v !== null) return (v.constructor as { name?: string } | undefined)?.name ?? 'object';
  return typeof v;
}

function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** The first test of `delta`: the same value (or object) again, -0 and 0 told apart; nothing is written for it. */
function unchanged(p: unknown, c: unknown): boolean {
  return p === c && (c !== 0 || Object.is(p, c));
}

/** Row identities of an array, and (built when first needed) identity -> index, null when one repeats. */
interface RowIds {
  list: string[];
  at: Map<string, number> | null | undefined;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Encodes a chain of values; one instance per block. */
export class ChainEncoder {
  private prev: Prev = NO_PREV;
  private readonly strings = new Map<string, number>();
  private readonly stringList: string[] = [];
  private readonly w = new ByteWriter(64 * 1024);
  private readonly ids = new WeakMap<unknown[], RowIds | null>();
  /** Identities of rows (a process row the source gives again unchanged is the same object). */
  private readonly rowIds = new WeakMap<object, string | null>();
  private readonly fields: readonly string[];
  private readonly nested: readonly string[];
  /** Number of values encoded in this chain. */
  count = 0;

  constructor(opts: CodecOptions = {}) {
    this.fields = opts.identityFields ?? DEFAULT_IDENTITY_FIELDS;
    this.nested = opts.identityNested ?? DEFAULT_IDENTITY_NESTED;
  }

  /** The bytes of one value: whole for the first of the chain, else the difference from the last one. */
  encode(value: unknown): Buffer {
    const w = this.w;
    w.reset();
    const mark = this.stringList.length;
    try {
      if (this.prev === NO_PREV) this.full(value);
      else if (!this.delta(this.prev, value)) w.byte(T_SAME);
    } catch (err) {
      // The decoder never sees this value: forget the strings it introduced.
      for (let i = mark; i < this.stringList.length; i++) this.strings.delete(this.stringList[i]!);
      this.stringList.length = mark;
      throw err;
    }
    this.prev = value;
    this.count++;
    return w.finish();
  }

  private str(s: string): void {
    const w = this.w;
    const i = this.strings.get(s);
    if (i !== undefined) {
      w.byte(T_STRREF);
      w.varuint(i);
      return;
    }
    if (isWellFormed(s)) {
      w.byte(T_STR);
      w.string(s);
    } else {
      w.byte(T_STR16);
      w.utf16(s);
    }
    this.strings.set(s, this.stringList.length);
    this.stringList.push(s);
  }

  private num(v: number): void {
    const w = this.w;
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
      if (v >= 0) {
        w.byte(T_UINT);
        w.varuint(v);
      } else {
        w.byte(T_NINT);
        w.varuint(-v);
      }
      return;
    }
    if (Number.isFinite(v)) {
      for (let e = 1; e < POW10.length; e++) {
        const m = Math.round(v * POW10[e]!);
        if (Math.abs(m) > Number.MAX_SAFE_INTEGER) break;
        if (Object.is(m / POW10[e]!, v)) {
          w.byte(T_DEC);
          w.byte(e | (m < 0 || Object.is(m, -0) ? 0x80 : 0));
          w.varuint(Math.abs(m));
          return;
        }
      }
    }
    w.byte(T_F64);
    w.f64(v);
  }

  private full(v: unknown): void {
    const w = this.w;
    switch (typeof v) {
      case 'undefined':
        w.byte(T_UNDEF);
        return;
      case 'boolean':
        w.byte(v ? T_TRUE : T_FALSE);
        return;
      case 'number':
        this.num(v);
        return;
      case 'string':
        this.str(v);
        return;
      case 'object':
        if (v === null) {
          w.byte(T_NULL);
          return;
        }
        if (Array.isArray(v)) {
          const k = intTableWidth(v);
          if (k > 0) {
            this.intTable(v as number[][], k);
            return;
          }
          w.byte(T_ARR);
          w.varuint(v.length);
          for (let i = 0; i < v.length; i++) this.full(v[i]);
          return;
        }
        if (isPlainObject(v)) {
          const keys = Object.keys(v);
          w.byte(T_OBJ);
          w.varuint(keys.length);
          for (const k of keys) {
            this.str(k);
            this.full(v[k]);
          }
          return;
        }
    }
    throw new CodecError(`cannot record a value of type ${describe(v)}`);
  }

  /** Writes the difference from p to c; returns false (writing nothing) when they are equal. */
  private delta(p: unknown, c: unknown): boolean {
    // The same object again counts as unchanged (the contract forbids mutating an encoded value).
    if (unchanged(p, c)) return false;
    const w = this.w;
    if (typeof c === 'number') {
      if (typeof p === 'number') {
        if (Object.is(p, c)) return false;
        if (Number.isSafeInteger(c) && Number.isSafeInteger(p) && !Object.is(c, -0)) {
          const d = c - p;
          if (Number.isSafeInteger(d) && Math.abs(d) <= Math.abs(c)) {
            w.byte(d >= 0 ? T_DPOS : T_DNEG);
            w.varuint(Math.abs(d));
            return true;
          }
        }
      }
      this.num(c);
      return true;
    }
    if (typeof c === 'object' && c !== null && typeof p === 'object' && p !== null) {
      if (Array.isArray(c)) {
        if (Array.isArray(p)) return this.arrayDelta(p, c);
      } else if (isPlainObject(c) && isPlainObject(p)) {
        return this.objectDelta(p, c);
      }
    }
    this.full(c);
    return true;
  }

  private objectDelta(p: Record<string, unknown>, c: Record<string, unknown>): boolean {
    const w = this.w;
    const kc = Object.keys(c);
    const kp = Object.keys(p);
    let sameKeys = kc.length === kp.length;
    for (let i = 0; sameKeys && i < kc.length; i++) if (kc[i] !== kp[i]) sameKeys = false;
    const start = w.length;
    if (sameKeys) {
      w.byte(T_OBJDIFF);
      let last = -1;
      for (let i = 0; i < kc.length; i++) {
        const k = kc[i]!;
        const pv = p[k];
        const cv = c[k];
        if (unchanged(pv, cv)) continue; // what delta() would say without writing: most fields of a tick
        const mark = w.length;
        w.varuint(i - last);
        if (this.delta(pv, cv)) last = i;
        else w.truncate(mark);
      }
      if (last === -1) {
        w.truncate(start);
        return false;
      }
      w.varuint(0);
      return true;
    }
    // Keys added, removed or reordered: every key, each value as a difference where the key existed.
    w.byte(T_OBJREKEY);
    w.varuint(kc.length);
    const had = new Set(kp);
    for (const k of kc) {
      this.str(k);
      if (!had.has(k)) {
        w.byte(T_UNDEF + 0x80); // marker: new key, whole value follows
        this.full(c[k]);
      } else if (!this.delta(p[k], c[k])) {
        w.byte(T_SAME);
      }
    }
    return true;
  }

  /**
   * Row identities of an array, in order (null when some row has none, or it is empty). Duplicates are
   * found by indexOf, and only when needed: rows in the same order as the previous array's need no index.
   */
  private identities(a: unknown[]): RowIds | null {
    const cached = this.ids.get(a);
    if (cached !== undefined) return cached;
    let out: RowIds | null = a.length === 0 ? null : { list: new Array<string>(a.length), at: undefined };
    for (let i = 0; out !== null && i < a.length; i++) {
      const el = a[i];
      let id: string | null = null;
      if (isPlainObject(el)) {
        const known = this.rowIds.get(el);
        if (known === undefined) {
          id = this.identityOf(el, true);
          this.rowIds.set(el, id);
        } else id = known;
      }
      if (id === null) out = null;
      else out.list[i] = id;
    }
    this.ids.set(a, out);
    return out;
  }

  /** Row identity -> index, or null when two rows share one (built once per array). */
  private indexOf(ids: RowIds): Map<string, number> | null {
    if (ids.at !== undefined) return ids.at;
    const at = new Map<string, number>();
    const list = ids.list;
    for (let i = 0; i < list.length; i++) {
      const id = list[i]!;
      if (at.has(id)) {
        ids.at = null;
        return null;
      }
      at.set(id, i);
    }
    ids.at = at;
    return at;
  }

  private identityOf(o: Record<string, unknown>, nested: boolean): string | null {
    let s = '';
    for (const f of this.fields) {
      if (!Object.hasOwn(o, f)) continue;
      const v = o[f];
      if (typeof v === 'string') s += `s${v}\u0000`;
      else if (typeof v === 'number') s += `n${v}\u0000`;
    }
    if (s !== '') return s;
    if (nested) {
      for (const f of this.nested) {
        const m = Object.hasOwn(o, f) ? o[f] : undefined;
        if (isPlainObject(m)) return this.identityOf(m, false);
      }
    }
    return null;
  }

  private arrayDelta(p: unknown[], c: unknown[]): boolean {
    const k = intTableWidth(c);
    if (k === 0) return this.rowsDelta(p, c);
    // A table of integers (a sparse histogram's [bucket, count] pairs): as a difference or whole, the smaller.
    const w = this.w;
    const start = w.length;
    if (!this.rowsDelta(p, c)) return false;
    const asDelta = w.length - start;
    w.truncate(start);
    this.intTable(c as number[][], k);
    if (w.length - start <= asDelta) return true;
    w.truncate(start);
    this.rowsDelta(p, c);
    return true;
  }

  /** Rows of whole numbers >= 0, all of width k: column by column, the first as steps when it ascends. */
  private intTable(rows: number[][], k: number): void {
    const w = this.w;
    w.byte(T_INTTAB);
    w.varuint(rows.length);
    let ascending = true;
    for (let i = 1; ascending && i < rows.length; i++) if (rows[i]![0]! < rows[i - 1]![0]!) ascending = false;
    w.byte(k | (ascending ? 0x80 : 0));
    let last = 0;
    for (const r of rows) {
      const v = r[0]!;
      w.varuint(ascending ? v - last : v);
      last = v;
    }
    for (let j = 1; j < k; j++) for (const r of rows) w.varuint(r[j]!);
  }

  private rowsDelta(p: unknown[], c: unknown[]): boolean {
    const w = this.w;
    const ic = this.identities(c);
    const ip = ic ? this.identities(p) : null;
    // By identity only when the rows changed (else by index is the same and cheaper) and neither array has
    // two rows of one identity.
    let where: Map<string, number> | null = null;
    if (ic !== null && ip !== null && !sameList(ic.list, ip.list) && this.indexOf(ic) !== null) where = this.indexOf(ip);
    const keyed = where !== null;
    const start = w.length;
    if (!keyed) {
      w.byte(T_ARRDIFF);
      w.varuint(c.length);
      let last = -1;
      for (let i = 0; i < c.length; i++) {
        if (i < p.length && unchanged(p[i], c[i])) continue;
        const mark = w.length;
        w.varuint(i - last);
        if (i >= p.length) {
          this.full(c[i]);
          last = i;
        } else if (this.delta(p[i], c[i])) last = i;
        else w.truncate(mark);
      }
      if (last === -1 && c.length === p.length) {
        w.truncate(start);
        return false;
      }
      w.varuint(0);
      return true;
    }
    // Rows matched by identity: each row names the previous row it continues (relative to the one after
    // the last matched row, so rows in the same order cost a zero), or 0 for a new row written whole.
    w.byte(T_ARRKEYED);
    w.varuint(c.length);
    let expected = 0;
    for (let i = 0; i < c.length; i++) {
      const j = where!.get(ic!.list[i]!);
      if (j === undefined) {
        w.varuint(0);
        this.full(c[i]);
        continue;
      }
      const d = j - expected;
      w.varuint((d >= 0 ? d * 2 : -d * 2 - 1) + 1);
      if (!this.delta(p[j], c[i])) w.byte(T_SAME);
      expected = j + 1;
    }
    return true;
  }
}

/** k when `a` is a table of at least two rows, each an array of k (1..8) whole numbers 0..2^53-1; else 0. */
function intTableWidth(a: unknown[]): number {
  if (a.length < 2) return 0;
  const first = a[0];
  if (!Array.isArray(first)) return 0;
  const k = first.length;
  if (k < 1 || k > MAX_TABLE_WIDTH) return 0;
  for (const row of a) {
    if (!Array.isArray(row) || row.length !== k || Object.getPrototypeOf(row) !== Array.prototype) return 0;
    for (let j = 0; j < k; j++) {
      const v = row[j] as unknown;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || Object.is(v, -0)) return 0;
    }
  }
  return k;
}

export interface DecodeOptions {
  /** Freeze decoded objects and arrays (default true: they share parts with the next decoded value). */
  freeze?: boolean;
}

/** Decodes a chain of values written by ChainEncoder, in order. */
export class ChainDecoder {
  private prev: Prev = NO_PREV;
  private strings: string[] = [];
  private r: ByteReader = new ByteReader(Buffer.alloc(0));
  private readonly freeze: boolean;
  count = 0;

  constructor(opts: DecodeOptions = {}) {
    this.freeze = opts.freeze ?? true;
  }

  /**
   * A decoder at the same point of the chain, going on independently: the values decoded so far are shared
   * (frozen, so neither changes them), the string table is copied. Refused when values are not frozen.
   */
  fork(): ChainDecoder {
    if (!this.freeze) throw new Error('ChainDecoder.fork needs frozen values (freeze: true)');
    const d = new ChainDecoder();
    d.prev = this.prev;
    d.strings = this.strings.slice();
    d.count = this.count;
    return d;
  }

  /** The next value of the chain from its bytes (a CodecError when they are not a valid continuation). */
  decode(bytes: Buffer): unknown {
    this.r = new ByteReader(bytes);
    const mark = this.strings.length;
    let v: unknown;
    try {
      v = this.prev === NO_PREV ? this.value(NO_PREV) : this.value(this.prev);
      if (!this.r.done) throw new CodecError(`${bytes.length - this.r.pos} bytes left over after a value`);
    } catch (err) {
      this.strings.length = mark;
      if (err instanceof CodecError) throw err;
      throw new CodecError(`undecodable value: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.prev = v;
    this.count++;
    return v;
  }

  private done<T extends object>(o: T): T {
    return this.freeze ? Object.freeze(o) : o;
  }

  private string(tag: number): string {
    const r = this.r;
    if (tag === T_STRREF) {
      const i = r.varuint();
      const s = this.strings[i];
      if (s === undefined) throw new CodecError(`string reference ${i} out of range`);
      return s;
    }
    const s = tag === T_STR ? r.string() : r.utf16();
    this.strings.push(s);
    return s;
  }

  private key(): string {
    const tag = this.r.byte();
    if (tag !== T_STR && tag !== T_STRREF && tag !== T_STR16) throw new CodecError(`expected a key, got tag ${tag}`);
    return this.string(tag);
  }

  private value(p: Prev): unknown {
    const r = this.r;
    const tag = r.byte();
    switch (tag) {
      case T_UNDEF:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_UINT:
        return r.varuint();
      case T_NINT:
        return -r.varuint();
      case T_F64:
        return r.f64();
      case T_DEC: {
        const b = r.byte();
        const e = b & 0x7f;
        if (e < 1 || e >= POW10.length) throw new CodecError(`bad decimal exponent ${e}`);
        const m = r.varuint();
        return (b & 0x80 ? -m : m) / POW10[e]!;
      }
      case T_STR:
      case T_STRREF:
      case T_STR16:
        return this.string(tag);
      case T_ARR: {
        const n = r.varuint();
        if (n > r.end - r.pos) throw new CodecError(`array of ${n} values in ${r.end - r.pos} bytes`);
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.value(NO_PREV);
        return this.done(out);
      }
      case T_INTTAB: {
        const n = r.varuint();
        const b = r.byte();
        const k = b & 0x7f;
        if (k < 1 || k > MAX_TABLE_WIDTH) throw new CodecError(`bad integer table width ${k}`);
        if (n * k > r.end - r.pos) throw new CodecError(`integer table of ${n}x${k} in ${r.end - r.pos} bytes`);
        const out = new Array<number[]>(n);
        let last = 0;
        for (let i = 0; i < n; i++) {
          const v = r.varuint();
          last = b & 0x80 ? last + v : v;
          const row = new Array<number>(k);
          row[0] = last;
          out[i] = row;
        }
        for (let j = 1; j < k; j++) for (let i = 0; i < n; i++) out[i]![j] = r.varuint();
        if (this.freeze) for (const row of out) Object.freeze(row);
        return this.done(out);
      }
      case T_OBJ: {
        const n = r.varuint();
        if (2 * n > r.end - r.pos) throw new CodecError(`object of ${n} keys in ${r.end - r.pos} bytes`);
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.key();
          setKey(out, k, this.value(NO_PREV));
        }
        return this.done(out);
      }
    }
    // The rest continue a previous value.
    if (p === NO_PREV) throw new CodecError(`tag ${tag} needs a previous value`);
    switch (tag) {
      case T_SAME:
        return p;
      case T_DPOS:
      case T_DNEG: {
        if (typeof p !== 'number') throw new CodecError(`number difference over a ${describe(p)}`);
        const d = r.varuint();
        return tag === T_DPOS ? p + d : p - d;
      }
      case T_OBJDIFF: {
        if (!isPlainObject(p)) throw new CodecError(`object difference over a ${describe(p)}`);
        const keys = Object.keys(p);
        // A spread defines own data properties (no setter runs, `__proto__` included), in p's key order.
        const out: Record<string, unknown> = { ...p };
        let i = -1;
        for (;;) {
          const gap = r.varuint();
          if (gap === 0) break;
          i += gap;
          if (i >= keys.length) throw new CodecError(`object key index ${i} out of range`);
          const k = keys[i]!;
          setKey(out, k, this.value(p[k]));
        }
        return this.done(out);
      }
      case T_OBJREKEY: {
        if (!isPlainObject(p)) throw new CodecError(`object difference over a ${describe(p)}`);
        const n = r.varuint();
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.key();
          if (r.buf[r.pos] === T_UNDEF + 0x80) {
            r.pos++;
            setKey(out, k, this.value(NO_PREV));
          } else {
            if (!Object.hasOwn(p, k)) throw new CodecError(`difference of key ${JSON.stringify(k)} that did not exist`);
            setKey(out, k, this.value(p[k]));
          }
        }
        return this.done(out);
      }
      case T_ARRDIFF: {
        if (!Array.isArray(p)) throw new CodecError(`array difference over a ${describe(p)}`);
        const n = r.varuint();
        if (n > p.length + (r.end - r.pos)) throw new CodecError(`array of ${n} values in ${r.end - r.pos} bytes`);
        const out = new Array<unknown>(n);
        const common = Math.min(n, p.length);
        for (let i = 0; i < common; i++) out[i] = p[i];
        let i = -1;
        let added = 0;
        for (;;) {
          const gap = r.varuint();
          if (gap === 0) break;
          i += gap;
          if (i >= n) throw new CodecError(`array index ${i} out of range`);
          if (i >= p.length) added++;
          out[i] = this.value(i < p.length ? p[i] : NO_PREV);
        }
        if (added !== n - common) throw new CodecError('array grew without its new values');
        return this.done(out);
      }
      case T_ARRKEYED: {
        if (!Array.isArray(p)) throw new CodecError(`array difference over a ${describe(p)}`);
        const n = r.varuint();
        if (n > r.end - r.pos) throw new CodecError(`array of ${n} rows in ${r.end - r.pos} bytes`);
        const out = new Array<unknown>(n);
        let expected = 0;
        for (let i = 0; i < n; i++) {
          const ref = r.varuint();
          if (ref === 0) {
            out[i] = this.value(NO_PREV);
            continue;
          }
          const z = ref - 1;
          const j = expected + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
          if (j < 0 || j >= p.length) throw new CodecError(`row reference ${j} out of range`);
          out[i] = this.value(p[j]);
          expected = j + 1;
        }
        return this.done(out);
      }
    }
    throw new CodecError(`unknown tag ${tag}`);
  }
}

/** One value on its own (a chain of one): roll-up rows, container metadata. */
export function encodeOne(value: unknown, opts?: CodecOptions): Buffer {
  return new ChainEncoder(opts).encode(value);
}

export function decodeOne(bytes: Buffer, opts?: DecodeOptions): unknown {
  return new ChainDecoder(opts).decode(bytes);
}
