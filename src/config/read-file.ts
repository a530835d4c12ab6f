// Reading a small text file named by the user (config, theme) without trusting it: the path must be a
// regular file (not /dev/zero, a FIFO or a directory: opened non-blocking so a FIFO cannot hang the open),
// at most `maxBytes` long (also when the size the kernel reports is wrong, as for /proc files), UTF-8 text
// without NUL bytes. Every refusal is one line naming the file.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { quote } from '../errors.js';

export type ReadProblem = 'missing' | 'unreadable' | 'not-regular' | 'too-large' | 'binary';

export class FileProblem extends Error {
  constructor(
    readonly problem: ReadProblem,
    message: string,
  ) {
    super(message);
  }
}

/** A path for a message: as it is when plain, else quoted with its odd characters shown. */
export function showPath(path: string): string {
  return /^[\w./~+,:@%-]+$/.test(path) ? path : quote(path, 200);
}

const KIB = 1024;
function size(n: number): string {
  return n >= KIB * KIB ? `${(n / KIB / KIB).toFixed(n % (KIB * KIB) ? 1 : 0)} MiB` : n >= KIB ? `${Math.round(n / KIB)} KiB` : `${n} bytes`;
}

/** The file's text; throws FileProblem with a one-line message "<path>: <what is wrong>". */
export function readSmallTextFile(path: string, maxBytes: number, what = 'file'): string {
  const shown = showPath(path);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileProblem('missing', `${shown}: no such ${what}`);
    if (code === 'EACCES' || code === 'EPERM') throw new FileProblem('unreadable', `${shown}: permission denied`);
    if (code === 'ENOTDIR') throw new FileProblem('missing', `${shown}: no such ${what} (a part of the path is not a directory)`);
    if (code === 'ELOOP') throw new FileProblem('unreadable', `${shown}: too many symbolic links`);
    throw new FileProblem('unreadable', `${shown}: cannot open (${code ?? 'error'})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'a directory' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isFIFO() ? 'a pipe' : st.isSocket() ? 'a socket' : 'not a regular file';
      throw new FileProblem('not-regular', `${shown}: is ${kind}, not a regular ${what}`);
    }
    if (st.size > maxBytes) throw new FileProblem('too-large', `${shown}: too large (${size(st.size)}; a ${what} may have at most ${size(maxBytes)})`);
    // Read at most maxBytes + 1: a file whose reported size is wrong is still bounded.
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (;;) {
      let got: number;
      try {
        got = readSync(fd, buf, n, buf.length - n, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new FileProblem('unreadable', `${shown}: read error (${code ?? 'error'})`);
      }
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw new FileProblem('too-large', `${shown}: too large (a ${what} may have at most ${size(maxBytes)})`);
    }
    const bytes = buf.subarray(0, n);
    if (bytes.includes(0)) throw new FileProblem('binary', `${shown}: not a text file (it holds NUL bytes)`);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\ufeff/, '');
    } catch {
      throw new FileProblem('binary', `${shown}: not UTF-8 text`);
    }
  } finally {
    closeSync(fd);
  }
}
