// The store's writer: one row per tick, durable at once (an SQLite commit in WAL mode), so kill -9 loses at
// most the tick being written; each minute the minute's rows become one compressed block row, with the
// minute's roll-up row, in one transaction. Container metadata is stored as it changes. Retention and the
// size cap prune the oldest data in bounded steps (a few blocks and a few hundred pages per tick), so a
// tick never stalls. A full disk or any write error never throws out of append(): the tick is counted as
// lost, an event is reported at most once a minute, and writing resumes when it can.
//
// Durability (docs/store.md): journal_mode=WAL, synchronous=NORMAL. A process crash (kill -9, OOM kill)
// loses nothing committed: each tick is committed before append() returns. A power loss or kernel crash
// can lose what was committed since the last checkpoint (the writer checkpoints after every block, so at
// most about a minute, plus any minute whose block was not written yet) but never corrupts the file.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, statfsSync } from 'node:fs';
import type { ContainerMeta } from '../model/types.js';
import type { SampleSet } from '../model/sample-set.js';
import { ChainDecoder, ChainEncoder, CodecError, encodeOne } from './codec.js';
import { CODEC_BROTLI_CHAIN, DEFAULT_BROTLI_QUALITY, joinFrames, pack, packSync, splitFrames, unpack, type Packed } from './block.js';
import { MetaTracker, joinMeta, type NewMeta } from './container-meta.js';
import { StoreError, errorText, fromSqlite, permissionProblem, sqliteCode } from './errors.js';
import { WriterLock } from './lock.js';
import {
  HOUR_MS,
  MINUTE_MS,
  MinuteRollups,
  PeriodAccumulator,
  TIER_CODE,
  mergeRows,
  periodStart,
  type FiguresOf,
  type RollupRow,
} from './rollup.js';
import {
  READ_COMPAT,
  SCHEMA_V2,
  SCHEMA_VERSION,
  checkWritable,
  openDatabase,
  readHostIdentity,
  readInfo,
  storeFile,
  type Db,
  type HostIdentity,
} from './schema.js';
import { migrateV0, migrateV1 } from './migrate.js';
import { decodeRollup, encodeRollup } from './rollup-codec.js';

export const DEFAULT_RETAIN_MS = 7 * 24 * 3_600_000;
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
export const MIN_MAX_BYTES = 1024 ** 2;
/** Events of one kind are reported at most this often. */
export const EVENT_EVERY_MS = 60_000;
/**
 * Writing has resumed after this many ticks written in a row (and every minute held back packed): a nearly full disk lets a write through now
 * and then (SQLite reusing a free page), which is not the end of the episode, and must not turn the
 * once-a-minute "disk full" line into a "resumed"/"disk full" flood. Ticks written meanwhile are kept.
 */
export const RESUMED_AFTER = 5;
/**
 * A new base row at most this often: the chains (minutes) after it start with a difference from it instead
 * of a keyframe (docs/store.md, "Base rows"). A writer's first chain, and one after the wall clock stepped
 * back, start a new base.
 */
export const BASE_EVERY_MS = HOUR_MS;

export interface StoreEvent {
  kind: 'disk-full' | 'write-error' | 'resumed' | 'bad-sample' | 'recovered' | 'migrated';
  wallMs: number;
  message: string;
}

/**
 * Kinds of the `event` table's rows (docs/store.md): `gap` (ticks lost, written by the writer) and `alert`
 * (an [[alert]] rule's transition to firing or resolved, a JSON message: src/record/alert-events.ts).
 */
export type StoredEventKind = 'gap' | 'alert';

export interface WriterOptions {
  /** The store directory (created if missing). */
  dir: string;
  /** tailtop's version, recorded in the meta and session rows. */
  tailtopVersion: string;
  retainMs?: number;
  maxBytes?: number;
  /** The sampler's interval, recorded in the session row. */
  intervalMs?: number;
  /** Figures for the roll-ups; without it roll-ups hold latency and sample counts only. */
  figuresOf?: FiguresOf | null;
  identity?: HostIdentity;
  brotliQuality?: number;
  /**
   * Compress the minute blocks and roll-up rows on this thread (default: on libuv's thread pool, so that a
   * tick never waits for it). Brotli allocates its window and hash tables (about 11 MiB) in the malloc arena
   * of the thread that runs it, and glibc keeps what an arena grew to: on the pool that is up to four arenas
   * over the first minutes. `tailtop agent` compresses here (one arena, reused; a tick may wait for one
   * compression a minute); the same bytes either way.
   */
  compressInline?: boolean;
  /** Status lines for the user (disk full, resumed, recovered...): at most one a minute per kind. */
  onEvent?: (e: StoreEvent) => void;
  /** Wall clock for session rows and events outside append() (default Date.now). */
  now?: () => number;
}

export interface WriterStatus {
  file: string;
  session: number;
  /** Ticks recorded, and ticks lost (write errors, bad samples), in this session. */
  recorded: number;
  lost: number;
  /** The current write problem (one line), or null while writing works. */
  failing: string | null;
  /** Store size: database plus -wal and -shm files, bytes. */
  bytes: number;
}

