// Builders for latency tests: helper rows from raw latency values (so that tests can compare with the
// values themselves), and a tick driver for the window engine the way the sampler drives it.
import { Histogram } from '../../src/model/histogram.js';
import {
  cgroupMapFromContainers,
  deviceNamesFromDiskstats,
  latencyFrame,
  zeroLost,
  type BlockIntervalRow,
  type CgroupMaps,
  type RunqIntervalRow,
} from '../../src/model/latency.js';
import type { LatencyFrame, LostCounts } from '../../src/model/types.js';
import { LatencyWindows, type TimedInterval } from '../../src/store/latency-windows.js';

export const devs = deviceNamesFromDiskstats([
  { name: 'sda', major: 8, minor: 0 },
  { name: 'nvme0n1', major: 259, minor: 0 },
]);

export function pairsOf(values: number[]): [number, number][] {
  const h = Histogram.of(values);
  const pairs: [number, number][] = [];
  h.counts.forEach((c, i) => c > 0 && pairs.push([i, c]));
  return pairs;
}

/** A block row whose service and total times are `values` (ns), unless `total` says otherwise. */
export function blockRow(values: number[], over: Partial<BlockIntervalRow> & { totalValues?: number[] } = {}): BlockIntervalRow {
  const { totalValues, ...rest } = over;
  const tv = totalValues ?? values;
  return {
    major: 8,
    minor: 0,
    op: 'read',
    cgroup: 0,
    count: values.length,
    bytes: values.length * 4096,
    maxNs: Math.max(0, ...values),
    totalMaxNs: Math.max(0, ...tv),
    service: pairsOf(values),
    total: pairsOf(tv),
    ...rest,
  };
}

export function runqRow(cgroup: number, values: number[]): RunqIntervalRow {
  return { cgroup, count: values.length, maxNs: Math.max(0, ...values), hist: pairsOf(values) };
}

export function timed(tMs: number, block: BlockIntervalRow[], runq: RunqIntervalRow[] = [], durationMs = 1000, lost: Partial<LostCounts> = {}): TimedInterval {
  return { t: tMs, durationMs, block, runq, lost: { ...zeroLost(), ...lost } };
}

const noMaps: CgroupMaps = { block: new Map(), runq: new Map() };

/** Drives a LatencyWindows as the sampler does: per tick, mark, add what completed, advance, read. */
export class Ticker {
  readonly w = new LatencyWindows();
  private prev = -Infinity;

  tick(now: number, intervals: TimedInterval[] = [], maps: CgroupMaps = noMaps, unattributable?: Map<string, string>): LatencyFrame {
    this.w.mark();
    for (const iv of intervals) this.w.add(iv, iv.t > this.prev);
    this.w.advance(now);
    this.prev = now;
    return this.frame(maps, unattributable);
  }

  /** Reads without changing anything. */
  frame(maps: CgroupMaps = noMaps, unattributable?: Map<string, string>): LatencyFrame {
    const w = this.w;
    return latencyFrame(
      { current: w.span('current'), windows: { '1s': w.span('1s'), '10s': w.span('10s'), '1m': w.span('1m'), '5m': w.span('5m') } },
      { maps, unattributable, deviceNames: devs, badLines: 0 },
    );
  }
}

export { cgroupMapFromContainers };
