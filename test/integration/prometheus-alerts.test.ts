// Alert rules against a real Prometheus: every figure id's PromQL runs on the families of docs/metrics.md and
// yields the labels the local evaluator uses; the rules file for every id passes `promtool check rules`; and a
// generated rules file loaded into Prometheus fires for exactly the instances the local evaluator picks from
// the same synthetic figures.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_IDS, SCOPE_LABELS, type MetricLookup, type MetricValue } from '../../src/model/catalogue.js';
import { parseConfig } from '../../src/config/config.js';
import { prometheusRules } from '../../src/export/alert-rules.js';
import { AlertEvaluator } from '../../src/export/alerts.js';
import { bucketIndex, Histogram, percentileNs } from '../../src/model/histogram.js';
import { FakeFleet, syntheticHost, type SyntheticHost } from '../fake-fleet.js';
import { promtool, requirePrometheus, startPrometheus, type Prometheus } from '../prometheus.js';

const skip = requirePrometheus() !== null;
const dir = mkdtempSync(join(tmpdir(), 'tailtop-rules-'));

const RULES = `
[[alert]]
name = "SlowDisk"
expr = "disk.write.p99 > 10ms"
for = "2s"
window = "10s"

[[alert]]
name = "BusyContainer"
expr = "container.cpu_percent > 15"
window = "10s"
severity = "critical"
labels = { team = "web" }

[[alert]]
name = "BusyContainerOnBusyHost"
expr = "container.cpu_percent > 15 and host.cpu.percent > 50"
window = "10s"
`;

/** The synthetic hosts' exact figures as a lookup (what an agent on that host would evaluate). */
function syntheticLookup(h: SyntheticHost): MetricLookup {
  const ctrLabels = (c: SyntheticHost['containers'][number]) => ({ container: c.name, id: c.id, image: c.image, runtime: 'docker' });
  return (id): MetricValue[] => {
    if (id === 'host.cpu.percent') return [{ labels: {}, value: h.busy * 100 }];
    if (id === 'container.cpu_percent') return h.containers.map((c) => ({ labels: ctrLabels(c), value: c.cores * 100 }));
    if (id === 'disk.write.p99')
      return h.disks.map((d) => {
        const hist = new Histogram().addBucket(bucketIndex(100_000), 98).addBucket(bucketIndex(d.p99Ms * 1e6), 2);
        return { labels: { device: d.device }, value: percentileNs(hist, 0.99)! / 1e9 };
      });
    return [];
  };
}

describe.skipIf(skip)('alert rules in Prometheus', () => {
  let fleet: FakeFleet;
  let prom: Prometheus;
  const rules = parseConfig(RULES, 'rules.toml').alerts;

  beforeAll(async () => {
    fleet = new FakeFleet([syntheticHost(1), syntheticHost(19)]);
    await fleet.start();
    const file = join(dir, 'rules.yml');
    writeFileSync(file, prometheusRules(rules, { source: 'rules.toml', version: 'test' }));
    prom = await startPrometheus({ jobs: [fleet.job('tailtop')], ruleFiles: [file] });
    // Rates over a rule's 10 s window are whole once the window is full (younger series read low).
    await prom.waitFor('min(count_over_time(tailtop_cpus_online[10s]))', (r) => Number(r[0]?.value[1] ?? 0) >= 10, 30_000);
  });

  afterAll(async () => {
    await prom?.stop();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every figure id has PromQL that runs and yields its scope labels', async () => {
    for (const d of METRIC_IDS) {
      const r = await prom.query(d.promql('5s'));
      expect(r.length, `${d.id}: ${d.promql('5s')}`).toBeGreaterThan(0);
      const allowed = new Set(['instance', 'job', ...SCOPE_LABELS[d.scope]]);
      for (const s of r) {
        for (const k of Object.keys(s.metric)) expect(allowed.has(k), `${d.id} yields label ${k}`).toBe(true);
        expect(s.metric['instance']).toMatch(/^host-/);
        if (d.scope === 'container') expect(s.metric['container']).toMatch(/^app-/);
        if (d.scope === 'disk') expect(s.metric['device']).toBe('vda');
        if (d.scope === 'net') expect(s.metric['interface']).toBe('eth0');
      }
    }
  });

  it('a rules file with every id passes promtool check rules', () => {
    const body = METRIC_IDS.map((d, i) => `[[alert]]\nname = "R${i}"\nexpr = "${d.id} > 1"\nfor = "1m"\n`).join('\n');
    const file = join(dir, 'all.yml');
    writeFileSync(file, prometheusRules(parseConfig(body, 'all.toml').alerts, { source: 'all.toml', version: 'test' }));
    const r = promtool(['check', 'rules', file]);
    expect(r.output).toContain(`SUCCESS: ${METRIC_IDS.length} rules found`);
    expect(r.status).toBe(0);
  });

  it('loaded into Prometheus, the rules fire for the instances the local evaluator picks', { timeout: 60_000 }, async () => {
    const body = (await prom.api('/api/v1/rules')) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    expect(body.data.groups[0]!.rules.map((r) => [r.name, r.health])).toEqual(rules.map((r) => [r.name, 'ok']));

    // Local: each host evaluates the same rules over its own figures (for = 2s: evaluate twice).
    const local = new Set<string>();
    for (const h of fleet.hosts) {
      const ev = new AlertEvaluator(rules);
      ev.evaluate(0, syntheticLookup(h));
      ev.evaluate(2000, syntheticLookup(h));
      for (const a of ev.firing()) local.add(`${a.rule} ${h.name} ${JSON.stringify(Object.entries(a.labels).sort())}`);
    }
    const key = (m: Record<string, string>): string => {
      const { __name__: _n, alertname, alertstate: _s, instance, job: _j, severity: _v, ...rest } = m;
      return `${alertname} ${instance} ${JSON.stringify(Object.entries(rest).sort())}`;
    };
    await prom.waitFor('ALERTS{alertstate="firing", alertname="SlowDisk"}', (r) => r.length > 0, 20_000);
    const firing = await prom.query('ALERTS{alertstate="firing"}');
    expect([...new Set(firing.map((s) => key(s.metric)))].sort()).toEqual([...local].sort());
    expect([...local].sort()).toEqual([
      'BusyContainer host-001 [["container","app-001-1"],["id","0011aaaaaaaa"],["image","example/app:1"],["runtime","docker"],["team","web"]]',
      'BusyContainer host-019 [["container","app-019-1"],["id","0191aaaaaaaa"],["image","example/app:1"],["runtime","docker"],["team","web"]]',
      'BusyContainerOnBusyHost host-019 [["container","app-019-1"],["id","0191aaaaaaaa"],["image","example/app:1"],["runtime","docker"]]',
      'SlowDisk host-019 [["device","vda"]]',
    ]);
    for (const s of firing) expect(s.metric['severity']).toBe(s.metric['alertname'] === 'BusyContainer' ? 'critical' : 'warning');
  });
});
