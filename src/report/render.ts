// renderReport: one self-contained HTML file from a ReportData. Everything is inlined: uPlot and its CSS, the
// page's own script and CSS (assets/report/), and the data, checked and rounded (payload.ts), gzip-compressed
// and base64-encoded, which the page decodes with the browser's DecompressionStream. A Content-Security-Policy
// with `default-src 'none'` and the hashes of the inline scripts and styles lets the page make no request of
// any kind (the favicon is a data: URL). The file stays under a size budget: when the latency heatmaps would
// take it over, the least important heatmaps are carried as their percentile lines only, and the page says so.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { PageContainer, PageLatency, PageReport, Payload } from './payload.js';
import { toPayload } from './payload.js';
import type { ReportData } from './types.js';

export interface RenderOptions {
  /** Largest file to make, bytes (default 5,000,000). Heatmaps are dropped to stay under it. */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 5_000_000;

interface Assets {
  uplotJs: string;
  uplotCss: string;
  pageJs: string;
  pageCss: string;
}

let assets: Assets | null = null;

/** The inlined files, read once. The page's own live in assets/report/ beside src/ and dist/. */
function loadAssets(): Assets {
  if (assets) return assets;
  const require = createRequire(import.meta.url);
  const read = (p: string): string => readFileSync(p, 'utf8');
  const page = (f: string): string => read(new URL(`../../assets/report/${f}`, import.meta.url).pathname);
  const a: Assets = {
    uplotJs: read(require.resolve('uplot/dist/uPlot.iife.min.js')),
    uplotCss: read(require.resolve('uplot/dist/uPlot.min.css')),
    pageJs: page('page.js'),
    pageCss: page('page.css'),
  };
  for (const [name, text] of Object.entries(a)) {
    // Inline content must not close its element early.
    if (/<\/(script|style)/i.test(text)) throw new Error(`report asset ${name} contains a closing </script> or </style>`);
  }
  assets = a;
  return a;
}

function avgOf(c: PageContainer, id: string): number {
  return c.series.find((s) => s.id === id)?.stats?.avg ?? 0;
}

/**
 * Heatmaps in the order they are kept when the file would be too large: the disks' first (the issue's
 * centre), then the host run queue, then the containers', alternating block I/O of the busiest containers by
 * I/O and run queue of the busiest by CPU.
 */
function heatmapPriority(r: PageReport): PageLatency[] {
  const out: PageLatency[] = [];
  for (const d of r.disks) out.push(...d.latency);
  if (r.runq) out.push(r.runq);
  const io = (c: PageContainer): number => avgOf(c, 'container.block.read.bytes_per_sec') + avgOf(c, 'container.block.write.bytes_per_sec');
  const byIo = [...r.containers].sort((a, b) => io(b) - io(a));
  const byCpu = [...r.containers].sort((a, b) => avgOf(b, 'container.cpu_percent') - avgOf(a, 'container.cpu_percent'));
  for (let k = 0; k < r.containers.length; k++) {
    out.push(...byIo[k]!.latency.filter((l) => l.kind === 'block'));
    out.push(...byCpu[k]!.latency.filter((l) => l.kind !== 'block'));
  }
  return out;
}

/** Gzip level of the heatmap pieces: level 9 makes them 8% smaller and takes four times as long. */
const HEAT_LEVEL = 6;

/** base64 of `n` bytes in lines of 76 characters, with the element around it: bytes in the file. */
function base64Bytes(n: number): number {
  const chars = 4 * Math.ceil(n / 3);
  return chars + Math.ceil(chars / 76) + BLOB_OVERHEAD;
}

const BLOB_OVERHEAD = '<script type="application/gzip+base64" data-heat="9999">\n</script>\n'.length;

function base64Lines(b: Buffer): string {
  const s = b.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < s.length; i += 76) lines.push(s.slice(i, i + 76));
  return lines.join('\n');
}

interface Encoded {
  /** The document without heatmap columns: each heatmap names its piece (`heat`), null when it has none. */
  main: Buffer;
  /** Heatmap columns, gzip of JSON each, in priority order; the ones past the budget left out. */
  heat: Buffer[];
  /** Heatmaps left out to stay under the budget. */
  dropped: number;
}

/**
 * The page's data in pieces: the main document, then one piece per heatmap in priority order, each its own
 * gzip (gzip's window is 32 KiB, so compressing them together would save next to nothing), so that each
 * piece's size is known exactly and the heatmaps that would take the file past `budget` bytes are left out.
 */
