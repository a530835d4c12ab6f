// Pause is a real frozen store: store.freeze() copies what the views read (frames, series, heatmaps); the
// copy stays exactly as it was while the live store goes on filling, past its capacity and with series that
// appear and vanish.
import { describe, expect, it } from 'vitest';
import { Store, key } from '../../src/store/store.js';
import type { ReadStore } from '../../src/store/read-store.js';
import type { BlockLatencyRow, Frame } from '../../src/model/types.js';
import { makeFrame } from './ui-frames.js';

function withLatency(f: Frame, n: number): Frame {
  const row = { device: 'sda', op: 'write', count: n, buckets: [[10, n]] } as unknown as BlockLatencyRow;
  const win = { block: [row] } as unknown as NonNullable<Frame['latency']>['current'];
  return { ...f, latency: { source: 'ebpf', active: true, current: win, windows: { '1s': win, '10s': win, '1m': win, '5m': win }, badLines: 0 } };
}

function look(s: ReadStore) {
  return {
    count: s.count,
    latest: s.latest(),
    previous: s.previous(),
    cpu: [...s.values(key.hostCpu)],
    cpu3: [...s.values(key.hostCpu, 3)],
    heat: s.heatmap('sda', 'write').map((c) => ({ ...c })),
    series: s.seriesCount(),
  };
}

describe('frozen store', () => {
  it('keeps what it held at the pause, whatever the live store does afterwards', () => {
    const store = new Store(8);
    for (let i = 0; i < 6; i++) store.push(withLatency(makeFrame(i), i + 1));
    const frozen = store.freeze();
    const before = look(frozen);
    expect(before.count).toBe(6);
    expect(before.cpu).toHaveLength(6);
    expect(before.heat).toHaveLength(6);
    expect(before.latest).toBe(store.latest());
    // the live store goes on: far past its capacity, a frame without latency (a heatmap gap)
    for (let i = 6; i < 40; i++) store.push(i % 3 ? withLatency(makeFrame(i), 1) : makeFrame(i));
    expect(store.count).toBe(40);
    expect(look(frozen)).toEqual(before);
    expect(frozen.values('no.such.series')).toEqual(new Float64Array(0));
    // what a view gets from the frozen store is its own copy: changing it changes nothing
    frozen.values(key.hostCpu).fill(-1);
    frozen.heatmap('sda', 'write').length = 0;
    expect(look(frozen)).toEqual(before);
    // a fresh freeze sees the live store
    expect(look(store.freeze())).toEqual(look(store));
  });
});
