// `[[alert]]` rules and the `[export]` table of the config file. Checked when the config is read, before
// anything starts: every error is `file:line: alert[N].key: message` (the CLI exits 2).
//
//   [[alert]]
//   name = "SlowDisk"
//   expr = "disk.write.p99 > 20ms"
//   for = "30s"                     # how long it must hold before it fires (default 0: at once)
//   severity = "warning"            # default "warning"
//   window = "1m"                   # percentiles (and rates in Prometheus) over 10s, 1m or 5m
//   summary = "writes are slow"     # optional text for people
//   labels = { team = "storage" }   # optional extra labels
//   command = ["/usr/local/bin/page", "--quiet"]   # optional: run on fire and on resolve, no shell
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ExprError, parseExpr, type AlertExpr } from '../model/alert-expr.js';
import { parseDurationNs } from '../model/units.js';
import type { LatencyWindow } from '../model/types.js';
import { bucketScheme, DEFAULT_SCHEME, RESOLUTIONS, type BucketSchemeOptions, type Resolution } from '../export/buckets.js';

export interface AlertRule {
  name: string;
  expr: AlertExpr;
  /** The expression as written. */
  source: string;
  forMs: number;
  severity: string;
  window: LatencyWindow;
  labels: Record<string, string>;
  summary: string | null;
  /** argv of the hook command (run without a shell), or null. */
  command: string[] | null;
  /** Line of the rule's [[alert]] header in the config, when known. */
  line: number | null;
}

export interface ExportSettings extends BucketSchemeOptions {
  maxContainers: number;
}

export const DEFAULT_EXPORT: ExportSettings = { ...DEFAULT_SCHEME, maxContainers: 100 };

/** Report an error at the line of `keyPath` (`alert[2].expr`, `export.max_containers`); never returns. */
export type Fail = (keyPath: string, message: string, line?: number | null) => never;

const ALERT_KEYS = ['name', 'expr', 'for', 'severity', 'window', 'summary', 'labels', 'command'] as const;
const WINDOWS: readonly LatencyWindow[] = ['10s', '1m', '5m'];
const RESERVED_LABELS = ['alertname', 'alertstate', 'severity', 'instance', 'job'];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Lines of the [[alert]] headers, in order. */
function alertHeaders(text: string): number[] {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (/^\s*\[\[\s*alert\s*\]\]/.test(l)) out.push(i + 1);
  });
  return out;
}

/** The line of `key` inside the n-th (0-based) [[alert]], else the header's line. */
export function alertKeyLine(text: string, n: number, key: string | null): number | null {
  const lines = text.split(/\r?\n/);
  const header = alertHeaders(text)[n];
  if (header === undefined) return null;
  if (key === null) return header;
  const re = new RegExp(`^\\s*(?:"${key}"|${key})\\s*=`);
  for (let i = header; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\s*\[/.test(l) && !/^\s*\[\s*alert\s*\.\s*labels\s*\]/.test(l)) break;
    if (re.test(l)) return i + 1;
  }
  return header;
}

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

