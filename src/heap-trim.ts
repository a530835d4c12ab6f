// Keep V8's heap near its live size in the long-running processes (the monitor, the agent).
//
// After each full collection V8 lets the old generation grow by at least 8 MiB before the next one (its
// minimum growing step; 2 MiB only in its low-memory mode, whose other settings cost the monitor 0.16% of a
// core). A process whose live heap is about 10 MiB (the agent) or 17 MiB (the monitor) and that promotes
// 30-60 KiB a second therefore carries up to 8 MiB of dead objects for minutes at a time: most of the gap
// between its resident memory in the first minute and in steady state (BENCHMARKS.md, "Session 11: the heap
// kept near its live size"). The sampler calls check() once a tick; when the heap in use has grown by
// `growthBytes` over the lowest figure seen since the last full collection, check() runs one (10-17 ms of
// the main thread for these heaps, at most once every few tens of seconds), and V8 returns the freed pages.
import v8 from 'node:v8';
import vm from 'node:vm';

export interface HeapTrimDeps {
  /** Bytes of the heap in use now (default: V8's used_heap_size). */
  used?: () => number;
  /** A full, synchronous collection (default: V8's gc(), exposed for this process). */
  gc?: () => void;
}

/** Default growth that triggers a collection. */
export const HEAP_TRIM_GROWTH_BYTES = 4 * 1024 * 1024;

/** V8's gc(): the global one under --expose-gc, else exposed now (a context made after the flag has it). */
export function exposedGc(): () => void {
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return global as () => void;
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('heap-trim: V8 did not expose gc()');
  return gc as () => void;
}

export class HeapTrim {
  private readonly used: () => number;
  private readonly gc: () => void;
  private floor = Infinity;
  /** Collections run so far (for tests and benchmarks). */
  collections = 0;

  constructor(
    readonly growthBytes = HEAP_TRIM_GROWTH_BYTES,
    deps: HeapTrimDeps = {},
  ) {
    this.used = deps.used ?? (() => v8.getHeapStatistics().used_heap_size);
    this.gc = deps.gc ?? exposedGc();
  }

  /** Runs a full collection if the heap grew by growthBytes since its lowest point; true when it did. */
  check(): boolean {
    const used = this.used();
    if (used < this.floor) this.floor = used;
    if (used - this.floor < this.growthBytes) return false;
    this.gc();
    this.collections++;
    this.floor = this.used();
    return true;
  }
}
