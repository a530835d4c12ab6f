// What a helper binary says it is (`tailtop-bpf --version`) and the hash of the sources in bpf/.
//
// The source hash is defined in bpf/Makefile: sha256 of the `sha256sum` manifest ("<hex>  <name>\n" per
// file) of the Makefile and every *.c and *.h in bpf/ except the generated vmlinux.h, names in byte order.
// The helper embeds it at build time, so a binary can be matched to the sources it came from.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLineText } from './protocol.js';

export interface HelperVersion {
  protocol: number;
  /** 64 hex digits, or "unknown" for a binary built without the Makefile. */
  sourceSha256: string;
  libbpf: string;
  /** "static" (the prebuilt helpers), "dynamic" (make -C bpf), "unknown". */
  link: string;
  arch: string;
}

/** The files the source hash covers, in hashing order (byte order of the names). */
function hashedSourceNames(names: readonly string[]): string[] {
  return names
    .filter((n) => n === 'Makefile' || ((n.endsWith('.c') || n.endsWith('.h')) && n !== 'vmlinux.h'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The source hash of the helper sources in `bpfDir`, or null when there are none (no Makefile). */
export function sourceHash(bpfDir: string): string | null {
  let names: string[];
  try {
    names = hashedSourceNames(readdirSync(bpfDir));
  } catch {
    return null;
  }
  if (!names.includes('Makefile')) return null;
  const manifest = names.map((n) => `${createHash('sha256').update(readFileSync(join(bpfDir, n))).digest('hex')}  ${n}\n`).join('');
  return createHash('sha256').update(manifest).digest('hex');
}

/** Parses `tailtop-bpf --version` output; null when it is not one. */
export function parseVersion(text: string): HelperVersion | null {
  const line = text.split('\n')[0] ?? '';
  if (!line.startsWith('tailtop-bpf ')) return null;
  const kv = new Map<string, string>();
  for (const part of line.slice('tailtop-bpf '.length).trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq > 0) kv.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const protocol = Number(kv.get('protocol'));
  const hash = kv.get('source-sha256') ?? '';
  if (!Number.isInteger(protocol) || !(/^[0-9a-f]{64}$/.test(hash) || hash === 'unknown')) return null;
  return { protocol, sourceSha256: hash, libbpf: kv.get('libbpf') ?? '?', link: kv.get('link') ?? 'unknown', arch: kv.get('arch') ?? '?' };
}

/** Runs `helper --version` (only ever on a helper that passed the trust check). */
export function readVersion(helper: string, timeoutMs = 5000): HelperVersion | { error: string } {
  const r = spawnSync(helper, ['--version'], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { error: oneLineText(r.error.message) };
  const v = parseVersion(r.stdout ?? '');
  if (r.status === 0 && v) return v;
  const said = oneLineText((r.stderr || r.stdout || '').trim().split('\n').pop() ?? '');
  return { error: `--version ${r.status !== 0 ? `exited ${r.status ?? r.signal}` : 'printed no version'}${said ? `: ${said}` : ''} (an older helper? rebuild: make -C bpf)` };
}

/** The first 12 hex digits, for lines meant for people. */
export function shortHash(h: string): string {
  return h === 'unknown' ? h : h.slice(0, 12);
}
