// `tailtop agent` options: where the store is, how often to sample, how long and how much to keep. Every
// bad value is a UsageError naming the flag (exit 2).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError, quote } from '../errors.js';
import { DEFAULT_MAX_BYTES, DEFAULT_RETAIN_MS, MIN_MAX_BYTES } from '../record/writer.js';

/** The default store: /var/lib/tailtop as root, else $XDG_STATE_HOME/tailtop (~/.local/state/tailtop). */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? -1): string {
  if (uid === 0) return '/var/lib/tailtop';
  const state = env['XDG_STATE_HOME'];
  return join(state && state.startsWith('/') ? state : join(env['HOME'] || homedir(), '.local', 'state'), 'tailtop');
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "7d", "36h", "90m", "3600s", "2w" -> ms. */
export function parseRetain(text: string, flag = '--retain'): number {
  const m = /^([0-9]{1,9})(s|m|h|d|w)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : NaN;
  if (!(ms > 0)) throw new UsageError(`${flag} must be a whole number with a unit s, m, h, d or w (e.g. 7d, 36h), got ${quote(text)}`);
  return ms;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1024, kib: 1024, kb: 1e3, m: 1024 ** 2, mib: 1024 ** 2, mb: 1e6, g: 1024 ** 3, gib: 1024 ** 3, gb: 1e9, t: 1024 ** 4, tib: 1024 ** 4, tb: 1e12,
};

/** "2GiB", "500MB", "512M", "1073741824" -> bytes (K/M/G/T alone are powers of 1024). */
export function parseSize(text: string, flag = '--max-size'): number {
  const m = /^([0-9]{1,15}(?:\.[0-9]+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!(bytes >= MIN_MAX_BYTES)) {
    throw new UsageError(`${flag} must be a size of at least 1MiB (e.g. 2GiB, 500MB, 512M), got ${quote(text)}`);
  }
  return bytes;
}

export interface AgentSettings {
  storeDir: string;
  intervalMs: number;
  retainMs: number;
  maxBytes: number;
}

export const AGENT_DEFAULTS = { intervalMs: 1000, retainMs: DEFAULT_RETAIN_MS, maxBytes: DEFAULT_MAX_BYTES };

/** "7d" / "2 GiB" for messages. */
export function describeRetain(ms: number): string {
  for (const u of ['d', 'h', 'm', 's']) if (ms % DURATION_UNITS[u]! === 0) return `${ms / DURATION_UNITS[u]!}${u}`;
  return `${ms} ms`;
}

export function describeSize(bytes: number): string {
  for (const [u, n] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2]] as const) if (bytes % n === 0) return `${bytes / n} ${u}`;
  return `${bytes} bytes`;
}
