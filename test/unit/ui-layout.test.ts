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
