// One writer per store. The lock is a small SQLite file beside the store (`writer.lock`) that the writer
// opens with `locking_mode=EXCLUSIVE` and writes once: SQLite then holds a POSIX (fcntl) write lock on it
// until the connection closes. The kernel drops such locks when the process dies, however it dies (kill -9
// included), so a stale lock cannot outlive its writer; a second writer, in another process or the same
// one, gets SQLITE_BUSY at once and refuses. Readers never touch this file. (Node has no flock(); a pid
// file would need a liveness check that races with pid reuse.)
import { join } from 'node:path';
import { LOCK_FILE, type Db } from './schema.js';
import { StoreError, fromSqlite, permissionProblem, sqliteCode } from './errors.js';
import { sqlite } from './sqlite.js';

export class WriterLock {
  private constructor(
    private db: Db | null,
    readonly file: string,
  ) {}

  /** Takes the lock of the store in `dir`, or throws a StoreError ('locked' when another writer holds it). */
  static acquire(dir: string, describeHolder: () => string): WriterLock {
    const file = join(dir, LOCK_FILE);
    const problem = permissionProblem(file, true);
    if (problem) throw new StoreError('permission', file, problem);
    let db: Db;
    try {
      const Sqlite = sqlite();
      db = new Sqlite(file, { timeout: 0 });
    } catch (err) {
      throw fromSqlite(file, err, 'opening the writer lock');
    }
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = DELETE');
      db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since_ms INTEGER NOT NULL); DELETE FROM holder;');
      db.prepare('INSERT INTO holder VALUES (?, ?)').run(process.pid, Date.now());
      db.exec('COMMIT');
    } catch (err) {
      try {
        db.close();
      } catch {
        // already failing
      }
      const code = sqliteCode(err);
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new StoreError('locked', join(dir, 'tailtop.db'), `store ${join(dir, 'tailtop.db')} is being written by another tailtop (${describeHolder()}); one writer per store`);
      }
      throw fromSqlite(file, err, 'taking the writer lock');
    }
    return new WriterLock(db, file);
  }

  get held(): boolean {
    return this.db !== null;
  }

  release(): void {
    const db = this.db;
    this.db = null;
    db?.close();
  }
}
