// The live feed: SampleSets (counters as read, eBPF intervals) into the Exporter's families. Counters go out
// as read (jiffies / USER_HZ, sectors x 512, ns / 1e9); histograms are the sum of every interval added once,
// host rows summed over cgroups, container rows attributed through the cgroup maps; the cardinality limit and
// eBPF going away remove series; the exposition passes the writer's checks.
import { describe, expect, it } from 'vitest';
import { Exporter } from '../../src/export/exporter.js';
import { ExportFeed, containerLabels } from '../../src/export/feed.js';
import { DEFAULT_EXPORT } from '../../src/config/alerts.js';
import { writeExposition, type Family, type HistogramFamily, type ScalarFamily } from '../../src/export/exposition.js';
import type { SampleSet } from '../../src/model/sample-set.js';
import type { Frame } from '../../src/model/types.js';
import { sampleGenerator } from './record-helpers.js';

const facts = () => ({ hostname: 'h1', kernel: '6.1', os: 'Linux', cpuModel: '', cpuCount: 2 });

function frameOf(set: SampleSet, active = true): Frame {
  return {
    atMs: set.atMs,
    wallMs: set.wallMs,
    elapsedMs: 1000,
    host: {} as Frame['host'],
    containers: set.containers ? { daemon: set.containers.daemon, containers: [] } : null,
    processes: null,
    latency: set.latency ? ({ active, source: active ? 'ebpf' : 'eBPF: off' } as Frame['latency']) : null,
    errors: [],
  };
}

const scalar = (fams: Family[], name: string): ScalarFamily => fams.find((f) => f.name === name) as ScalarFamily;
const hist = (fams: Family[], name: string): HistogramFamily => fams.find((f) => f.name === name) as HistogramFamily;

