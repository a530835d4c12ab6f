// better-sqlite3 is an optional dependency: a native module that npm builds from source (python3, make, g++)
// where its prebuilt binary cannot be downloaded. Without it tailtop runs as before; only opening a store
// fails, with one line that says how to get it.
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { StoreError, errorText } from './errors.js';

export type SqliteModule = typeof Database;

let loaded: SqliteModule | null = null;

/** The better-sqlite3 constructor, loaded on first use (a StoreError naming what to install when absent). */
export function sqlite(module = 'better-sqlite3'): SqliteModule {
  if (loaded && module === 'better-sqlite3') return loaded;
  let m: SqliteModule;
  try {
    m = createRequire(import.meta.url)(module) as SqliteModule;
  } catch (err) {
    throw new StoreError(
      'missing',
      module,
      `recording needs the ${module} module, which is not installed or not built (${errorText(err)}): install python3, make and g++, then run \`npm rebuild ${module}\` where tailtop is installed`,
    );
  }
  if (module === 'better-sqlite3') loaded = m;
  return m;
}
