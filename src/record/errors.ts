// One-line errors about a store, each naming the file: what is wrong and, for permissions, exactly which
// access to which path is missing (the directory, the database, its -wal and -shm files).
import { accessSync, constants, openSync, readSync, closeSync, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

export type StoreErrorKind =
  | 'missing'
  | 'permission'
  | 'corrupt'
  | 'not-a-store'
  | 'schema-old'
  | 'schema-new'
  | 'locked'
  | 'other-host'
  | 'disk-full'
  | 'io'
  | 'usage';

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** The SQLite result code of an error from better-sqlite3 ("SQLITE_FULL", ...), or null. */
export function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

export function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}

/** A store error from an SQLite error met while using `file`. */
export function fromSqlite(file: string, err: unknown, doing: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = sqliteCode(err) ?? '';
  const text = errorText(err);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError('corrupt', file, `store ${file} is corrupt or not a database (${text}) while ${doing}`);
  }
  if (code === 'SQLITE_FULL') return new StoreError('disk-full', file, `store ${file}: disk full while ${doing}`);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return new StoreError('locked', file, `store ${file} is busy (${text}) while ${doing}`);
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new StoreError('permission', file, `store ${file}: ${text} while ${doing}`);
  }
  return new StoreError('io', file, `store ${file}: ${text} while ${doing}`);
}

const names = new Map<string, Map<number, string>>();
function nameOf(table: '/etc/passwd' | '/etc/group', id: number): string {
  let m = names.get(table);
  if (!m) {
    m = new Map();
    try {
      for (const line of readFileSync(table, 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length > 2 && /^\d+$/.test(f[2]!)) m.set(Number(f[2]), f[0]!);
      }
    } catch {
      // ids only
    }
    names.set(table, m);
  }
  return m.get(id) ?? String(id);
}

function modeString(st: Stats): string {
  const bits = 'rwxrwxrwx';
  let s = st.isDirectory() ? 'd' : '-';
  for (let i = 0; i < 9; i++) s += st.mode & (1 << (8 - i)) ? bits[i] : '-';
  return `${s} ${nameOf('/etc/passwd', st.uid)}:${nameOf('/etc/group', st.gid)}`;
}

function who(): string {
  const uid = process.getuid?.();
  return uid === undefined ? 'this user' : `uid ${uid} (${nameOf('/etc/passwd', uid)})`;
}

function can(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

function exists(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** SQLite's file header says WAL mode (bytes 18 and 19 are 2). */
export function headerSaysWal(file: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const b = Buffer.alloc(20);
    return readSync(fd, b, 0, 20, 0) === 20 && b[18] === 2 && b[19] === 2;
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Why `file` cannot be opened for reading (or for writing), as one line naming the path and the missing
 * access, or null when the permissions look right. Readers need: search (x) on the directory, read on the
 * database, read on -wal and -shm when they exist; when the file is in WAL mode and no -shm exists, SQLite
 * must create one, which needs write access to the directory. Writers need read and write on all of them.
 */
export function permissionProblem(file: string, write: boolean): string | null {
  const dir = dirname(file);
  const dst = exists(dir);
  if (!dst) return null; // reported as missing elsewhere
  const want = write ? constants.W_OK | constants.X_OK : constants.X_OK;
  if (!can(dir, want)) {
    const need = write ? 'write and search (wx)' : 'search (x)';
    return `store ${file}: permission denied: ${who()} lacks ${need} access to the directory ${dir} (${modeString(dst)})`;
  }
  const fileMode = write ? constants.R_OK | constants.W_OK : constants.R_OK;
  const fst = exists(file);
  if (fst && !can(file, fileMode)) {
    return `store ${file}: permission denied: ${who()} cannot ${write ? 'read and write' : 'read'} ${file} (${modeString(fst)})`;
  }
  for (const suffix of ['-wal', '-shm']) {
    const p = file + suffix;
    const st = exists(p);
    if (st && !can(p, fileMode)) {
      return `store ${file}: permission denied: ${who()} cannot ${write ? 'read and write' : 'read'} ${p} (${modeString(st)})`;
    }
  }
  if (!write && fst && headerSaysWal(file) && !exists(`${file}-shm`) && !can(dir, constants.W_OK)) {
    return (
      `store ${file}: permission denied: the store is in WAL mode with no ${file}-shm, which SQLite must create, and ` +
      `${who()} cannot write the directory ${dir} (${modeString(dst)}); a writer that exits cleanly leaves the store readable`
    );
  }
  return null;
}
