// Roll-up rows on disk: the row as one value of the chain codec (a chain of one), compressed like a block.
import { CodecError, decodeOne, encodeOne } from './codec.js';
import type { RollupRow } from './rollup.js';

export function encodeRollup(row: RollupRow): Buffer {
  return encodeOne(row);
}

export function decodeRollup(bytes: Buffer): RollupRow {
  const v = decodeOne(bytes, { freeze: false }) as Partial<RollupRow> | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    (v.tier !== 'minute' && v.tier !== 'hour') ||
    typeof v.startMs !== 'number' ||
    typeof v.figures !== 'object' ||
    v.figures === null ||
    !Array.isArray(v.figures.ids) ||
    typeof v.latency !== 'object' ||
    v.latency === null
  ) {
    throw new CodecError('not a roll-up row');
  }
  return v as RollupRow;
}