interface OpenChain {
  id: number;
  minute: number;
  encoder: ChainEncoder;
  /** The base row the chain continues (null: none yet), and whether the encoder has been given it. */
  base: number | null;
  primed: boolean;
  frames: number;
  lastWall: number;
  session: number;
  broken: boolean;
}

interface PackedRollup {
  row: RollupRow;
  packed: Packed;
}

interface TickRow {
  seq: number;
  session: number;
  wall_ms: number;
  data: Buffer;
  base: number | null;
}

function walLike(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      n += statSync(f).size;
    } catch {
      // absent
    }
  }
  return n;
}

/** Group `tailtop` (made by `tailtop setup`) may read recordings made by root. */
function tailtopGid(): number | null {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === 'tailtop' && f[2] && /^\d+$/.test(f[2])) return Number(f[2]);
    }
  } catch {
    // no group file
  }
  return null;
}

export class StoreWriter {
  readonly file: string;
  private readonly db: Db;
  private readonly lock: WriterLock;
  private readonly session: number;
  private readonly retainMs: number;
  private readonly maxBytes: number;
  private readonly quality: number;
  private readonly figuresOf: FiguresOf | null;
  private readonly onEvent: (e: StoreEvent) => void;
  private readonly now: () => number;
  private readonly metas: MetaTracker;
  private readonly rollups: MinuteRollups;
  private nextSeq: number;
  private chain: OpenChain | null = null;
  /** The newest base row of this session: its id, the sample as stored, its wall time. */
  private base: { id: number; value: unknown; wallMs: number } | null = null;
  private prev: SampleSet | null = null;
  private readonly toPack: number[] = [];
  private packing: Promise<void> | null = null;
  private pendingRollups: RollupRow[] = [];
  /** The current hour, merged from its minute rows as they finish (an hour row costs no re-read). */
  private hour: { start: number; acc: PeriodAccumulator; minutes: number } | null = null;
  private readonly hourMinutes = new WeakMap<RollupRow, number>();
  /** Hours whose row must be recomputed from the stored minute rows (after a restart, a recovery). */
  private readonly dirtyHours = new Set<number>();
  private closed = false;
  private recorded = 0;
  private lost = 0;
  private failing: string | null = null;
  private failingSinceMs = 0;
  /** Ticks written in a row since the last failure (a nearly full disk lets some through). */
  private okSinceFailing = 0;
  private lostSinceFailing = 0;
  private readonly lastEventMs = new Map<string, number>();
  /** Wall time of the newest sample offered to append(): the clock of events and retries. */
  private lastWall: number | null = null;
  private lastRetentionMs = -Infinity;
  private lastPackTryMs = -Infinity;
  private behindRetention = false;
  private lastCapCheckMs = -Infinity;
  private overCap = false;
  private readonly stmt: ReturnType<StoreWriter['prepare']>;
  private readonly compressInline: boolean;

  private constructor(opts: WriterOptions, db: Db, lock: WriterLock, file: string) {
    this.file = file;
    this.db = db;
    this.lock = lock;
    this.retainMs = opts.retainMs ?? DEFAULT_RETAIN_MS;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.quality = opts.brotliQuality ?? DEFAULT_BROTLI_QUALITY;
    this.compressInline = opts.compressInline ?? false;
    this.figuresOf = opts.figuresOf ?? null;
    this.onEvent = opts.onEvent ?? (() => undefined);
    this.now = opts.now ?? Date.now;
    this.stmt = this.prepare();
    const maxSeq = db.prepare('SELECT MAX(s) AS s FROM (SELECT MAX(seq) AS s FROM tick UNION ALL SELECT MAX(last_seq) FROM block)').get() as { s: number | null };
    this.nextSeq = (maxSeq.s ?? 0) + 1;
    const maxRef = db.prepare('SELECT MAX(ref) AS r FROM container_meta').get() as { r: number | null };
    this.metas = new MetaTracker((maxRef.r ?? 0) + 1);
    this.rollups = new MinuteRollups(this.figuresOf);
    const id = opts.identity ?? readHostIdentity();
    this.session = Number(
      db
        .prepare('INSERT INTO session (started_ms, pid, boot_id, hostname, tailtop_version, interval_ms) VALUES (?, ?, ?, ?, ?, ?)')
        .run(this.now(), process.pid, id.bootId, id.hostname, opts.tailtopVersion, opts.intervalMs ?? null).lastInsertRowid,
    );
  }

