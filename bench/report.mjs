// HTML report: size of the file and time until the page is interactive in headless chromium, for a synthetic
// 24-hour recording of a host with 20 containers and eBPF on (the target: <= 5 MB, interactive <= 2 s).
//   npm run build && node bench/report.mjs [--runs 5] [--hours 24] [--containers 20] [--keep FILE] [--screenshot PNG]
// --screenshot saves the first report's sda disk section as the README shows it (docs/report.png).
// "Interactive" = from navigation start until the page has decoded its data and drawn every chart
// (window.tailtopReport.ready); then a zoom on one chart is timed until every chart has redrawn.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '5'));
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { syntheticReport } = await dist('report/synthetic.js');
const { renderReportDetailed } = await dist('report/render.js');
const { chromium } = await import('playwright-core');

let shot = false;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

async function measure(label, o) {
  let t = performance.now();
  const data = syntheticReport(o);
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
console.log('| report | steps | file | heatmaps kept | synthesise | render | decode in page | interactive | zoom redraw | charts | requests |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
const hours = Number(opt('hours', '24'));
const containers = Number(opt('containers', '20'));
await measure(`${hours} h, ${containers} containers, eBPF on`, { hours, containers, ebpf: true });
if (!opt('hours')) {
  await measure('24 h, 20 containers, eBPF off', { hours: 24, containers: 20, ebpf: false });
  await measure('1 h, 20 containers, eBPF on', { hours: 1, containers: 20, ebpf: true });
  await measure('24 h, 3 containers (--containers), eBPF on', { hours: 24, containers: 3, ebpf: true });
}
