// Write a file so that a reader sees either the old file (or none) or the whole new one, never half of it:
// write a temporary file in the same directory (the same file system, so rename is atomic), fsync it,
// rename it over the target, fsync the directory. On any failure the temporary file is removed and the
// target is left as it was. A process killed mid-write can leave only a hidden `.NAME.*.tmp` file behind.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ReportError } from './errors.js';

export type Chunks = string | Uint8Array | Iterable<string | Uint8Array>;

/** Hidden temporary name beside `path`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const text = err?.code === 'ENOSPC' ? 'no space left on device' : err?.code === 'EACCES' ? 'permission denied' : err?.code === 'ENOENT' ? 'no such directory' : err?.code === 'EISDIR' ? 'it is a directory' : (String(err?.message ?? e).split('\n')[0] ?? '');
  return err?.code && !text.includes(err.code) ? `${text} (${err.code})` : text;
}

function writeAll(fd: number, chunk: string | Uint8Array): void {
  const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * Write `data` (a string, bytes, or chunks of either) to `path` atomically. Keeps the mode of a file it
 * replaces (0644 less the umask for a new one). Throws ReportError (kind `write`) naming the file.
 */
export function writeFileAtomic(path: string, data: Chunks): void {
  let mode = 0o644;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch {
    // A new file.
  }
  const tmp = tempPathFor(path);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', mode);
    if (typeof data === 'string' || data instanceof Uint8Array) writeAll(fd, data);
    else for (const chunk of data) writeAll(fd, chunk);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // Already failing: the first error is the one to report.
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already gone.
    }
    throw new ReportError('write', `cannot write ${path}: ${describe(e)}`);
  }
  // The rename is durable once the directory is: best effort (some file systems refuse fsync on a directory).
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Not fatal: the file is complete either way.
  }
}