  private prepare() {
    const db = this.db;
    return {
      tick: db.prepare('INSERT INTO tick (seq, session, chain, wall_ms, data, base) VALUES (?, ?, ?, ?, ?, ?)'),
      base: db.prepare('INSERT INTO base (session, wall_ms, codec, raw_bytes, crc, data) VALUES (?, ?, ?, ?, ?, ?)'),
      baseRow: db.prepare('SELECT raw_bytes, crc, data FROM base WHERE id = ?'),
      meta: db.prepare('INSERT INTO container_meta (ref, id, from_ms, data) VALUES (?, ?, ?, ?)'),
      chainRows: db.prepare('SELECT seq, session, wall_ms, data, base FROM tick WHERE chain = ? ORDER BY seq'),
      block: db.prepare(
        'INSERT INTO block (first_seq, last_seq, session, first_ms, last_ms, count, codec, raw_bytes, crc, data, base) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      dropChain: db.prepare('DELETE FROM tick WHERE chain = ?'),
      rollup: db.prepare('INSERT INTO rollup (tier, start_ms, samples, codec, raw_bytes, crc, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      rollupsIn: db.prepare('SELECT id, raw_bytes, crc, data FROM rollup WHERE tier = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms'),
      dropRollups: db.prepare('DELETE FROM rollup WHERE tier = ? AND start_ms >= ? AND start_ms < ?'),
      countMinutes: db.prepare('SELECT COUNT(*) AS n FROM rollup WHERE tier = ? AND start_ms >= ? AND start_ms < ?'),
      event: db.prepare('INSERT INTO event (wall_ms, kind, message) VALUES (?, ?, ?)'),
      metaRow: db.prepare('SELECT data FROM container_meta WHERE ref = ?'),
      blocksIn: db.prepare('SELECT session, raw_bytes, crc, data, base FROM block WHERE first_ms < ? AND last_ms >= ? ORDER BY first_seq'),
    };
  }

  /**
   * Opens (creating, migrating, recovering) the store in `opts.dir` for writing. Throws a StoreError with
   * one line naming the file: another writer holds it, a newer schema, another host's store, permissions.
   */
  static open(opts: WriterOptions): StoreWriter {
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    const file = storeFile(opts.dir);
    if (!(maxBytes >= MIN_MAX_BYTES)) throw new StoreError('usage', file, `store size cap must be at least 1 MiB, got ${maxBytes} bytes`);
    if (!((opts.retainMs ?? DEFAULT_RETAIN_MS) > 0)) throw new StoreError('usage', file, `store retention must be more than 0, got ${opts.retainMs} ms`);
    const created = !existsSync(opts.dir);
    try {
      mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
    } catch (err) {
      throw new StoreError('permission', file, `store ${file}: cannot create the directory ${opts.dir}: ${errorText(err)}`);
    }
    const gid = process.getuid?.() === 0 ? tailtopGid() : null;
    if (created && gid !== null) chownSync(opts.dir, 0, gid);
    let holderDb: Db | null = null;
    const describeHolder = (): string => {
      try {
        holderDb ??= openDatabase(file, { readonly: true, timeoutMs: 1000 });
        const r = holderDb.prepare('SELECT pid, started_ms FROM session WHERE ended_ms IS NULL ORDER BY id DESC LIMIT 1').get() as { pid: number; started_ms: number } | undefined;
        return r ? `pid ${r.pid}, recording since ${new Date(r.started_ms).toISOString()}` : 'pid unknown';
      } catch {
        return 'pid unknown';
      } finally {
        holderDb?.close();
      }
    };
    const problem = permissionProblem(file, true);
    if (problem) throw new StoreError('permission', file, problem);
    const lock = WriterLock.acquire(opts.dir, describeHolder);
    let db: Db | null = null;
    try {
      const fresh = !existsSync(file);
      db = openDatabase(file, { readonly: false });
      if (fresh) {
        chmodSync(file, 0o640);
        if (gid !== null) chownSync(file, 0, gid);
      }
      const identity = opts.identity ?? readHostIdentity();
      StoreWriter.prepareSchema(db, file, identity, opts);
      const w = new StoreWriter({ ...opts, identity }, db, lock, file);
      w.recover();
      return w;
    } catch (err) {
      db?.close();
      lock.release();
      throw err instanceof StoreError ? err : fromSqlite(file, err, 'opening it for writing');
    }
  }

  private static prepareSchema(db: Db, file: string, identity: HostIdentity, opts: WriterOptions): void {
    try {
      db.pragma('busy_timeout = 5000');
      let info = readInfo(db, file);
      if (info === null) {
        // A new store: incremental vacuum must be chosen before the first table exists.
        db.pragma('auto_vacuum = INCREMENTAL');
        db.pragma('journal_mode = WAL');
        db.transaction(() => {
          db.exec(SCHEMA_V2);
          const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
          const t = (opts.now ?? Date.now)();
          put.run('schema_version', String(SCHEMA_VERSION));
          put.run('read_compat', String(READ_COMPAT));
          put.run('created_ms', String(t));
          put.run('created_by', opts.tailtopVersion);
          put.run('hostname', identity.hostname);
          put.run('machine_id', identity.machineId ?? '');
          put.run('boot_id', identity.bootId ?? '');
          put.run('tailtop_version', opts.tailtopVersion);
        })();
        info = readInfo(db, file)!;
      }
      checkWritable(info, opts.tailtopVersion);
      if (info.machineId && identity.machineId && info.machineId !== identity.machineId) {
        throw new StoreError(
          'other-host',
          file,
          `store ${file} was recorded on host ${info.hostname ?? '?'} (machine-id ${info.machineId}), not this one (${identity.hostname}, ${identity.machineId}): use another --store`,
        );
      }
      if (info.schemaVersion === 0) migrateV0(db, file, opts.tailtopVersion);
      if (info.schemaVersion <= 1) migrateV1(db, file, opts.tailtopVersion);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const budget = opts.maxBytes ?? DEFAULT_MAX_BYTES;
      // The WAL counts toward the cap: checkpoint often enough and truncate it after, within 1/16 of the cap.
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`wal_autocheckpoint = ${Math.max(16, Math.min(1000, Math.floor(budget / 16 / pageSize)))}`);
      db.pragma(`journal_size_limit = ${Math.min(64 * 1024 ** 2, Math.floor(budget / 16))}`);
      const set = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
      set.run('tailtop_version', opts.tailtopVersion);
      set.run('boot_id', identity.bootId ?? '');
    } catch (err) {
      throw err instanceof StoreError ? err : fromSqlite(file, err, 'preparing its schema');
    }
  }

  // ------------------------------------------------------------------------------------------ appending

  /**
   * Records one tick. Never throws for a write problem (the tick is lost and reported as an event); throws
   * only when called after close(). Takes ownership of `set`: do not mutate it afterwards.
   */
  append(set: SampleSet): boolean {
    if (this.closed) throw new StoreError('usage', this.file, `store ${this.file}: append after close`);
    const wall = Math.round(set.wallMs);
    this.lastWall = wall;
    const minute = periodStart('minute', wall);
    const c0 = this.chain;
    if (c0 && (c0.minute !== minute || wall < c0.lastWall || c0.broken)) this.closeChain();
    if (this.toPack.length && !this.packing && Math.abs(wall - this.lastPackTryMs) >= 10_000) this.packLater();

    let chain = this.chain;
    if (!chain) {
      chain = { id: this.nextSeq, minute, encoder: new ChainEncoder(), base: null, primed: false, frames: 0, lastWall: wall, session: this.session, broken: false };
      this.chain = chain;
    }
    let bytes: Buffer;
    let added: NewMeta[];
    let stored: unknown;
    /** The keyframe of a new base row (this sample), when the chain starts one. */
    let baseFrame: Buffer | null = null;
    try {
      const s = this.metas.strip(set);
      added = s.added;
      stored = s.stored;
      if (!chain.primed) {
        const b = this.base;
        if (b && wall >= b.wallMs && wall - b.wallMs < BASE_EVERY_MS) {
          chain.encoder.encode(b.value);
          chain.base = b.id;
        } else {
          baseFrame = chain.encoder.encode(stored);
        }
        chain.primed = true;
      }
      bytes = chain.encoder.encode(stored);
    } catch (err) {
      this.lost++;
      this.report('bad-sample', wall, `store ${this.file}: sample at ${new Date(wall).toISOString()} not recorded: ${errorText(err)}`);
      if (!(err instanceof CodecError)) chain.broken = true;
      return false;
    }
    const seq = this.nextSeq;
    try {
      if (baseFrame === null && added.length === 0) {
        // One row: SQLite commits a lone statement as its own transaction (the same commit, without the
        // BEGIN and COMMIT statements and a transaction function made for every tick).
        this.stmt.tick.run(seq, this.session, chain.id, wall, bytes, chain.base);
      } else {
        const frame = baseFrame;
        this.db.transaction(() => {
          if (frame) {
            const p = packSync(frame, this.quality);
            chain.base = Number(this.stmt.base.run(this.session, wall, CODEC_BROTLI_CHAIN, p.rawBytes, p.crc, p.data).lastInsertRowid);
          }
          for (const a of added) this.stmt.meta.run(a.ref, a.id, wall, encodeOne(a.meta));
          this.stmt.tick.run(seq, this.session, chain.id, wall, bytes, chain.base);
        })();
      }
    } catch (err) {
      // The encoder moved on but the frame is not stored: the next tick starts a new chain.
      chain.broken = true;
      this.metas.skip(added);
      this.writeFailed(err, wall);
      return false;
    }
    this.metas.commit(added);
    if (baseFrame) this.base = { id: chain.base!, value: stored, wallMs: wall };
    this.nextSeq = seq + 1;
    chain.frames++;
    chain.lastWall = wall;
    this.recorded++;
    // Resumed once ticks go through again and the minutes held back are packed: on a nearly full disk small
    // frames (a chain continues its base row) may get through while the blocks cannot.
    if (this.failing && ++this.okSinceFailing >= RESUMED_AFTER && this.toPack.length === 0) this.resumed(wall);
    this.rollups.add(this.prev, set);
    for (const row of this.rollups.closeBefore(minute)) this.queueRollup(row);
    this.prev = set;
    this.maintain(wall);
    return true;
  }

  /** A finished minute row: written with the next block; merged into its hour, kept in memory. */
  private queueRollup(row: RollupRow): void {
    this.pendingRollups.push(row);
    if (this.pendingRollups.length > 24 * 60) this.pendingRollups.shift();
    if (row.tier !== 'minute') return;
    const h = periodStart('hour', row.startMs);
    if (this.hour && h > this.hour.start) {
      this.pendingRollups.push(this.finishHour(this.hour));
      this.hour = null;
    }
    if (this.hour && h < this.hour.start) {
      this.dirtyHours.add(h); // a late minute of an earlier hour: recomputed from the stored rows
      return;
    }
    this.hour ??= { start: h, acc: new PeriodAccumulator('hour', h), minutes: 0 };
    this.hour.acc.mergeRow(row);
    this.hour.minutes++;
  }

  private finishHour(h: { start: number; acc: PeriodAccumulator; minutes: number }): RollupRow {
    const row = h.acc.finish();
    this.hourMinutes.set(row, h.minutes);
    return row;
  }

  private closeChain(): void {
    const c = this.chain;
    this.chain = null;
    if (!c || c.frames === 0) return;
    this.toPack.push(c.id);
    this.packLater();
  }

  private packLater(): void {
    if (this.packing || this.closed) return;
    this.lastPackTryMs = this.clockMs();
    this.packing = this.packQueued().finally(() => {
      this.packing = null;
    });
  }

  /** Packs closed chains, one at a time, compressing off the main thread unless compressInline (blocks and roll-up rows). */
  private async packQueued(): Promise<void> {
    while (this.toPack.length && !this.closed) {
      const id = this.toPack[0]!;
      let rows: TickRow[];
      try {
        rows = this.stmt.chainRows.all(id) as TickRow[];
      } catch (err) {
        this.writeFailed(err, this.clockMs());
        return;
      }
      if (rows.length === 0) {
        this.toPack.shift();
        continue;
      }
      // Rows finished so far go with this block; they stay queued until it commits (closeSync() may
      // write them itself while this compression is in flight).
      const rollups = this.pendingRollups.slice();
      const compress = (raw: Buffer): Promise<Packed> => (this.compressInline ? Promise.resolve(packSync(raw, this.quality)) : pack(raw, this.quality));
      const [packed, packedRollups] = await Promise.all([
        compress(joinFrames(rows.map((r) => r.data))),
        Promise.all(rollups.map(async (row) => ({ row, packed: await compress(encodeRollup(row)) }))),
      ]);
      if (this.closed || !this.commitBlock(id, rows, packed, packedRollups)) return;
      this.pendingRollups = this.pendingRollups.filter((r) => !rollups.includes(r));
      this.toPack.shift();
    }
  }

  /** Block row, the roll-up rows finished so far, hours to recompute: one transaction. False when it failed. */
  private commitBlock(chainId: number, rows: TickRow[], packed: Packed, rollups: PackedRollup[]): boolean {
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    try {
      this.db.transaction(() => {
        this.stmt.block.run(first.seq, last.seq, first.session, first.wall_ms, last.wall_ms, rows.length, CODEC_BROTLI_CHAIN, packed.rawBytes, packed.crc, packed.data, first.base);
        this.stmt.dropChain.run(chainId);
        this.writeRollups(rollups);
      })();
    } catch (err) {
      this.writeFailed(err, this.clockMs());
      return false;
    }
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // a busy checkpoint is retried after the next block
    }
    // A block is when the file grows most (the block, its WAL frames): the cap is checked at once, not
    // only at the next 10 s check.
    try {
      if (this.checkCap(this.clockMs()) > 0) this.db.exec('PRAGMA incremental_vacuum(512)');
    } catch (err) {
      this.report('write-error', this.clockMs(), `store ${this.file}: pruning failed: ${errorText(err)}`);
    }
    return true;
  }

