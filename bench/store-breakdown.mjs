#!/usr/bin/env node
// Where a store's bytes go: SQLite's own accounting per table and index (dbstat: pages, payload, unused
// space), the blocks (compressed and raw, keyframes against differences), what parts of a sample cost once
// compressed (host, containers, processes field by field, eBPF), and the roll-up rows by tier and part.
//   node bench/store-breakdown.mjs STORE_DIR [--root DIR] [--blocks 60]
// The part figures encode each part alone as the build's own block codec would (a chain per block,
// compressed), on up to --blocks blocks spread over the store, so they add up to a little more than the
// blocks themselves (each part alone compresses a little worse): read them as shares.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (a, b) => `${fmt((100 * a) / b, 1)}%`;

function table(rows, head) {
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

/** The build's encoding of a chain of values as one block: { raw, packed } bytes. */
async function chainCodec(root) {
  const block = await import(join(root, 'dist', 'record', 'block.js'));
  const codec = await import(join(root, 'dist', 'record', 'codec.js'));
  if (typeof block.encodeBlock === 'function') {
    return (values) => {
      const b = block.encodeBlock(values);
      return { raw: b.rawBytes, packed: b.data.length };
    };
  }
  return (values) => {
    const enc = new codec.ChainEncoder();
    const raw = block.joinFrames(values.map((v) => enc.encode(v)));
    return { raw: raw.length, packed: block.packSync(raw).data.length };
  };
}

export async function breakdown(dir, { root = resolve(fileURLToPath(new URL('..', import.meta.url))), blocks: maxBlocks = 60 } = {}) {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const file = join(dir, 'tailtop.db');
  const db = new Database(file, { readonly: true });
  const out = [];
  const pageSize = db.pragma('page_size', { simple: true });
  const pages = db.pragma('page_count', { simple: true });
  const free = db.pragma('freelist_count', { simple: true });
  const fileBytes = pageSize * pages;
  const nBlocks = db.prepare('SELECT COUNT(*) AS n, SUM(count) AS s FROM block').get();
  const nTicks = db.prepare('SELECT COUNT(*) AS n FROM tick').get().n;
  const samples = (nBlocks.s ?? 0) + nTicks;
  const per = (b) => (samples ? fmt(b / samples, 1) : '-');
  const schema = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()?.value;
  out.push(`Store ${file}: schema ${schema}, ${fmt(fileBytes)} bytes (${fmt(pages)} pages of ${pageSize}, ${fmt(free)} free), ${fmt(samples)} samples: ${per(fileBytes)} B per sample.\n`);

  // 1. SQLite's accounting per table and index.
  const stat = db
    .prepare("SELECT name, COUNT(*) AS pages, SUM(pgsize) AS bytes, SUM(payload) AS payload, SUM(unused) AS unused, SUM(pagetype = 'overflow') AS overflow FROM dbstat GROUP BY name ORDER BY bytes DESC")
    .all();
  const rows = stat.map((s) => [s.name, fmt(s.pages), fmt(s.bytes), pct(s.bytes, fileBytes), per(s.bytes), fmt(s.payload), fmt(s.unused), fmt(s.overflow)]);
  rows.push(['(free pages)', fmt(free), fmt(free * pageSize), pct(free * pageSize, fileBytes), per(free * pageSize), '', '', '']);
  out.push('Per table and index (SQLite dbstat):\n');
  out.push(table(rows, ['table / index', 'pages', 'bytes', 'share', 'B/sample', 'payload', 'unused', 'overflow pages']));

  // 2. Blocks: compressed and raw, codecs.
  const bl = db.prepare('SELECT codec, COUNT(*) AS n, SUM(count) AS samples, SUM(LENGTH(data)) AS packed, SUM(raw_bytes) AS raw FROM block GROUP BY codec').all();
  const ro = db.prepare('SELECT tier, COUNT(*) AS n, SUM(LENGTH(data)) AS packed, SUM(raw_bytes) AS raw FROM rollup GROUP BY tier').all();
  const cm = db.prepare('SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS b FROM container_meta').get();
  const rows2 = [];
  for (const b of bl) rows2.push([`block data (codec ${b.codec}: ${fmt(b.n)} blocks, ${fmt(b.samples / b.n, 1)} samples each)`, fmt(b.packed), per(b.packed), fmt(b.raw), fmt(b.raw / b.packed, 1)]);
  for (const r of ro) rows2.push([`roll-up data, tier ${r.tier === 1 ? 'minute' : r.tier === 2 ? 'hour' : r.tier} (${fmt(r.n)} rows, ${fmt(r.packed / r.n)} B each)`, fmt(r.packed), per(r.packed), fmt(r.raw), fmt(r.raw / r.packed, 1)]);
  rows2.push([`container metadata (${fmt(cm.n)} rows)`, fmt(cm.b ?? 0), per(cm.b ?? 0), '', '']);
  out.push('\nBlob bytes (the data columns; the rest of a table is row headers, other columns, page slack):\n');
  out.push(table(rows2, ['what', 'bytes', 'B/sample', 'raw bytes', 'ratio']));

  // 3. First frames (a keyframe, or with a base row the difference from it) against the other frames.
  {
    const { unpack, splitFrames } = await import(join(root, 'dist', 'record', 'block.js'));
    const hasBase = db.prepare("SELECT COUNT(*) AS n FROM pragma_table_info('block') WHERE name = 'base'").get().n > 0;
    const rowsB = db.prepare(`SELECT raw_bytes, crc, data, ${hasBase ? 'base' : 'NULL AS base'} FROM block ORDER BY first_seq`).all();
    let first = 0;
    let rest = 0;
    let restN = 0;
    let withBase = 0;
    for (let i = 0; i < rowsB.length; i += Math.max(1, Math.floor(rowsB.length / maxBlocks))) {
      const b = rowsB[i];
      const frames = splitFrames(unpack({ data: b.data, rawBytes: b.raw_bytes, crc: b.crc }));
      first += frames[0].length;
      for (const f of frames.slice(1)) rest += f.length;
      restN += frames.length - 1;
      if (b.base !== null) withBase++;
    }
    const n = Math.ceil(rowsB.length / Math.max(1, Math.floor(rowsB.length / maxBlocks)));
    const bases = hasBase ? db.prepare('SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS b, SUM(raw_bytes) AS raw FROM base').get() : { n: 0, b: 0, raw: 0 };
    out.push(
      `\nFrames (raw, before compression; ${n} blocks, ${withBase} of them continuing a base row): the first frame of a block ${fmt(first / n)} B, the others ${fmt(rest / Math.max(1, restN))} B each; base rows: ${fmt(bases.n)} (${fmt(bases.b ?? 0)} B compressed, ${fmt(bases.raw ?? 0)} raw, ${per(bases.b ?? 0)} B/sample).`,
    );
  }

  // 4. Sample parts, from up to maxBlocks blocks spread over the store.
  const { StoreReader } = await import(join(root, 'dist', 'record', 'reader.js'));
  const { MetaTracker } = await import(join(root, 'dist', 'record', 'container-meta.js'));
  const encode = await chainCodec(root);
  const all = db.prepare('SELECT first_ms, last_ms, count, LENGTH(data) AS packed FROM block ORDER BY first_seq').all();
  const step = Math.max(1, Math.floor(all.length / maxBlocks));
  const chosen = all.filter((_, i) => i % step === 0).slice(0, maxBlocks);
  const reader = StoreReader.open(dir);
  const chains = chosen.map((b) => {
    const metas = new MetaTracker(1);
    return [...reader.range(b.first_ms, b.last_ms + 1)].map((r) => {
      const { stored, added } = metas.strip(r.set);
      metas.commit(added);
      return stored;
    });
  });
  reader.close();
  const chosenPacked = chosen.reduce((n, b) => n + b.packed, 0);
  const chosenSamples = chains.reduce((n, c) => n + c.length, 0);
  const procFields = new Set();
  const hostKeys = new Set();
  const counterKeys = new Set();
  for (const c of chains)
    for (const s of c) {
      for (const p of s.processes ?? []) for (const k of Object.keys(p)) if (k !== 'pid') procFields.add(k);
      for (const k of Object.keys(s.host ?? {})) hostKeys.add(k);
      for (const ct of s.containers?.containers ?? []) for (const k of Object.keys(ct.counters ?? {})) counterKeys.add(k);
    }
  const parts = [
    ['whole sample', (s) => s],
    ...[...hostKeys].map((k) => [`host.${k}`, (s) => s.host?.[k]]),
    ['containers: meta refs, error, rest', (s) => s.containers && { ...s.containers, containers: s.containers.containers.map((c) => ({ ...c, counters: undefined })) }],
    ...[...counterKeys].map((k) => [`containers[].counters.${k}`, (s) => s.containers?.containers.map((c) => ({ id: c.meta.id, v: c.counters?.[k] }))]),
    ['processes: pid (row identity, order)', (s) => s.processes?.map((p) => ({ pid: p.pid }))],
    ...[...procFields].map((k) => [`processes[].${k}`, (s) => s.processes?.map((p) => ({ pid: p.pid, v: p[k] }))]),
    ['latency: status, hello, clock', (s) => s.latency && { ...s.latency, intervals: undefined }],
    ['latency.intervals: header (seq, times, lost)', (s) => s.latency?.intervals.map((iv) => ({ ...iv, block: undefined, runq: undefined }))],
    ['latency.intervals[].block rows', (s) => s.latency?.intervals.map((iv) => iv.block)],
    ['latency.intervals[].runq rows', (s) => s.latency?.intervals.map((iv) => iv.runq)],
    ['atMs, wallMs, errors', (s) => ({ atMs: s.atMs, wallMs: s.wallMs, errors: s.errors })],
  ];
  const res = parts.map(([name, f]) => {
    let raw = 0;
    let packed = 0;
    for (const c of chains) {
      const e = encode(c.map(f));
      raw += e.raw;
      packed += e.packed;
    }
    return { name, raw, packed };
  });
  const whole = res[0].packed;
  const totalBlock = bl.reduce((n, b) => n + b.packed, 0);
  const scale = totalBlock / chosenPacked; // the chosen blocks -> all blocks
  out.push(
    `\nParts of a sample (${chains.length} blocks of ${fmt(chosenSamples)} samples re-encoded part by part; the whole sample re-encoded: ${fmt(whole / chosenSamples, 1)} B per sample, stored: ${fmt(chosenPacked / chosenSamples, 1)}):\n`,
  );
  const rows3 = res
    .slice(1)
    .sort((a, b) => b.packed - a.packed)
    .map((r) => [r.name, fmt(r.packed / chosenSamples, 1), pct(r.packed, whole), fmt(r.raw / chosenSamples, 1), fmt((r.packed * scale) / samples, 1)]);
  out.push(table(rows3, ['part (encoded alone)', 'compressed B/sample', 'share of whole', 'raw B/sample', 'over all blocks, B/sample']));

  // 5. Roll-up rows by part.
  const { decodeRollup } = await import(join(root, 'dist', 'record', 'rollup-codec.js'));
  const { unpack } = await import(join(root, 'dist', 'record', 'block.js'));
  const rollupRows = db.prepare('SELECT tier, codec, raw_bytes, crc, data FROM rollup').all();
  const rparts = [
    ['figure ids, labels', (r) => ({ ids: r.figures.ids, labels: r.figures.labels, labelSets: r.figures.labelSets })],
    ['min, max, sum, count', (r) => ({ min: r.figures.min, max: r.figures.max, sum: r.figures.sum, count: r.figures.count })],
    ['sketches (zero, pos, neg)', (r) => ({ zero: r.figures.zero, pos: r.figures.pos, neg: r.figures.neg })],
    ['latency block rows', (r) => r.latency.block],
    ['latency runq rows', (r) => r.latency.runq],
    ['the rest (tier, times, counts, lost)', (r) => ({ ...r, figures: undefined, latency: { ...r.latency, block: undefined, runq: undefined } })],
  ];
  const byTier = new Map();
  for (const row of rollupRows) {
    let v;
    try {
      v = decodeRollup(unpack({ data: row.data, rawBytes: row.raw_bytes, crc: row.crc }));
    } catch {
      continue; // a codec this script's build does not know
    }
    const t = byTier.get(row.tier) ?? { n: 0, stored: 0, parts: rparts.map(() => 0) };
    t.n++;
    t.stored += row.data.length;
    rparts.forEach(([, f], i) => (t.parts[i] += encode([f(v)]).packed));
    byTier.set(row.tier, t);
  }
  if (byTier.size) {
    out.push('\nRoll-up rows by part (each part alone, compressed as the build compresses a row):\n');
    const rows4 = [];
    for (const [tier, t] of byTier) {
      const name = tier === 1 ? 'minute' : 'hour';
      rows4.push([`**${name} rows: ${fmt(t.n)}, stored**`, fmt(t.stored / t.n), per(t.stored)]);
      rparts.forEach(([p], i) => rows4.push([`${name}: ${p}`, fmt(t.parts[i] / t.n), per(t.parts[i])]));
    }
    out.push(table(rows4, ['part', 'B per row', 'B/sample']));
  }
  db.close();
  return out.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const dir = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
  if (!dir || !existsSync(join(dir, 'tailtop.db'))) {
    console.error('usage: node bench/store-breakdown.mjs STORE_DIR [--root DIR] [--blocks N]');
    process.exit(2);
  }
  console.log(await breakdown(dir, { root: opt('root', undefined), blocks: Number(opt('blocks', '60')) }));
}
