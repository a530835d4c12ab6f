// The load of the latency benches (bench/latency.mjs, bench/latency-ab.mjs), seeded: the same every run. A busy
// node's eBPF intervals: 1000 steady block rows (250 containers x 2 devices x read and write, each row a
// histogram of ~12 service and ~14 total buckets) and 250 run-queue rows every second, plus 100 new cgroups a
// second (one block and one run-queue row each, seen once): short-lived containers, known as containers for
// their first 3 s and then gone.
let seed = 4242;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
export const CONTAINERS = 250;
export const DEVICES = [[8, 0], [259, 0]];
export const CHURN_PER_SEC = 100;

function bucket(v) {
  if (v < 8) return v;
  const p = 31 - Math.clz32(v);
  return Math.min(319, (p - 2) * 8 + ((v >>> (p - 3)) & 7));
}
const lower = (i) => (i < 8 ? i : (8 + (i & 7)) * 2 ** ((i >> 3) - 1));
const upper = (i) => (i < 8 ? i + 1 : (9 + (i & 7)) * 2 ** ((i >> 3) - 1));

/** A histogram of n values around base ns spread over `width` buckets; returns pairs and a consistent max. */
function hist(n, base, width) {
  const b0 = bucket(base);
  const m = new Map();
  for (let k = 0; k < n; k++) {
    const i = Math.min(319, b0 + Math.floor(rnd() * width));
    m.set(i, (m.get(i) ?? 0) + 1);
  }
  const pairs = [...m.entries()].sort((a, b) => a[0] - b[0]);
  const top = pairs[pairs.length - 1][0];
  const max = Math.floor(lower(top) + rnd() * (upper(top) - lower(top) - 1));
  return { pairs, max };
}

function blockRow(major, minor, op, cgroup, n) {
  const s = hist(n, 50_000 + Math.floor(rnd() * 50_000), 12);
  const t = hist(n, 60_000 + Math.floor(rnd() * 60_000), 14);
  return { major, minor, op, cgroup, count: n, bytes: n * 4096, maxNs: s.max, totalMaxNs: Math.max(t.max, s.max), service: s.pairs, total: t.pairs.map(([i, c]) => [i, c]) };
}

function fixTotal(r) {
  // total >= service per request: make the total max at least the service max, keep it in its bucket
  const top = r.total[r.total.length - 1][0];
  if (r.totalMaxNs >= upper(top) && top < 319) r.totalMaxNs = upper(top) - 1;
  if (r.totalMaxNs < lower(top)) r.totalMaxNs = lower(top);
  return r;
}

function runqRow(cgroup, n) {
  const h = hist(n, 2_000 + Math.floor(rnd() * 4000), 20);
  return { cgroup, count: n, maxNs: h.max, hist: h.pairs };
}

const zeroLost = { blockStartDropped: 0, blockNoStart: 0, blockNoStartBytes: 0, blockStale: 0, histFull: 0, histFullBytes: 0, runqStartDropped: 0, partial: 0, partialBytes: 0, merged: 0 };
let nextCgroup = 1_000_000;

// The steady rows of 30 different seconds, made once and used in turn (the engine copies what it keeps), so
// that making the load does not weigh on the figures. Kept as the JSON text of their rows, not as objects: a
// million small arrays held for the whole run made the bench's heap ~150 MiB, which the monitor never holds,
// and every collection during a frame then marked and scanned them.
const rowsText = (rows) => rows.map((r) => JSON.stringify(r)).join(',');
const STEADY = Array.from({ length: 30 }, () => {
  const block = [];
  const runq = [];
  for (let c = 0; c < CONTAINERS; c++) {
    const cg = 1000 + c;
    for (const [major, minor] of DEVICES) for (const op of ['read', 'write']) block.push(fixTotal(blockRow(major, minor, op, cg, 20 + Math.floor(rnd() * 60))));
    runq.push(runqRow(cg, 50 + Math.floor(rnd() * 100)));
  }
  return { block: rowsText(block), runq: rowsText(runq) };
});

/** The helper's `interval` line of second `sec` (what bpf/loader.c prints). Call it once per second, in order. */
export function intervalLine(sec) {
  const block = [];
  const runq = [];
  for (let k = 0; k < CHURN_PER_SEC; k++) {
    const cg = nextCgroup++;
    block.push(fixTotal(blockRow(8, 0, 'write', cg, 1 + Math.floor(rnd() * 5))));
    runq.push(runqRow(cg, 1 + Math.floor(rnd() * 10)));
  }
  const { partial, partialBytes, merged, ...lost } = zeroLost;
  const steady = STEADY[sec % STEADY.length];
  // JSON.stringify of { ..., block: [...steady, ...churn], runq: [...], ... }, written out
  return `{"type":"interval","seq":${sec},"monoNs":${JSON.stringify(sec * 1e9)},"intervalNs":${JSON.stringify(1e9)},"block":[${steady.block},${rowsText(block)}],"runq":[${steady.runq},${rowsText(runq)}],"lost":${JSON.stringify(lost)},"partial":${JSON.stringify({ count: partial, bytes: partialBytes })},"merged":${merged}}`;
}

export const deviceNames = new Map([['8:0', 'sda'], ['259:0', 'nvme0n1']]);
export const CHURN_LIFE_S = 3;
const steady = new Map();
for (let c = 0; c < CONTAINERS; c++) steady.set(1000 + c, `container-${c}`);
/** The containers alive at second `sec`: the steady ones and the churn of the last CHURN_LIFE_S seconds. */
export function mapsAt(sec) {
  const m = new Map(steady);
  const from = 1_000_000 + Math.max(0, sec - CHURN_LIFE_S) * CHURN_PER_SEC;
  for (let cg = from; cg < 1_000_000 + sec * CHURN_PER_SEC; cg++) m.set(cg, `short-${cg}`);
  return { block: m, runq: m };
}