  /** Inside a transaction: minute rows, hour rows (when the minutes merged in memory are all the hour's
   *  stored minute rows; else the hour is recomputed from them), then hours left to recompute. */
  private writeRollups(rollups: PackedRollup[]): void {
    let latest = -Infinity;
    for (const { row, packed } of rollups) {
      if (row.tier === 'hour') {
        const stored = this.stmt.countMinutes.get(TIER_CODE.minute, row.startMs, row.endMs) as { n: number };
        if (stored.n !== this.hourMinutes.get(row)) {
          this.dirtyHours.add(row.startMs);
          continue;
        }
        this.stmt.dropRollups.run(TIER_CODE.hour, row.startMs, row.endMs);
        this.dirtyHours.delete(row.startMs);
      } else {
        latest = Math.max(latest, row.startMs);
      }
      this.stmt.rollup.run(TIER_CODE[row.tier], row.startMs, row.samples, CODEC_BROTLI_CHAIN, packed.rawBytes, packed.crc, packed.data);
    }
    if (latest > -Infinity) this.sealHours(periodStart('hour', latest));
  }

  private writeRollup(r: RollupRow): void {
    const p = packSync(encodeRollup(r), this.quality);
    this.stmt.rollup.run(TIER_CODE[r.tier], r.startMs, r.samples, CODEC_BROTLI_CHAIN, p.rawBytes, p.crc, p.data);
  }

