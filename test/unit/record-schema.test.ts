// Stores this version cannot simply read: an older schema (a v0 fixture in the prototype's layout) is
// refused by a reader with the version it needs and migrated by a writer; the previous schema (1, a store
// the previous writer made: test/fixtures/store-v1) is read as it is and migrated by a writer; a newer one is refused with the
// version it was written by (or read, when it says older readers can); a corrupt, truncated or damaged file,
// a database that is not a store, a missing store: each one line naming the file.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreReader } from '../../src/record/reader.js';
import { StoreWriter } from '../../src/record/writer.js';
import { SCHEMA_V0 } from '../../src/record/schema.js';
import { StoreError } from '../../src/record/errors.js';
import { sqlite } from '../../src/record/sqlite.js';
import { figuresOf, firstDifference, samples, tempDirs } from './record-helpers.js';

const tmp = tempDirs();
const ID = { hostname: 'testhost', machineId: 'm-1', bootId: 'b-1' };

function thrown(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('did not throw');
}

async function recorded(n: number): Promise<string> {
  const dir = tmp();
  const w = StoreWriter.open({ dir, tailtopVersion: '0.1.0', identity: ID });
  for (const s of samples(n, { seed: 1, startWallMs: Date.UTC(2026, 0, 1) })) w.append(s);
  await w.close();
  return dir;
}

