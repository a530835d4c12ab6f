// Migrations of older schemas, run by the writer (a reader never changes a file; it names the version it
// needs). Schema 0 (the recorder's first prototype: one JSON text per sample) -> schema 1: the samples are
// re-encoded as tick rows, one chain per minute, in one transaction (a failed migration leaves schema 0
// intact); the writer's recovery then packs them into blocks and computes their roll-ups like any minute
// left unfinished. Schema 1 -> 2 adds the base rows (schema.ts): the blocks already stored stay as they are
// (no base: a keyframe first), so it is a few statements in one transaction.
import { ChainEncoder, encodeOne } from './codec.js';
import { MetaTracker } from './container-meta.js';
import type { SampleSet } from '../model/sample-set.js';
import { StoreError, errorText } from './errors.js';
import { MIGRATE_V1_V2, READ_COMPAT, SCHEMA_V1, SCHEMA_VERSION, readMetaTable, type Db } from './schema.js';
import { MINUTE_MS } from './rollup.js';

export function migrateV0(db: Db, file: string, tailtopVersion: string): void {
  const meta = readMetaTable(db);
  const version = Number(meta.get('schema_version'));
  if (version !== 0) throw new StoreError('schema-old', file, `store ${file} has schema ${version}, which this tailtop cannot migrate`);
  try {
    db.transaction(() => {
      const old = db.prepare('SELECT wall_ms, json FROM sample ORDER BY wall_ms').all() as { wall_ms: number; json: string }[];
      db.exec('ALTER TABLE meta RENAME TO meta_v0');
      db.exec(SCHEMA_V1);
      const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
      for (const [k, v] of meta) if (k !== 'schema_version') put.run(k, v);
      if (!meta.has('created_by')) put.run('created_by', meta.get('tailtop_version') ?? '?');
      put.run('schema_version', '1');
      put.run('read_compat', '1');
      put.run('migrated_from', '0');
      put.run('tailtop_version', tailtopVersion);
      db.exec('DROP TABLE meta_v0');
      const session = Number(
        db
          .prepare("INSERT INTO session (started_ms, ended_ms, pid, boot_id, hostname, tailtop_version) VALUES (?, ?, 0, NULL, ?, ?)")
          .run(old[0]?.wall_ms ?? 0, old[old.length - 1]?.wall_ms ?? 0, meta.get('hostname') ?? '', `${meta.get('tailtop_version') ?? '?'} (schema 0)`).lastInsertRowid,
      );
      const tick = db.prepare('INSERT INTO tick (seq, session, chain, wall_ms, data) VALUES (?, ?, ?, ?, ?)');
      const metaRow = db.prepare('INSERT INTO container_meta (ref, id, from_ms, data) VALUES (?, ?, ?, ?)');
      const metas = new MetaTracker(1);
      let seq = 1;
      let i = 0;
      while (i < old.length) {
        const minute = Math.floor(old[i]!.wall_ms / MINUTE_MS);
        const enc = new ChainEncoder();
        const chain = seq;
        while (i < old.length && Math.floor(old[i]!.wall_ms / MINUTE_MS) === minute) {
          const set = JSON.parse(old[i]!.json) as SampleSet;
          const { stored, added } = metas.strip(set);
          for (const a of added) metaRow.run(a.ref, a.id, old[i]!.wall_ms, encodeOne(a.meta));
          metas.commit(added);
          tick.run(seq++, session, chain, old[i]!.wall_ms, enc.encode(stored));
          i++;
        }
      }
      db.exec('DROP TABLE sample');
    })();
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError('corrupt', file, `store ${file}: migrating schema 0 to 1 failed (${errorText(err)}); the file is unchanged`);
  }
  // Schema 0 files were made without incremental vacuum, which the size cap needs to shrink the file: one
  // VACUUM turns it on (it rewrites the file once; a failure leaves the migrated file as it is).
  try {
    if (db.pragma('auto_vacuum', { simple: true }) !== 2) {
      db.pragma('auto_vacuum = INCREMENTAL');
      db.exec('VACUUM');
    }
  } catch {
    // pages are still reused; the file just does not shrink
  }
}

/** Schema 1 -> 2 (base rows), in one transaction; a failed migration leaves schema 1 as it was. */
export function migrateV1(db: Db, file: string, tailtopVersion: string): void {
  const meta = readMetaTable(db);
  const version = Number(meta.get('schema_version'));
  if (version !== 1) throw new StoreError('schema-old', file, `store ${file} has schema ${version}, which this tailtop cannot migrate`);
  try {
    db.transaction(() => {
      db.exec(MIGRATE_V1_V2);
      const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
      put.run('schema_version', String(SCHEMA_VERSION));
      put.run('read_compat', String(READ_COMPAT));
      if (!meta.has('migrated_from')) put.run('migrated_from', '1');
      put.run('tailtop_version', tailtopVersion);
    })();
  } catch (err) {
    throw new StoreError('corrupt', file, `store ${file}: migrating schema 1 to ${SCHEMA_VERSION} failed (${errorText(err)}); the file is unchanged`);
  }
}
