// The store's reader: opens the file read-only (also while an agent writes it; SQLite's WAL gives each read
// a consistent snapshot), lists the recorded span, finds the sample at or before any time, iterates samples
// forwards and backwards, gives container metadata at a time, and answers aggregates over a range from the
// roll-up tiers (docs/store.md: which tier answers which part of a range).
//
// Samples live in segments: a block (one packed minute) or a chain of tick rows not packed yet. A segment is
// decoded whole (one keyframe plus differences) and kept in a small cache, so stepping inside a minute is a
// lookup and seeking anywhere costs one segment's decode.
import type { ContainerMeta } from '../model/types.js';
import type { SampleSet } from '../model/sample-set.js';
import { ChainDecoder, CodecError } from './codec.js';
import { CODEC_BROTLI_CHAIN, splitFrames, unpack } from './block.js';
import { joinMeta } from './container-meta.js';
import { StoreError, fromSqlite } from './errors.js';
import {
  HOUR_MS,
  MINUTE_MS,
  PeriodAccumulator,
  TIER_CODE,
  intervalEndWallMs,
  mergeRows,
  type FigureStats,
  type FiguresOf,
  type LatencyRollup,
  type RollupRow,
  type Tier,
} from './rollup.js';
import { decodeRollup } from './rollup-codec.js';
import { checkReadable, openDatabase, readInfo, storeFile, type Db, type StoreInfo } from './schema.js';

export interface RecordedSample {
  /** Position in the recording (increases by one per recorded tick). */
  seq: number;
  /** Recording session (one per writer run): rates never span two sessions. */
  session: number;
  set: SampleSet;
}

export interface Span {
  fromMs: number;
  toMs: number;
}

export interface SessionInfo {
  id: number;
  startedMs: number;
  endedMs: number | null;
  pid: number;
  bootId: string | null;
  hostname: string;
  tailtopVersion: string;
  intervalMs: number | null;
}

export interface RecordedEvent {
  wallMs: number;
  kind: string;
  message: string;
}

/** What answered an aggregate: how many hour rows, minute rows and raw samples were read. */
export interface AggregateSources {
  hours: number;
  minutes: number;
  rawSamples: number;
}

export interface RangeAggregate {
  fromMs: number;
  toMs: number;
  samples: number;
  firstMs: number | null;
  lastMs: number | null;
  figures: FigureStats[];
  latency: LatencyRollup;
  sources: AggregateSources;
}

interface Segment {
  kind: 'block' | 'chain';
  firstSeq: number;
  lastSeq: number;
  session: number;
  firstMs: number;
  lastMs: number;
  count: number;
}

interface BlockRow {
  first_seq: number;
  last_seq: number;
  session: number;
  first_ms: number;
  last_ms: number;
  count: number;
}

interface ChainRow {
  chain: number;
  last_seq: number;
  session: number;
  first_ms: number;
  last_ms: number;
  count: number;
}

const SEGMENT_CACHE = 6;
/** Base rows kept decoded (a range across an hour boundary reads two). */
const BASE_CACHE = 2;

export interface ReaderOptions {
  /** For messages ("tailtop 0.1.0 reads schema 1"). */
  tailtopVersion?: string;
}

export class StoreReader {
  readonly file: string;
  readonly info: StoreInfo;
  private readonly db: Db;
  private readonly cache = new Map<string, RecordedSample[]>();
  private readonly metas = new Map<number, ContainerMeta>();
  /** Base row id -> a decoder that has decoded it (decoderFrom forks it). */
  private readonly bases = new Map<number, ChainDecoder>();
  private readonly q: ReturnType<StoreReader['prepare']>;

  private constructor(db: Db, file: string, info: StoreInfo) {
    this.db = db;
    this.file = file;
    this.info = info;
    this.q = this.prepare();
  }

