// The exposition writer against Prometheus itself: `promtool check metrics` reports nothing for every family,
// and a real Prometheus 2.42 scrapes it in both formats (OpenMetrics by its own Accept header, and the text
// format 0.0.4 from a route that always sends it), reading back the same series, the same `le` labels, label
// values with quotes, backslashes and newlines intact, rates that match the synthetic counters, and a PromQL
// p99 within one exported bucket of tailtop's own nearest-rank p99.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketIndex, Histogram, percentileNs } from '../../src/model/histogram.js';
import { bucketScheme } from '../../src/export/buckets.js';
import { FAMILIES } from '../../src/export/families.js';
import { FakeFleet, syntheticHost } from '../fake-fleet.js';
import { promtool, requirePrometheus, startPrometheus, type Prometheus } from '../prometheus.js';

const skip = requirePrometheus() !== null;
const scheme = bucketScheme({ resolution: 2, minNs: 1000, maxNs: 2 ** 34 });

describe.skipIf(skip)('exposition against Prometheus', () => {
  let fleet: FakeFleet;
  let prom: Prometheus;
  const weird = 'we"ird\\ name\nünï';

  beforeAll(async () => {
    const hosts = [syntheticHost(0), syntheticHost(1)];
    hosts[1]!.hostname = weird;
    hosts[1]!.alertsFiring = 1;
    fleet = new FakeFleet(hosts, scheme);
    await fleet.start();
    prom = await startPrometheus({ jobs: [fleet.job('om', '1s', '/metrics'), fleet.job('text', '1s', '/metrics-text')] });
    await prom.waitFor('count(up == 1)', (r) => r[0]?.value[1] === '4', 30_000);
    // Rates over 15s are only whole once the window holds 15 scrapes of every target.
    await prom.waitFor('min(count_over_time(tailtop_cpus_online[15s]))', (r) => Number(r[0]?.value[1] ?? 0) >= 15, 45_000);
  });

  afterAll(async () => {
    await prom?.stop();
    await fleet?.stop();
  });

  it('promtool check metrics finds nothing to say about any family', () => {
    const text = fleet.exposition('host-000', 'text');
    for (const f of FAMILIES) expect(text).toContain(`# TYPE ${f.name} `);
    const r = promtool(['check', 'metrics'], text);
    expect(r.output.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('both formats give the same series', async () => {
    const names = async (job: string): Promise<string[]> =>
      (await prom.query(`count by (__name__) ({job="${job}", __name__=~"tailtop_.+|process_.+"})`)).map((s) => s.metric['__name__']!).sort();
    const om = await names('om');
    expect(om).toEqual(await names('text'));
    // every family is there (histograms as _bucket/_count/_sum, info families by their _info name)
    for (const f of FAMILIES) {
      if (f.type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) expect(om).toContain(f.name + suffix);
      else expect(om).toContain(f.name);
    }
    // the same `le` text in both formats: counting distinct le values over both jobs gives the bounds + Inf once
    const le = await prom.query('count(count by (le) (tailtop_block_io_latency_seconds_bucket))');
    expect(Number(le[0]!.value[1])).toBe(scheme.bounds.length + 1);
    const perJob = await prom.query('count by (job) (tailtop_block_io_latency_seconds_bucket{instance="host-000"})');
    expect(perJob.map((s) => s.value[1])).toEqual([String(2 * (scheme.bounds.length + 1)), String(2 * (scheme.bounds.length + 1))]);
  });

  it('keeps untrusted label text intact in both formats', async () => {
    const r = await prom.query('tailtop_host_info{instance="host-001"}');
    expect(r.map((s) => s.metric['hostname'])).toEqual([weird, weird]);
  });

  it('counters give the rates they were built with', async () => {
    const h = fleet.hosts[0]!;
    // The synthetic counters follow the clock when the scrape is answered, Prometheus stamps the sample when it
    // starts the scrape: on a loaded machine the two differ by tens of milliseconds, which a 15 s window keeps
    // below a third of the tolerance (60 ms over 5 s was 1.6%).
    const r = await prom.query('sum by (job) (rate(tailtop_cpu_seconds_total{instance="host-000", mode=~"idle|iowait"}[15s]))');
    expect(r).toHaveLength(2);
    for (const s of r) expect(Number(s.value[1])).toBeCloseTo(h.cpus * (1 - h.busy), 1);
  });

  it('histogram_quantile(0.99) is within one exported bucket of our own p99', async () => {
    const h = fleet.hosts[0]!;
    const slowNs = h.disks[0]!.p99Ms * 1e6;
    // Our own p99 over the same distribution (nearest rank over the log-linear buckets).
    const ours = percentileNs(new Histogram().addBucket(bucketIndex(100_000), 98).addBucket(bucketIndex(slowNs), 2), 0.99)! / 1e9;
    const k = scheme.bounds.findIndex((b) => b >= slowNs / 1e9);
    const [lo, hi] = [scheme.bounds[k - 1]!, scheme.bounds[k]!];
    const r = await prom.query('histogram_quantile(0.99, sum by (job, le) (rate(tailtop_block_io_latency_seconds_bucket{instance="host-000", op="write"}[5s])))');
    expect(r).toHaveLength(2);
    for (const s of r) {
      const v = Number(s.value[1]);
      expect(v).toBeGreaterThan(lo);
      expect(v).toBeLessThanOrEqual(hi);
      expect(Math.abs(v - ours)).toBeLessThanOrEqual(hi - lo);
    }
  });
});
