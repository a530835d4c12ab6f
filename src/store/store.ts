// Bounded history of frames. Every numeric series the UI draws as a sparkline lives in a fixed-size
// Ring keyed by a stable name (see `key` below). Series for entities that disappear (a container, a disk)
// are dropped once they have not been seen for `capacity` frames, so memory does not grow with uptime or
// churn. The store never reads a clock or a file: it only takes frames. Consumers read it as a ReadStore
// (store/read-store.ts); `freeze()` gives the paused display a copy that stays as it was.
import type { BlockLatencyRow, BlockOp, Frame } from '../model/types.js';
import { Ring } from './ring.js';
import { SERIES_FIGURES, seriesKey } from '../model/catalogue.js';
import { FrozenStore, type HeatmapColumn, type ReadStore } from './read-store.js';

export type { HeatmapColumn, ReadStore };

/**
 * The names of the series the views read: the catalogue's figures (model/catalogue.ts SERIES_FIGURES), one
 * series per figure and entity. Every series the store holds is one of these.
 */
export const key = {
  hostCpu: seriesKey('host.cpu.percent'),
  hostCpuUser: seriesKey('host.cpu.user'),
  hostCpuSystem: seriesKey('host.cpu.system'),
  hostCpuIowait: seriesKey('host.cpu.iowait'),
  hostCpuSteal: seriesKey('host.cpu.steal'),
  core: (id: number) => seriesKey('host.core.percent', String(id)),
  memUsed: seriesKey('host.memory.used'),
  swapUsed: seriesKey('host.swap.used'),
  load1: seriesKey('host.load1'),
  psi: (res: 'cpu' | 'memory' | 'io') => seriesKey(`host.pressure.${res}.some`),
  diskRead: (name: string) => seriesKey('disk.read.bytes_per_sec', name),
  diskWrite: (name: string) => seriesKey('disk.write.bytes_per_sec', name),
  netRx: (name: string) => seriesKey('net.rx.bytes_per_sec', name),
  netTx: (name: string) => seriesKey('net.tx.bytes_per_sec', name),
  ctrCpu: (id: string) => seriesKey('container.cpu_percent', id),
  ctrMem: (id: string) => seriesKey('container.memory.used', id),
  ctrRx: (id: string) => seriesKey('container.net.rx.bytes_per_sec', id),
  ctrTx: (id: string) => seriesKey('container.net.tx.bytes_per_sec', id),
  ctrBlkRead: (id: string) => seriesKey('container.block.read.bytes_per_sec', id),
  ctrBlkWrite: (id: string) => seriesKey('container.block.write.bytes_per_sec', id),
  ctrThrottled: (id: string) => seriesKey('container.throttled_percent', id),
  ctrPsi: (id: string, res: 'cpu' | 'memory' | 'io') => seriesKey(`container.pressure.${res}.some`, id),
  /** Block service time p99 over the last second, per device and op, seconds. */
  lat: (device: string, op: BlockOp, _pct: 'p99') => seriesKey('disk.latency.p99', `${device}/${op}`),
} as const;

interface SeriesEntry {
  ring: Ring;
  lastSeen: number;
  name: string;
  figure: string;
  entity: string | null;
}

export class Store implements ReadStore {
  private readonly rings = new Map<string, SeriesEntry>();
  /** The same entries by figure id and entity (what push looks them up by), a map per figure from the start. */
  private readonly byFigure = new Map<string, Map<string | null, SeriesEntry>>(SERIES_FIGURES.map((f) => [f.id, new Map()]));
  private readonly heat = new Map<string, { cols: HeatmapColumn[]; lastSeen: number }>();
  private frames = 0;
  private newest: Frame | null = null;
  private before: Frame | null = null;

  constructor(readonly capacity = 300) {}

  latest(): Frame | null {
    return this.newest;
  }

  previous(): Frame | null {
    return this.before;
  }

  /** Number of frames pushed so far. */
  get count(): number {
    return this.frames;
  }

  /** Names of the series held now (each a catalogue figure's seriesKey). */
  seriesNames(): string[] {
    return [...this.rings.keys()];
  }

  series(name: string): Ring | undefined {
    return this.rings.get(name)?.ring;
  }

  /** Newest `n` values of a series (oldest first, NaN = gap), empty when unknown. */
  values(name: string, n?: number): Float64Array {
    return this.rings.get(name)?.ring.values(n) ?? new Float64Array(0);
  }

  /** Per-interval service-time histograms of one device and op, oldest first (for the heatmap). */
  heatmap(device: string, op: BlockOp): HeatmapColumn[] {
    return this.heat.get(`${device}\u0000${op}`)?.cols ?? [];
  }

  seriesCount(): number {
    return this.rings.size;
  }

  /** A read-only copy of what the store holds now (the paused display reads it while this one fills). */
  freeze(): ReadStore {
    const series = new Map<string, Float64Array>();
    for (const [name, e] of this.rings) series.set(name, e.ring.values());
    const heat = new Map<string, HeatmapColumn[]>();
    for (const [k, e] of this.heat) heat.set(k, [...e.cols]);
    return new FrozenStore({ latest: this.newest, previous: this.before, count: this.frames }, series, heat);
  }

  push(frame: Frame): void {
    this.frames++;
    this.before = this.newest;
    this.newest = frame;
    const now = this.frames;
    for (const fig of SERIES_FIGURES) {
      // Entries by figure and entity: no series name is built per value (replay pushes 300 frames a jump).
      const entities = this.byFigure.get(fig.id)!;
      fig.series(frame, (entity, v) => {
        let e = entities.get(entity);
        if (!e) {
          const name = seriesKey(fig.id, entity);
          e = { ring: new Ring(this.capacity), lastSeen: now, name, figure: fig.id, entity };
          // Back-fill the gap so that all series of one view line up in time.
          for (let i = 1; i < Math.min(now, this.capacity); i++) e.ring.push(null);
          this.rings.set(name, e);
          entities.set(entity, e);
        }
        e.ring.push(v ?? null);
        e.lastSeen = now;
      });
    }
    const lat = frame.latency;
    if (lat?.active) this.pushHeat(frame.atMs, lat.current.block);

    // Series not updated this frame get a gap; those unseen for a whole ring are dropped. (By value: an
    // entries() walk makes a [name, entry] pair per series and frame.)
    for (const e of this.rings.values()) {
      if (e.lastSeen === now) continue;
      if (now - e.lastSeen >= this.capacity) {
        this.rings.delete(e.name);
        this.byFigure.get(e.figure)?.delete(e.entity);
      } else e.ring.push(null);
    }
  }

  private pushHeat(atMs: number, rows: BlockLatencyRow[]): void {
    const seen = new Set<string>();
    for (const r of rows) {
      const k = `${r.device}\u0000${r.op}`;
      let e = this.heat.get(k);
      if (!e) {
        e = { cols: [], lastSeen: this.frames };
        this.heat.set(k, e);
      }
      e.cols.push({ atMs, buckets: r.buckets });
      if (e.cols.length > this.capacity) e.cols.shift();
      e.lastSeen = this.frames;
      seen.add(k);
    }
    for (const [k, e] of this.heat) {
      if (seen.has(k)) continue;
      if (this.frames - e.lastSeen >= this.capacity) this.heat.delete(k);
      else {
        e.cols.push({ atMs, buckets: null });
        if (e.cols.length > this.capacity) e.cols.shift();
      }
    }
  }
}
