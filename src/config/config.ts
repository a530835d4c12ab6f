// The config file: TOML, read once by the CLI before the screen starts. Every error names the file and,
// where it can, the line: `file:line: message`. Unknown keys are errors (a typo must not be ignored); keys
// are looked up as own properties only (`toString`, `__proto__` are unknown keys like any other). The file
// must be a regular file of at most 1 MiB; text quoted from it in a message is made safe (errors.ts).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { COMMANDS } from '../ui/keys.js';
import { DEFAULT_EXPORT, parseAlertRules, parseExportSettings, type AlertRule, type ExportSettings } from './alerts.js';
import { parseDockerHost } from '../sources/docker/endpoint.js';
import { ConfigError, quote } from '../errors.js';
import { FileProblem, readSmallTextFile, showPath } from './read-file.js';
import { DEFAULT_REFRESH_MS, MAX_REFRESH_MS, MIN_REFRESH_MS } from '../contract.js';

export { ConfigError };

export interface Config {
  refreshMs: number;
  theme: string | null;
  keys: Partial<Record<string, string[]>>;
  showAllDisks: boolean;
  dockerHost: string | null;
  ebpf: boolean;
  /** [[alert]] rules, checked at load. */
  alerts: AlertRule[];
  /** [export]: histogram resolution and the container limit of /metrics. */
  export: ExportSettings;
}

/** Largest config file read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export function defaultConfig(): Config {
  return { refreshMs: DEFAULT_REFRESH_MS, theme: null, keys: {}, showAllDisks: false, dockerHost: null, ebpf: true, alerts: [], export: { ...DEFAULT_EXPORT } };
}

/** $XDG_CONFIG_HOME/tailtop/config.toml, else ~/.config/tailtop/config.toml. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg && xdg.startsWith('/') ? xdg : join(env['HOME'] || homedir(), '.config');
  return join(base, 'tailtop', 'config.toml');
}

const TOP_KEYS = ['refresh_ms', 'refresh', 'theme', 'show_all_disks', 'docker_host', 'ebpf', 'keys', 'alert', 'export'] as const;

/**
 * Load a config file. `path` null means the default path, where a missing file gives the defaults;
 * an explicit path (or `required`) must exist. Malformed TOML, wrong types and unknown keys throw ConfigError.
 */
export function loadConfig(path: string | null, opts: { required?: boolean } = {}): Config {
  const file = path ?? defaultConfigPath();
  const required = opts.required ?? false;
  let text: string;
  try {
    text = readSmallTextFile(file, MAX_CONFIG_BYTES, 'file');
  } catch (e) {
    if (!(e instanceof FileProblem)) throw e;
    if (e.problem === 'missing' && !required) return defaultConfig();
    throw new ConfigError(e.message);
  }
  return parseConfig(text, file);
}