  /** Recomputes, from their stored minute rows, the hour rows of dirty hours before `currentHour`. */
  private sealHours(currentHour: number): void {
    for (const h of [...this.dirtyHours].sort((a, b) => a - b)) {
      if (h >= currentHour) continue;
      const minutes = (this.stmt.rollupsIn.all(TIER_CODE.minute, h, h + HOUR_MS) as { raw_bytes: number; crc: number; data: Buffer }[]).map((r) =>
        decodeRollup(unpack({ data: r.data, rawBytes: r.raw_bytes, crc: r.crc })),
      );
      this.stmt.dropRollups.run(TIER_CODE.hour, h, h + HOUR_MS);
      if (minutes.length) this.writeRollup(mergeRows('hour', h, minutes));
      this.dirtyHours.delete(h);
    }
  }

  // ------------------------------------------------------------------------------------------ failures

  /** The samples' wall clock (events, retries), or the system's before the first sample. */
  private clockMs(): number {
    return this.lastWall ?? this.now();
  }

  private report(kind: StoreEvent['kind'], wallMs: number, message: string): void {
    const last = this.lastEventMs.get(kind);
    if (last !== undefined && wallMs - last < EVENT_EVERY_MS && wallMs >= last) return;
    this.lastEventMs.set(kind, wallMs);
    this.onEvent({ kind, wallMs, message });
  }

