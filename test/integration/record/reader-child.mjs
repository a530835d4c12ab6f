// Opens a store read-only and prints one JSON line: { ok, samples, toMs } or { error, kind }.
//   node reader-child.mjs DIR
import { StoreReader } from '../../../dist/record/reader.js';

try {
  const r = StoreReader.open(process.argv[2]);
  let samples = 0;
  for (const _ of r.range(0, Infinity)) samples++;
  process.stdout.write(`${JSON.stringify({ ok: true, samples, toMs: r.span()?.toMs ?? null })}\n`);
  r.close();
} catch (err) {
  process.stdout.write(`${JSON.stringify({ error: err.message, kind: err.kind ?? null })}\n`);
}
