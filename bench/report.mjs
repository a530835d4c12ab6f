// HTML report: size of the file and time until the page is interactive in headless chromium, for 24 hours
// of a host with 20 containers and eBPF on (the target: <= 5 MB, interactive <= 2 s). First from a real
// store: synthetic SampleSets (bench/sample-sets.mjs) written through the real StoreWriter with the
// catalogue's roll-ups, then `tailtop report`'s own path (reportFromStore over the store, renderReport);
// then from synthetic ReportData documents (the renderer and page alone).
//   npm run build && node bench/report.mjs [--runs 5] [--hours 24] [--containers 20] [--store-interval 10000] [--keep FILE] [--screenshot PNG]
// The store is kept in $TMPDIR/tailtop-bench-report-store-<hours>h-<containers>c-<interval>ms for the next run.
// --screenshot saves the first report's sda disk section as the README shows it (docs/report.png).
// "Interactive" = from navigation start until the page has decoded its data and drawn every chart
// (window.tailtopReport.ready); then a zoom on one chart is timed until every chart has redrawn.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { args, opt } from './cli-args.mjs';

const RUNS = Number(opt('runs', '5'));
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { syntheticReport } = await dist('report/synthetic.js');
const { renderReportDetailed } = await dist('report/render.js');
const { chromium } = await import('playwright-core');

let shot = false;

/** A store of `hours` of synthetic SampleSets through the real writer (kept for the next run). */
async function benchStore(hours, containers, intervalMs) {
  const { existsSync } = await import('node:fs');
  const storeDir = join(tmpdir(), `tailtop-bench-report-store-${hours}h-${containers}c-${intervalMs}ms`);
  const n = Math.floor((hours * 3_600_000) / intervalMs) + 60;
  if (existsSync(join(storeDir, 'complete'))) return { storeDir, writeMs: null, samples: n };
  rmSync(storeDir, { recursive: true, force: true });
  const { StoreWriter } = await dist('record/writer.js');
  const { figuresOf } = await dist('model/catalogue.js');
  const { sampleGenerator } = await import(pathToFileURL(join(root, 'bench', 'sample-sets.mjs')).href);
  const gen = sampleGenerator({ seed: 5, containers, processes: 150, ebpf: true, intervalMs, startWallMs: Date.UTC(2026, 0, 1) });
  const t = performance.now();
  const w = StoreWriter.open({ dir: storeDir, tailtopVersion: 'bench', intervalMs, figuresOf });
  for (let i = 0; i < n; i++) {
    w.append(gen.next());
    if (i % 2000 === 0) await w.idle();
  }
  await w.close();
  writeFileSync(join(storeDir, 'complete'), '');
  return { storeDir, writeMs: performance.now() - t, samples: n };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

async function measure(label, o, make = () => syntheticReport(o)) {
  let t = performance.now();
  const data = await make();
  const genMs = performance.now() - t;
  t = performance.now();
  const res = renderReportDetailed(data);
  const renderMs = performance.now() - t;
  const dir = mkdtempSync(join(tmpdir(), 'tailtop-bench-report-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, res.html);
  if (opt('keep')) writeFileSync(opt('keep'), res.html);
  const url = pathToFileURL(file).href;
  const ready = [];
  const zoom = [];
  const decode = [];
  let charts = 0;
  let requests = 0;
  for (let run = 0; run < RUNS; run++) {
    const ctx = await chromium.launchPersistentContext(join(dir, `profile-${run}`), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1440, height: 940 },
    });
    await ctx.route('**/*', (r) => (r.request().url() === url ? r.continue() : (requests++, r.abort())));
    const page = await ctx.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.tailtopReport?.ready || window.tailtopReport?.error, null, { timeout: 60_000 });
    const m = await page.evaluate(async () => {
      const rt = window.tailtopReport;
      if (rt.error) throw new Error(rt.error);
      const t = rt.data.time;
      const t0 = performance.now();
      rt.setRange(t[Math.floor(t.length * 0.4)], t[Math.floor(t.length * 0.45)]);
      await new Promise((r) => requestAnimationFrame(() => r()));
      return { readyAt: rt.timings.readyAt, decodeMs: rt.timings.decodeMs, zoomMs: performance.now() - t0, charts: rt.charts.length };
    });
    if (run === 0 && opt('screenshot') && !shot) {
      shot = true;
      await page.evaluate((t) => window.tailtopReport.setRange(t[0], t[t.length - 1]), await page.evaluate(() => window.tailtopReport.data.time));
      await page.evaluate(() => {
        const h = [...document.querySelectorAll('#disks h3')].find((e) => e.textContent === 'sda');
        window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 44);
      });
      const box = await page.locator('figure[data-chart="disk.sda.write.latency"] .u-over').boundingBox();
      await page.mouse.move(box.x + box.width * 0.5625 + 2, box.y + box.height * 0.25);
      await page.screenshot({ path: opt('screenshot') });
    }
    ready.push(m.readyAt);
    zoom.push(m.zoomMs);
    decode.push(m.decodeMs);
    charts = m.charts;
    await ctx.close();
  }
  rmSync(dir, { recursive: true, force: true });
  const mb = (res.bytes / 1e6).toFixed(2);
  console.log(
    `| ${label} | ${data.time.length} × ${data.stepSec}s | ${mb} MB | ${res.keptHeatmaps}/${res.keptHeatmaps + res.droppedHeatmaps} | ${ms(genMs)} | ${ms(renderMs)} | ${ms(median(decode))} | **${ms(median(ready))}** (${ready.map((x) => x.toFixed(0)).join(', ')}) | ${ms(median(zoom))} | ${charts} | ${requests} |`,
  );
}

console.log(`node ${process.version}, chromium at /usr/bin/chromium, ${RUNS} page loads each (median; all loads in brackets)\n`);
console.log('| report | steps | file | heatmaps kept | build the document | render | decode in page | interactive | zoom redraw | charts | requests |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
const hours = Number(opt('hours', '24'));
const containers = Number(opt('containers', '20'));
const storeInterval = Number(opt('store-interval', '10000'));
const { storeDir, writeMs, samples } = await benchStore(hours, containers, storeInterval);
const { StoreReader } = await dist('record/reader.js');
const { reportFromStore } = await dist('report/from-store.js');
await measure(`store: ${hours} h, ${containers} containers, eBPF on (tailtop report)`, {}, () => {
  const reader = StoreReader.open(storeDir);
  try {
    const span = reader.span();
    return reportFromStore(reader, { fromMs: span.toMs - hours * 3_600_000, toMs: span.toMs, tailtopVersion: 'bench' }).data;
  } finally {
    reader.close();
  }
});
console.log(`\n(store: ${samples} samples every ${storeInterval} ms through the real writer${writeMs === null ? ', reused' : ` in ${(writeMs / 1000).toFixed(0)} s`})\n`);
await measure(`synthetic: ${hours} h, ${containers} containers, eBPF on`, { hours, containers, ebpf: true });
if (!opt('hours')) {
  await measure('24 h, 20 containers, eBPF off', { hours: 24, containers: 20, ebpf: false });
  await measure('1 h, 20 containers, eBPF on', { hours: 1, containers: 20, ebpf: true });
  await measure('24 h, 3 containers (--containers), eBPF on', { hours: 24, containers: 3, ebpf: true });
}