  /** Opens the store in `dir` read-only. Throws a StoreError: one line naming the file and what is wrong. */
  static open(dir: string, opts: ReaderOptions = {}): StoreReader {
    const file = storeFile(dir);
    const db = openDatabase(file, { readonly: true });
    try {
      const info = readInfo(db, file);
      if (info === null) throw new StoreError('not-a-store', file, `store ${file} is empty (not a tailtop store)`);
      checkReadable(info, opts.tailtopVersion ?? 'this version');
      return new StoreReader(db, file, info);
    } catch (err) {
      db.close();
      throw err instanceof StoreError ? err : fromSqlite(file, err, 'opening it');
    }
  }

  private prepare() {
    const db = this.db;
    // Schema 1 has no base rows (its chains start with a keyframe): read as chains without a base.
    const base = this.info.schemaVersion >= 2 ? 'base' : 'NULL AS base';
    const blockCols = 'first_seq, last_seq, session, first_ms, last_ms, count';
    const chainCols = 'chain, MAX(seq) AS last_seq, MIN(session) AS session, MIN(wall_ms) AS first_ms, MAX(wall_ms) AS last_ms, COUNT(*) AS count';
    return {
      blockAtOrBefore: db.prepare(`SELECT ${blockCols} FROM block WHERE first_ms <= ? ORDER BY first_ms DESC, first_seq DESC LIMIT 1`),
      blockAfterSeq: db.prepare(`SELECT ${blockCols} FROM block WHERE first_seq > ? ORDER BY first_seq LIMIT 1`),
      blockBeforeSeq: db.prepare(`SELECT ${blockCols} FROM block WHERE first_seq < ? ORDER BY first_seq DESC LIMIT 1`),
      blockFirst: db.prepare(`SELECT ${blockCols} FROM block ORDER BY first_seq LIMIT 1`),
      blockData: db.prepare(`SELECT codec, raw_bytes, crc, data, ${base} FROM block WHERE first_seq = ?`),
      baseData: this.info.schemaVersion >= 2 ? db.prepare('SELECT codec, raw_bytes, crc, data FROM base WHERE id = ?') : null,
      chains: db.prepare(`SELECT ${chainCols} FROM tick GROUP BY chain ORDER BY chain`),
      chainData: db.prepare(`SELECT seq, wall_ms, data, ${base} FROM tick WHERE chain = ? ORDER BY seq`),
      span: db.prepare(
        'SELECT MIN(a) AS a, MAX(b) AS b FROM (SELECT MIN(first_ms) AS a, MAX(last_ms) AS b FROM block UNION ALL SELECT MIN(wall_ms), MAX(wall_ms) FROM tick)',
      ),
      meta: db.prepare('SELECT data FROM container_meta WHERE ref = ?'),
      rollups: db.prepare('SELECT start_ms, raw_bytes, crc, data FROM rollup WHERE tier = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms, id'),
      rollupStarts: db.prepare('SELECT DISTINCT start_ms FROM rollup WHERE tier = ? AND start_ms >= ? AND start_ms < ?'),
      sessions: db.prepare('SELECT id, started_ms, ended_ms, pid, boot_id, hostname, tailtop_version, interval_ms FROM session ORDER BY id'),
      events: db.prepare('SELECT wall_ms, kind, message FROM event WHERE wall_ms >= ? AND wall_ms < ? ORDER BY wall_ms, id'),
    };
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` in one read transaction (one consistent snapshot while a writer packs), mapping errors. */
  private read<T>(doing: string, fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      if (err instanceof CodecError) throw new StoreError('corrupt', this.file, `store ${this.file} is damaged: ${err.message} while ${doing}`);
      throw fromSqlite(this.file, err, doing);
    }
  }

  // ------------------------------------------------------------------------------------------ segments

  private static fromBlock(r: BlockRow | undefined): Segment | null {
    return r ? { kind: 'block', firstSeq: r.first_seq, lastSeq: r.last_seq, session: r.session, firstMs: r.first_ms, lastMs: r.last_ms, count: r.count } : null;
  }

  private chains(): Segment[] {
    return (this.q.chains.all() as ChainRow[]).map((r) => ({
      kind: 'chain' as const,
      firstSeq: r.chain,
      lastSeq: r.last_seq,
      session: r.session,
      firstMs: r.first_ms,
      lastMs: r.last_ms,
      count: r.count,
    }));
  }

  private segmentAtOrBefore(t: number): Segment | null {
    let best = StoreReader.fromBlock(this.q.blockAtOrBefore.get(t) as BlockRow | undefined);
    for (const c of this.chains()) {
      if (c.firstMs <= t && (!best || c.firstMs > best.firstMs || (c.firstMs === best.firstMs && c.firstSeq > best.firstSeq))) best = c;
    }
    return best;
  }

  private segmentAfter(seq: number): Segment | null {
    let best = StoreReader.fromBlock(this.q.blockAfterSeq.get(seq) as BlockRow | undefined);
    for (const c of this.chains()) if (c.firstSeq > seq && (!best || c.firstSeq < best.firstSeq)) best = c;
    return best;
  }

  private segmentBefore(seq: number): Segment | null {
    let best = StoreReader.fromBlock(this.q.blockBeforeSeq.get(seq) as BlockRow | undefined);
    for (const c of this.chains()) if (c.firstSeq < seq && (!best || c.firstSeq > best.firstSeq)) best = c;
    return best;
  }

  private firstSegment(): Segment | null {
    return this.segmentAfter(-1);
  }

  private lookupMeta = (ref: number): ContainerMeta => {
    let m = this.metas.get(ref);
    if (!m) {
      const row = this.q.meta.get(ref) as { data: Buffer } | undefined;
      if (!row) throw new CodecError(`container metadata ${ref} is missing`);
      m = new ChainDecoder().decode(row.data) as ContainerMeta;
      this.metas.set(ref, m);
    }
    return m;
  };

  /** The keyframe of a base row (the value a chain with that base continues). */
  private baseFrame(id: number): Buffer {
    const row = this.q.baseData?.get(id) as { codec: number; raw_bytes: number; crc: number; data: Buffer } | undefined;
    if (!row) throw new CodecError(`base ${id} is missing`);
    if (row.codec !== CODEC_BROTLI_CHAIN) throw new CodecError(`base ${id} has unknown codec ${row.codec}`);
    return unpack({ data: row.data, rawBytes: row.raw_bytes, crc: row.crc });
  }

  /**
   * A decoder ready for a chain: it has decoded the chain's base row, when there is one. The last few base
   * rows are decoded once and forked: an hour's 60 chains continue the same base (a jump reads six).
   */
  private decoderFrom(base: number | null): ChainDecoder {
    if (base === null) return new ChainDecoder();
    let dec = this.bases.get(base);
    if (dec) {
      this.bases.delete(base);
    } else {
      dec = new ChainDecoder();
      dec.decode(this.baseFrame(base));
    }
    this.bases.set(base, dec);
    while (this.bases.size > BASE_CACHE) this.bases.delete(this.bases.keys().next().value!);
    return dec.fork();
  }

  private static keyOf(s: Segment): string {
    return `${s.kind}:${s.firstSeq}:${s.count}`;
  }

  /** Every sample of a segment, decoded (cached: the last few segments). */
  private load(s: Segment): RecordedSample[] {
    const key = StoreReader.keyOf(s);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const { frames, base } = this.framesOf(s);
    const dec = this.decoderFrom(base);
    const out = frames.map((f, i) => ({ seq: s.firstSeq + i, session: s.session, set: joinMeta(dec.decode(f), this.lookupMeta) }));
    this.cache.set(key, out);
    while (this.cache.size > SEGMENT_CACHE) this.cache.delete(this.cache.keys().next().value!);
    return out;
  }

  /** The encoded samples of a segment (differences from its base row's keyframe, or one keyframe first). */
  private framesOf(s: Segment): { frames: Buffer[]; base: number | null } {
    let frames: Buffer[];
    let base: number | null;
    if (s.kind === 'block') {
      const row = this.q.blockData.get(s.firstSeq) as { codec: number; raw_bytes: number; crc: number; data: Buffer; base: number | null } | undefined;
      if (!row) throw new CodecError(`block ${s.firstSeq} vanished`);
      if (row.codec !== CODEC_BROTLI_CHAIN) throw new CodecError(`block ${s.firstSeq} has unknown codec ${row.codec}`);
      frames = splitFrames(unpack({ data: row.data, rawBytes: row.raw_bytes, crc: row.crc }));
      base = row.base;
    } else {
      const rows = this.q.chainData.all(s.firstSeq) as { data: Buffer; base: number | null }[];
      frames = rows.map((r) => r.data);
      base = rows[0]?.base ?? null;
    }
    if (frames.length !== s.count) throw new CodecError(`segment ${s.firstSeq} holds ${frames.length} samples, expected ${s.count}`);
    return { frames, base };
  }

  // ------------------------------------------------------------------------------------------ queries

  /** Wall-clock span of everything recorded, or null for an empty store. */
  span(): Span | null {
    return this.read('reading its span', () => {
      const r = this.q.span.get() as { a: number | null; b: number | null };
      return r.a === null || r.b === null ? null : { fromMs: r.a, toMs: r.b };
    });
  }

  sessions(): SessionInfo[] {
    return this.read('reading its sessions', () =>
      (this.q.sessions.all() as { id: number; started_ms: number; ended_ms: number | null; pid: number; boot_id: string | null; hostname: string; tailtop_version: string; interval_ms: number | null }[]).map((r) => ({
        id: r.id,
        startedMs: r.started_ms,
        endedMs: r.ended_ms,
        pid: r.pid,
        bootId: r.boot_id,
        hostname: r.hostname,
        tailtopVersion: r.tailtop_version,
        intervalMs: r.interval_ms,
      })),
    );
  }

  /** Events the writer recorded in [fromMs, toMs) (gaps from a full disk, ...). */
  events(fromMs: number, toMs: number): RecordedEvent[] {
    return this.read('reading its events', () =>
      (this.q.events.all(fromMs, toMs) as { wall_ms: number; kind: string; message: string }[]).map((r) => ({ wallMs: r.wall_ms, kind: r.kind, message: r.message })),
    );
  }

  /** The last sample recorded at or before `tMs`, or null when nothing is that old. */
  at(tMs: number): RecordedSample | null {
    return this.read('seeking', () => {
      const s = this.segmentAtOrBefore(tMs);
      if (!s) return null;
      const samples = this.load(s);
      let found: RecordedSample | null = null;
      for (const r of samples) {
        if (r.set.wallMs > tMs) break;
        found = r;
      }
      return found;
    });
  }

  /** The first sample recorded at or after `tMs`, or null when nothing is that recent. */
  after(tMs: number): RecordedSample | null {
    return this.read('seeking', () => {
      const before = this.segmentAtOrBefore(tMs);
      let s: Segment | null = before ?? this.firstSegment();
      while (s) {
        for (const r of this.load(s)) if (r.set.wallMs >= tMs) return r;
        s = this.segmentAfter(s.lastSeq);
      }
      return null;
    });
  }

  /** The sample after `seq` in recording order, or null at the end. */
  next(seq: number): RecordedSample | null {
    return this.read('stepping', () => {
      let s = this.segmentAtOrBeforeSeq(seq);
      while (s) {
        for (const r of this.load(s)) if (r.seq > seq) return r;
        s = this.segmentAfter(s.lastSeq);
      }
      return null;
    });
  }

  /** The sample before `seq` in recording order, or null at the start. */
  previous(seq: number): RecordedSample | null {
    return this.read('stepping', () => {
      let s = this.segmentAtOrBeforeSeq(seq);
      while (s) {
        const samples = this.load(s);
        for (let i = samples.length - 1; i >= 0; i--) if (samples[i]!.seq < seq) return samples[i]!;
        s = this.segmentBefore(s.firstSeq);
      }
      return null;
    });
  }

  private segmentAtOrBeforeSeq(seq: number): Segment | null {
    return this.segmentBefore(seq + 1);
  }

  /** Samples with wall time in [fromMs, toMs), oldest first (recording order). */
  *range(fromMs: number, toMs: number): Generator<RecordedSample> {
    let r = this.after(fromMs);
    while (r && r.set.wallMs < toMs) {
      yield r;
      r = this.next(r.seq);
    }
  }

  /**
   * The samples of range(fromMs, toMs), decoded one at a time as they are consumed and not kept: the segment
   * cache is read but not filled, so a long run leaves little for the garbage collector to copy (replay's
   * rebuild of the minutes before a jump).
   */
  *stream(fromMs: number, toMs: number): Generator<RecordedSample> {
    let s = this.read('seeking', () => this.segmentAtOrBefore(fromMs) ?? this.firstSegment());
    let started = false;
    while (s) {
      const seg = s;
      if (started || seg.lastMs >= fromMs) {
        const hit = this.cache.get(StoreReader.keyOf(seg));
        const chain = hit ? null : this.read('reading samples', () => this.framesOf(seg));
        const frames = chain?.frames ?? null;
        const dec = chain ? this.read('reading samples', () => this.decoderFrom(chain.base)) : new ChainDecoder();
        for (let i = 0; i < seg.count; i++) {
          const r = hit ? hit[i]! : { seq: seg.firstSeq + i, session: seg.session, set: this.decodeSample(dec, frames![i]!) };
          if (!started && r.set.wallMs < fromMs) continue;
          if (r.set.wallMs >= toMs) return;
          started = true;
          yield r;
        }
      }
      s = this.read('seeking', () => this.segmentAfter(seg.lastSeq));
    }
  }

  /** One sample of a chain (errors as read() maps them: a damaged store names its file). */
  private decodeSample(dec: ChainDecoder, frame: Buffer): SampleSet {
    try {
      return joinMeta(dec.decode(frame), this.lookupMeta);
    } catch (err) {
      if (err instanceof CodecError) throw new StoreError('corrupt', this.file, `store ${this.file} is damaged: ${err.message} while reading samples`);
      throw err instanceof StoreError ? err : fromSqlite(this.file, err, 'reading samples');
    }
  }

  /** Samples with wall time in [fromMs, toMs), newest first. */
  *rangeBackwards(fromMs: number, toMs: number): Generator<RecordedSample> {
    let r = this.at(toMs);
    if (r && r.set.wallMs >= toMs) r = this.previous(r.seq);
    while (r && r.set.wallMs >= toMs) r = this.previous(r.seq);
    while (r && r.set.wallMs >= fromMs) {
      yield r;
      r = this.previous(r.seq);
    }
  }

  /** Metadata of the containers present in the sample at or before `tMs`. */
  containersAt(tMs: number): ContainerMeta[] {
    const r = this.at(tMs);
    return r?.set.containers?.containers.map((c) => c.meta) ?? [];
  }

  /** Roll-up rows of `tier` starting in [fromMs, toMs); several rows of one period are merged. */
  rollups(tier: Tier, fromMs: number, toMs: number): RollupRow[] {
    return this.read('reading roll-ups', () => {
      const by = new Map<number, RollupRow[]>();
      for (const r of this.q.rollups.all(TIER_CODE[tier], fromMs, toMs) as { start_ms: number; raw_bytes: number; crc: number; data: Buffer }[]) {
        const row = decodeRollup(unpack({ data: r.data, rawBytes: r.raw_bytes, crc: r.crc }));
        const list = by.get(r.start_ms);
        if (list) list.push(row);
        else by.set(r.start_ms, [row]);
      }
      return [...by].map(([start, rows]) => (rows.length === 1 ? rows[0]! : mergeRows(tier, start, rows)));
    });
  }

  /**
   * Figures (min/max/sum/count and sketch) and merged latency over [fromMs, toMs). Whole hours inside the
   * range come from hour rows, whole minutes from minute rows (for an hour without its row: its minute
   * rows), and the rest (the partial minutes at the edges, minutes whose row is not written yet) from the
   * raw samples through `figuresOf`. Latency intervals count where they ended (see addRaw).
   */
  aggregate(fromMs: number, toMs: number, figuresOf: FiguresOf | null = null): RangeAggregate {
    const acc = new PeriodAccumulator('minute', fromMs, toMs);
    const sources: AggregateSources = { hours: 0, minutes: 0, rawSamples: 0 };
    if (!(toMs > fromMs)) return finishAggregate(acc, sources);
    // Which whole hours have a row (their starts only: rows are decoded once chosen).
    const firstHour = Math.ceil(fromMs / HOUR_MS) * HOUR_MS;
    const hourStarts = new Set(
      this.read('reading roll-ups', () => (this.q.rollupStarts.all(TIER_CODE.hour, firstHour, toMs - HOUR_MS + 1) as { start_ms: number }[]).map((r) => r.start_ms)),
    );
    const hourRuns: [number, number][] = [];
    const minuteRuns: [number, number][] = [];
    const raw: [number, number][] = [];
    const add = (runs: [number, number][], a: number, b: number): void => {
      const last = runs[runs.length - 1];
      if (last && last[1] === a) last[1] = b;
      else runs.push([a, b]);
    };
    let t = fromMs;
    while (t < toMs) {
      if (t % HOUR_MS === 0 && t + HOUR_MS <= toMs && hourStarts.has(t)) {
        add(hourRuns, t, t + HOUR_MS);
        t += HOUR_MS;
      } else if (t % MINUTE_MS === 0 && t + MINUTE_MS <= toMs) {
        add(minuteRuns, t, t + MINUTE_MS);
        t += MINUTE_MS;
      } else {
        const end = Math.min(toMs, Math.floor(t / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
        add(raw, t, end);
        t = end;
      }
    }
    for (const [a, b] of hourRuns) {
      for (const row of this.rollups('hour', a, b)) {
        acc.mergeRow(row);
        sources.hours++;
      }
    }
    // Whole minutes: their rows; a minute without one (not written yet, or its writer died) from raw samples.
    for (const [a, b] of minuteRuns) {
      const rows = new Map(this.rollups('minute', a, b).map((r) => [r.startMs, r]));
      for (let m = a; m < b; m += MINUTE_MS) {
        const row = rows.get(m);
        if (row) {
          acc.mergeRow(row);
          sources.minutes++;
        } else add(raw, m, m + MINUTE_MS);
      }
    }
    raw.sort((x, y) => x[0] - y[0]);
    for (const [a, b] of raw) sources.rawSamples += this.addRaw(acc, a, b, figuresOf);
    return finishAggregate(acc, sources);
  }

  /**
   * Samples of [a, b) into `acc` (figures against the sample before, same session), and the intervals that
   * ended in [a, b), drained by those samples or by the first one after b (the writer's minute rows count
   * an interval drained by the first sample of the next minute in the minute it ended in).
   */
  private addRaw(acc: PeriodAccumulator, a: number, b: number, figuresOf: FiguresOf | null): number {
    let n = 0;
    let prev = this.at(a - 1);
    let r = this.after(a);
    if (prev && r && prev.session !== r.session) prev = null;
    while (r) {
      const set = r.set;
      const inside = set.wallMs < b;
      if (inside) {
        acc.addSample(set.wallMs, figuresOf ? figuresOf(prev && prev.session === r.session ? prev.set : null, set) : []);
        n++;
      }
      const lat = set.latency;
      if (lat) {
        for (const iv of lat.intervals) {
          const end = intervalEndWallMs(set.wallMs, lat, iv);
          if (end >= a && end < b) acc.addInterval(iv);
        }
      }
      if (!inside) break;
      prev = r;
      r = this.next(r.seq);
    }
    return n;
  }
}

function finishAggregate(acc: PeriodAccumulator, sources: AggregateSources): RangeAggregate {
  const row = acc.finish();
  return { fromMs: acc.startMs, toMs: acc.endMs, samples: row.samples, firstMs: row.firstMs, lastMs: row.lastMs, figures: acc.figureStats(), latency: row.latency, sources };
}