export function parseAlertRules(raw: unknown, text: string, fail: Fail, env: NodeJS.ProcessEnv = process.env): AlertRule[] {
  if (!Array.isArray(raw)) return fail('alert', 'write alert rules as [[alert]] tables');
  const rules: AlertRule[] = [];
  raw.forEach((r, n) => {
    const at = (key: string | null): number | null => alertKeyLine(text, n, key);
    const path = (key: string): string => `alert[${n + 1}].${key}`;
    const bad = (key: string, message: string): never => fail(path(key), message, at(key));
    if (!isTable(r)) return fail(`alert[${n + 1}]`, 'expected a table', at(null));
    for (const k of Object.keys(r)) if (!(ALERT_KEYS as readonly string[]).includes(k)) bad(k, `unknown key (known: ${ALERT_KEYS.join(', ')})`);
    const name = r['name'];
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) bad('name', 'expected a name of letters, digits and _ (like SlowDisk)');
    if (rules.some((x) => x.name === name)) bad('name', `'${String(name)}' is already the name of another rule`);
    const source = r['expr'];
    if (typeof source !== 'string' || source.trim() === '') bad('expr', 'expected an expression such as "container.cpu_percent > 90"');
    let expr: AlertExpr;
    try {
      expr = parseExpr(source as string);
    } catch (e) {
      if (e instanceof ExprError) return bad('expr', e.message);
      throw e;
    }
    let forMs = 0;
    if (r['for'] !== undefined) {
      const ns = typeof r['for'] === 'string' ? parseDurationNs(r['for']) : null;
      if (ns === null || ns > 86_400e9) bad('for', `expected a duration up to 24h such as "30s" or "5m", got ${JSON.stringify(r['for'])}`);
      forMs = Math.round(ns! / 1e6);
    }
    const severity = r['severity'] ?? 'warning';
    if (typeof severity !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(severity)) bad('severity', 'expected a word such as "warning" or "critical"');
    const window = r['window'] ?? '1m';
    if (!WINDOWS.includes(window as LatencyWindow)) bad('window', `expected one of ${WINDOWS.map((w) => `"${w}"`).join(', ')}`);
    const summary = r['summary'] ?? null;
    if (summary !== null && typeof summary !== 'string') bad('summary', 'expected a string');
    const labels: Record<string, string> = {};
    if (r['labels'] !== undefined) {
      if (!isTable(r['labels'])) bad('labels', 'expected a table like { team = "db" }');
      for (const [k, v] of Object.entries(r['labels'] as Record<string, unknown>)) {
        if (!LABEL_NAME.test(k) || k.startsWith('__')) bad('labels', `'${k}' is not a label name (letters, digits, _)`);
        if (RESERVED_LABELS.includes(k)) bad('labels', `'${k}' is set by tailtop or Prometheus`);
        if (typeof v !== 'string') bad('labels', `${k}: expected a string`);
        labels[k] = v as string;
      }
    }
    let command: string[] | null = null;
    if (r['command'] !== undefined) {
      const c = r['command'];
      if (!Array.isArray(c) || c.length === 0 || !c.every((x) => typeof x === 'string' && x.length > 0 && !x.includes('\0'))) {
        bad('command', 'expected a list of arguments like ["/usr/local/bin/notify", "--quiet"] (no shell is used)');
      }
      const problem = commandProblem((c as string[])[0]!, env);
      if (problem) bad('command', problem);
      command = [...(c as string[])];
    }
    rules.push({ name: name as string, expr: expr!, source: (source as string).trim(), forMs, severity: severity as string, window: window as LatencyWindow, labels, summary: summary as string | null, command, line: at(null) });
  });
  return rules;
}

/** Why argv[0] cannot be run, or null: a path must be executable; a bare name must be found on PATH. */
function commandProblem(argv0: string, env: NodeJS.ProcessEnv): string | null {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (argv0.includes('/')) return executable(argv0) ? null : `${argv0}: not an executable file`;
  const dirs = (env['PATH'] ?? '').split(delimiter).filter(Boolean);
  return dirs.some((d) => executable(join(d, argv0))) ? null : `${argv0}: not found on PATH`;
}

const EXPORT_KEYS = ['histogram_resolution', 'histogram_min', 'histogram_max', 'max_containers'] as const;

export function parseExportSettings(raw: unknown, fail: Fail): ExportSettings {
  if (!isTable(raw)) return fail('export', 'expected a table');
  const out: ExportSettings = { ...DEFAULT_EXPORT };
  for (const k of Object.keys(raw)) if (!(EXPORT_KEYS as readonly string[]).includes(k)) fail(`export.${k}`, `unknown key (known: ${EXPORT_KEYS.join(', ')})`);
  const r = raw['histogram_resolution'];
  if (r !== undefined) {
    if (!RESOLUTIONS.includes(r as Resolution)) fail('export.histogram_resolution', `expected 1, 2, 4 or 8 bounds per power of two, got ${JSON.stringify(r)}`);
    out.resolution = r as Resolution;
  }
  for (const [key, field] of [['histogram_min', 'minNs'], ['histogram_max', 'maxNs']] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    const ns = typeof v === 'string' ? parseDurationNs(v) : null;
    if (ns === null) fail(`export.${key}`, `expected a duration such as "1us" or "10s", got ${JSON.stringify(v)}`);
    out[field] = ns!;
  }
  if (out.minNs >= out.maxNs) fail('export.histogram_min', 'must be below histogram_max');
  const n = bucketScheme(out).indices.length;
  if (n === 0) fail('export.histogram_max', 'no bucket bound lies between histogram_min and histogram_max');
  const m = raw['max_containers'];
  if (m !== undefined) {
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0 || m > 100_000) fail('export.max_containers', `expected an integer from 0 to 100000, got ${JSON.stringify(m)}`);
    out.maxContainers = m as number;
  }
  return out;
}
