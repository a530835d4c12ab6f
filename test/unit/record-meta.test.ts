import { describe, expect, it } from 'vitest';
import { MetaTracker } from '../../src/record/container-meta.js';
import { ChainEncoder } from '../../src/record/codec.js';
import type { SampleSet } from '../../src/model/sample-set.js';
import type { ContainerSample } from '../../src/model/types.js';
import { emptyCounters } from '../../src/sources/cgroup/v2.js';

const meta = (id: string, name: string) => ({
  id, name, image: 'nginx', runtime: 'docker', state: 'running', initPid: 1, cpuLimitCores: null, memoryLimitBytes: null, labels: {},
  composeProject: null, composeService: null, hostNetwork: false, createdSec: null,
}) as ContainerSample['meta'];

const sample = (m: ContainerSample['meta'], cpu: number): ContainerSample => ({ meta: m, counters: { ...emptyCounters('cgroup-v1'), cpuUsageNs: cpu }, error: null });

const set = (rows: ContainerSample[], wallMs: number): SampleSet =>
  ({ atMs: wallMs, wallMs, host: {}, containers: { atMs: wallMs, daemon: { state: 'ok', attempt: 0, endpoint: null, runtime: null }, containers: rows, errors: [] }, processes: null, latency: null, errors: [] }) as unknown as SampleSet;

type Stored = { containers: { containers: unknown[] } };

describe('MetaTracker.strip', () => {
  it('the same container row again gives the same stored row; a changed row or metadata a new one', () => {
    const t = new MetaTracker(1);
    const ma = meta('a'.repeat(64), 'web');
    const mb = meta('b'.repeat(64), 'db');
    const ra = sample(ma, 1);
    const rb = sample(mb, 1);
    const s1 = t.strip(set([ra, rb], 1000));
    t.commit(s1.added);
    const s2 = t.strip(set([ra, sample(mb, 2)], 2000));
    t.commit(s2.added);
    const rows1 = (s1.stored as Stored).containers.containers;
    const rows2 = (s2.stored as Stored).containers.containers;
    expect(rows2[0]).toBe(rows1[0]);
    expect(rows2[1]).not.toBe(rows1[1]);
    expect(rows2[0]).toEqual({ ...ra, meta: { id: ma.id, ref: 1 } });
    // New metadata for the same row object: a new ref, a new row.
    const ma2 = { ...ma, name: 'web2' };
    const ra2 = { ...ra, meta: ma2 };
    const s3 = t.strip(set([ra2], 3000));
    expect(s3.added.map((a) => a.ref)).toEqual([3]);
    expect((s3.stored as Stored).containers.containers[0]).toEqual({ ...ra, meta: { id: ma.id, ref: 3 } });
  });

  it('reused rows encode to the same bytes as fresh copies of them', () => {
    const ms = [meta('a'.repeat(64), 'web'), meta('b'.repeat(64), 'db'), meta('c'.repeat(64), 'q')];
    let rows = ms.map((m) => sample(m, 1));
    const reused = new MetaTracker(1);
    const fresh = new MetaTracker(1);
    const e1 = new ChainEncoder();
    const e2 = new ChainEncoder();
    for (let i = 0; i < 12; i++) {
      // One container changes a tick; one goes away and comes back.
      rows = rows.map((r, j) => (j === i % 3 ? sample(r.meta, r.counters!.cpuUsageNs! + i) : r));
      const now = i % 5 === 4 ? rows.slice(1) : rows;
      const a = reused.strip(set(now, 1000 * i));
      reused.commit(a.added);
      const b = fresh.strip(set(now.map((r) => structuredClone(r)), 1000 * i));
      fresh.commit(b.added);
      expect(e1.encode(a.stored)).toEqual(e2.encode(b.stored));
    }
  });
});
