// Parser for the eBPF helper's line protocol (docs/ebpf-protocol.md, version 1). One JSON object per line.
// Strict about what it uses (types, ranges, known values), lenient about what it doesn't (unknown keys are
// ignored). A line it cannot use becomes `{ kind: 'bad', reason }` with a one-line reason; it never throws.
import type { BlockOp } from '../../model/types.js';
import type { BlockIntervalRow, BucketPairs, RunqIntervalRow } from '../../model/latency.js';
import { BUCKETS, SUB_BUCKET_BITS } from '../../model/histogram.js';

export const PROTOCOL_VERSION = 1;

/** The interval row types live in the model (the latency model consumes them); re-exported for callers. */
export type { BlockIntervalRow, BucketPairs, RunqIntervalRow };

export type CgroupHierarchy = 'v2' | 'v1-blkio' | 'v1-cpu';
const HIERARCHIES: readonly string[] = ['v2', 'v1-blkio', 'v1-cpu'];

export const BLOCK_OPS: readonly BlockOp[] = ['read', 'write', 'flush', 'discard', 'secure-erase', 'write-zeroes', 'zone', 'other'];

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
}

export interface IntervalData {
  kind: 'interval';
  seq: number;
  /** CLOCK_MONOTONIC at the end of the interval, ns (may exceed 2^53 on long uptimes: approximate then). */
  monoNs: number;
  intervalNs: number;
  block: BlockIntervalRow[];
  runq: RunqIntervalRow[];
  lost: number;
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

/** A finite number >= 0 (not necessarily exact: used for clocks that may exceed 2^53). */
function nonNeg(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Invalid(`${path}: expected a finite number >= 0, got ${describe(v)}`);
  return v;
}

/** A whole number 0..2^53-1 (counts, ids: must be exact). */
function count(v: unknown, path: string): number {
  const n = nonNeg(v, path);
  if (!Number.isSafeInteger(n)) throw new Invalid(`${path}: expected a whole number below 2^53, got ${describe(v)}`);
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

function op(v: unknown, path: string): BlockOp {
  const s = str(v, path);
  return (BLOCK_OPS as readonly string[]).includes(s) ? (s as BlockOp) : 'other';
}

function buckets(v: unknown, path: string): BucketPairs {
  const a = arr(v, path);
  const out: BucketPairs = [];
  for (let k = 0; k < a.length; k++) {
    const p = a[k];
    const at = `${path}[${k}]`;
    if (!Array.isArray(p) || p.length < 2) throw new Invalid(`${at}: expected [bucketIndex, count], got ${describe(p)}`);
    const i = p[0];
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= BUCKETS) {
      throw new Invalid(`${at}: bucket index must be a whole number 0..${BUCKETS - 1}, got ${describe(i)}`);
    }
    out.push([i, count(p[1], `${at}[1]`)]);
  }
  return out;
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
  const intervalMs = count(o.intervalMs, 'intervalMs');
  if (intervalMs === 0) throw new Invalid('intervalMs: must be > 0');
  return {
    kind: 'hello',
    version,
    pid: count(o.pid, 'pid'),
    intervalMs,
    programs: stringRecord(o.programs, 'programs'),
    failed: stringRecord(o.failed, 'failed'),
    cgroup: { block: hierarchy(cg.block, 'cgroup.block'), runq: hierarchy(cg.runq, 'cgroup.runq') },
    histogram: { unit: 'ns', subBucketBits, buckets: nb },
  };
}

function parseBlockRow(v: unknown, path: string): BlockIntervalRow {
  const r = obj(v, path);
  return {
    major: count(r.major, `${path}.major`),
    minor: count(r.minor, `${path}.minor`),
    op: op(r.op, `${path}.op`),
    cgroup: count(r.cgroup, `${path}.cgroup`),
    count: count(r.count, `${path}.count`),
    bytes: count(r.bytes, `${path}.bytes`),
    maxNs: count(r.maxNs, `${path}.maxNs`),
    ...(r.totalMaxNs === undefined ? {} : { totalMaxNs: count(r.totalMaxNs, `${path}.totalMaxNs`) }),
    service: buckets(r.service, `${path}.service`),
    // `total` equals `service` for requests issued without insert; tolerate its absence.
    total: r.total === undefined ? [] : buckets(r.total, `${path}.total`),
  };
}

function parseRunqRow(v: unknown, path: string): RunqIntervalRow {
  const r = obj(v, path);
  return {
    cgroup: count(r.cgroup, `${path}.cgroup`),
    count: count(r.count, `${path}.count`),
    maxNs: count(r.maxNs, `${path}.maxNs`),
    hist: buckets(r.hist, `${path}.hist`),
  };
}

function parseInterval(o: Record<string, unknown>): IntervalData {
  const block = o.block === undefined ? [] : arr(o.block, 'block').map((r, k) => parseBlockRow(r, `block[${k}]`));
  const runq = o.runq === undefined ? [] : arr(o.runq, 'runq').map((r, k) => parseRunqRow(r, `runq[${k}]`));
  return {
    kind: 'interval',
    seq: count(o.seq, 'seq'),
    monoNs: nonNeg(o.monoNs, 'monoNs'),
    intervalNs: nonNeg(o.intervalNs, 'intervalNs'),
    block,
    runq,
    lost: o.lost === undefined ? 0 : count(o.lost, 'lost'),
  };
}

/** Parse one line of helper output. Never throws. */
export function parseLine(line: string): HelperLine {
  const text = line.trim();
  if (text === '') return { kind: 'bad', reason: 'empty line' };
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
