// The store's schema (docs/store.md): versioned by `meta.schema_version`; `meta.read_compat` is the oldest
// schema a reader must understand to read the file (a newer writer that only adds tables keeps it, so older
// readers still read). A store of an older schema is migrated by the writer and refused by a reader with the
// version it needs; a newer one is refused by both with the version it was written by.
import type Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError, fromSqlite, permissionProblem } from './errors.js';
import { sqlite } from './sqlite.js';

export type Db = Database.Database;

export const STORE_FILE = 'tailtop.db';
export const LOCK_FILE = 'writer.lock';
export const SCHEMA_VERSION = 2;
/** Readers of schema >= READ_COMPAT can read what this version writes (schema 1 readers cannot decode a
 *  block that continues a base row). */
export const READ_COMPAT = 2;
/** The oldest schema this version reads as it is (schema 1 is schema 2 without base rows); older ones
 *  are migrated by a writer. */
export const OLDEST_READABLE = 1;

export function storeFile(dir: string): string {
  return join(dir, STORE_FILE);
}

/** Schema 1. Times are wall-clock ms since the epoch. */
export const SCHEMA_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE session (
  id INTEGER PRIMARY KEY,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER,
  pid INTEGER NOT NULL,
  boot_id TEXT,
  hostname TEXT NOT NULL,
  tailtop_version TEXT NOT NULL,
  interval_ms INTEGER
);
CREATE TABLE tick (
  seq INTEGER PRIMARY KEY,
  session INTEGER NOT NULL,
  chain INTEGER NOT NULL,
  wall_ms INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX tick_chain ON tick (chain, seq);
CREATE TABLE block (
  first_seq INTEGER PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  session INTEGER NOT NULL,
  first_ms INTEGER NOT NULL,
  last_ms INTEGER NOT NULL,
  count INTEGER NOT NULL,
  codec INTEGER NOT NULL,
  raw_bytes INTEGER NOT NULL,
  crc INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX block_time ON block (first_ms);
CREATE TABLE container_meta (
  ref INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  from_ms INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX container_meta_id ON container_meta (id, from_ms);
CREATE TABLE rollup (
  id INTEGER PRIMARY KEY,
  tier INTEGER NOT NULL,
  start_ms INTEGER NOT NULL,
  samples INTEGER NOT NULL,
  codec INTEGER NOT NULL,
  raw_bytes INTEGER NOT NULL,
  crc INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX rollup_time ON rollup (tier, start_ms);
CREATE TABLE event (
  id INTEGER PRIMARY KEY,
  wall_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX event_time ON event (wall_ms);
`;

/**
 * Schema 1 -> 2: base rows. A chain (a block, or the tick rows of the open minute) whose `base` is set
 * continues that base row's sample: its first frame is a difference from it, not a keyframe, so the
 * strings and values a minute shares with the base (command lines, container ids, field names, counters
 * that did not move) are stored once per base (an hour) instead of once per minute. NULL: a keyframe first.
 */
export const MIGRATE_V1_V2 = `
ALTER TABLE tick ADD COLUMN base INTEGER;
ALTER TABLE block ADD COLUMN base INTEGER;
CREATE INDEX block_base ON block (base);
CREATE TABLE base (
  id INTEGER PRIMARY KEY,
  session INTEGER NOT NULL,
  wall_ms INTEGER NOT NULL,
  codec INTEGER NOT NULL,
  raw_bytes INTEGER NOT NULL,
  crc INTEGER NOT NULL,
  data BLOB NOT NULL
);
`;

/** Schema 2 as a new store gets it: schema 1 and the migration to 2 (one layout either way). */
export const SCHEMA_V2 = SCHEMA_V1 + MIGRATE_V1_V2;

/** Schema 0: the recorder's first prototype (one JSON text per sample). Only migrated, never written. */
export const SCHEMA_V0 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sample (wall_ms INTEGER PRIMARY KEY, json TEXT NOT NULL);
`;

export interface HostIdentity {
  hostname: string;
  /** /etc/machine-id (null when absent). */
  machineId: string | null;
  /** /proc/sys/kernel/random/boot_id (null when absent). */
  bootId: string | null;
}

function firstLine(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim().split('\n')[0] || null;
  } catch {
    return null;
  }
}

export function readHostIdentity(root = '/'): HostIdentity {
  return {
    hostname: hostname(),
    machineId: firstLine(join(root, 'etc/machine-id')) ?? firstLine(join(root, 'var/lib/dbus/machine-id')),
    bootId: firstLine(join(root, 'proc/sys/kernel/random/boot_id')),
  };
}

export interface StoreInfo {
  file: string;
  schemaVersion: number;
  readCompat: number;
  createdMs: number | null;
  createdBy: string | null;
  /** tailtop version of the last writer. */
  writtenBy: string | null;
  hostname: string | null;
  machineId: string | null;
  bootId: string | null;
}

function tableNames(db: Db): Set<string> {
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

export function readMetaTable(db: Db): Map<string, string> {
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
  return new Map(rows.map((r) => [r.key, r.value]));
}

/** What the meta table says, or null for an empty database; a StoreError when it is not a tailtop store. */
export function readInfo(db: Db, file: string): StoreInfo | null {
  let tables: Set<string>;
  try {
    tables = tableNames(db);
  } catch (err) {
    throw fromSqlite(file, err, 'reading its schema');
  }
  if (tables.size === 0) return null;
  if (!tables.has('meta')) throw new StoreError('not-a-store', file, `store ${file} is an SQLite database but not a tailtop store (no meta table)`);
  const m = readMetaTable(db);
  const version = Number(m.get('schema_version'));
  if (!Number.isInteger(version) || version < 0) {
    throw new StoreError('not-a-store', file, `store ${file} is not a tailtop store (meta.schema_version is ${JSON.stringify(m.get('schema_version') ?? null)})`);
  }
  const num = (k: string): number | null => (m.has(k) && Number.isFinite(Number(m.get(k))) ? Number(m.get(k)) : null);
  return {
    file,
    schemaVersion: version,
    readCompat: num('read_compat') ?? version,
    createdMs: num('created_ms'),
    createdBy: m.get('created_by') ?? null,
    writtenBy: m.get('tailtop_version') ?? null,
    hostname: m.get('hostname') ?? null,
    machineId: m.get('machine_id') || null,
    bootId: m.get('boot_id') || null,
  };
}

const writer = (info: StoreInfo): string => (info.writtenBy ? `tailtop ${info.writtenBy}` : 'an unknown tailtop');

/** Refuses a store this version cannot read, naming the version it needs. */
export function checkReadable(info: StoreInfo, tailtopVersion: string): void {
  if (info.readCompat > SCHEMA_VERSION) {
    throw new StoreError(
      'schema-new',
      info.file,
      `store ${info.file} has schema ${info.schemaVersion} (written by ${writer(info)}) which needs a reader of schema ${info.readCompat}; tailtop ${tailtopVersion} reads schema ${SCHEMA_VERSION}: upgrade tailtop`,
    );
  }
  if (info.schemaVersion < OLDEST_READABLE) {
    throw new StoreError(
      'schema-old',
      info.file,
      `store ${info.file} has schema ${info.schemaVersion} (written by ${writer(info)}); tailtop ${tailtopVersion} reads schema ${SCHEMA_VERSION}: run \`tailtop agent --store ${info.file.replace(/\/[^/]*$/, '') || '.'}\` once to migrate it`,
    );
  }
}

/** Refuses a store this version cannot write (a newer schema). */
export function checkWritable(info: StoreInfo, tailtopVersion: string): void {
  if (info.schemaVersion > SCHEMA_VERSION) {
    throw new StoreError(
      'schema-new',
      info.file,
      `store ${info.file} has schema ${info.schemaVersion} (written by ${writer(info)}); tailtop ${tailtopVersion} writes schema ${SCHEMA_VERSION}: upgrade tailtop or use another --store`,
    );
  }
}

export interface OpenOptions {
  readonly: boolean;
  /** better-sqlite3 busy timeout, ms. */
  timeoutMs?: number;
}

/** Opens the database file with permission checks that say which access to which path is missing. */
export function openDatabase(file: string, opts: OpenOptions): Db {
  if (opts.readonly) {
    const dir = file.replace(/\/[^/]*$/, '') || '/';
    if (!existsSync(dir)) throw new StoreError('missing', file, `store ${file}: no such directory ${dir}`);
    if (!existsSync(file)) {
      const problem = permissionProblem(file, false);
      throw problem ? new StoreError('permission', file, problem) : new StoreError('missing', file, `store ${file}: no such file (nothing recorded there yet)`);
    }
    if (!statSync(file).isFile()) throw new StoreError('not-a-store', file, `store ${file} is not a regular file`);
  }
  const problem = permissionProblem(file, !opts.readonly);
  if (problem) throw new StoreError('permission', file, problem);
  let db: Db;
  try {
    const Sqlite = sqlite();
    db = new Sqlite(file, { readonly: opts.readonly, fileMustExist: opts.readonly, timeout: opts.timeoutMs ?? 5000 });
  } catch (err) {
    throw fromSqlite(file, err, 'opening it');
  }
  try {
    // Touches the file header: a file that is not SQLite fails here, not at the first query.
    db.pragma('schema_version', { simple: true });
  } catch (err) {
    db.close();
    throw fromSqlite(file, err, 'opening it');
  }
  return db;
}
