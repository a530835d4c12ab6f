// /proc/meminfo -> MeminfoSample (kB -> bytes). Pure. MemAvailable is absent before Linux 3.14: it is then
// estimated as MemFree + Buffers + Cached (what `free` did on those kernels).
import type { MeminfoSample } from '../../model/types.js';
import { type Parsed, fields, numberedLines, show, uint } from './parse-util.js';

const KEYS = ['MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapTotal', 'SwapFree'] as const;
type Key = (typeof KEYS)[number];
const WANTED = new Set<string>(KEYS);

export function parseMeminfo(text: string, file = '/proc/meminfo'): Parsed<MeminfoSample | null> {
  const errors: string[] = [];
  const got = new Map<Key, number>();
  for (const { no, line } of numberedLines(text)) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      errors.push(`${file} line ${no}: expected "Key: value"`);
      continue;
    }
    const k = line.slice(0, colon);
    if (!WANTED.has(k)) continue;
    const toks = fields(line.slice(colon + 1));
    const n = uint(toks[0]);
    if (n === null) {
      errors.push(`${file} line ${no}: ${k} is not a number: ${show(toks[0])}`);
      continue;
    }
    const unit = toks[1];
    if (unit !== undefined && unit !== 'kB') {
      errors.push(`${file} line ${no}: ${k} has unknown unit ${show(unit)}`);
      continue;
    }
    got.set(k as Key, unit === 'kB' ? n * 1024 : n);
  }

  const total = got.get('MemTotal');
  const free = got.get('MemFree');
  if (total === undefined || free === undefined) {
    errors.push(`${file}: missing ${total === undefined ? 'MemTotal' : 'MemFree'}`);
    return { value: null, errors };
  }
  const buffers = got.get('Buffers') ?? 0;
  const cached = got.get('Cached') ?? 0;
  const available = got.get('MemAvailable') ?? Math.min(total, free + buffers + cached);
  return {
    value: {
      totalBytes: total,
      availableBytes: available,
      freeBytes: free,
      buffersBytes: buffers,
      cachedBytes: cached,
      swapTotalBytes: got.get('SwapTotal') ?? 0,
      swapFreeBytes: got.get('SwapFree') ?? 0,
    },
    errors,
  };
}
