// What consumers read: the TUI's views and panels, `snapshot`, and later the exporter's JSON API and replay.
// Only the sampler (or a replay) pushes frames into a Store; everything else holds a ReadStore. Pausing the
// display freezes one: `store.freeze()` copies what the views read at that moment (a FrozenStore), so the
// picture stays whole however long the pause lasts while the live store goes on filling.
import type { BlockOp, Frame } from '../model/types.js';

export interface HeatmapColumn {
  /** Sampler time of the interval. */
  atMs: number;
  /** null = no data for that interval (a gap). */
  buckets: [number, number][] | null;
}

export interface ReadStore {
  /** The newest frame, and the one before it. */
  latest(): Frame | null;
  previous(): Frame | null;
  /** Number of frames pushed so far. */
  readonly count: number;
  /** Newest `n` values of a series (oldest first, NaN = gap), empty when unknown. */
  values(name: string, n?: number): Float64Array;
  /** Per-interval service-time histograms of one device and op, oldest first (for the heatmap). */
  heatmap(device: string, op: BlockOp): HeatmapColumn[];
  seriesCount(): number;
}

/** A store that goes on changing (the live one, or replay's): the display can freeze it when paused. */
export interface FreezableStore extends ReadStore {
  freeze(): ReadStore;
}

/** A store as it was: its frames, series and heatmaps copied once, never changing afterwards. */
export class FrozenStore implements ReadStore {
  constructor(
    private readonly frames: { latest: Frame | null; previous: Frame | null; count: number },
    private readonly series: ReadonlyMap<string, Float64Array>,
    private readonly heat: ReadonlyMap<string, readonly HeatmapColumn[]>,
  ) {}

  get count(): number {
    return this.frames.count;
  }

  latest(): Frame | null {
    return this.frames.latest;
  }

  previous(): Frame | null {
    return this.frames.previous;
  }

  values(name: string, n?: number): Float64Array {
    const all = this.series.get(name);
    if (!all) return new Float64Array(0);
    return n === undefined || n >= all.length ? all.slice() : all.slice(all.length - Math.max(0, n));
  }

  heatmap(device: string, op: BlockOp): HeatmapColumn[] {
    return [...(this.heat.get(`${device}\u0000${op}`) ?? [])];
  }

  seriesCount(): number {
    return this.series.size;
  }
}
