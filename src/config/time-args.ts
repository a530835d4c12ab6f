// Command-line times and durations for the recording commands (snapshot --from/--to/--step, replay --at,
// report): one parser each, so every command accepts the same forms and says the same thing when it
// cannot. Pure: "now" and the time zone come in as arguments.
//
// Times (`--from`, `--to`, `--at`):
//   ISO 8601      2026-12-01T03:10:00Z, 2026-12-01T03:10+01:00, 2026-12-01 03:10 (local), 2026-12-01 (local midnight)
//   clock time    03:10, 03:10:30 (today, local time)
//   relative      -2h, -90s, -1h30m, -7d (before now); `now`
//   epoch seconds 1764559800, 1764559800.5
// Durations (`--step`): 7d, 12h, 90m, 30s, 1d12h. (The agent's --retain and --max-size: agent/options.ts.)
import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "1h30m", "7d", "90s" -> ms; null when malformed. Units ms, s, m, h, d, w; each at most once, largest first. */
export function parseSpanMs(text: string): number | null {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let last = Infinity;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const unit = UNIT_MS[m[2]!]!;
    if (unit >= last) return null; // "1m1h", "1h1h"
    last = unit;
    total += Number(m[1]) * unit;
    pos = re.lastIndex;
  }
  return pos === text.length && pos > 0 && Number.isFinite(total) ? total : null;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local midnight of `nowMs`'s day, plus h:m:s (local wall time, DST-aware through Date). */
function todayAt(nowMs: number, h: number, mi: number, s: number): number {
  const d = new Date(nowMs);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate(), h, mi, s).getTime();
}

/**
 * A time argument as ms since the epoch. Throws a UsageError naming the flag and the forms it accepts.
 * `nowMs` is the caller's clock; local time is the process's time zone (TZ).
 */
export function parseTimeArg(flag: string, text: string, nowMs: number): number {
  const t = text.trim();
  const bad = (why = ''): never => {
    throw new UsageError(`${flag}: ${JSON.stringify(text.slice(0, 60))} is not a time${why}: use ISO 8601 (2026-12-01T03:10Z), HH:MM[:SS] (today), -2h / -90s (before now), now, or epoch seconds`);
  };
  if (t === 'now') return nowMs;
  if (t.startsWith('-')) {
    const span = parseSpanMs(t.slice(1));
    if (span === null) bad();
    return nowMs - span!;
  }
  if (/^\d{9,11}(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  let m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (m) {
    const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
    if (h > 23 || mi > 59 || s > 59) bad(' (hours 0-23, minutes and seconds 0-59)');
    return todayAt(nowMs, h, mi, s);
  }
  m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!m) return bad();
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m![i] ?? 0)) as [number, number, number, number, number, number];
  const frac = m[7] ? Number(m[7]) * 1000 : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) bad(' (a field is out of range)');
  const zone = m[8];
  let ms: number;
  if (zone === undefined) {
    const local = new Date(y, mo - 1, d, h, mi, s);
    if (local.getMonth() !== mo - 1) bad(' (no such day)');
    ms = local.getTime() + frac;
  } else {
    const iso = `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
    ms = Date.parse(iso) + frac;
    if (new Date(Date.UTC(y, mo - 1, d)).getUTCMonth() !== mo - 1) bad(' (no such day)');
  }
  if (!Number.isFinite(ms)) bad();
  return Math.round(ms);
}

/** `--from`/`--to` as a range [from, to), checked: from before to. Defaults: `to` now, `from` to - defaultSpanMs. */
export function parseRangeArgs(from: string | undefined, to: string | undefined, nowMs: number, defaultSpanMs = 3_600_000): { fromMs: number; toMs: number } {
  const toMs = to === undefined ? nowMs : parseTimeArg('--to', to, nowMs);
  const fromMs = from === undefined ? toMs - defaultSpanMs : parseTimeArg('--from', from, nowMs);
  if (!(fromMs < toMs)) {
    throw new UsageError(`--from ${new Date(fromMs).toISOString()} is not before --to ${new Date(toMs).toISOString()}: the range is empty`);
  }
  return { fromMs, toMs };
}

/** A duration flag (`--retain 7d`) in ms, more than 0. */
export function parseDurationArg(flag: string, text: string): number {
  const ms = parseSpanMs(text.trim());
  if (ms === null || !(ms > 0)) throw new UsageError(`${flag}: ${JSON.stringify(text.slice(0, 60))} is not a duration: use e.g. 7d, 12h, 90m, 1d12h`);
  return ms;
}
