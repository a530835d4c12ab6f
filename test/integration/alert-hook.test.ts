// Hook commands for real: a rule's command runs once per transition to firing and to resolved (never for
// pending), without a shell (a container name full of shell syntax arrives verbatim and runs nothing), with the
// details in environment variables; runs over the rate limit are dropped and counted; a hung one is killed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { AlertEvaluator } from '../../src/export/alerts.js';
import { AlertHooks } from '../../src/export/alert-hook.js';
import type { MetricLookup } from '../../src/model/catalogue.js';
import { until } from '../wait.js';

const dir = mkdtempSync(join(tmpdir(), 'tailtop-hook-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const out = join(dir, 'calls.jsonl');
const pwned = join(dir, 'pwned');
const script = join(dir, 'hook.mjs');
writeFileSync(
  script,
  `import { appendFileSync } from 'node:fs';
const e = process.env;
appendFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(2), name: e.TAILTOP_ALERT_NAME, state: e.TAILTOP_ALERT_STATE, severity: e.TAILTOP_ALERT_SEVERITY,
  value: e.TAILTOP_ALERT_VALUE, container: e.TAILTOP_ALERT_LABEL_CONTAINER, team: e.TAILTOP_ALERT_LABEL_TEAM, labels: JSON.parse(e.TAILTOP_ALERT_LABELS),
  expr: e.TAILTOP_ALERT_EXPR, since: e.TAILTOP_ALERT_SINCE, at: e.TAILTOP_ALERT_AT, host: e.TAILTOP_ALERT_HOST }) + '\\n');
if (process.argv[2] === 'hang') setTimeout(() => {}, 60000);
`,
);
const evil = `web$(touch ${pwned});\`touch ${pwned}\` | rm -rf /`;

const rulesText = (args: string[]): string =>
  `[[alert]]\nname = "Hot"\nexpr = "container.cpu_percent > 90"\nfor = "1s"\nlabels = { team = "a b" }\ncommand = ${JSON.stringify([process.execPath, script, ...args])}\n`;

const lookup = (v: number): MetricLookup => (id) => (id === 'container.cpu_percent' ? [{ labels: { container: evil, id: 'abc' }, value: v }] : []);
/** The runs recorded so far, in transition order (they run concurrently and may finish in any order). */
const calls = (): Record<string, unknown>[] =>
  (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []).sort((a, b) =>
    String(a['at']).localeCompare(String(b['at'])),
  );

describe('alert hook commands', () => {
  it('run once per firing and resolved transition, no shell, details in the environment', async () => {
    const rules = parseConfig(rulesText(['--tag', '$(touch x) ; echo']), 'c.toml').alerts;
    const ev = new AlertEvaluator(rules);
    const hooks = new AlertHooks(rules, { host: 'testhost' });
    const seq: [number, number][] = [[0, 95], [1000, 96], [2000, 97], [3000, 10], [4000, 99], [4500, 99], [5000, 99], [6000, 99]];
    for (const [t, v] of seq) hooks.handle(ev.evaluate(1_700_000_000_000 + t, lookup(v)));
    await until(() => calls().length >= 3 && hooks.runningCount === 0, 10_000, 'three hook runs');
    const c = calls();
    expect(c.map((x) => x['state'])).toEqual(['firing', 'resolved', 'firing']);
    expect(c[0]).toMatchObject({
      argv: ['--tag', '$(touch x) ; echo'], name: 'Hot', severity: 'warning', value: '96', container: evil, team: 'a b',
      labels: { container: evil, id: 'abc', team: 'a b' }, expr: 'container.cpu_percent > 90%', host: 'testhost',
      since: new Date(1_700_000_000_000).toISOString(), at: new Date(1_700_000_001_000).toISOString(),
    });
    expect(c[1]).toMatchObject({ state: 'resolved', at: new Date(1_700_000_003_000).toISOString() });
    expect(existsSync(pwned)).toBe(false);
    expect(hooks.samples()).toEqual([
      { labels: { alertname: 'Hot', result: 'ok' }, value: 3 },
      { labels: { alertname: 'Hot', result: 'failed' }, value: 0 },
      { labels: { alertname: 'Hot', result: 'dropped' }, value: 0 },
    ]);
  });

  it('drops runs over the rate limit and kills a hung command', async () => {
    rmSync(out, { force: true });
    const rules = parseConfig(rulesText(['hang']), 'c.toml').alerts;
    const problems: string[] = [];
    const hooks = new AlertHooks(rules, { perRuleBurst: 2, timeoutMs: 3000, onProblem: (m) => problems.push(m) });
    const ev = new AlertEvaluator(rules);
    let t = 0;
    for (const v of [95, 95, 10, 95, 95, 10]) hooks.handle(ev.evaluate((t += 1000), lookup(v)));
    await until(() => hooks.runningCount === 0, 15_000, 'the hung commands to be killed');
    expect(calls().map((x) => x['state'])).toEqual(['firing', 'resolved']);
    const s = Object.fromEntries(hooks.samples().map((x) => [x.labels['result'], x.value]));
    expect(s).toEqual({ ok: 0, failed: 2, dropped: 2 });
    expect(problems.filter((p) => /rate limit/.test(p))).toHaveLength(2);
    expect(problems.filter((p) => /killed by SIGKILL/.test(p))).toHaveLength(2);
  });
});
