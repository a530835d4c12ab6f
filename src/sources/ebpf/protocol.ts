// Parser for the eBPF helper's line protocol (docs/ebpf-protocol.md, version 2). One JSON object per line.
// Strict about what it uses (types, ranges, known values, and the consistency of each row: its histogram
// holds `count` values and its maximum lies in its highest bucket), lenient about what it doesn't (unknown
// keys are ignored). Absurd values (a clock near 1e308, counts near 2^53) are refused, so that one bad line
// can neither freeze a window nor leave a row that never subtracts to zero. A line it cannot use becomes
// `{ kind: 'bad', reason }` with a one-line reason; it never throws.
import { BLOCK_OPS, LOST_KEYS, type BlockOp, type LostCounts } from '../../model/types.js';
import type { BlockIntervalRow, BucketPairs, RunqIntervalRow } from '../../model/latency.js';
import { BUCKETS, LAST_BUCKET, SUB_BUCKET_BITS, bucketLower, bucketUpper, pairsCount, pairsTop } from '../../model/histogram.js';
import { setPackedBuckets } from '../../model/packed-buckets.js';
import { KeySet, Scan } from './interval-scan.js';

export const PROTOCOL_VERSION = 2;

/** Largest count the parser takes in one interval (events, bucket counts): 2^40, about 10^12. Window sums
 *  of a few hundred intervals then stay far below 2^53, where adding and subtracting are exact. */
export const MAX_COUNT = 2 ** 40;
/** Largest byte count in one interval: 2^50 (1 PiB). */
export const MAX_BYTES = 2 ** 50;
/** CLOCK_MONOTONIC and latencies are unsigned 64-bit nanoseconds: below 2^63 in any real system. */
const MAX_NS = 2 ** 63;

/** The interval row types live in the model (the latency model consumes them); re-exported for callers. */
export type { BlockIntervalRow, BucketPairs, RunqIntervalRow };

export type CgroupHierarchy = 'v2' | 'v1-blkio' | 'v1-cpu';
const HIERARCHIES: readonly string[] = ['v2', 'v1-blkio', 'v1-cpu'];

export interface Hello {
  kind: 'hello';
  version: number;
  pid: number;
  intervalMs: number;
  /** Attached program -> how ("tp_btf", "raw_tp"). */
  programs: Record<string, string>;
  /** Program that failed to attach -> why. */
  failed: Record<string, string>;
  cgroup: { block: CgroupHierarchy; runq: CgroupHierarchy };
  histogram: { unit: 'ns'; subBucketBits: number; buckets: number };
  /** Map sizes the helper runs with (start map, histogram map, run-queue start map), when it says. */
  maps: { inflight: number; hist: number; runq: number } | null;
}

export interface IntervalData {
  kind: 'interval';
  seq: number;
  /** CLOCK_MONOTONIC at the end of the interval, ns (may exceed 2^53 on long uptimes: approximate then). */
  monoNs: number;
  intervalNs: number;
  /** The token of the "flush N" request this interval answers, or null when the helper's timer ended it. */
  flush: number | null;
  block: BlockIntervalRow[];
  runq: RunqIntervalRow[];
  /** Lost (and folded) events by cause, this interval. */
  lost: LostCounts;
}

export interface HelperError {
  kind: 'error';
  message: string;
}

export interface BadLine {
  kind: 'bad';
  reason: string;
}

export type HelperLine = Hello | IntervalData | HelperError | BadLine;

/** Thrown internally with the path of the offending field; turned into a 'bad' line. */
class Invalid extends Error {}

const MAX_REASON = 160;

