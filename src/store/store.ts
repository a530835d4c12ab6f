// Bounded history of frames. Every numeric series the UI draws as a sparkline lives in a fixed-size
// Ring keyed by a stable name (see `key` below). Series for entities that disappear (a container, a disk)
// are dropped once they have not been seen for `capacity` frames, so memory does not grow with uptime or
// churn. The store never reads a clock or a file: it only takes frames. Consumers read it as a ReadStore
// (store/read-store.ts); `freeze()` gives the paused display a copy that stays as it was.
import type { BlockLatencyRow, BlockOp, Frame } from '../model/types.js';
import { Ring } from './ring.js';
import { FrozenStore, type HeatmapColumn, type ReadStore } from './read-store.js';

export type { HeatmapColumn, ReadStore };

export const key = {
  hostCpu: 'host.cpu',
  hostCpuUser: 'host.cpu.user',
  hostCpuSystem: 'host.cpu.system',
  hostCpuIowait: 'host.cpu.iowait',
  hostCpuSteal: 'host.cpu.steal',
  core: (id: number) => `host.core.${id}`,
  memUsed: 'host.mem.used',
  swapUsed: 'host.swap.used',
  load1: 'host.load.1',
  psi: (res: 'cpu' | 'memory' | 'io') => `host.psi.${res}`,
  diskRead: (name: string) => `disk.${name}.read`,
  diskWrite: (name: string) => `disk.${name}.write`,
  netRx: (name: string) => `net.${name}.rx`,
  netTx: (name: string) => `net.${name}.tx`,
  ctrCpu: (id: string) => `ctr.${id}.cpu`,
  ctrMem: (id: string) => `ctr.${id}.mem`,
  ctrRx: (id: string) => `ctr.${id}.rx`,
  ctrTx: (id: string) => `ctr.${id}.tx`,
  ctrBlkRead: (id: string) => `ctr.${id}.blkr`,
  ctrBlkWrite: (id: string) => `ctr.${id}.blkw`,
  ctrThrottled: (id: string) => `ctr.${id}.throttled`,
  ctrPsi: (id: string, res: 'cpu' | 'memory' | 'io') => `ctr.${id}.psi.${res}`,
  /** Block latency percentile (1 s window) per device and op, microseconds. */
  lat: (device: string, op: BlockOp, pct: 'p50' | 'p95' | 'p99' | 'max') => `lat.${device}.${op}.${pct}`,
} as const;

export class Store implements ReadStore {
  private readonly rings = new Map<string, { ring: Ring; lastSeen: number }>();
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
    const seen = new Set<string>();
    const put = (name: string, v: number | null | undefined): void => {
      let e = this.rings.get(name);
      if (!e) {
        e = { ring: new Ring(this.capacity), lastSeen: this.frames };
        // Back-fill the gap so that all series of one view line up in time.
        for (let i = 1; i < Math.min(this.frames, this.capacity); i++) e.ring.push(null);
        this.rings.set(name, e);
      }
      e.ring.push(v ?? null);
      e.lastSeen = this.frames;
      seen.add(name);
    };

    const h = frame.host;
    put(key.hostCpu, h.cpu.percent);
    put(key.hostCpuUser, h.cpu.user);
    put(key.hostCpuSystem, h.cpu.system);
    put(key.hostCpuIowait, h.cpu.iowait);
    put(key.hostCpuSteal, h.cpu.steal);
    for (const c of h.cores) put(key.core(c.id), c.percent);
    put(key.memUsed, h.memory?.usedBytes);
    put(key.swapUsed, h.memory?.swapUsedBytes);
    put(key.load1, h.load?.one);
    if (h.pressure) {
      put(key.psi('cpu'), h.pressure.cpu?.some.percent);
      put(key.psi('memory'), h.pressure.memory?.some.percent);
      put(key.psi('io'), h.pressure.io?.some.percent);
    }
    for (const d of h.disks) {
      put(key.diskRead(d.name), d.readBytesPerSec);
      put(key.diskWrite(d.name), d.writeBytesPerSec);
    }
    for (const n of h.net) {
      put(key.netRx(n.name), n.rxBytesPerSec);
      put(key.netTx(n.name), n.txBytesPerSec);
    }
    for (const c of frame.containers?.containers ?? []) {
      put(key.ctrCpu(c.id), c.cpuPercent);
      put(key.ctrMem(c.id), c.memoryUsedBytes);
      put(key.ctrRx(c.id), c.netRxBytesPerSec);
      put(key.ctrTx(c.id), c.netTxBytesPerSec);
      put(key.ctrBlkRead(c.id), c.blockReadBytesPerSec);
      put(key.ctrBlkWrite(c.id), c.blockWriteBytesPerSec);
      put(key.ctrThrottled(c.id), c.throttledPercent);
      if (c.pressure) {
        put(key.ctrPsi(c.id, 'cpu'), c.pressure.cpu?.some.percent);
        put(key.ctrPsi(c.id, 'memory'), c.pressure.memory?.some.percent);
        put(key.ctrPsi(c.id, 'io'), c.pressure.io?.some.percent);
      }
    }
    const lat = frame.latency;
    if (lat?.active) {
      for (const r of lat.windows['1s'].block) {
        put(key.lat(r.device, r.op, 'p50'), r.p50Us);
        put(key.lat(r.device, r.op, 'p95'), r.p95Us);
        put(key.lat(r.device, r.op, 'p99'), r.p99Us);
        put(key.lat(r.device, r.op, 'max'), r.maxUs);
      }
      this.pushHeat(frame.atMs, lat.current.block);
    }

    // Series not updated this frame get a gap; those unseen for a whole ring are dropped.
    for (const [name, e] of this.rings) {
      if (seen.has(name)) continue;
      if (this.frames - e.lastSeen >= this.capacity) this.rings.delete(name);
      else e.ring.push(null);
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
