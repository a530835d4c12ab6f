import { afterEach, describe, expect, test } from 'vitest';
import { DiskView, createDiskView } from '../../src/ui/views/disk.js';
import { SHADES, buildHeatmap, renderHeatmap, shadeLevel } from '../../src/ui/heatmap.js';
import { barText, histogramBars, renderHistogramBars } from '../../src/ui/histogram-bars.js';
import { COLOR_THEME, MONO_THEME, frame, harness, latRow, latency } from './ui-views-fixtures.js';
import type { Harness } from './ui-views-fixtures.js';
import { Store } from '../../src/store/store.js';
import type { HeatmapColumn } from '../../src/store/store.js';

let h: Harness | null = null;
afterEach(() => {
  h?.destroy();
  h = null;
});

describe('heatmap', () => {
  const cols: HeatmapColumn[] = [
    { atMs: 1000, buckets: [[100, 10]] },
    { atMs: 2000, buckets: null },
    { atMs: 3000, buckets: [[100, 5], [1000, 10]] },
  ];

  test('shade levels', () => {
    expect(shadeLevel(0, 10)).toBe(0);
    expect(shadeLevel(1, 10)).toBe(1);
    expect(shadeLevel(3, 10)).toBe(2);
    expect(shadeLevel(10, 10)).toBe(4);
    expect(SHADES.join('')).toBe(' ░▒▓█');
  });

  test('grid: newest right, log rows, highest latency on top', () => {
    const g = buildHeatmap(cols, 5, 8);
    expect(g.rowsPerOctave).toBe(2);
    expect(g.cells).toHaveLength(8);
    expect(g.colAtMs).toEqual([null, null, 1000, 2000, 3000]);
    expect(g.max).toBe(10);
    expect(g.cells[7]).toEqual([0, 0, 10, 0, 5]); // the 100µs bucket (64-128µs half octaves)
    expect(g.cells[1]).toEqual([0, 0, 0, 0, 10]); // the 1000µs bucket
    expect(g.rowBoundsUs[7]![1]).toBeCloseTo(128);
    expect(g.rowBoundsUs[1]![1]).toBeCloseTo(1024);
  });

  test('rendered shades and y-axis labels (mono: no colour tags)', () => {
    const lines = renderHeatmap(buildHeatmap(cols, 5, 8), MONO_THEME, { axisWidth: 7 });
    expect(lines).toHaveLength(9);
    expect(lines[7]).toBe('  128µs│  █ ▒');
    expect(lines[1]).toBe(' 1.02ms│    █');
    expect(lines[0]).toBe('       │     ');
    expect(lines[8]).toBe('       └─────');
    const colored = renderHeatmap(buildHeatmap(cols, 5, 8), COLOR_THEME, { axisWidth: 7 });
    expect(colored[7]).toMatch(/\{#[0-9a-f]{6}-fg\}█\{\/#[0-9a-f]{6}-fg\}/);
  });

  test('coarser rows when the range does not fit the height', () => {
    const g = buildHeatmap([{ atMs: 0, buckets: [[2, 1], [4_000_000, 1]] }], 3, 6);
    expect(g.cells.length).toBeLessThanOrEqual(6);
    expect(g.rowsPerOctave).toBeLessThan(1);
    expect(g.cells.flat().reduce((a, b) => a + b, 0)).toBe(2);
  });

  test('empty input gives an empty grid', () => {
    expect(buildHeatmap([], 10, 5).cells).toHaveLength(0);
    expect(buildHeatmap([{ atMs: 0, buckets: null }], 10, 5).cells).toHaveLength(0);
  });
});

describe('histogram bars', () => {
  test('power-of-two rows with counts and percentile marks', () => {
    const bars = histogramBars(
      [[100, 10], [120, 5], [1000, 30], [5000, 1]],
      [{ label: 'p50', us: 900 }, { label: 'p95', us: 1000 }, { label: 'p99', us: 4000 }],
    );
    expect(bars.map((b) => b.count)).toEqual([15, 0, 0, 30, 0, 0, 1]);
    expect(bars[0]).toMatchObject({ loUs: 64, hiUs: 128 });
    expect(bars[3]!.marks).toEqual(['p50', 'p95']);
    expect(bars[5]!.marks).toEqual(['p99']);
    const lines = renderHistogramBars(bars, 60, MONO_THEME);
    expect(lines).toHaveLength(7);
    expect(lines[3]).toMatch(/^\s*512µs-1\.02ms │█+ 30 ◄p50 p95$/);
    expect(lines[0]).toMatch(/^\s*64µs-128µs │█+▌?\s+15$/);
    expect(lines[1]).toMatch(/│\s+0$/);
    expect(lines[5]).toMatch(/0 ◄p99$/);
    expect(lines.every((l) => l.length <= 60)).toBe(true);
  });

  test('half-octave rows when asked and they fit', () => {
    const bars = histogramBars([[100, 10], [1000, 30]], [{ label: 'p50', us: 1000 }], 32, 2);
    expect(bars).toHaveLength(7);
    expect(bars[0]!.loUs).toBeCloseTo(90.51, 1);
    expect(bars[6]).toMatchObject({ count: 30, marks: ['p50'] });
    expect(bars[6]!.hiUs).toBeCloseTo(1024);
    expect(histogramBars([[100, 10], [1000, 30]], [], 4, 2)).toHaveLength(4);
  });

  test('merges rows beyond maxRows; bar text uses eighth blocks', () => {
    const bars = histogramBars([[2, 1], [1 << 20, 1]], [], 8);
    expect(bars.length).toBeLessThanOrEqual(8);
    expect(bars.reduce((s, b) => s + b.count, 0)).toBe(2);
    expect(barText(0.5, 4)).toBe('██  ');
    expect(barText(0.01, 4)).toBe('▏   ');
    expect(barText(0, 4)).toBe('    ');
    expect(histogramBars([])).toEqual([]);
  });
});

describe('disk view', () => {
  function mount(cols: number, lines: number, theme = COLOR_THEME): DiskView {
    const v = createDiskView('sda') as DiskView;
    h = harness(v, cols, lines, new Store(), theme);
    for (let i = 0; i < 20; i++) {
      const cur = [
        latRow('sda', 'read', { buckets: [[256, 50 + i], [1024, 10], [8192, i % 3]] }),
        latRow('sda', 'write', { buckets: [[16384, 40], [32768, 5]], p50Us: 15000, p95Us: 30000, p99Us: 32000 }),
        latRow('sda', 'flush', { count: 7, buckets: [[100, 7]] }),
      ];
      h.store.push(frame(i, { latency: latency(true, { block: cur }, cur) }));
    }
    return v;
  }

  test('80x24: heatmap with shades and µs/ms axis, histogram with marks, service vs total, other ops', () => {
    mount(80, 24);
    const lines = h!.text();
    expect(lines[0]).toContain('Disk sda — read latency (tab: write)');
    const heat = lines.filter((l) => /│/.test(l) && !/ ◄|\d$/.test(l) && l.indexOf('│') === 8);
    expect(heat.length).toBeGreaterThan(3);
    expect(heat.join('')).toMatch(/[░▒▓█]/);
    expect(heat.some((l) => /^\s*\d+(\.\d+)?(µs|ms)│/.test(l))).toBe(true);
    // Newest on the right: the last column of the 256µs row is shaded.
    const axis = lines.find((l) => l.includes('└'))!;
    expect(axis.trimEnd().endsWith('now')).toBe(true);
    const all = lines.join('\n');
    expect(all).toMatch(/service \(issue→complete\):\s+n=100\s+p50 200µs\s+p95 900µs\s+p99 1\.50ms/);
    expect(all).toMatch(/total \(insert→complete\):\s+p50 300µs\s+p95 1\.20ms\s+p99 2\.50ms/);
    expect(all).toContain('other ops (10s): write 100, flush 7');
    expect(all).toMatch(/128µs-256µs │█+.* ◄p50/);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });

  test('tab toggles read/write', () => {
    const v = mount(160, 50);
    expect(v.command('focusNext', h!.ctx)).toEqual({ kind: 'none' });
    const lines = h!.text();
    expect(lines[0]).toContain('write latency (tab: read)');
    const labels = lines.filter((l) => /^\s*\d+(\.\d+)?ms│/.test(l)).map((l) => l.slice(0, 8).trim());
    expect(labels).toContain('32.8ms');
    expect(lines.join('\n')).toMatch(/◄p50 p95 p99|◄p95 p99|◄p50/);
    expect(v.command('back', h!.ctx)).toBeNull();
  });

  test('mono theme: shades still show', () => {
    mount(80, 24, MONO_THEME);
    expect(h!.text().join('\n')).toMatch(/[░▒▓█]/);
  });

  test('opens on the op given with the device ("sda write", from the latency view\'s selected row)', () => {
    const w = createDiskView('sda write') as DiskView;
    expect([w.device, w.op]).toEqual(['sda', 'write']);
    const r = createDiskView('sda read') as DiskView;
    expect([r.device, r.op]).toEqual(['sda', 'read']);
    const plain = createDiskView('nvme0n1') as DiskView;
    expect([plain.device, plain.op]).toEqual(['nvme0n1', 'read']);
  });

  test('eBPF inactive: the reason, no heatmap, dashes', () => {
    const v = createDiskView('sda') as DiskView;
    h = harness(v, 80, 24);
    h.store.push(frame(0, { latency: latency(false) }));
    const all = h.text().join('\n');
    expect(all).toContain('eBPF: helper not built (make -C bpf)');
    expect(all).toContain('heatmap: — (eBPF: helper not built (make -C bpf))');
    expect(all).toMatch(/service \(issue→complete\):\s+n=—\s+p50 —/);
    expect(all).toContain('other ops (10s): —');
  });
});
