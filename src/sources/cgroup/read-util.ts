// How the v1/v2 readers get file text: an injected function (a cached-descriptor reader in production,
// anything in tests). It throws the fs error; readOptional turns "no such file" into null.
import { errCode, errText } from './fastread.js';

export type FileRead = (path: string) => string;

/** Thrown when an object vanished mid-read (removed cgroup, exited process). */
export class GoneError extends Error {
  constructor(readonly path: string, readonly code: string) {
    super(`${path}: ${code}`);
  }
}

/**
 * Text of an optional file, or null when it does not exist (controller not enabled, no PSI, ...).
 * ENODEV/ESRCH mean the cgroup or process itself is gone: rethrown as GoneError. Other errors are
 * reported and give null.
 */
export function readOptional(read: FileRead, path: string, errors: string[]): string | null {
  try {
    return read(path);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return null;
    if (code === 'ENODEV' || code === 'ESRCH') throw new GoneError(path, code);
    errors.push(`${path}: ${errText(e)}`);
    return null;
  }
}
