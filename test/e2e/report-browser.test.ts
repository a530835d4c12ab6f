// The report file in a real browser: Debian's chromium, headless, driven by playwright-core, every network
// request routed and counted (none allowed), no console error. Every chart's drawn series are read back
// through the page's uPlot objects and compared with the input document; zooming one chart moves all;
// heatmap cells carry the input bucket counts (and are painted in their colour); the container picker
// shows any container's charts; dark and print media render. Screenshots go to test-artifacts/.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { renderReport } from '../../src/report/render.js';
import { syntheticReport } from '../../src/report/synthetic.js';
import type { LatencyData, ReportData, Series } from '../../src/report/types.js';
import { REPO, requirement } from '../env.js';
import { CHROMIUM, openReport, type OpenedReport } from '../report-browser.js';

const skip = requirement('chromium', existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
const ARTIFACTS = join(REPO, 'test-artifacts');

/** A 6-hour report at 1-minute steps: 3 disks, 8 containers (one restarts: a gap), eBPF on, alerts. */
const data: ReportData = syntheticReport({ hours: 6, containers: 8, stepSec: 60, seed: 3 });
const file = join(ARTIFACTS, 'report-test.html');

let page: Page;
let opened: OpenedReport | null = null;
let requests: string[] = [];
let errors: string[] = [];

/** Input values for a chart series' source (see page.js: `scope/figure[+figure]` or `scope/latency#pXX`). */
function inputOf(source: string): (number | null)[] {
  const [scope, rest] = [source.slice(0, source.indexOf('/')), source.slice(source.indexOf('/') + 1)];
  const [what, line] = rest.split('#') as [string, string | undefined];
  let series: Series[];
  let lats: LatencyData[];
  if (scope === 'host') {
    series = data.series;
    lats = data.runq ? [{ ...data.runq, id: 'runq' }] : [];
  } else if (scope.startsWith('disk:')) {
    const d = data.disks.find((x) => x.name === scope.slice(5))!;
    series = d.series;
    lats = d.latency;
  } else if (scope.startsWith('net:')) {
    series = data.net.find((x) => x.name === scope.slice(4))!.series;
    lats = [];
  } else if (scope.startsWith('container:')) {
    const c = data.containers.find((x) => x.id === scope.slice(10))!;
    series = c.series;
    lats = c.latency;
  } else throw new Error(`unknown scope in ${source}`);
  if (line) {
    const [id, op] = what.split(':');
    const l = lats.find((x) => x.id === id && (op === undefined || x.op === op));
    if (!l) throw new Error(`no latency ${what} in ${scope}`);
    return l[line as 'p50' | 'p95' | 'p99'];
  }
  const parts = what.split('+').map((id) => series.find((s) => s.id === id)!.values);
  return data.time.map((_, i) => {
    let sum: number | null = null;
    for (const p of parts) if (p[i] != null) sum = (sum ?? 0) + p[i]!;
    return sum;
  });
}

/** Same value at display precision (4 significant digits, summed parts each rounded). */
function near(drawn: number | null, input: number | null, scale = 0): boolean {
  if (drawn === null || input === null) return drawn === input;
  return Math.abs(drawn - input) <= Math.max(Math.abs(input), scale) * 1.5e-3 + 1e-9;
}

interface ChartDump {
  id: string;
  kind: string;
  group: string;
  stacked: boolean;
  sources: string[];
  data: (number | null)[][];
  drawn: boolean[];
  width: number;
  xmin: number;
  xmax: number;
}

const dumpCharts = (p: Page): Promise<ChartDump[]> =>
  p.evaluate(() =>
    (window as any).tailtopReport.charts.map((c: any) => ({
      id: c.id,
      kind: c.kind,
      group: c.group,
      stacked: c.stacked,
      sources: c.series.map((s: any) => s.source),
      data: c.u.data.map((a: any) => Array.from(a)),
      drawn: c.u.series.slice(1).map((s: any) => s._paths != null && s.show),
      width: c.u.width,
      xmin: c.u.scales.x.min,
      xmax: c.u.scales.x.max,
    })),
  );

const ranges = (p: Page): Promise<[number, number][]> => p.evaluate(() => (window as any).tailtopReport.charts.map((c: any) => [c.u.scales.x.min, c.u.scales.x.max]));

describe.skipIf(skip !== null)('HTML report in chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(file, renderReport(data));
    // Chromium's hint about getImageData comes from this test's own pixel reads.
    opened = await openReport(file, (text) => text.includes('willReadFrequently'));
    ({ page, requests, errors } = opened);
  }, 90_000);

  afterAll(async () => {
    await opened?.close();
  });

  it('loads with no network request and no console error', async () => {
    expect(await page.evaluate(() => (window as any).tailtopReport.error)).toBeNull();
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.title()).toMatch(/^tailtop report: shop-prod-3, /);
    await page.screenshot({ path: join(ARTIFACTS, 'report-top.png') });
    // The charts as the README shows them (docs/report.png is a copy of this, taken from a 24-hour report).
    await page.evaluate(() => window.scrollTo(0, document.querySelector('#host')!.getBoundingClientRect().top + window.scrollY - 44));
    await page.screenshot({ path: join(ARTIFACTS, 'report-charts.png') });
    await page.evaluate(() => window.scrollTo(0, 0));
  });

  it('every chart has drawn series whose values are the input\'s', async () => {
    const charts = await dumpCharts(page);
    const ids = charts.map((c) => c.id);
    for (const want of ['host.cpu', 'host.memory', 'host.load', 'host.pressure', 'net.eth0', 'host.runq', 'containers.top.cpu', 'containers.top.memory', 'containers.top.io'])
      expect(ids).toContain(want);
    for (const d of data.disks) for (const w of ['throughput', 'iops', 'read.latency', 'write.latency']) expect(ids).toContain(`disk.${d.name}.${w}`);
    expect(charts.filter((c) => c.group.startsWith('container:')).length).toBeGreaterThan(8);
    let compared = 0;
    for (const c of charts) {
      expect(c.data[0], c.id).toEqual(data.time);
      expect(c.sources.length, c.id).toBeGreaterThan(0);
      expect(c.data.length, c.id).toBe(c.sources.length + 1);
      c.sources.forEach((src, k) => {
        expect(c.drawn[k], `${c.id} ${src} drawn`).toBe(true);
        const want = inputOf(src);
        const got = c.data[k + 1]!;
        expect(got.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) {
          // A stacked chart draws running sums: the series' own value is its sum less the one below.
          const below = c.stacked && k > 0 ? c.data[k]![i]! : 0;
          const v = got[i] === null ? null : got[i]! - (below ?? 0);
          if (!near(v, want[i]!, c.stacked ? got[i]! : 0)) throw new Error(`${c.id} ${src} [${i}]: drawn ${v}, input ${want[i]}`);
          compared++;
        }
      });
    }
    expect(compared).toBeGreaterThan(30_000);
    // The restarted container's gap is drawn as a gap (null), not as zero.
    const api = data.containers.find((x) => x.name === 'shop-api-1')!;
    const gap = api.series[0]!.values.indexOf(null);
    expect(gap).toBeGreaterThan(0);
    const apiCpu = charts.find((c) => c.id === `container:${api.id}.cpu`)!;
    expect(apiCpu.data[1]![gap]).toBeNull();
  });

  it('the canvases are painted (not blank)', async () => {
    const painted = await page.evaluate(() =>
      (window as any).tailtopReport.charts.map((c: any) => {
        const { left, top, width, height } = c.u.bbox;
        const px = c.u.ctx.getImageData(left, top, width, height).data as Uint8ClampedArray;
        let n = 0;
        for (let i = 3; i < px.length; i += 4 * 7) if (px[i]! > 0) n++;
        return n;
      }),
    );
    for (const n of painted) expect(n).toBeGreaterThan(50);
  });

  it('heatmap cells carry the input bucket counts and are painted in their colour', async () => {
    type Cells = { binSteps: number; cells: { i0: number; i1: number; bucket: number; count: number; color: string; x: number; y: number; w: number; h: number }[] };
    // One string from the page (playwright serialises a string far faster than thousands of objects).
    const heat = async (source: string): Promise<Cells> =>
      JSON.parse(await page.evaluate((src) => JSON.stringify((window as any).tailtopReport.heatmaps.find((h: any) => h.source === src), ['binSteps', 'cells', 'i0', 'i1', 'bucket', 'count', 'color', 'x', 'y', 'w', 'h']), source)) as Cells;
    const sda = data.disks.find((d) => d.name === 'sda')!;
    const write = sda.latency.find((l) => l.op === 'write')!;
    const check = async (): Promise<number> => {
      const h = await heat('disk:sda/disk.write.latency:write');
      expect(h.cells.length).toBeGreaterThan(100);
      // Each cell: the input counts of its bucket summed over the steps it covers.
      for (const cell of h.cells) {
        let want = 0;
        for (let i = cell.i0; i <= cell.i1; i++) for (const [b, n] of write.columns![i] ?? []) if (b === cell.bucket) want += n;
        if (cell.count !== want) throw new Error(`cell ${cell.i0}-${cell.i1} bucket ${cell.bucket}: ${cell.count} drawn, ${want} in the input`);
      }
      // And every request of the steps in view is in some cell.
      const steps = new Set<number>();
      for (const cell of h.cells) for (let i = cell.i0; i <= cell.i1; i++) steps.add(i);
      let inView = 0;
      for (const i of steps) for (const [, n] of write.columns![i] ?? []) inView += n;
      expect(h.cells.reduce((s, c) => s + c.count, 0)).toBe(inView);
      // The biggest cell is painted in its colour on the canvas.
      const big = h.cells.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a));
      const rgb = await page.evaluate(
        ([src, x, y]) => {
          const e = (window as any).tailtopReport.heatmaps.find((z: any) => z.source === src);
          return Array.from(e.chart.u.ctx.getImageData(x, y, 1, 1).data as Uint8ClampedArray).slice(0, 3);
        },
        ['disk:sda/disk.write.latency:write', big.x + Math.floor(big.w / 2), big.y + Math.floor(big.h / 2)] as const,
      );
      expect(`rgb(${rgb.join(', ')})`).toBe(big.color);
      return h.binSteps;
    };
    // The whole range: 360 one-minute steps on ~600 px, merged in pairs or more.
    expect(await check()).toBeGreaterThan(1);
    // Zoomed to 40 minutes: one cell per step and bucket, equal to the input pairs.
    await page.evaluate(([a, b]) => (window as any).tailtopReport.setRange(a, b), [data.time[100]!, data.time[140]!] as const);
    expect(await check()).toBe(1);
    await page.evaluate(() => (window as any).tailtopReport.resetRange());
  });

  it('zooming one chart (a mouse drag) gives every chart the same range; double-click resets all', async () => {
    const full = await ranges(page);
    const plot = page.locator('figure[data-chart="host.load"] .u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = await ranges(page);
    const [min, max] = zoomed[0]!;
    const [fmin, fmax] = full[0]!;
    expect(max - min).toBeLessThan((fmax - fmin) * 0.4);
    expect(max - min).toBeGreaterThan((fmax - fmin) * 0.2);
    for (const r of zoomed) expect(r).toEqual([min, max]);
    expect(await page.locator('#view-range').textContent()).toMatch(/^Showing .* to .*\(/);
    // The toolbar pans all of them.
    await page.getByRole('button', { name: '▶' }).click();
    const panned = await ranges(page);
    for (const r of panned) expect(r).toEqual(panned[0]);
    expect(panned[0]![0]).toBeGreaterThan(min);
    await page.locator('figure[data-chart="disk.sda.iops"] .u-over').dblclick();
    for (const r of await ranges(page)) expect(r).toEqual(full[0]);
    expect(errors).toEqual([]);
  });

  it('the container picker shows any container\'s charts, and the next pick replaces them', async () => {
    const cards = await page.evaluate(() => [...document.querySelectorAll('.cards .card')].map((e) => e.getAttribute('data-container')));
    const notShown = data.containers.filter((c) => !cards.includes(c.id));
    expect(notShown.length).toBeGreaterThan(0);
    const pick = async (id: string): Promise<void> => {
      await page.selectOption('#container-picker', id);
      const picked = (await dumpCharts(page)).filter((c) => c.group === 'picked');
      expect(picked.map((c) => c.id)).toEqual(expect.arrayContaining(['picked.cpu', 'picked.memory', 'picked.block', 'picked.net']));
      for (const c of picked) {
        c.sources.forEach((src, k) => {
          expect(src.startsWith(`container:${id}/`), src).toBe(true);
          expect(c.drawn[k]).toBe(true);
          const want = inputOf(src);
          want.forEach((v, i) => expect(near(c.data[k + 1]![i]!, v), `${c.id} ${src}[${i}]`).toBe(true));
        });
      }
      expect(await page.locator('#container-detail .card').getAttribute('data-container')).toBe(id);
    };
    await pick(notShown[0]!.id);
    // Picked while zoomed: the new charts take the range, and nobody else's range moves.
    await page.evaluate(([a, b]) => (window as any).tailtopReport.setRange(a, b), [data.time[60]!, data.time[90]!] as const);
    await pick(data.containers[data.containers.length - 1]!.id);
    for (const r of await ranges(page)) expect(r).toEqual([data.time[60], data.time[90]]);
    await page.evaluate(() => (window as any).tailtopReport.resetRange());
    expect(await page.locator('#container-detail .card').count()).toBe(1);
    // A click on a row of the table picks too.
    await page.locator(`table.containers tr[data-container="${notShown[0]!.id}"]`).click();
    expect(await page.locator('#container-detail .card').getAttribute('data-container')).toBe(notShown[0]!.id);
    expect(errors).toEqual([]);
  });

  it('follows a dark colour scheme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => getComputedStyle(document.documentElement).backgroundColor === 'rgb(20, 22, 26)');
    const stroke = await page.evaluate(() => {
      const u = (window as any).tailtopReport.charts[0].u;
      const s = u.axes[0].stroke;
      return typeof s === 'function' ? s(u, 0) : s;
    });
    expect(stroke).toBe('#9aa3b2');
    await page.locator('#disks').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'report-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(errors).toEqual([]);
  });

  it('print media: one column, light colours, no buttons; a PDF of many pages', async () => {
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    // The page resizes its charts on the media change event: wait for it (a few frames), then look.
    await page.waitForFunction(
      () => (window as any).tailtopReport.charts.filter((c: any) => c.group === 'host').every((c: any) => Math.abs(c.u.width - c.el.clientWidth) <= 2),
      null,
      { timeout: 10_000 },
    );
    const layout = await page.evaluate(() => ({
      bg: getComputedStyle(document.documentElement).backgroundColor,
      columns: getComputedStyle(document.querySelector('#host .grid')!).gridTemplateColumns.split(' ').length,
      buttons: [...document.querySelectorAll('.tools button')].map((b) => getComputedStyle(b).display),
      widths: (window as any).tailtopReport.charts.filter((c: any) => c.group === 'host').map((c: any) => [c.u.width, c.el.clientWidth]),
    }));
    expect(layout.bg).toBe('rgb(255, 255, 255)');
    expect(layout.columns).toBe(1);
    expect(new Set(layout.buttons)).toEqual(new Set(['none']));
    for (const [w, el] of layout.widths) expect(Math.abs(w - el)).toBeLessThanOrEqual(2);
    await page.screenshot({ path: join(ARTIFACTS, 'report-print.png'), fullPage: false });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    writeFileSync(join(ARTIFACTS, 'report.pdf'), pdf);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBeGreaterThan(3);
    await page.emulateMedia({ media: 'screen', colorScheme: 'light' });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(statSync(join(ARTIFACTS, 'report-top.png')).size).toBeGreaterThan(10_000);
  });
});