/** One line, printable, at most MAX_REASON characters. */
export function oneLineText(s: string, max = MAX_REASON): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(oneLineText(v, 24))}`;
  if (typeof v === 'number') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) throw new Invalid(`${path}: expected an object, got ${describe(v)}`);
  return v;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new Invalid(`${path}: expected an array, got ${describe(v)}`);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new Invalid(`${path}: expected a string, got ${describe(v)}`);
  return v;
}

// Each rule is a predicate (`ok…`) and a check that throws with the field's path: where a line holds hundreds
// of fields, callers test the predicate and build the path only for a refusal (`ok(v) ? v : check(v, path)`).

/** A finite number >= 0 (not necessarily exact: used for clocks that may exceed 2^53). */
const okNonNeg = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
function nonNeg(v: unknown, path: string): number {
  if (!okNonNeg(v)) throw new Invalid(`${path}: expected a finite number >= 0, got ${describe(v)}`);
  return v;
}

/** A whole number 0..2^53-1 (ids: must be exact). */
const okWhole = (v: unknown): v is number => okNonNeg(v) && Number.isSafeInteger(v);
function whole(v: unknown, path: string): number {
  const n = nonNeg(v, path);
  if (!okWhole(n)) throw new Invalid(`${path}: expected a whole number below 2^53, got ${describe(v)}`);
  return n;
}

/** A whole number 0..max (counts, bytes). */
const okUpTo = (v: unknown, max: number): v is number => okWhole(v) && v <= max;
function upTo(v: unknown, path: string, max: number, what: string): number {
  const n = whole(v, path);
  if (!okUpTo(n, max)) throw new Invalid(`${path}: ${n} is beyond any real ${what} (max ${max})`);
  return n;
}

const okCount = (v: unknown): v is number => okUpTo(v, MAX_COUNT);
const count = (v: unknown, path: string): number => upTo(v, path, MAX_COUNT, 'count per interval');
const okByteCount = (v: unknown): v is number => okUpTo(v, MAX_BYTES);
const byteCount = (v: unknown, path: string): number => upTo(v, path, MAX_BYTES, 'byte count per interval');

/** Nanoseconds below 2^63 (a clock or a latency; may exceed 2^53, then approximate). */
const okNs = (v: unknown): v is number => okNonNeg(v) && Number.isInteger(v) && v < MAX_NS;
function ns(v: unknown, path: string): number {
  const n = nonNeg(v, path);
  if (!okNs(n)) throw new Invalid(`${path}: expected whole nanoseconds below 2^63, got ${describe(v)}`);
  return n;
}

function stringRecord(v: unknown, path: string): Record<string, string> {
  if (v === undefined) return {};
  const o = obj(v, path);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) out[k] = oneLineText(str(x, `${path}.${k}`));
  return out;
}

function hierarchy(v: unknown, path: string): CgroupHierarchy {
  const s = str(v, path);
  if (!HIERARCHIES.includes(s)) throw new Invalid(`${path}: unknown cgroup hierarchy ${JSON.stringify(oneLineText(s, 24))}`);
  return s as CgroupHierarchy;
}

/** Block row k's op: a name the protocol knows, else "other". */
function op(v: unknown, k: number): BlockOp {
  const s = typeof v === 'string' ? v : str(v, `block[${k}].op`);
  return (BLOCK_OPS as readonly string[]).includes(s) ? (s as BlockOp) : 'other';
}

/** The path of row k's histogram `name` (block[3].service), for a refusal. */
const histPath = (list: string, k: number, name: string): string => `${list}[${k}].${name}`;

/** Row k's histogram `name` as JSON.parse read it: checked, normalised when it is not. */
function buckets(v: unknown, list: string, k: number, name: string): BucketPairs {
  if (!Array.isArray(v)) throw new Invalid(`${histPath(list, k, name)}: expected an array, got ${describe(v)}`);
  const a: unknown[] = v;
  // Already normalised (the helper's way: ascending, no duplicates, no empty bucket) and every pair exactly
  // [bucketIndex, count]: the array as read is returned (no copy); otherwise a normalised copy.
  let normal = true;
  let prev = -1;
  for (let j = 0; j < a.length; j++) {
    const p = a[j];
    if (!Array.isArray(p) || p.length < 2) throw new Invalid(`${histPath(list, k, name)}[${j}]: expected [bucketIndex, count], got ${describe(p)}`);
    const i = p[0] as unknown;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= BUCKETS) {
      throw new Invalid(`${histPath(list, k, name)}[${j}]: bucket index must be a whole number 0..${BUCKETS - 1}, got ${describe(i)}`);
    }
    const c = p[1] as unknown;
    const n = okCount(c) ? c : count(c, `${histPath(list, k, name)}[${j}][1]`);
    if (n === 0 || !(i > prev) || p.length !== 2) normal = false;
    prev = i;
  }
  if (normal) return a as BucketPairs;
  // Normalised: ascending bucket index, duplicates summed, empty buckets dropped.
  const out: BucketPairs = a.map((p) => [(p as number[])[0]!, (p as number[])[1]!]);
  out.sort((a, b) => a[0] - b[0]);
  const norm: BucketPairs = [];
  for (const [i, c] of out) {
    if (c === 0) continue;
    const last = norm[norm.length - 1];
    if (last && last[0] === i) last[1] = count(last[1] + c, `${histPath(list, k, name)} (bucket ${i})`);
    else norm.push([i, c]);
  }
  return norm;
}

/**
 * The interval's bucket pairs as typed arrays (model/packed-buckets.ts), written as its rows are parsed:
 * scratch arrays reused from line to line, copied to the interval's own at its end.
 */
class Packer {
  private idx = new Uint16Array(1 << 14);
  private cnt = new Float64Array(1 << 14);
  private at = new Uint32Array(1 << 11);
  private n = 0;
  private h = 0;

  start(): void {
    this.n = 0;
    this.h = 0;
    this.at[0] = 0;
  }

  /** One histogram (normalised pairs). */
  add(pairs: BucketPairs): void {
    let n = this.n;
    if (n + pairs.length > this.idx.length) {
      const size = Math.max(this.idx.length * 2, n + pairs.length);
      const idx = new Uint16Array(size);
      const cnt = new Float64Array(size);
      idx.set(this.idx.subarray(0, n));
      cnt.set(this.cnt.subarray(0, n));
      this.idx = idx;
      this.cnt = cnt;
    }
    const idx = this.idx;
    const cnt = this.cnt;
    for (let k = 0; k < pairs.length; k++) {
      const p = pairs[k]!;
      idx[n] = p[0];
      cnt[n++] = p[1];
    }
    this.n = n;
    if (this.h + 2 > this.at.length) {
      const at = new Uint32Array(this.at.length * 2);
      at.set(this.at);
      this.at = at;
    }
    this.at[++this.h] = n;
  }

  finish(block: BlockIntervalRow[], runq: RunqIntervalRow[]): void {
    setPackedBuckets({ block, runq, idx: this.idx.slice(0, this.n), cnt: this.cnt.slice(0, this.n), at: this.at.slice(0, this.h + 1) });
  }
}

const PACKER = new Packer();

/**
 * A row's histogram must hold exactly `n` values and its maximum must lie in its highest non-empty bucket
 * (the helper raises the maximum with compare-and-swap and reads the maps only once no program writes them).
 * `list` and `k` name the row (block[3]) for a refusal only: no path is built for a row that passes.
 */
function consistent(pairs: BucketPairs, n: number, maxNs: number, list: string, k: number, name: string): void {
  const sum = pairsCount(pairs);
  if (sum !== n) throw new Invalid(`${list}[${k}].${name}: holds ${sum} values, count is ${n}`);
  const top = pairsTop(pairs);
  if (top < 0) return;
  const lo = bucketLower(top);
  if (maxNs < lo || (top < LAST_BUCKET && maxNs >= bucketUpper(top))) {
    throw new Invalid(`${list}[${k}]: maximum ${maxNs} ns is outside the highest ${name} bucket [${lo}, ${top < LAST_BUCKET ? bucketUpper(top) : '∞'})`);
  }
}

function parseHello(o: Record<string, unknown>): Hello {
  const version = count(o.version, 'version');
  if (version !== PROTOCOL_VERSION) throw new Invalid(`unsupported protocol version ${version} (tailtop speaks ${PROTOCOL_VERSION})`);
  const cg = obj(o.cgroup, 'cgroup');
  const h = obj(o.histogram, 'histogram');
  const unit = str(h.unit, 'histogram.unit');
  if (unit !== 'ns') throw new Invalid(`histogram.unit: expected "ns", got ${describe(unit)}`);
  const subBucketBits = count(h.subBucketBits, 'histogram.subBucketBits');
  const nb = count(h.buckets, 'histogram.buckets');
  if (subBucketBits !== SUB_BUCKET_BITS || nb !== BUCKETS) {
    throw new Invalid(`histogram: expected subBucketBits ${SUB_BUCKET_BITS} and ${BUCKETS} buckets, got ${subBucketBits} and ${nb}`);
  }
  const intervalMs = whole(o.intervalMs, 'intervalMs');
  if (intervalMs === 0) throw new Invalid('intervalMs: must be > 0');
  let maps: Hello['maps'] = null;
  if (o.maps !== undefined) {
    const m = obj(o.maps, 'maps');
    maps = { inflight: whole(m.inflight, 'maps.inflight'), hist: whole(m.hist, 'maps.hist'), runq: whole(m.runq, 'maps.runq') };
  }
  return {
    kind: 'hello',
    version,
    pid: whole(o.pid, 'pid'),
    intervalMs,
    programs: stringRecord(o.programs, 'programs'),
    failed: stringRecord(o.failed, 'failed'),
    cgroup: { block: hierarchy(cg.block, 'cgroup.block'), runq: hierarchy(cg.runq, 'cgroup.runq') },
    histogram: { unit: 'ns', subBucketBits, buckets: nb },
    maps,
  };
}

/** A device number as the kernel's MKDEV holds it: major < 2^12, minor < 2^20. */
const okDevPart = (v: unknown, bits: number): v is number => okUpTo(v, 2 ** bits - 1);
function devPart(v: unknown, path: string, bits: number): number {
  return upTo(v, path, 2 ** bits - 1, `${bits}-bit device number`);
}

const okPositiveCount = (v: unknown): v is number => okCount(v) && v !== 0;
function positiveCount(v: unknown, path: string): number {
  const n = count(v, path);
  if (!okPositiveCount(n)) throw new Invalid(`${path}: a row must count at least one event`);
  return n;
}

/** How a path reads a row's histogram: `buckets` (the general path) or `scanned` (the scanner already did). */
type HistReader = (v: unknown, list: string, k: number, name: string) => BucketPairs;
const scanned: HistReader = (v) => v as BucketPairs;

/** Block row k from its fields, checked in the order they are printed (both paths). */
function blockRow(k: number, major: unknown, minor: unknown, op: BlockOp, cgroup: unknown, n: unknown, bytes: unknown, maxNs: unknown, totalMaxNs: unknown, service: unknown, total: unknown, hist: HistReader): BlockIntervalRow {
  const row: BlockIntervalRow = {
    major: okDevPart(major, 12) ? major : devPart(major, `block[${k}].major`, 12),
    minor: okDevPart(minor, 20) ? minor : devPart(minor, `block[${k}].minor`, 20),
    op,
    cgroup: okWhole(cgroup) ? cgroup : whole(cgroup, `block[${k}].cgroup`),
    count: okPositiveCount(n) ? n : positiveCount(n, `block[${k}].count`),
    bytes: okByteCount(bytes) ? bytes : byteCount(bytes, `block[${k}].bytes`),
    maxNs: okNs(maxNs) ? maxNs : ns(maxNs, `block[${k}].maxNs`),
    totalMaxNs: okNs(totalMaxNs) ? totalMaxNs : ns(totalMaxNs, `block[${k}].totalMaxNs`),
    service: hist(service, 'block', k, 'service'),
    total: hist(total, 'block', k, 'total'),
  };
  consistent(row.service, row.count, row.maxNs, 'block', k, 'service');
  consistent(row.total, row.count, row.totalMaxNs, 'block', k, 'total');
  PACKER.add(row.service);
  PACKER.add(row.total);
  return row;
}

/** Run-queue row k from its fields, checked. */
function runqRow(k: number, cgroup: unknown, n: unknown, maxNs: unknown, hist: unknown, read: HistReader): RunqIntervalRow {
  const row: RunqIntervalRow = {
    cgroup: okWhole(cgroup) ? cgroup : whole(cgroup, `runq[${k}].cgroup`),
    count: okPositiveCount(n) ? n : positiveCount(n, `runq[${k}].count`),
    maxNs: okNs(maxNs) ? maxNs : ns(maxNs, `runq[${k}].maxNs`),
    hist: read(hist, 'runq', k, 'hist'),
  };
  consistent(row.hist, row.count, row.maxNs, 'runq', k, 'hist');
  PACKER.add(row.hist);
  return row;
}

/** The rows of `list` as JSON.parse read them, each through `row`. */
function parseRows<T>(v: unknown, list: string, row: (r: Record<string, unknown>, k: number) => T): T[] {
  const a = arr(v, list);
  const out: T[] = [];
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    out.push(row(isObject(x) ? x : obj(x, `${list}[${k}]`), k));
  }
  return out;
}

const blockFrom = (r: Record<string, unknown>, k: number): BlockIntervalRow =>
  blockRow(k, r.major, r.minor, op(r.op, k), r.cgroup, r.count, r.bytes, r.maxNs, r.totalMaxNs, r.service, r.total, buckets);
const runqFrom = (r: Record<string, unknown>, k: number): RunqIntervalRow => runqRow(k, r.cgroup, r.count, r.maxNs, r.hist, buckets);

/** A count or, for bytes, a byte count (a module function: a closure made per line is compiled again after each GC). */
const num = (v: unknown, path: string, bytes: boolean): number => (bytes ? byteCount(v, path) : count(v, path));

/** `lost` (every cause required), `partial` and `merged` (informational: 0 when absent). */
function parseLost(o: Record<string, unknown>): LostCounts {
  const lost = obj(o.lost, 'lost');
  const partial = o.partial === undefined ? { count: 0, bytes: 0 } : obj(o.partial, 'partial');
  const out = {} as LostCounts;
  for (const k of LOST_KEYS) {
    if (k === 'partial') out.partial = num(partial.count, 'partial.count', false);
    else if (k === 'partialBytes') out.partialBytes = num(partial.bytes, 'partial.bytes', true);
    else if (k === 'merged') out.merged = o.merged === undefined ? 0 : num(o.merged, 'merged', false);
    else out[k] = num(lost[k], `lost.${k}`, k.endsWith('Bytes'));
  }
  return out;
}

/** The interval's fields around its rows, checked (both paths); `o` holds them as read. */
function intervalOf(o: Record<string, unknown>, block: BlockIntervalRow[], runq: RunqIntervalRow[]): IntervalData {
  const monoNs = ns(o.monoNs, 'monoNs');
  const intervalNs = ns(o.intervalNs, 'intervalNs');
  if (intervalNs > monoNs) throw new Invalid(`intervalNs: ${intervalNs} would start the interval before boot (monoNs ${monoNs})`);
  const seq = whole(o.seq, 'seq');
  const flush = o.flush === undefined ? null : whole(o.flush, 'flush');
  const lost = parseLost(o);
  PACKER.finish(block, runq);
  return {
    kind: 'interval',
    seq,
    monoNs,
    intervalNs,
    flush,
    block,
    runq,
    lost,
  };
}

function parseInterval(o: Record<string, unknown>): IntervalData {
  PACKER.start();
  const block = o.block === undefined ? [] : parseRows(o.block, 'block', blockFrom);
  const runq = o.runq === undefined ? [] : parseRows(o.runq, 'runq', runqFrom);
  return intervalOf(o, block, runq);
}

const SCAN = new Scan();
const LOST_NAMES = new KeySet(LOST_KEYS.filter((k) => k !== 'partial' && k !== 'partialBytes' && k !== 'merged'));

/**
 * The fast path: the interval line in the helper's own form (bpf/loader.c print_interval), read by the scanner
 * (interval-scan.ts) into the same rows through the same checks, without a JSON tree. null for any line not in
 * that form or that a check refuses: the general path then reads it (and names what it refuses).
 */
function scanInterval(text: string): IntervalData | null {
  const s = SCAN;
  s.reset(text);
  const seq = s.numAfter('{"type":"interval","seq":');
  const monoNs = s.numAfter(',"monoNs":');
  const intervalNs = s.numAfter(',"intervalNs":');
  const flush = s.maybe(',"flush":') ? s.num() : undefined;
  s.lit(',"block":[');
  if (s.failed) return null;
  PACKER.start();
  const block: BlockIntervalRow[] = [];
  const runq: RunqIntervalRow[] = [];
  try {
    if (!s.maybe(']')) {
      do {
        const major = s.numAfter('{"major":');
        const minor = s.numAfter(',"minor":');
        s.lit(',"op":');
        const op = s.op();
        const cgroup = s.numAfter(',"cgroup":');
        const n = s.numAfter(',"count":');
        const bytes = s.numAfter(',"bytes":');
        const maxNs = s.numAfter(',"maxNs":');
        const totalMaxNs = s.numAfter(',"totalMaxNs":');
        s.lit(',"service":');
        const service = s.pairs();
        s.lit(',"total":');
        const total = s.pairs();
        if (!s.lit('}')) return null;
        block.push(blockRow(block.length, major, minor, op, cgroup, n, bytes, maxNs, totalMaxNs, service, total, scanned));
      } while (s.maybe(','));
      s.lit(']');
    }
    s.lit(',"runq":[');
    if (!s.maybe(']')) {
      do {
        const cgroup = s.numAfter('{"cgroup":');
        const n = s.numAfter(',"count":');
        const maxNs = s.numAfter(',"maxNs":');
        s.lit(',"hist":');
        const hist = s.pairs();
        if (!s.lit('}')) return null;
        runq.push(runqRow(runq.length, cgroup, n, maxNs, hist, scanned));
      } while (s.maybe(','));
      s.lit(']');
    }
    s.lit(',"lost":{');
    const lost: Record<string, number> = {};
    do {
      const k = s.key(LOST_NAMES);
      const v = s.num();
      if (s.failed) return null;
      lost[k] = v;
    } while (s.maybe(','));
    s.lit('}');
    const pc = s.numAfter(',"partial":{"count":');
    const pb = s.numAfter(',"bytes":');
    const merged = s.numAfter('},"merged":');
    if (!s.lit('}') || !s.end()) return null;
    return intervalOf({ seq, monoNs, intervalNs, flush, lost, partial: { count: pc, bytes: pb }, merged }, block, runq);
  } catch (err) {
    if (err instanceof Invalid) return null;
    throw err;
  }
}

/** Parse one line of helper output. Never throws. */
export function parseLine(line: string): HelperLine {
  const text = line.trim();
  if (text === '') return { kind: 'bad', reason: 'empty line' };
  const fast = scanInterval(text);
  if (fast !== null) return fast;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { kind: 'bad', reason: oneLineText(`not JSON (${msg}): ${oneLineText(text, 40)}`) };
  }
  if (!isObject(v)) return { kind: 'bad', reason: `expected a JSON object, got ${describe(v)}` };
  try {
    const type = v.type;
    switch (type) {
      case 'hello':
        return parseHello(v);
      case 'interval':
        return parseInterval(v);
      case 'error':
        return { kind: 'error', message: oneLineText(str(v.message, 'message')) };
      default:
        return { kind: 'bad', reason: type === undefined ? 'no "type" key' : `unknown type ${describe(type)}` };
    }
  } catch (err) {
    if (err instanceof Invalid) return { kind: 'bad', reason: oneLineText(`${String(v.type)}: ${err.message}`) };
    return { kind: 'bad', reason: oneLineText(`unexpected: ${err instanceof Error ? err.message : String(err)}`) };
  }
}