/** Parse config text; `file` is only used in messages. */
export function parseConfig(text: string, file = 'config.toml'): Config {
  const where = showPath(file);
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const msg = (e.message.split('\n')[0] ?? 'invalid TOML').replace(/^Invalid TOML document:\s*/, '');
      throw new ConfigError(`${where}:${e.line}: ${msg}`);
    }
    throw new ConfigError(`${where}: cannot parse: ${(e as Error).message}`);
  }

  const fail = (keyPath: string, message: string): never => {
    const line = findKeyLine(text, keyPath);
    throw new ConfigError(`${where}${line ? `:${line}` : ''}: ${showKey(keyPath)}: ${message}`);
  };

  const cfg = defaultConfig();
  for (const k of Object.keys(doc)) {
    if (!(TOP_KEYS as readonly string[]).includes(k)) fail(k, `unknown key (known: ${TOP_KEYS.join(', ')})`);
  }

  if (doc['refresh_ms'] !== undefined && doc['refresh'] !== undefined) fail('refresh', 'give either refresh or refresh_ms, not both');
  if (doc['refresh_ms'] !== undefined) {
    const v = doc['refresh_ms'];
    if (typeof v !== 'number' || !Number.isInteger(v)) fail('refresh_ms', `expected an integer number of milliseconds, got ${describe(v)}`);
    cfg.refreshMs = checkRefresh(v as number, 'refresh_ms', fail);
  }
  if (doc['refresh'] !== undefined) {
    const v = doc['refresh'];
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDuration(v) : null;
    if (ms == null) fail('refresh', `expected milliseconds or a duration like "500ms" or "2s", got ${describe(v)}`);
    cfg.refreshMs = checkRefresh(ms as number, 'refresh', fail);
  }
  if (doc['theme'] !== undefined) {
    const v = doc['theme'];
    if (typeof v !== 'string' || v.trim() === '') fail('theme', `expected a theme name, got ${describe(v)}`);
    cfg.theme = (v as string).trim();
  }
  if (doc['show_all_disks'] !== undefined) {
    const v = doc['show_all_disks'];
    if (typeof v !== 'boolean') fail('show_all_disks', `expected true or false, got ${describe(v)}`);
    cfg.showAllDisks = v as boolean;
  }
  if (doc['docker_host'] !== undefined) {
    const v = doc['docker_host'];
    if (typeof v !== 'string' || v.trim() === '') fail('docker_host', `expected a string like "unix:///var/run/docker.sock", got ${describe(v)}`);
    const bad = parseDockerHost(v as string, 'option').error;
    if (bad !== null) fail('docker_host', bad.replace(/^docker: /, ''));
    cfg.dockerHost = (v as string).trim();
  }
  if (doc['ebpf'] !== undefined) {
    const v = doc['ebpf'];
    if (typeof v !== 'boolean') fail('ebpf', `expected true or false, got ${describe(v)}`);
    cfg.ebpf = v as boolean;
  }
  if (doc['keys'] !== undefined) {
    const t = doc['keys'];
    if (typeof t !== 'object' || t === null || Array.isArray(t) || t instanceof Date) fail('keys', `expected a table, got ${describe(t)}`);
    for (const [cmd, v] of Object.entries(t as Record<string, unknown>)) {
      if (!Object.hasOwn(COMMANDS, cmd)) fail(`keys.${cmd}`, `unknown command (known: ${Object.keys(COMMANDS).join(', ')})`);
      const list = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string' && x.length > 0)) {
        fail(`keys.${cmd}`, `expected a non-empty list of key names like ["q", "C-c"], got ${describe(v)}`);
      }
      cfg.keys[cmd] = [...(list as string[])];
    }
  }
  const failAt = (keyPath: string, message: string, line?: number | null): never => {
    const l = line ?? findKeyLine(text, keyPath);
    throw new ConfigError(`${where}${l ? `:${l}` : ''}: ${showKey(keyPath)}: ${message}`);
  };
  if (doc['alert'] !== undefined) cfg.alerts = parseAlertRules(doc['alert'], text, failAt);
  if (doc['export'] !== undefined) cfg.export = parseExportSettings(doc['export'], failAt);
  return cfg;
}

function checkRefresh(ms: number, keyName: string, fail: (k: string, m: string) => never): number {
  if (!Number.isFinite(ms) || ms < MIN_REFRESH_MS || ms > MAX_REFRESH_MS) {
    fail(keyName, `must be between ${MIN_REFRESH_MS} ms and ${MAX_REFRESH_MS} ms, got ${ms}`);
  }
  return Math.round(ms);
}

/** "500ms", "2s", "1.5s", "1000" -> milliseconds; null when malformed. */
export function parseDuration(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : n;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'object') return 'a table';
  if (typeof v === 'string') return `the string ${quote(v)}`;
  return `${typeof v} ${quote(String(v)).slice(1, -1)}`;
}

/** A key path for a message: as written when it is a plain dotted name, else quoted (it came from the file). */
function showKey(keyPath: string): string {
  const plain = /^[A-Za-z0-9_-]{1,64}(\[\d{1,6}\])?$/;
  return keyPath.split('.').map((p) => (plain.test(p) ? p : quote(p))).join('.');
}

/**
 * The 1-based line where `a.b` (table a, key b) or a top-level `b` is defined, or null. Good enough for
 * config files: tracks `[table]` headers and `key =` lines (also `a.b = ` dotted keys at the top level).
 */
export function findKeyLine(text: string, keyPath: string): number | null {
  const parts = keyPath.split('.');
  const leaf = parts[parts.length - 1]!;
  const table = parts.slice(0, -1).join('.');
  const lines = text.split(/\r?\n/);
  let current = '';
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const keyRe = new RegExp(`^\\s*(?:"${esc(leaf)}"|'${esc(leaf)}'|${esc(leaf)})\\s*=`);
  const dottedRe = table ? new RegExp(`^\\s*${esc(table)}\\s*\\.\\s*${esc(leaf)}\\s*=`) : null;
  const tableRe = new RegExp(`^\\s*\\[\\s*${esc(keyPath)}\\s*\\]`);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = /^\s*\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header) {
      if (tableRe.test(line)) return i + 1;
      current = header[1]!.replace(/\s+/g, '');
      continue;
    }
    if (current === table && keyRe.test(line)) return i + 1;
    if (current === '' && dottedRe?.test(line)) return i + 1;
  }
  return null;
}
