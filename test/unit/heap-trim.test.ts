// The heap trim: a full collection once the heap grew by the set amount over its lowest point since the last
// one; with V8's real gc() it returns the memory of dead old-generation objects that V8 itself would keep
// until its next full collection.
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HeapTrim, exposedGc } from '../../src/heap-trim.js';

const MiB = 1024 * 1024;

describe('heap trim', () => {
  it('collects only after the heap grew by growthBytes over its lowest point, and measures from after the collection', () => {
    let used = 20 * MiB;
    const gcs: number[] = [];
    const trim = new HeapTrim(4 * MiB, { used: () => used, gc: () => { gcs.push(used); used = 11 * MiB; } });
    expect(trim.check()).toBe(false); // floor 20
    used = 14 * MiB; // V8's own collection: the floor follows it down
    expect(trim.check()).toBe(false);
    used = 17.9 * MiB;
    expect(trim.check()).toBe(false); // 3.9 MiB over 14
    used = 18 * MiB;
    expect(trim.check()).toBe(true); // 4 MiB over 14
    expect(gcs).toEqual([18 * MiB]);
    expect(trim.collections).toBe(1);
    used = 14.9 * MiB; // 3.9 over the 11 left after the collection
    expect(trim.check()).toBe(false);
    used = 15 * MiB;
    expect(trim.check()).toBe(true);
    expect(trim.collections).toBe(2);
  });

  it("with V8's own gc(): dead old-generation arrays are freed at the next check, live ones are kept", () => {
    const used = () => v8.getHeapStatistics().used_heap_size;
    const gc = exposedGc();
    expect(typeof gc).toBe('function');
    gc();
    const trim = new HeapTrim(4 * MiB);
    trim.check();
    const before = used();
    // Arrays of 1.6 MB each go straight to V8's large-object space (old generation): a scavenge cannot free them.
    let dead: number[][] | null = Array.from({ length: 8 }, (_, i) => new Array<number>(200_000).fill(i + 0.5));
    const live = new Array<number>(200_000).fill(7.5);
    expect(used() - before).toBeGreaterThan(12 * MiB);
    dead = null;
    expect(dead).toBeNull();
    const grown = used();
    expect(trim.check()).toBe(true);
    expect(trim.collections).toBe(1);
    expect(grown - used()).toBeGreaterThan(10 * MiB);
    expect(used() - before).toBeGreaterThan(1 * MiB); // the live array is still there
    expect(live[199_999]).toBe(7.5);
    expect(trim.check()).toBe(false);
  });
});
