// A writer in a process of its own, for the crash and disk-full tests: records synthetic samples (seeded,
// so the test regenerates exactly the same ones), one JSON line on stdout per append() that returned and
// per writer event. stdout is a pipe: writes are synchronous on Linux, so a reported tick was committed.
//   node writer-child.mjs DIR SEED START_WALL_MS COUNT DELAY_MS [MAX_BYTES]
import { StoreWriter } from '../../../dist/record/writer.js';
import { sampleGenerator } from '../../../bench/sample-sets.mjs';

const [dir, seed, start, count, delay, maxBytes] = process.argv.slice(2);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const figuresOf = (prev, set) => [
  { id: 'host.load1', value: set.host.loadavg.one },
  { id: 'host.ctxsw_rate', value: prev ? (set.host.stat.contextSwitches - prev.host.stat.contextSwitches) / ((set.atMs - prev.atMs) / 1000) : null },
];
let w;
try {
  w = StoreWriter.open({ dir, tailtopVersion: '0.1.0-test', figuresOf, onEvent: (e) => say({ event: e }), ...(maxBytes ? { maxBytes: Number(maxBytes) } : {}) });
} catch (err) {
  say({ error: err.message, kind: err.kind });
  process.exit(3);
}
say({ open: true });
const g = sampleGenerator({ seed: Number(seed), startWallMs: Number(start), containers: 4, processes: 30 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let stopping = false;
process.on('SIGTERM', () => (stopping = true));
for (let i = 0; i < Number(count) && !stopping; i++) {
  const s = g.next();
  const ok = w.append(s);
  say({ i, ok, wallMs: s.wallMs });
  await sleep(Number(delay));
}
await w.close();
say({ closed: true });
