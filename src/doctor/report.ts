// `tailtop doctor`'s report: the checks' results, the exit code, and the two ways to print them (pure).
// The JSON is documented in docs/doctor.md.

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable identifier (docs/doctor.md). */
  id: string;
  /** A short title for the text output. */
  title: string;
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** One line: what to do, for warn and fail; null when nothing is to be done. */
  fix: string | null;
  /** Facts behind the summary (check-specific keys, documented). */
  detail: Record<string, unknown>;
  /** A fail that stops tailtop from starting at all (a broken config file). */
  blocks?: boolean;
}

export const DOCTOR_SCHEMA_VERSION = 1;

/** 0: everything works; 1: tailtop works with something off (a fail). Warnings do not change it. */
export function exitCode(checks: readonly CheckResult[]): 0 | 1 {
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

export function overall(checks: readonly CheckResult[]): CheckStatus {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  return checks.some((c) => c.status === 'warn') ? 'warn' : 'ok';
}

export function toJson(checks: readonly CheckResult[], version: string): string {
  const doc = {
    schemaVersion: DOCTOR_SCHEMA_VERSION,
    tailtop: version,
    status: overall(checks),
    exitCode: exitCode(checks),
    checks: checks.map((c) => ({ id: c.id, status: c.status, summary: c.summary, fix: c.fix, detail: c.detail })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** No control characters (summaries quote file contents and daemon answers). */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ');
}

/** One line per check: status, title, what was found, and the fix. */
export function toText(checks: readonly CheckResult[]): string {
  const w = Math.max(...checks.map((c) => c.title.length));
  const lines = checks.map((c) => {
    const fix = c.fix ? ` — fix: ${c.fix}` : '';
    return clean(`${c.status.padEnd(4)}  ${c.title.padEnd(w)}  ${c.summary}${fix}`);
  });
  const n = (s: CheckStatus): number => checks.filter((c) => c.status === s).length;
  const verdict = checks.some((c) => c.status === 'fail' && c.blocks)
    ? 'tailtop will not start until that is fixed'
    : exitCode(checks) === 0
      ? 'tailtop will work fully'
      : 'tailtop will work with the failed parts off';
  lines.push(`${n('ok')} ok, ${n('warn')} warn, ${n('fail')} fail: ${verdict}`);
  return `${lines.join('\n')}\n`;
}
