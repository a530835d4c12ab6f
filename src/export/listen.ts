// The listen flags of the agent and the TUI (`--listen ADDR:PORT`, `--auth-token-file`, `--tls-cert`,
// `--tls-key`), checked and read: apart from server.ts, so that a process that parses them without
// listening (the monitor without --listen) does not load the HTTP server.
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { stringFlag, type FlagValues } from '../config/flags.js';
import { UsageError } from '../errors.js';

export class ListenError extends Error {
  override name = 'ListenError';
}

export interface ListenAddress {
  host: string;
  port: number;
  loopback: boolean;
}

/** "127.0.0.1:9184", "[::1]:9184", "localhost:9184", ":9184" (all interfaces), "9184" (127.0.0.1). */
export function parseListen(text: string): ListenAddress {
  const s = text.trim();
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) [host, portText] = [v6[1]!, v6[2]!];
  else if (/^\d+$/.test(s)) [host, portText] = ['127.0.0.1', s];
  else {
    const i = s.lastIndexOf(':');
    if (i < 0) throw new ListenError(`--listen '${text}': expected ADDR:PORT, e.g. 127.0.0.1:9184`);
    [host, portText] = [s.slice(0, i), s.slice(i + 1)];
    if (host.includes(':')) throw new ListenError(`--listen '${text}': write an IPv6 address in brackets, e.g. [::1]:9184`);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) throw new ListenError(`--listen '${text}': port must be 0-65535`);
  if (host !== '' && host !== 'localhost' && isIP(host) === 0) throw new ListenError(`--listen '${text}': '${host}' is not an IP address (or localhost)`);
  return { host: host === '' ? '::' : host, port, loopback: isLoopback(host) };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return /^::ffff:127\./i.test(host);
}

export interface ListenConfig {
  address: ListenAddress;
  /** The bearer token every request must carry, or null. */
  token: string | null;
  tls: { cert: string; key: string } | null;
}

/**
 * Check the listen flags and read the token and TLS files. A non-loopback address without a token or TLS,
 * half a TLS pair, an unreadable, short or world-readable token file: ListenError naming the flag.
 */
export function listenConfig(o: { listen: string; authTokenFile?: string | null; tlsCert?: string | null; tlsKey?: string | null }): ListenConfig {
  const address = parseListen(o.listen);
  if (!!o.tlsCert !== !!o.tlsKey) throw new ListenError(o.tlsCert ? '--tls-cert needs --tls-key' : '--tls-key needs --tls-cert');
  const token = o.authTokenFile ? readToken(o.authTokenFile) : null;
  const tls = o.tlsCert && o.tlsKey ? { cert: readPem(o.tlsCert, '--tls-cert'), key: readPem(o.tlsKey, '--tls-key') } : null;
  if (!address.loopback && !token && !tls) {
    throw new ListenError(`--listen ${o.listen}: not a loopback address; give --auth-token-file FILE or --tls-cert FILE --tls-key FILE`);
  }
  return { address, token, tls };
}

function readToken(file: string): string {
  let text: string;
  try {
    const st = statSync(file);
    if ((st.mode & 0o004) !== 0) throw new ListenError(`--auth-token-file ${file}: readable by every user (chmod 600 it)`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ListenError) throw e;
    throw new ListenError(`--auth-token-file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const token = text.replace(/\r?\n$/, '');
  if (token.length < 16) throw new ListenError(`--auth-token-file ${file}: the token must be at least 16 characters`);
  if (/\s/.test(token)) throw new ListenError(`--auth-token-file ${file}: the token must be one line without spaces`);
  return token;
}

function readPem(file: string, flag: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('-----BEGIN ')) throw new Error('not a PEM file');
    return text;
  } catch (e) {
    throw new ListenError(`${flag} ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** The listen flags (`--listen`, `--auth-token-file`, `--tls-cert`, `--tls-key`) checked; usage errors exit 2. */
export function listenFromFlags(values: FlagValues): ListenConfig | null {
  const str = (k: string): string | null => stringFlag(values, k) ?? null;
  const listen = str('listen');
  if (listen === null) {
    for (const k of ['auth-token-file', 'tls-cert', 'tls-key']) if (str(k) !== null) throw new UsageError(`--${k} goes with --listen`);
    return null;
  }
  try {
    return listenConfig({ listen, authTokenFile: str('auth-token-file'), tlsCert: str('tls-cert'), tlsKey: str('tls-key') });
  } catch (e) {
    if (e instanceof ListenError) throw new UsageError(e.message);
    throw e;
  }
}