describe('schema versions', () => {
  it('a schema 0 store: refused by a reader with the version it needs, migrated by a writer, then read whole', async () => {
    const dir = tmp();
    const file = join(dir, 'tailtop.db');
    const sets = samples(150, { seed: 3, containers: 3, processes: 8, startWallMs: Date.UTC(2025, 11, 31, 23, 58, 30) });
    const db = new Database(file);
    db.exec(SCHEMA_V0);
    const put = db.prepare('INSERT INTO meta VALUES (?, ?)');
    put.run('schema_version', '0');
    put.run('tailtop_version', '0.0.9');
    put.run('hostname', 'testhost');
    put.run('machine_id', 'm-1');
    const ins = db.prepare('INSERT INTO sample VALUES (?, ?)');
    for (const s of sets) ins.run(s.wallMs, JSON.stringify(s));
    db.close();

    const e = thrown(() => StoreReader.open(dir, { tailtopVersion: '0.1.0' }));
    expect(e.kind).toBe('schema-old');
    expect(e.message).toBe(`store ${file} has schema 0 (written by tailtop 0.0.9); tailtop 0.1.0 reads schema 2: run \`tailtop agent --store ${dir}\` once to migrate it`);

    const w = StoreWriter.open({ dir, tailtopVersion: '0.1.0', identity: ID, figuresOf });
    await w.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE name IN ('sample', 'meta_v0')").all()).toEqual([]);
    check.close();
    const r = StoreReader.open(dir);
    expect(r.info.schemaVersion).toBe(2);
    const got = [...r.range(0, Infinity)];
    expect(got.length).toBe(150);
    for (let i = 0; i < 150; i++) expect(firstDifference(got[i]!.set, JSON.parse(JSON.stringify(sets[i])))).toBeNull();
    // its minutes were rolled up like any other (23:58:31 to 00:01:00), and its two hours, which are over
    expect(r.rollups('minute', 0, Infinity).map((m) => m.samples)).toEqual([29, 60, 60, 1]);
    expect(r.rollups('hour', 0, Infinity).map((h) => h.samples)).toEqual([89, 61]);
    r.close();
  });

  it('a schema 1 store made by the previous writer: read as it is, then migrated by a writer, its blocks kept', async () => {
    // The fixture was written by the schema 1 writer from these samples (and the figures below).
    const dir = tmp();
    const file = join(dir, 'tailtop.db');
    copyFileSync(new URL('../fixtures/store-v1/tailtop.db', import.meta.url), file);
    const opts = { seed: 3, containers: 3, processes: 8, startWallMs: Date.UTC(2025, 11, 31, 23, 58, 30) };
    const sets = samples(300, opts).map((s) => JSON.parse(JSON.stringify(s)) as typeof s);
    const readAll = (n: number): void => {
      const r = StoreReader.open(dir);
      const got = [...r.range(0, Infinity)];
      expect(got.length).toBe(n);
      for (let i = 0; i < n; i++) expect(firstDifference(got[i]!.set, sets[i])).toBeNull();
      expect(r.rollups('minute', 0, Infinity).map((m) => m.samples).slice(0, 3)).toEqual([29, 60, 60]);
      r.close();
    };
    const r1 = StoreReader.open(dir);
    expect(r1.info.schemaVersion).toBe(1);
    r1.close();
    readAll(150);
    expect(new Database(file, { readonly: true }).prepare('SELECT COUNT(*) AS n FROM sqlite_master WHERE name = ?').get('base')).toEqual({ n: 0 });

    // A writer migrates it to schema 2 (one transaction) and records on: the new minutes continue a base row.
    const w = StoreWriter.open({ dir, tailtopVersion: '0.2.0', identity: ID, figuresOf });
    for (const s of samples(300, opts).slice(150)) w.append(s);
    await w.close();
    const db = new Database(file, { readonly: true });
    const meta = Object.fromEntries((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((m) => [m.key, m.value]));
    expect(meta).toMatchObject({ schema_version: '2', read_compat: '2', migrated_from: '1', created_by: '0.1.0', tailtop_version: '0.2.0' });
    expect(db.prepare('SELECT COUNT(*) AS n FROM block WHERE base IS NULL').get()).toEqual({ n: 4 });
    expect((db.prepare('SELECT COUNT(*) AS n FROM block WHERE base IS NOT NULL').get() as { n: number }).n).toBeGreaterThan(0);
    expect(db.prepare('SELECT COUNT(*) AS n FROM base').get()).toEqual({ n: 1 });
    db.close();
    readAll(300);
  });

  it('a newer schema: read when it says older readers can, else refused with the version; never written', async () => {
    const dir = await recorded(5);
    const file = join(dir, 'tailtop.db');
    const db = new Database(file);
    db.prepare("UPDATE meta SET value = '3' WHERE key = 'schema_version'").run();
    db.prepare("UPDATE meta SET value = '0.3.0' WHERE key = 'tailtop_version'").run();
    db.close();
    const r = StoreReader.open(dir);
    expect([...r.range(0, Infinity)]).toHaveLength(5);
    r.close();
    const w = thrown(() => StoreWriter.open({ dir, tailtopVersion: '0.1.0', identity: ID }));
    expect(w.kind).toBe('schema-new');
    expect(w.message).toBe(`store ${file} has schema 3 (written by tailtop 0.3.0); tailtop 0.1.0 writes schema 2: upgrade tailtop or use another --store`);

    const db2 = new Database(file);
    db2.prepare("UPDATE meta SET value = '3' WHERE key = 'read_compat'").run();
    db2.close();
    const e = thrown(() => StoreReader.open(dir, { tailtopVersion: '0.1.0' }));
    expect(e.message).toBe(`store ${file} has schema 3 (written by tailtop 0.3.0) which needs a reader of schema 3; tailtop 0.1.0 reads schema 2: upgrade tailtop`);
  });
});

describe('bad files', () => {
  it('a file that is not SQLite: one line for the reader and the writer', () => {
    const dir = tmp();
    const file = join(dir, 'tailtop.db');
    writeFileSync(file, 'this is not a database '.repeat(300));
    const e = thrown(() => StoreReader.open(dir));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toBe(`store ${file} is corrupt or not a database (file is not a database) while opening it`);
    expect(thrown(() => StoreWriter.open({ dir, tailtopVersion: '0.1.0', identity: ID })).message).toBe(e.message);
  });

  it('an SQLite database that is not a store', () => {
    const dir = tmp();
    const db = new Database(join(dir, 'tailtop.db'));
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(thrown(() => StoreReader.open(dir)).message).toBe(`store ${join(dir, 'tailtop.db')} is an SQLite database but not a tailtop store (no meta table)`);
    expect(thrown(() => StoreWriter.open({ dir, tailtopVersion: '0.1.0', identity: ID })).kind).toBe('not-a-store');
  });

  it('a truncated file: one line naming it when it is read', async () => {
    const dir = await recorded(600);
    const file = join(dir, 'tailtop.db');
    const size = readFileSync(file).length;
    truncateSync(file, Math.floor(size / 2));
    const e = thrown(() => {
      const r = StoreReader.open(dir);
      for (const _ of r.range(0, Infinity)) {
        // read it all
      }
    });
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(new RegExp(`^store ${file} is (corrupt or not a database|damaged)`));
  });

  it('a damaged block: one line naming the file; the other minutes still read', async () => {
    const dir = await recorded(200);
    const file = join(dir, 'tailtop.db');
    const db = new Database(file);
    const row = db.prepare('SELECT first_seq, first_ms, data FROM block ORDER BY first_seq LIMIT 1 OFFSET 1').get() as { first_seq: number; first_ms: number; data: Buffer };
    const data = Buffer.from(row.data);
    data[Math.floor(data.length / 2)]! ^= 0xff;
    db.prepare('UPDATE block SET data = ? WHERE first_seq = ?').run(data, row.first_seq);
    db.close();
    const r = StoreReader.open(dir);
    const e = thrown(() => r.at(row.first_ms + 1000));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(new RegExp(`^store ${file} is damaged: (compressed data damaged|checksum mismatch|expected \\d+ bytes).* while seeking$`));
    expect(r.at(row.first_ms - 1000)).not.toBeNull();
    expect(r.at(Infinity)!.seq).toBe(200);
    r.close();
  });

  it('without the native module (an optional dependency that may not have built): one line saying what to do', () => {
    expect(() => sqlite('better-sqlite3-absent')).toThrow(
      /^recording needs the better-sqlite3-absent module, which is not installed or not built \(Cannot find module 'better-sqlite3-absent'.*\): install python3, make and g\+\+, then run `npm rebuild better-sqlite3-absent` where tailtop is installed$/,
    );
    expect(typeof sqlite()).toBe('function');
  });

  it('no store: the directory or the file is missing', () => {
    const dir = tmp();
    expect(thrown(() => StoreReader.open(join(dir, 'nope'))).message).toBe(`store ${join(dir, 'nope', 'tailtop.db')}: no such directory ${join(dir, 'nope')}`);
    mkdirSync(join(dir, 'empty'));
    expect(thrown(() => StoreReader.open(join(dir, 'empty'))).message).toBe(`store ${join(dir, 'empty', 'tailtop.db')}: no such file (nothing recorded there yet)`);
  });
});