  private isDiskFull(err: unknown): boolean {
    if (sqliteCode(err) === 'SQLITE_FULL') return true;
    try {
      const s = statfsSync(this.file.replace(/\/[^/]*$/, '') || '/');
      return s.bavail * s.bsize < 64 * 1024;
    } catch {
      return false;
    }
  }

  private writeFailed(err: unknown, wallMs: number): void {
    this.lost++;
    if (this.db.inTransaction) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // rolled back already
      }
    }
    const full = this.isDiskFull(err);
    if (!this.failing) {
      this.failingSinceMs = wallMs;
      this.lostSinceFailing = 0;
    }
    this.lostSinceFailing++;
    this.okSinceFailing = 0;
    this.failing = full ? 'disk full' : errorText(err);
    const since = new Date(this.failingSinceMs).toISOString();
    if (full) this.report('disk-full', wallMs, `store ${this.file}: disk full, recording paused since ${since} (${this.lostSinceFailing} ticks lost); it resumes when space is freed`);
    else this.report('write-error', wallMs, `store ${this.file}: cannot write (${errorText(err)}) since ${since} (${this.lostSinceFailing} ticks lost)`);
  }

  /**
   * Stores one row in the `event` table (an alert transition...). Never throws: false when the store is
   * closed or the row could not be written (the row is a courtesy, like a gap's).
   */
  recordEvent(kind: StoredEventKind, wallMs: number, message: string): boolean {
    if (this.closed || !Number.isFinite(wallMs)) return false;
    try {
      this.stmt.event.run(Math.round(wallMs), kind, message);
      return true;
    } catch {
      return false;
    }
  }

  private resumed(wallMs: number): void {
    const message = `store ${this.file}: recording resumed after ${this.failing} from ${new Date(this.failingSinceMs).toISOString()} (${this.lostSinceFailing} ticks lost)`;
    this.failing = null;
    // a new episode is announced at once
    this.lastEventMs.delete('disk-full');
    this.lastEventMs.delete('write-error');
    try {
      this.stmt.event.run(wallMs, 'gap', message);
    } catch {
      // the event row is a courtesy
    }
    this.onEvent({ kind: 'resumed', wallMs, message });
    if (this.toPack.length) this.packLater();
  }

  // ------------------------------------------------------------------------------------------ pruning

  /** Store size on disk: the database and its -wal and -shm files. */
  sizeBytes(): number {
    return walLike(this.file);
  }

  /** One bounded step of retention and size-cap pruning (at most a few blocks and MiB per tick). */
  private maintain(wallMs: number): void {
    try {
      let deleted = 0;
      if (this.behindRetention || wallMs - this.lastRetentionMs >= MINUTE_MS || wallMs < this.lastRetentionMs) {
        this.lastRetentionMs = wallMs;
        const n = this.pruneBefore(wallMs - this.retainMs);
        // A full batch: more is due (retention shortened, a long stop), so go on at the next tick.
        this.behindRetention = n >= 16;
        deleted += n;
      }
      if (this.overCap || wallMs - this.lastCapCheckMs >= 10_000 || wallMs < this.lastCapCheckMs) deleted += this.checkCap(wallMs);
      if (deleted > 0 || this.overCap) this.db.exec('PRAGMA incremental_vacuum(512)');
    } catch (err) {
      if (sqliteCode(err) === 'SQLITE_FULL' || sqliteCode(err)?.startsWith('SQLITE_IOERR')) this.writeFailed(err, wallMs);
      else this.report('write-error', wallMs, `store ${this.file}: pruning failed: ${errorText(err)}`);
    }
  }

  /** Compares the size with the cap; above it, one bounded step of pruning (the oldest blocks). */
  private checkCap(wallMs: number): number {
    this.lastCapCheckMs = wallMs;
    const size = this.sizeBytes();
    this.overCap = size > this.maxBytes;
    const deleted = this.overCap ? this.pruneOldest() : 0;
    // Stop a little below the cap so that the file does not sit on it and prune every tick.
    if (size <= this.maxBytes * 0.9) this.overCap = false;
    return deleted;
  }

  private pruneBefore(cutoffMs: number): number {
    const db = this.db;
    let n = 0;
    db.transaction(() => {
      n += db.prepare('DELETE FROM block WHERE first_seq IN (SELECT first_seq FROM block WHERE last_ms < ? ORDER BY first_seq LIMIT 16)').run(cutoffMs).changes;
      n += db.prepare('DELETE FROM rollup WHERE id IN (SELECT id FROM rollup WHERE start_ms + (CASE tier WHEN 2 THEN 3600000 ELSE 60000 END) <= ? ORDER BY start_ms LIMIT 256)').run(cutoffMs).changes;
      n += db.prepare('DELETE FROM event WHERE id IN (SELECT id FROM event WHERE wall_ms < ? ORDER BY id LIMIT 256)').run(cutoffMs).changes;
      n += this.pruneMeta();
      n += this.pruneBases();
      db.prepare('DELETE FROM session WHERE ended_ms IS NOT NULL AND ended_ms < ? AND id < ?').run(cutoffMs, this.session);
    })();
    return n;
  }

  /** Metadata versions that no stored sample can refer to any more (superseded before the oldest sample). */
  private pruneMeta(): number {
    const oldest = this.db.prepare('SELECT MIN(m) AS m FROM (SELECT MIN(first_ms) AS m FROM block UNION ALL SELECT MIN(wall_ms) FROM tick)').get() as { m: number | null };
    if (oldest.m === null) return 0;
    return this.db
      .prepare(
        `DELETE FROM container_meta WHERE ref IN (
           SELECT a.ref FROM container_meta a WHERE EXISTS (
             SELECT 1 FROM container_meta b WHERE b.id = a.id AND b.ref > a.ref AND b.from_ms <= ?)
           LIMIT 256)`,
      )
      .run(oldest.m).changes;
  }

  /** Base rows older than every base a stored chain continues (bases and chains both go oldest first). */
  private pruneBases(): number {
    const keep = this.base?.id ?? Number.MAX_SAFE_INTEGER;
    return this.db
      .prepare('DELETE FROM base WHERE id < ? AND id < COALESCE((SELECT MIN(base) FROM block), ?) AND id < COALESCE((SELECT MIN(base) FROM tick), ?)')
      .run(keep, keep, keep).changes;
  }

  /** Over the size cap: the oldest blocks go first; roll-ups only when no block is left. */
  private pruneOldest(): number {
    const db = this.db;
    let n = db.prepare('DELETE FROM block WHERE first_seq IN (SELECT first_seq FROM block ORDER BY first_seq LIMIT 8)').run().changes;
    if (n === 0) n += db.prepare('DELETE FROM rollup WHERE id IN (SELECT id FROM rollup ORDER BY start_ms LIMIT 64)').run().changes;
    if (n > 0) n += this.pruneMeta() + this.pruneBases();
    return n;
  }

  // ------------------------------------------------------------------------------------------ recovery

  private metaLookup(): (ref: number) => ContainerMeta {
    const cache = new Map<number, ContainerMeta>();
    return (ref) => {
      let m = cache.get(ref);
      if (!m) {
        const row = this.stmt.metaRow.get(ref) as { data: Buffer } | undefined;
        if (!row) throw new CodecError(`container metadata ${ref} missing`);
        m = new ChainDecoder().decode(row.data) as ContainerMeta;
        cache.set(ref, m);
      }
      return m;
    };
  }

  /**
   * After a crash. (1) The ticks of unfinished minutes are still rows: each leftover chain is packed into a
   * block. (2) A minute's roll-up row is written with the block after its own, so a crash in between leaves
   * a minute stored without (all of) its row: every minute within the retention whose stored samples do not
   * match its rows' sample counts gets its row recomputed from every sample stored in it, so a minute
   * written partly before the crash is counted once. (3) Hours whose minute rows changed are recomputed.
   */
  private recover(): void {
    const chains = this.db.prepare('SELECT chain FROM tick GROUP BY chain ORDER BY chain').all() as { chain: number }[];
    let ticks = 0;
    for (const c of chains) {
      const rows = this.stmt.chainRows.all(c.chain) as TickRow[];
      const packed = packSync(joinFrames(rows.map((r) => r.data)), this.quality);
      const first = rows[0]!;
      const last = rows[rows.length - 1]!;
      this.db.transaction(() => {
        this.stmt.block.run(first.seq, last.seq, first.session, first.wall_ms, last.wall_ms, rows.length, CODEC_BROTLI_CHAIN, packed.rawBytes, packed.crc, packed.data, first.base);
        this.stmt.dropChain.run(c.chain);
      })();
      ticks += rows.length;
    }
    // Within the retention, counted back from the newest sample (the samples' clock, as pruning does).
    const newestMs = (this.db.prepare('SELECT MAX(last_ms) AS t FROM block').get() as { t: number | null }).t ?? 0;
    const cutoff = newestMs - this.retainMs;
    const minutes = (
      this.db
        .prepare(
          `SELECT m FROM (SELECT (first_ms / ${MINUTE_MS}) * ${MINUTE_MS} AS m, SUM(count) AS n FROM block WHERE first_ms >= ? GROUP BY m)
           WHERE n != COALESCE((SELECT SUM(samples) FROM rollup WHERE tier = ${TIER_CODE.minute} AND start_ms = m), 0) ORDER BY m`,
        )
        .all(cutoff) as { m: number }[]
    ).map((r) => r.m);
    for (const m of minutes) this.recomputeMinute(m);
    this.markUnsealedHours();
    if (minutes.length === 0 && ticks === 0) return;
    const newest = minutes.length ? minutes[minutes.length - 1]! : -Infinity;
    this.db.transaction(() => this.sealHours(periodStart('hour', Math.max(newest + MINUTE_MS, this.now()))))();
    this.onEvent({
      kind: 'recovered',
      wallMs: this.now(),
      message: `store ${this.file}: recovered ${ticks} ticks and the roll-ups of ${minutes.length} minute(s) after an unclean stop`,
    });
  }

  /** Replays the minutes around m as append() saw them (the minute before gives rates and takes the
   *  intervals that ended in it; the minute after brings the late intervals of m), and stores m's row. */
  private recomputeMinute(m: number): void {
    const lookup = this.metaLookup();
    const acc = new MinuteRollups(this.figuresOf);
    let prev: SampleSet | null = null;
    let prevSession = -1;
    const rows: RollupRow[] = [];
    const blocks = this.stmt.blocksIn.all(m + 2 * MINUTE_MS, m - MINUTE_MS) as { session: number; raw_bytes: number; crc: number; data: Buffer; base: number | null }[];
    for (const b of blocks) {
      const dec = new ChainDecoder();
      if (b.base !== null) {
        const row = this.stmt.baseRow.get(b.base) as { raw_bytes: number; crc: number; data: Buffer } | undefined;
        if (!row) throw new CodecError(`base ${b.base} missing`);
        dec.decode(unpack({ data: row.data, rawBytes: row.raw_bytes, crc: row.crc }));
      }
      if (b.session !== prevSession) prev = null;
      prevSession = b.session;
      for (const f of splitFrames(unpack({ data: b.data, rawBytes: b.raw_bytes, crc: b.crc }))) {
        const set = joinMeta(dec.decode(f), lookup);
        if (set.wallMs >= m - MINUTE_MS && set.wallMs < m + 2 * MINUTE_MS) {
          acc.add(prev, set);
          rows.push(...acc.closeBefore(periodStart('minute', set.wallMs)));
        }
        prev = set;
      }
    }
    rows.push(...acc.closeAll());
    const mine = rows.filter((r) => r.startMs === m);
    this.db.transaction(() => {
      this.stmt.dropRollups.run(TIER_CODE.minute, m, m + MINUTE_MS);
      for (const r of mine) this.writeRollup(r);
      this.dirtyHours.add(periodStart('hour', m));
    })();
  }

  /** Hours with minute rows but no hour row (the writer stopped before the hour ended). */
  private markUnsealedHours(): void {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT (start_ms / ${HOUR_MS}) * ${HOUR_MS} AS h FROM rollup WHERE tier = ${TIER_CODE.minute}
         AND (start_ms / ${HOUR_MS}) * ${HOUR_MS} NOT IN (SELECT start_ms FROM rollup WHERE tier = ${TIER_CODE.hour})`,
      )
      .all() as { h: number }[];
    for (const r of rows) this.dirtyHours.add(r.h);
  }

  // ------------------------------------------------------------------------------------------ closing

  status(): WriterStatus {
    return { file: this.file, session: this.session, recorded: this.recorded, lost: this.lost, failing: this.failing, bytes: this.sizeBytes() };
  }

  /** Waits until every closed minute is packed (tests, and before close). */
  async idle(): Promise<void> {
    while (this.packing) await this.packing;
  }

  /**
   * Packs what is open, writes the current minute's roll-up, ends the session and releases the lock. The
   * file is left in rollback-journal mode so that readers without write access to the directory can open
   * it (a WAL file needs its -shm, which only a writer of the directory can create).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.idle();
    this.closeSync();
  }

  /** close() without waiting (signal handlers): compresses the open minute on this thread. */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    const c = this.chain;
    this.chain = null;
    if (c && c.frames > 0) this.toPack.push(c.id);
    for (const row of this.rollups.closeAll()) this.queueRollup(row);
    const packRollups = (): PackedRollup[] => this.pendingRollups.splice(0).map((row) => ({ row, packed: packSync(encodeRollup(row), this.quality) }));
    try {
      for (const id of [...this.toPack]) {
        const rows = this.stmt.chainRows.all(id) as TickRow[];
        if (rows.length && !this.commitBlock(id, rows, packSync(joinFrames(rows.map((r) => r.data)), this.quality), packRollups())) break;
        this.toPack.shift();
      }
      if (this.pendingRollups.length) {
        const rollups = packRollups();
        this.db.transaction(() => this.writeRollups(rollups))();
      }
      this.db.prepare('UPDATE session SET ended_ms = ? WHERE id = ?').run(this.clockMs(), this.session);
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.pragma('journal_mode = DELETE');
    } catch (err) {
      // Left for recovery at the next open (disk full, a reader holding the WAL).
      this.report('write-error', this.clockMs(), `store ${this.file}: not closed cleanly (${errorText(err)}); the next writer recovers it`);
    } finally {
      this.db.close();
      this.lock.release();
    }
  }
}