function encodeData(p: Payload, budget: number): Encoded {
  const ranked = heatmapPriority(p.report).filter((l) => l.columns !== null);
  const rank = new Map(ranked.map((l, k) => [l, k]));
  const wire = (l: PageLatency): Omit<PageLatency, 'columns'> & { heat: number | null } => {
    const { columns: _columns, ...rest } = l;
    return { ...rest, heat: rank.get(l) ?? null };
  };
  const r = p.report;
  const doc = {
    report: {
      ...r,
      runq: r.runq ? wire(r.runq) : null,
      disks: r.disks.map((d) => ({ ...d, latency: d.latency.map(wire) })),
      containers: r.containers.map((c) => ({ ...c, latency: c.latency.map(wire) })),
    },
    buckets: p.buckets,
  };
  const main = gzipSync(JSON.stringify(doc), { level: 9 });
  let used = base64Bytes(main.length);
  const heat: Buffer[] = [];
  for (const l of ranked) {
    const piece = gzipSync(JSON.stringify(l.columns), { level: HEAT_LEVEL });
    const cost = base64Bytes(piece.length);
    if (used + cost > budget) break;
    used += cost;
    heat.push(piece);
  }
  return { main, heat, dropped: ranked.length - heat.length };
}

const sha256 = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// A 16x16 icon drawn in SVG: three bars of a latency histogram. A data: URL, so the browser fetches nothing.
const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect x='1' y='9' width='4' height='6' fill='%23e6550d'/%3E%3Crect x='6' y='3' width='4' height='12' fill='%23fd8d3c'/%3E%3Crect x='11' y='11' width='4' height='4' fill='%23fdae6b'/%3E%3C/svg%3E";

/** One self-contained HTML page from a report document. Throws ReportError for empty or invalid data. */
export function renderReport(data: ReportData, opts: RenderOptions = {}): string {
  return renderReportDetailed(data, opts).html;
}

export interface RenderResult {
  html: string;
  bytes: number;
  /** Heatmaps carried in full, and those left out (their percentile lines kept) to stay under maxBytes. */
  keptHeatmaps: number;
  droppedHeatmaps: number;
}

/**
 * renderReport with what it did: the file's size and how many heatmaps the size budget left out (for the
 * CLI to say so). The file exceeds maxBytes only when the document without any heatmap does.
 */
export function renderReportDetailed(data: ReportData, opts: RenderOptions = {}): RenderResult {
  const payload = toPayload(data);
  const a = loadAssets();
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const r = payload.report;
  const title = `tailtop report: ${r.host.hostname}, ${new Date(r.range.from * 1000).toISOString().slice(0, 16).replace('T', ' ')} to ${new Date(r.range.to * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const csp = [
    "default-src 'none'",
    `script-src ${[a.uplotJs, a.pageJs].map(sha256).join(' ')}`,
    `style-src ${[a.uplotCss, a.pageCss].map(sha256).join(' ')}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const head = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="referrer" content="no-referrer">',
    `<meta name="generator" content="tailtop ${escapeHtml(r.tailtopVersion)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<link rel="icon" href="${FAVICON}">`,
    `<style>${a.uplotCss}</style>`,
    `<style>${a.pageCss}</style>`,
    '</head>',
    '<body>',
    '<noscript><p class="noscript">This report draws its charts with JavaScript, which is turned off in this browser. The data is inside the file (gzip, base64, in the elements of type application/gzip+base64).</p></noscript>',
    '<main id="report" aria-busy="true"><p class="loading">Decoding the report…</p></main>',
    '<script type="application/gzip+base64" id="tailtop-data">',
  ].join('\n');
  const tail = [`<script>${a.uplotJs}</script>`, `<script>${a.pageJs}</script>`, '</body>', '</html>', ''].join('\n');
  const fixed = Buffer.byteLength(head) + Buffer.byteLength(tail);
  const enc = encodeData(payload, maxBytes - fixed);
  const heat = enc.heat.map((b, k) => `<script type="application/gzip+base64" data-heat="${k}">\n${base64Lines(b)}\n</script>\n`).join('');
  const html = `${head}\n${base64Lines(enc.main)}\n</script>\n${heat}${tail}`;
  return { html, bytes: Buffer.byteLength(html), droppedHeatmaps: enc.dropped, keptHeatmaps: enc.heat.length };
}
