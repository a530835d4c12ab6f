// contrib/ against a real Prometheus: every query of the Grafana dashboard (panels and variables, with
// Grafana's variables filled in) parses and returns data for the synthetic agents, and the recording rules
// pass promtool and produce their series.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../env.js';
import { FakeFleet, syntheticHost } from '../fake-fleet.js';
import { promtool, requirePrometheus, startPrometheus, type Prometheus } from '../prometheus.js';

const skip = requirePrometheus() !== null;
const dashboard = JSON.parse(readFileSync(join(REPO, 'contrib', 'grafana-dashboard.json'), 'utf8')) as {
  panels: { id: number; type: string; title: string; targets?: { expr: string }[] }[];
  templating: { list: { name: string; query: string | { query: string } }[] };
};
const rulesFile = join(REPO, 'contrib', 'prometheus-rules.yml');
const dir = mkdtempSync(join(tmpdir(), 'tailtop-contrib-'));

/** A panel query as Grafana sends it: variables filled in ($instance as Grafana's regex of the chosen hosts). */
function fill(expr: string, instance: string): string {
  return expr.replaceAll('$__rate_interval', '5s').replaceAll('$job', 'grafana').replaceAll('$instance', instance);
}

describe.skipIf(skip)('contrib/ against Prometheus', () => {
  let fleet: FakeFleet;
  let prom: Prometheus;

  beforeAll(async () => {
    fleet = new FakeFleet([syntheticHost(0), syntheticHost(1), syntheticHost(3)]);
    await fleet.start();
    // The same rules, evaluated every second instead of every 30 s so the test need not wait.
    const fast = join(dir, 'rules.yml');
    writeFileSync(fast, readFileSync(rulesFile, 'utf8').replace('interval: 30s', 'interval: 1s'));
    prom = await startPrometheus({ jobs: [fleet.job('grafana')], ruleFiles: [fast] });
    await prom.waitFor('min(count_over_time(tailtop_cpus_online[5s]))', (r) => Number(r[0]?.value[1] ?? 0) >= 5, 30_000);
  });

  afterAll(async () => {
    await prom?.stop();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the dashboard is well formed', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const targets = dashboard.panels.flatMap((p) => p.targets ?? []);
    expect(targets.length).toBeGreaterThan(15);
    for (const t of targets) expect(t.expr).toMatch(/job=~"\$job", instance=~"\$instance"/);
  });

  it.each([['.*'], ['host-003|host-001']])('every panel query returns data (instance=~"%s")', async (instance) => {
    for (const p of dashboard.panels) {
      for (const t of p.targets ?? []) {
        const q = fill(t.expr, instance);
        const r = await prom.query(q);
        expect(r.length, `${p.title}: ${q}`).toBeGreaterThan(0);
        for (const s of r) if (s.metric['instance']) expect(s.metric['instance']).toMatch(instance === '.*' ? /^host-00[013]$/ : /^host-00[13]$/);
      }
    }
  });

  it('the variables find the job and its hosts', async () => {
    const found: Record<string, string[]> = {};
    for (const v of dashboard.templating.list) {
      const q = typeof v.query === 'string' ? v.query : v.query.query;
      const m = /^label_values\((.+), (\w+)\)$/.exec(q);
      if (!m) continue;
      const r = await prom.query(`count by (${m[2]}) (${fill(m[1]!, '.*')})`);
      found[v.name] = r.map((s) => s.metric[m[2]!]!).sort();
    }
    expect(found).toEqual({ job: ['grafana'], instance: ['host-000', 'host-001', 'host-003'] });
  });

  it('the recording rules pass promtool and record their series', async () => {
    const r = promtool(['check', 'rules', rulesFile]);
    expect(r.status, r.output).toBe(0);
    const names = [...readFileSync(rulesFile, 'utf8').matchAll(/- record: (\S+)/g)].map((m) => m[1]!);
    expect(names.length).toBe(10);
    for (const name of names) await prom.waitFor(name, (res) => res.length > 0 && res.every((s) => Number.isFinite(Number(s.value[1]))), 20_000);
  });
});