describe('ExportFeed', () => {
  it('exports kernel counters as read and container counters with their labels', () => {
    const ex = new Exporter(DEFAULT_EXPORT, { version: 't' });
    const feed = new ExportFeed(ex, { facts });
    const set = sampleGenerator({ containers: 3, ebpf: true, seed: 4 }).next();
    feed.tick(set, frameOf(set));
    const fams = ex.families();
    const cpu = scalar(fams, 'tailtop_cpu_seconds_total').samples;
    expect(cpu.find((s) => s.labels['mode'] === 'user')!.value).toBeCloseTo(set.host.stat!.total.user / 100, 9);
    const vda = set.host.disks!.find((d) => d.name === 'vda')!;
    expect(scalar(fams, 'tailtop_disk_written_bytes_total').samples.find((s) => s.labels['device'] === 'vda')!.value).toBe(vda.writeSectors * 512);
    expect(scalar(fams, 'tailtop_disk_writes_completed_total').samples.find((s) => s.labels['device'] === 'vda')!.value).toBe(vda.writesCompleted);
    // Partitions are counted in their disk and not exported on their own.
    for (const d of set.host.disks!.filter((x) => x.parent !== null)) expect(scalar(fams, 'tailtop_disk_read_bytes_total').samples.some((s) => s.labels['device'] === d.name)).toBe(false);
    const c0 = set.containers!.containers[0]!;
    const usage = scalar(fams, 'tailtop_container_cpu_usage_seconds_total').samples.find((s) => s.labels['id'] === c0.meta.id.slice(0, 12))!;
    expect(usage.labels).toEqual(containerLabels(c0.meta));
    expect(usage.value).toBe(c0.counters!.cpuUsageNs! / 1e9);
    expect(scalar(fams, 'tailtop_host_info').samples[0]!.labels).toEqual({ hostname: 'h1', kernel: '6.1', os: 'Linux' });
    expect(scalar(fams, 'tailtop_last_sample_timestamp_seconds').samples[0]!.value).toBe(set.wallMs / 1000);
  });

  it('adds every interval once: host histograms sum all cgroups, containers get their own rows', () => {
    const ex = new Exporter(DEFAULT_EXPORT, { version: 't' });
    const feed = new ExportFeed(ex, { facts });
    const g = sampleGenerator({ containers: 4, ebpf: true, seed: 9 });
    // (The generator's rows: the histogram's bucket counts are what a series counts.)
    const n = (pairs: [number, number][]): number => pairs.reduce((a, [, c]) => a + c, 0);
    let writes = 0;
    let queued = 0;
    let containerWrites = 0;
    let runq = 0;
    let intervals = 0;
    const blkioIds = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const set = g.next();
      for (const c of set.containers!.containers) if (c.counters?.cgroupIds.blkio) blkioIds.add(c.counters.cgroupIds.blkio);
      for (const iv of set.latency!.intervals) {
        intervals++;
        for (const r of iv.block) if (r.op === 'write' && r.major === 254) {
          writes += n(r.service);
          queued += n(r.total);
          if (blkioIds.has(r.cgroup)) containerWrites += n(r.service);
        }
        for (const r of iv.runq) runq += n(r.hist);
      }
      feed.tick(set, frameOf(set));
    }
    const fams = ex.families();
    const host = hist(fams, 'tailtop_block_io_latency_seconds').samples.find((s) => s.labels['device'] === 'vda' && s.labels['op'] === 'write')!;
    expect(host.count).toBe(writes);
    expect(host.buckets[host.buckets.length - 1]).toBeLessThanOrEqual(writes);
    const perContainer = hist(fams, 'tailtop_container_block_io_latency_seconds').samples.filter((s) => s.labels['op'] === 'write');
    expect(perContainer.length).toBeGreaterThan(0);
    expect(perContainer.reduce((n, s) => n + s.count, 0)).toBe(containerWrites);
    expect(hist(fams, 'tailtop_runqueue_latency_seconds').samples[0]!.count).toBe(runq);
    expect(hist(fams, 'tailtop_block_io_queue_latency_seconds').samples.find((s) => s.labels['device'] === 'vda' && s.labels['op'] === 'write')!.count).toBe(queued);
    expect(scalar(fams, 'tailtop_ebpf_intervals_total').samples[0]!.value).toBe(intervals);
    expect(scalar(fams, 'tailtop_ebpf_up').samples[0]!.value).toBe(1);
    const bytes = scalar(fams, 'tailtop_container_block_io_bytes_total').samples;
    expect(bytes.every((s) => s.labels['container'] && s.labels['device'] === 'vda')).toBe(true);
    // The whole exposition is well-formed in both formats.
    expect(() => writeExposition(fams, 'text')).not.toThrow();
    expect(writeExposition(fams, 'openmetrics')).toMatch(/# EOF\n$/);
  });

  it('applies the container limit and drops latency series while eBPF is off (then starts again from 0)', () => {
    const ex = new Exporter({ ...DEFAULT_EXPORT, maxContainers: 2 }, { version: 't' });
    const feed = new ExportFeed(ex, { facts });
    const g = sampleGenerator({ containers: 5, ebpf: true, seed: 2 });
    const set = g.next();
    feed.tick(set, frameOf(set));
    let fams = ex.families();
    expect(scalar(fams, 'tailtop_container_info').samples).toHaveLength(2);
    expect(scalar(fams, 'tailtop_exporter_containers_excluded').samples[0]!.value).toBe(set.containers!.containers.filter((c) => c.counters && c.meta.state === 'running').length - 2);
    expect(hist(fams, 'tailtop_block_io_latency_seconds').samples.length).toBeGreaterThan(0);
    const off = g.next();
    feed.tick(off, frameOf(off, false));
    fams = ex.families();
    expect(scalar(fams, 'tailtop_ebpf_up').samples[0]!.value).toBe(0);
    expect(hist(fams, 'tailtop_block_io_latency_seconds').samples).toHaveLength(0);
    expect(scalar(fams, 'tailtop_container_block_io_bytes_total').samples).toHaveLength(0);
    const back = g.next();
    feed.tick(back, frameOf(back));
    const n = back.latency!.intervals.flatMap((iv) => iv.block).filter((r) => r.op === 'write' && r.major === 254).reduce((s, r) => s + r.service.reduce((a, [, c]) => a + c, 0), 0);
    expect(hist(ex.families(), 'tailtop_block_io_latency_seconds').samples.find((s) => s.labels['device'] === 'vda' && s.labels['op'] === 'write')!.count).toBe(n);
  });

  it('without eBPF or containers: those families are absent, never 0', () => {
    const ex = new Exporter(DEFAULT_EXPORT, { version: 't' });
    const feed = new ExportFeed(ex, { facts });
    const set = { ...sampleGenerator({ containers: 0, ebpf: false }).next(), containers: null, latency: null } as SampleSet;
    feed.tick(set, frameOf(set));
    const fams = ex.families();
    expect(scalar(fams, 'tailtop_ebpf_up').samples).toHaveLength(0);
    expect(scalar(fams, 'tailtop_container_info').samples).toHaveLength(0);
    expect(hist(fams, 'tailtop_runqueue_latency_seconds').samples).toHaveLength(0);
    expect(scalar(fams, 'tailtop_cpu_seconds_total').samples.length).toBe(8);
  });
});
