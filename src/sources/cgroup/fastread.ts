// Cheap reads of small kernel files (cgroup, /proc). The poll loop reads thousands of tiny files a second,
// so this avoids the thread-pool round trips of fs.promises (several per file) and reuses one buffer:
//  - readSmall(path): open + pread + close, synchronous.
//  - FdCache: keeps a file open and re-reads it with pread at offset 0, as text or as bytes (to compare with
//    the last read's before making a string of them). kernfs and /proc seq files
//    regenerate their text on a read from offset 0, so a cached descriptor always gives fresh values. A
//    descriptor of a removed cgroup fails with ENODEV, one of an exited /proc/<pid> with ESRCH: a cached
//    descriptor never silently reads another object after the path is reused.
// Errors are the ordinary Node errors (err.code ENOENT, ESRCH, ENODEV, ...): callers decide what they mean.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

let buf = Buffer.allocUnsafe(64 * 1024);

/** Reads the whole file into the shared buffer; returns its length. */
function readAll(fd: number): number {
  let n = readSync(fd, buf, 0, buf.length, 0);
  if (n < buf.length) return n;
  // Rare: larger than the buffer. Grow and keep reading until EOF.
  for (;;) {
    const bigger = Buffer.allocUnsafe(buf.length * 2);
    buf.copy(bigger, 0, 0, n);
    buf = bigger;
    const m = readSync(fd, buf, n, buf.length - n, n);
    n += m;
    if (m === 0 || n < buf.length) return n;
  }
}

/** open + read into the shared buffer + close; the file's length. */
function readFileInto(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return readAll(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole small file synchronously. Throws the fs error (with `.code`). */
export function readSmall(path: string, encoding: BufferEncoding = 'latin1'): string {
  return buf.toString(encoding, 0, readFileInto(path));
}

/** The errno code of an error, or ''. */
export function errCode(e: unknown): string {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : '';
}

/** An error as the text a source line shows: its code (ENOENT, EACCES) or else its message's first line. */
export function errText(e: unknown): string {
  return errCode(e) || String(e instanceof Error ? e.message : e).split('\n')[0]!;
}

/** Errors meaning "the object is gone" (process exited, cgroup removed). */
export function isGone(e: unknown): boolean {
  const c = errCode(e);
  return c === 'ENOENT' || c === 'ESRCH' || c === 'ENODEV' || c === 'ENOTDIR';
}

/** Soft RLIMIT_NOFILE of this process, from /proc/self/limits; 1024 when unknown. */
export function openFileLimit(root = ''): number {
  try {
    const text = readFileSync(`${root}/proc/self/limits`, 'latin1');
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
    if (!m) return 1024;
    return m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
  } catch {
    return 1024;
  }
}

/**
 * Open descriptors kept between polls, within a budget (by default half the open-file limit, at most
 * 65536). Beyond the budget files are read with open/read/close: slower, never wrong.
 */
export class FdCache {
  private readonly fds = new Map<string, number>();

  constructor(readonly budget: number = Math.min(65536, Math.floor(openFileLimit() / 2))) {}

  get size(): number {
    return this.fds.size;
  }

  /** Reads `path`, through a cached descriptor when the budget allows. Throws the fs error. */
  read(path: string, encoding: BufferEncoding = 'latin1'): string {
    const n = this.readInto(path);
    return buf.toString(encoding, 0, n);
  }

  /**
   * The file's bytes, as read(): a view of a buffer shared by every read, valid until the next read of any
   * file (copy what must be kept).
   */
  readBytes(path: string): Buffer {
    const n = this.readInto(path);
    return buf.subarray(0, n);
  }

  /** Reads `path` into the shared buffer; its length. */
  private readInto(path: string): number {
    const cached = this.fds.get(path);
    if (cached !== undefined) {
      try {
        return readAll(cached);
      } catch {
        // The object behind the descriptor is gone (ESRCH, ENODEV). The path may name a new one now
        // (a reused pid): close, then open afresh below; a vanished path throws from openSync.
        this.close(path);
      }
    }
    if (this.fds.size >= this.budget) return readFileInto(path);
    const fd = openSync(path, 'r');
    try {
      const n = readAll(fd);
      this.fds.set(path, fd);
      return n;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  close(path: string): void {
    const fd = this.fds.get(path);
    if (fd === undefined) return;
    this.fds.delete(path);
    try {
      closeSync(fd);
    } catch {
      // already closed: nothing to do
    }
  }

  closeAll(): void {
    for (const p of [...this.fds.keys()]) this.close(p);
  }
}
