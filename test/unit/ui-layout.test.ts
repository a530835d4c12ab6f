import { describe, expect, it } from 'vitest';
import { overviewLayout, tooSmall, type Rect } from '../../src/ui/layout.js';
import { coreColumns } from '../../src/ui/panels/cpu.js';
import { tallSparkline } from '../../src/ui/panels/draw.js';

const inside = (r: Rect, w: number, h: number): boolean => r.top >= 0 && r.left >= 0 && r.top + r.height <= h && r.left + r.width <= w;

describe('overview layout', () => {
  const sizes: [number, number][] = [
    [40, 8],
    [80, 22],
    [100, 30],
    [160, 48],
    [250, 70],
  ];
  it.each(sizes)('%ix%i: every box inside the area, full width rows, no gaps', (w, h) => {
    const l = overviewLayout(w, h, { cores: 8, pressure: true });
    for (const r of Object.values(l)) expect(inside(r!, w, h), JSON.stringify(r)).toBe(true);
    expect(l.cpu).toMatchObject({ top: 0, left: 0, width: w });
    // Boxes of one row share borders: the last one ends at the right edge.
    const last = l.pressure ?? l.load!;
    expect(last.left + last.width).toBe(w);
    // The bottom row ends at the bottom edge.
    const bottom = Math.max(...Object.values(l).map((r) => r!.top + r!.height));
    expect(bottom).toBe(h);
  });

  it('80x22 shows all seven panels; PSI absent drops the pressure box', () => {
    expect(Object.keys(overviewLayout(80, 22, { cores: 4, pressure: true })).sort()).toEqual(['cpu', 'disks', 'latency', 'load', 'memory', 'network', 'pressure']);
    expect(overviewLayout(80, 22, { cores: 4, pressure: false }).pressure).toBeUndefined();
  });

  it('small areas drop the lower rows', () => {
    const l = overviewLayout(40, 8, { cores: 4, pressure: true });
    expect(l.latency).toBeUndefined();
    expect(l.disks).toBeUndefined();
    expect(l.memory).toBeDefined();
  });

  it('large areas give the CPU box more rows', () => {
    expect(overviewLayout(160, 48, { cores: 8, pressure: true }).cpu!.height).toBeGreaterThan(overviewLayout(80, 22, { cores: 8, pressure: true }).cpu!.height);
  });

  it('gives rows by need: disks/network and latency as tall as their content, the rest to the CPU box', () => {
    // 120x40 terminal (38-row main area), 2 CPUs, 2 disks, 4 interfaces, latency off (2 rows per disk).
    const opts = { cores: 2, pressure: true, ioRows: 1 + 4, latencyRows: 2 + 4 };
    const l = overviewLayout(120, 38, opts);
    expect(l.cpu!.height - 2).toBeGreaterThan(3);
    expect(l.disks!.height - 2).toBeGreaterThanOrEqual(opts.ioRows);
    expect(l.disks!.height - 2).toBeLessThanOrEqual(opts.ioRows + 3);
    expect(l.network!.height).toBe(l.disks!.height);
    expect(l.latency!.height - 2).toBeGreaterThanOrEqual(opts.latencyRows);
    expect(l.latency!.height - 2).toBeLessThanOrEqual(opts.latencyRows + 3);
    // The CPU box is the tallest one.
    for (const r of Object.values(l)) expect(l.cpu!.height).toBeGreaterThanOrEqual(r!.height);
    // Many disks: the disks row grows (the CPU box gives the rows back), still inside the area.
    const many = overviewLayout(120, 38, { ...opts, ioRows: 1 + 16 });
    expect(many.disks!.height - 2).toBeGreaterThanOrEqual(17);
    expect(many.cpu!.height).toBeLessThan(l.cpu!.height);
    // Too many for the area: the disks row is capped, the CPU box keeps its core grid, the bottom still fits.
    const huge = overviewLayout(120, 38, { ...opts, ioRows: 1 + 60, latencyRows: 2 + 120 });
    expect(huge.cpu!.height).toBeGreaterThanOrEqual(5);
    expect(huge.latency!.top + huge.latency!.height).toBe(38);
    expect(huge.disks!.height).toBeGreaterThanOrEqual(5);
    expect(huge.latency!.height).toBeGreaterThanOrEqual(5);
  });

  it.each([
    [80, 22],
    [120, 38],
    [160, 48],
  ])('%ix%i: rows add up to the area for any content size', (w, h) => {
    for (const ioRows of [1, 3, 5, 9, 17, 40]) {
      for (const latencyRows of [3, 6, 12, 30]) {
        const l = overviewLayout(w, h, { cores: 8, pressure: true, ioRows, latencyRows });
        expect(l.latency!.top + l.latency!.height).toBe(h);
        for (const r of Object.values(l)) expect(r!.height).toBeGreaterThanOrEqual(4);
      }
    }
  });

  it('too small below 40x10', () => {
    expect(tooSmall(39, 24)).toBe(true);
    expect(tooSmall(80, 9)).toBe(true);
    expect(tooSmall(40, 10)).toBe(false);
  });
});

describe('core grid', () => {
  it('uses more columns when rows are short or the box is wide', () => {
    expect(coreColumns(4, 78, 2)).toBe(2);
    expect(coreColumns(4, 78, 4)).toBe(1);
    expect(coreColumns(16, 158, 8)).toBe(4);
    expect(coreColumns(64, 78, 4)).toBe(4); // capped by the minimum cell width
  });
});

describe('tall sparkline', () => {
  it('fills columns from the bottom in eighths; gaps stay blank', () => {
    expect(tallSparkline([0, 50, 100, NaN], 4, 2, 100)).toEqual(['  █ ', ' ██ ']);
    expect(tallSparkline([100], 3, 1, 100)).toEqual(['  █']);
  });
});
