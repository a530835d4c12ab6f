// renderReport: one self-contained file (CSP with the hashes of exactly its inline scripts and styles, no
// URL but data:), the data inside decodes back to the input (at display precision), the size budget leaves
// heatmaps out least important first, and bad input is one line of ReportError.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReportError } from '../../src/report/errors.js';
import { SIGNIFICANT_DIGITS } from '../../src/report/payload.js';
import { renderReport, renderReportDetailed } from '../../src/report/render.js';
import { syntheticReport } from '../../src/report/synthetic.js';
import type { ReportData } from '../../src/report/types.js';
import { columnsOf, decodeReportFile } from '../report-file.js';

const small = (): ReportData => syntheticReport({ hours: 2, containers: 4, stepSec: 60, seed: 7 });
const close = (a: number | null, b: number | null): boolean => (a === null || b === null ? a === b : Math.abs(a - b) <= Math.abs(b) * 10 ** (1 - SIGNIFICANT_DIGITS) * 0.5 + 1e-12);

describe('renderReport: one self-contained file', () => {
  const data = small();
  const html = renderReport(data);

  it('is a whole HTML document whose CSP allows exactly its own inline scripts and styles', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/^default-src 'none'; /);
    const directive = (name: string): string[] => (csp.split('; ').find((d) => d.startsWith(`${name} `)) ?? '').split(' ').slice(1);
    const hash = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => hash(m[1]!));
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => hash(m[1]!));
    expect(scripts).toHaveLength(2); // uPlot, the page
    expect(styles).toHaveLength(2);
    expect(directive('script-src').sort()).toEqual(scripts.sort());
    expect(directive('style-src').sort()).toEqual(styles.sort());
    expect(directive('img-src')).toEqual(['data:']);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it('names no URL but data: in any attribute (no CDN, font, stylesheet or favicon fetch)', () => {
    const outsideScripts = html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '').replace(/<style>[\s\S]*?<\/style>/g, '');
    const urls = [...outsideScripts.matchAll(/\s(?:src|href|action|poster|srcset)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(0); // the favicon
    for (const u of urls) expect(u).toMatch(/^data:/);
    expect(outsideScripts).not.toMatch(/@import|url\(/);
    expect(html).toMatch(/<link rel="icon" href="data:/);
  });

  it('carries the data: every series and heatmap decodes back to the input', () => {
    const d = decodeReportFile(html);
    const r = d.doc.report;
    expect(r.time).toEqual(data.time);
    for (const [k, s] of data.series.entries()) {
      expect(r.series[k].id).toBe(s.id);
      s.values.forEach((v, i) => expect(close(r.series[k].values[i], v), `${s.id}[${i}]`).toBe(true));
      expect(close(r.series[k].stats.p99, s.stats!.p99)).toBe(true);
    }
    for (const [k, disk] of data.disks.entries()) {
      for (const [j, lat] of disk.latency.entries()) {
        expect(columnsOf(d, r.disks[k].latency[j])).toEqual(lat.columns);
        expect(r.disks[k].latency[j].total.count).toBe(lat.total.count);
      }
    }
    for (const [k, c] of data.containers.entries()) {
      expect(r.containers[k].name).toBe(c.name);
      for (const [j, lat] of c.latency.entries()) expect(columnsOf(d, r.containers[k].latency[j])).toEqual(lat.columns);
    }
    expect(d.doc.buckets.lowerUs).toHaveLength(320);
  });

  it('makes the same file from the same document', () => {
    expect(renderReport(small())).toBe(html);
  });
});

describe('renderReport: size budget', () => {
  it('leaves heatmaps out least important first (containers before the disks) and stays under the limit', () => {
    const data = small();
    const full = renderReportDetailed(data);
    expect(full.droppedHeatmaps).toBe(0);
    const maxBytes = Math.floor(full.bytes * 0.8);
    const cut = renderReportDetailed(data, { maxBytes });
    expect(cut.bytes).toBeLessThanOrEqual(maxBytes);
    expect(cut.droppedHeatmaps).toBeGreaterThan(0);
    const d = decodeReportFile(cut.html);
    const r = d.doc.report;
    // The order: the disks' heatmaps, the host run queue, then the containers'.
    const diskRanks = r.disks.flatMap((x: { latency: { heat: number }[] }) => x.latency.map((l) => l.heat));
    expect(diskRanks).toEqual(diskRanks.map((_: number, k: number) => k));
    expect(r.runq.heat).toBe(diskRanks.length);
    const containerLats: { heat: number; p99: unknown[] }[] = r.containers.flatMap((c: { latency: unknown[] }) => c.latency);
    for (const l of containerLats) expect(l.heat).toBeGreaterThan(r.runq.heat);
    // What is kept is a prefix of that order: every disk here, and what went were containers' heatmaps.
    const all = [...r.disks.flatMap((x: { latency: unknown[] }) => x.latency), r.runq, ...containerLats] as { heat: number }[];
    for (const l of all) expect(columnsOf(d, l) !== null, `rank ${l.heat}`).toBe(l.heat < cut.keptHeatmaps);
    expect(cut.keptHeatmaps).toBeGreaterThan(diskRanks.length);
    const gone = containerLats.filter((l) => columnsOf(d, l) === null);
    expect(gone).toHaveLength(cut.droppedHeatmaps);
    // Their percentile lines stay.
    for (const l of gone) expect(l.p99).toHaveLength(data.time.length);
  });

  it('still makes the file when even the document without heatmaps is over the limit', () => {
    const res = renderReportDetailed(small(), { maxBytes: 10_000 });
    expect(res.keptHeatmaps).toBe(0);
    expect(res.bytes).toBeGreaterThan(10_000);
  });
});

describe('renderReport: bad input', () => {
  const oneLine = (f: () => unknown): ReportError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ReportError);
      expect((e as Error).message).not.toMatch(/\n/);
      return e as ReportError;
    }
    throw new Error('did not throw');
  };

  it('an empty range: kind empty, exit 2, the range in the message', () => {
    const d = small();
    const e = oneLine(() => renderReport({ ...d, time: [] }));
    expect(e.kind).toBe('empty');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`report: nothing was recorded between ${new Date(d.range.from * 1000).toISOString().replace('.000Z', 'Z')} and ${new Date(d.range.to * 1000).toISOString().replace('.000Z', 'Z')}`);
  });

  it('names the field that breaks the contract', () => {
    const d = small();
    const n = d.time.length;
    const cases: [string, (x: ReportData) => void, RegExp][] = [
      ['short series', (x) => x.disks[0]!.series[1]!.values.pop(), new RegExp(`disks\\[0\\]\\.series\\[1\\]\\.values \\(disk\\.write\\.bytes_per_sec\\) has ${n - 1} values for ${n} time steps`)],
      ['NaN', (x) => (x.series[0]!.values[3] = Number.NaN), /series\[0\]\.values \(host\.cpu\.percent\)\[3\] must be a finite number or null/],
      ['axis not ascending', (x) => (x.time[5] = x.time[4]!), /time\[5\] \(.*\) is not after time\[4\]/],
      ['time outside the range', (x) => (x.time[n - 1] = x.range.to + 3600), /time\[\d+\] .* lies outside the range/],
      ['inverted range', (x) => (x.range = { from: x.range.to, to: x.range.from }), /range is empty: from .* is not before to/],
      ['bucket index', (x) => (x.disks[0]!.latency[0]!.columns![2] = [[400, 1]]), /disks\[0\]\.latency\[0\]\.columns\[2\]\[0\] has bucket index 400 \(0-319\)/],
      ['buckets out of order', (x) => (x.disks[0]!.latency[0]!.columns![2] = [[90, 1], [80, 2]]), /columns\[2\]\[1\] bucket indexes must ascend/],
      ['negative count', (x) => (x.disks[0]!.latency[0]!.columns![2] = [[90, -1]]), /has count -1/],
      ['unit', (x) => ((x.series[0] as { unit: string }).unit = 'furlongs'), /series\[0\]\.unit must be one of/],
      ['figure id', (x) => (x.series[0]!.id = 'Host CPU'), /series\[0\]\.id must be a figure id like host\.cpu\.percent/],
      ['repeated figure', (x) => (x.series[1]!.id = x.series[0]!.id), /series\[1\] repeats the figure host\.cpu\.percent/],
      ['schema', (x) => ((x as { schemaVersion: number }).schemaVersion = 2), /schemaVersion is 2; this tailtop renders version 1/],
      ['time zone', (x) => (x.host.timeZone = 'Mars/Olympus'), /host\.timeZone is not a time zone/],
      ['alert', (x) => (x.alerts[0]!.to = x.alerts[0]!.from - 60), /alerts\[0\] ends .* before it starts/],
      ['container', (x) => ((x.containers as unknown[])[1] = null), /containers\[1\] must be an object/],
      ['step', (x) => (x.stepSec = 0), /stepSec must be above 0/],
    ];
    for (const [what, spoil, msg] of cases) {
      const x = structuredClone(d);
      spoil(x);
      const e = oneLine(() => renderReport(x));
      expect(e.kind, what).toBe('invalid');
      expect(e.message, what).toMatch(msg);
    }
  });

  it('shows untrusted text without its control, bidi or zero-width characters', () => {
    const d = small();
    d.containers[0]!.name = 'evil\u001b]0;PWNED\u0007\u202e</script><img src=x onerror=alert(1)>\u200b';
    d.containers[0]!.labels = { 'team\u0000': 'a\u2066b' };
    const html = renderReport(d);
    const r = decodeReportFile(html).doc.report;
    expect(r.containers[0].name).toBe('evil]0;PWNED</script><img src=x onerror=alert(1)>');
    expect(r.containers[0].labels).toEqual({ team: 'ab' });
    // The text travels inside the base64 data: it never reaches the markup.
    expect(html).not.toContain('onerror=alert');
  });
});
