// Quantities as people write them in the config: durations ("30s", "20ms", "1.5us"), sizes ("512MiB",
// "10GB"), rates ("100MiB/s", "500/s") and percentages ("90%"). Values come out in base units: seconds,
// bytes, bytes per second, events per second, percent (0-100). Pure.

export type Unit = 'percent' | 'seconds' | 'bytes' | 'bytes_per_second' | 'per_second' | 'count';

export const UNIT_WORDS: Record<Unit, string> = {
  percent: 'a percentage (90 or 90%)',
  seconds: 'a duration (20ms, 500us, 1.5s)',
  bytes: 'a size (512MiB, 10GB, 4096)',
  bytes_per_second: 'a rate in bytes (100MiB/s, 10MB/s)',
  per_second: 'a rate (500/s)',
  count: 'a number',
};

const TIME: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const SIZE: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

/** Which unit a suffix belongs to, for error messages. */
function suffixKind(suffix: string): Unit | null {
  const s = suffix.toLowerCase();
  if (suffix in TIME) return 'seconds';
  if (s in SIZE) return 'bytes';
  if (s.endsWith('/s')) return s === '/s' ? 'per_second' : 'bytes_per_second';
  if (suffix === '%') return 'percent';
  return null;
}

/** `text` as a quantity of `unit` (base units), or an error saying what was expected. */
export function parseQuantity(text: string, unit: Unit): { value: number } | { error: string } {
  const m = /^\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*([a-zA-Zµ%]*(?:\/s)?)\s*$/.exec(text);
  if (!m) return { error: `'${text}' is not a number with an optional unit` };
  const n = Number(m[1]);
  const suffix = m[2]!;
  if (suffix === '') return { value: n };
  const kind = suffixKind(suffix);
  if (kind === null) return { error: `'${suffix}' is not a unit tailtop knows (durations ns/us/ms/s/m/h, sizes B/KB/MB/GB/KiB/MiB/GiB, rates .../s, %)` };
  if (kind !== unit) return { error: `'${text}' is ${UNIT_WORDS[kind].replace(/ \(.*\)$/, '')}, but this figure is ${UNIT_WORDS[unit]}` };
  if (kind === 'seconds') return { value: n * TIME[suffix]! };
  if (kind === 'bytes') return { value: n * SIZE[suffix.toLowerCase()]! };
  if (kind === 'bytes_per_second') return { value: n * SIZE[suffix.toLowerCase().slice(0, -2)]! };
  return { value: n };
}

/** A duration ("30s", "500ms", "2m", "1us"; a bare number is seconds) in nanoseconds, or null. */
export function parseDurationNs(text: string): number | null {
  const r = parseQuantity(text, 'seconds');
  if ('error' in r || !(r.value >= 0)) return null;
  return Math.round(r.value * 1e9);
}

/** Base-unit value back to a short text (for messages and the alerts view). */
export function formatQuantity(v: number, unit: Unit): string {
  const g = (x: number): string => String(Number(x.toPrecision(4)));
  switch (unit) {
    case 'percent':
      return `${g(v)}%`;
    case 'seconds':
      return v >= 1 ? `${g(v)}s` : v >= 1e-3 ? `${g(v * 1e3)}ms` : v >= 1e-6 ? `${g(v * 1e6)}us` : `${g(v * 1e9)}ns`;
    case 'bytes':
    case 'bytes_per_second': {
      const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let x = v;
      let i = 0;
      while (Math.abs(x) >= 1024 && i < units.length - 1) {
        x /= 1024;
        i++;
      }
      return `${g(x)}${units[i]}${unit === 'bytes_per_second' ? '/s' : ''}`;
    }
    case 'per_second':
      return `${g(v)}/s`;
    default:
      return g(v);
  }
}
