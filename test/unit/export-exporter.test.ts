// The exporter assembly: samples set per tick come out in table order; the container limit filters every
// per-container family (histograms too) and counts those left out; cumulative histograms fold into le buckets.
import { describe, expect, it } from 'vitest';
import { Exporter } from '../../src/export/exporter.js';
import { DEFAULT_EXPORT } from '../../src/config/alerts.js';
import { FAMILIES } from '../../src/export/families.js';
import { writeExposition, type Family, type HistogramFamily } from '../../src/export/exposition.js';
import { Histogram } from '../../src/model/histogram.js';

const byName = (fs: Family[], n: string): Family => fs.find((f) => f.name === n)!;
const ctr = (id: string) => ({ container: `c-${id}`, id, image: 'img', runtime: 'docker' });

describe('Exporter', () => {
  it('serves what was set, in table order, with the limit applied and the agent families filled', () => {
    const e = new Exporter({ ...DEFAULT_EXPORT, maxContainers: 2 }, { version: '9.9.9' });
    expect(e.beginTick(['aaaaaaaaaaaa1111', 'bbbbbbbbbbbb2222', 'cccccccccccc3333'])).toEqual(new Set(['aaaaaaaaaaaa', 'bbbbbbbbbbbb']));
    e.set('tailtop_load1', [{ labels: {}, value: 1.5 }]);
    e.set('tailtop_container_pids', ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc'].map((id) => ({ labels: ctr(id), value: 3 })));
    for (const id of ['aaaaaaaaaaaa', 'cccccccccccc']) e.histogram('tailtop_container_runqueue_latency_seconds').add(`${id}|`, ctr(id), Histogram.of([5000, 9000]));
    e.histogram('tailtop_block_io_latency_seconds').add('sda|write', { device: 'sda', op: 'write' }, Histogram.of([100_000]), 100_000);
    const fs = e.families();
    expect(fs.map((f) => f.name)).toEqual(FAMILIES.map((f) => f.name));
    expect(byName(fs, 'tailtop_load1').samples).toEqual([{ labels: {}, value: 1.5 }]);
    expect(byName(fs, 'tailtop_container_pids').samples.map((s) => s.labels['id'])).toEqual(['aaaaaaaaaaaa', 'bbbbbbbbbbbb']);
    expect(byName(fs, 'tailtop_exporter_containers_excluded').samples[0]!.value).toBe(1);
    expect(byName(fs, 'tailtop_build_info').samples[0]!.labels['version']).toBe('9.9.9');
    const block = byName(fs, 'tailtop_block_io_latency_seconds') as HistogramFamily;
    expect(block.samples[0]!.count).toBe(1);
    expect(block.samples[0]!.sum).toBeCloseTo(1e-4, 12);
    expect(block.bounds).toHaveLength(49);
    // the left-out container's histogram was never exported
    expect((byName(fs, 'tailtop_container_runqueue_latency_seconds') as HistogramFamily).samples.map((s) => s.labels['id'])).toEqual(['aaaaaaaaaaaa']);
    expect(writeExposition(fs, 'text')).toContain('tailtop_block_io_latency_seconds_bucket{device="sda",op="write",le="0.000131071"} 1\n');
  });

  it('drops a gone container\'s histograms; cumulative counts keep growing otherwise', () => {
    const e = new Exporter(DEFAULT_EXPORT, { version: '1' });
    const rq = e.histogram('tailtop_container_runqueue_latency_seconds');
    e.beginTick(['aaaaaaaaaaaa', 'bbbbbbbbbbbb']);
    rq.add('aaaaaaaaaaaa|', ctr('aaaaaaaaaaaa'), Histogram.of([5000]));
    rq.add('bbbbbbbbbbbb|', ctr('bbbbbbbbbbbb'), Histogram.of([5000]));
    e.beginTick(['aaaaaaaaaaaa']);
    rq.add('aaaaaaaaaaaa|', ctr('aaaaaaaaaaaa'), Histogram.of([6000, 7000]));
    const h = byName(e.families(), 'tailtop_container_runqueue_latency_seconds') as HistogramFamily;
    expect(h.samples.map((s) => [s.labels['id'], s.count])).toEqual([['aaaaaaaaaaaa', 3]]);
    expect(() => e.set('tailtop_runqueue_latency_seconds', [])).toThrow(/histogram/);
  });
});
