// Alert rules: the expression language, the config table ([[alert]], [export]) with file:line errors, the
// pending/firing/resolved evaluator over a lookup, the frame lookup, and the Prometheus rules text.
import { describe, expect, it } from 'vitest';
import { evaluateExpr, exprText, exprToPromQL, parseExpr } from '../../src/model/alert-expr.js';
import { frameLookup, METRIC_IDS, type MetricLookup, type MetricValue } from '../../src/model/catalogue.js';
import { parseQuantity } from '../../src/model/units.js';
import { ConfigError, parseConfig } from '../../src/config/config.js';
import { AlertEvaluator } from '../../src/export/alerts.js';
import { prometheusRules } from '../../src/export/alert-rules.js';
import { containersFrame, ctr, frame, latency, latRow } from './ui-views-fixtures.js';

const lookupOf = (m: Record<string, MetricValue[]>): MetricLookup => (id) => m[id] ?? [];

describe('quantities', () => {
  it.each([
    ['20ms', 'seconds', 0.02], ['500us', 'seconds', 5e-4], ['500µs', 'seconds', 5e-4], ['1.5s', 'seconds', 1.5], ['2m', 'seconds', 120],
    ['90%', 'percent', 90], ['90', 'percent', 90], ['512MiB', 'bytes', 512 * 1024 ** 2], ['10GB', 'bytes', 1e10], ['100MiB/s', 'bytes_per_second', 100 * 1024 ** 2], ['500/s', 'per_second', 500],
  ] as const)('%s as %s', (text, unit, v) => expect(parseQuantity(text, unit)).toEqual({ value: v }));

  it('says when a unit does not fit the figure', () => {
    expect(parseQuantity('20MiB', 'seconds')).toEqual({ error: "'20MiB' is a size, but this figure is a duration (20ms, 500us, 1.5s)" });
    expect(parseQuantity('20parsecs', 'seconds')).toMatchObject({ error: expect.stringMatching(/not a unit/) });
  });
});

describe('expressions', () => {
  it('parses comparisons with units, and/or with PromQL precedence, parentheses', () => {
    expect(parseExpr('disk.write.p99 > 20ms')).toEqual({ kind: 'cmp', id: 'disk.write.p99', op: '>', threshold: 0.02, text: 'disk.write.p99 > 20ms' });
    const e = parseExpr('container.cpu_percent >= 90 or container.memory.percent > 80 and host.cpu.percent > 50');
    expect(e.kind).toBe('or');
    expect(exprText(parseExpr('(container.cpu_percent > 90 or container.pids > 100) and host.load1 > 4'))).toBe('(container.cpu_percent > 90% or container.pids > 100) and host.load1 > 4');
  });

  it.each([
    ['container.cpu > 90', /unknown figure 'container.cpu' \(did you mean container.cpu_percent\?\)/],
    ['disk.write.p99 > 20MiB', /disk.write.p99: '20MiB' is a size, but this figure is a duration/],
    ['disk.write.p99 >', /expected a threshold after 'disk.write.p99 >' at the end/],
    ['disk.write.p99 20ms', /expected a comparison/],
    ['disk.write.p99 > 20ms and', /expected a figure/],
    ['disk.write.p99 > 20ms container.pids > 1', /unexpected 'container.pids'/],
    ['disk.write.p99 > 20ms and container.cpu_percent > 5', /'and' cannot join disk.\* figures with container.\* figures/],
    ['(disk.write.p99 > 1', /expected '\)'/],
    ['disk.write.p99 > 1 ; rm -rf /', /unexpected ';'/],
    ['', /empty/],
  ])('%s -> error', (src, re) => expect(() => parseExpr(src)).toThrow(re));

  it('evaluates with PromQL set semantics', () => {
    const a = { container: 'a', id: '1' };
    const b = { container: 'b', id: '2' };
    const lookup = lookupOf({
      'container.cpu_percent': [{ labels: a, value: 95 }, { labels: b, value: 50 }],
      'container.memory.percent': [{ labels: a, value: 10 }, { labels: b, value: 90 }],
      'host.cpu.percent': [{ labels: {}, value: 70 }],
      'disk.write.p99': [{ labels: { device: 'sda' }, value: 0.05 }],
    });
    const ev = (s: string): MetricValue[] => evaluateExpr(parseExpr(s), lookup, '1m');
    expect(ev('container.cpu_percent > 90')).toEqual([{ labels: a, value: 95 }]);
    expect(ev('container.cpu_percent > 40 and container.memory.percent > 80')).toEqual([{ labels: b, value: 50 }]);
    expect(ev('container.cpu_percent > 90 or container.memory.percent > 80')).toEqual([{ labels: a, value: 95 }, { labels: b, value: 90 }]);
    expect(ev('container.cpu_percent > 90 and host.cpu.percent > 60')).toEqual([{ labels: a, value: 95 }]);
    expect(ev('container.cpu_percent > 90 and host.cpu.percent > 80')).toEqual([]);
    expect(ev('host.cpu.percent > 60 and container.cpu_percent > 90')).toEqual([{ labels: {}, value: 70 }]);
    expect(ev('disk.write.p99 > 20ms or host.cpu.percent > 60')).toHaveLength(2);
  });

  it('translates to PromQL: joins with the host on (instance, job)', () => {
    expect(exprToPromQL(parseExpr('disk.write.p99 > 20ms'), '1m')).toBe(
      '(histogram_quantile(0.99, sum by (instance, job, device, le) (rate(tailtop_block_io_latency_seconds_bucket{op="write"}[1m])))) > 0.02',
    );
    expect(exprToPromQL(parseExpr('container.pids > 10 and host.load1 > 2'), '5m')).toMatch(/^\(\(sum by \(instance, job, container, .*\) > 10\) and on \(instance, job\) \(\(tailtop_load1 \+ 0\) > 2\)$/);
  });
});

const cfg = (body: string): string => `refresh_ms = 1000\n\n${body}`;

describe('[[alert]] in the config', () => {
  it('reads rules with defaults', () => {
    const c = parseConfig(cfg('[[alert]]\nname = "Hot"\nexpr = "container.cpu_percent > 90"\n\n[[alert]]\nname = "Slow"\nexpr = "disk.write.p99 > 20ms"\nfor = "30s"\nseverity = "critical"\nwindow = "5m"\nlabels = { team = "db" }\nsummary = "slow writes"\ncommand = ["true"]\n'));
    expect(c.alerts.map((r) => [r.name, r.forMs, r.severity, r.window, r.labels, r.command, r.line])).toEqual([
      ['Hot', 0, 'warning', '1m', {}, null, 3],
      ['Slow', 30_000, 'critical', '5m', { team: 'db' }, ['true'], 7],
    ]);
  });

  it.each([
    ['[[alert]]\nname = "A"\nexpr = "container.cpu > 90"\n', /^c\.toml:5: alert\[1\]\.expr: unknown figure 'container\.cpu' \(did you mean container\.cpu_percent\?\)/],
    ['[[alert]]\nname = "A"\nexpr = "host.load1 > 1"\n\n[[alert]]\nname = "A"\nexpr = "host.load1 > 2"\n', /^c\.toml:8: alert\[2\]\.name: 'A' is already/],
    ['[[alert]]\nname = "A"\nexpr = "host.load1 > 1"\nfor = "soon"\n', /^c\.toml:6: alert\[1\]\.for: expected a duration/],
    ['[[alert]]\nname = "A"\nexpr = "host.load1 > 1"\nwindow = "1s"\n', /^c\.toml:6: alert\[1\]\.window: expected one of "10s", "1m", "5m"/],
    ['[[alert]]\nname = "A"\nexpr = "host.load1 > 1"\ncolour = "red"\n', /^c\.toml:6: alert\[1\]\.colour: unknown key/],
    ['[[alert]]\nname = "A"\nexpr = "host.load1 > 1"\nlabels = { alertname = "x" }\n', /^c\.toml:6: alert\[1\]\.labels: 'alertname' is set by tailtop/],
    ['[[alert]]\nname = "A"\nexpr = "host.load1 > 1"\ncommand = "notify-send hi"\n', /^c\.toml:6: alert\[1\]\.command: expected a list of arguments/],
    ['[[alert]]\nname = "A"\nexpr = "host.load1 > 1"\ncommand = ["no-such-cmd-tailtop"]\n', /^c\.toml:6: alert\[1\]\.command: no-such-cmd-tailtop: not found on PATH/],
    ['[[alert]]\nname = "A"\nexpr = "host.load1 > 1"\ncommand = ["/nonexistent/x"]\n', /^c\.toml:6: alert\[1\]\.command: \/nonexistent\/x: not an executable file/],
    ['[[alert]]\nname = "bad name"\nexpr = "host.load1 > 1"\n', /^c\.toml:4: alert\[1\]\.name/],
    ['[alert]\nname = "A"\n', /^c\.toml:3: alert: write alert rules as \[\[alert\]\] tables/],
    ['[export]\nhistogram_resolution = 3\n', /^c\.toml:4: export\.histogram_resolution: expected 1, 2, 4 or 8/],
    ['[export]\nhistogram_min = "1s"\nhistogram_max = "1ms"\n', /export\.histogram_min: must be below histogram_max/],
    ['[export]\nmax_containers = -1\n', /^c\.toml:4: export\.max_containers/],
    ['[export]\nlisten = "x"\n', /^c\.toml:4: export\.listen: unknown key/],
  ])('%s', (body, re) => {
    expect(() => parseConfig(cfg(body), 'c.toml')).toThrow(ConfigError);
    expect(() => parseConfig(cfg(body), 'c.toml')).toThrow(re);
  });

  it('reads [export]', () => {
    expect(parseConfig(cfg('[export]\nhistogram_resolution = 4\nhistogram_min = "10us"\nhistogram_max = "1s"\nmax_containers = 20\n')).export).toEqual({ resolution: 4, minNs: 10_000, maxNs: 1e9, maxContainers: 20 });
  });
});

describe('the evaluator', () => {
  const rules = parseConfig(cfg('[[alert]]\nname = "Hot"\nexpr = "container.cpu_percent > 90"\nfor = "30s"\nlabels = { team = "web" }\n\n[[alert]]\nname = "Now"\nexpr = "host.load1 > 4"\n')).alerts;

  it('pending, then firing after `for`, then resolved; a pending one that clears just goes', () => {
    const ev = new AlertEvaluator(rules);
    const a = { container: 'a', id: '1' };
    const hot = (v: number): MetricLookup => lookupOf({ 'container.cpu_percent': [{ labels: a, value: v }] });
    expect(ev.evaluate(0, hot(95)).map((t) => `${t.rule} ${t.from}->${t.to}`)).toEqual(['Hot inactive->pending']);
    expect(ev.evaluate(29_999, hot(96))).toEqual([]);
    expect(ev.active()[0]).toMatchObject({ state: 'pending', value: 96, labels: { ...a, team: 'web' } });
    expect(ev.evaluate(30_000, hot(97)).map((t) => `${t.from}->${t.to} ${t.value}`)).toEqual(['pending->firing 97']);
    expect(ev.samples()).toEqual([{ labels: { alertname: 'Hot', alertstate: 'firing', severity: 'warning', ...a, team: 'web' }, value: 1 }]);
    expect(ev.evaluate(31_000, hot(50)).map((t) => `${t.from}->${t.to}`)).toEqual(['firing->resolved']);
    expect(ev.active()).toEqual([]);
    ev.evaluate(40_000, hot(95));
    expect(ev.evaluate(41_000, hot(10)).map((t) => `${t.from}->${t.to}`)).toEqual(['pending->inactive']);
    expect(ev.history().map((t) => t.to)).toEqual(['pending', 'firing', 'resolved', 'pending', 'inactive']);
  });

  it('fires at once with no `for`; one instance per label set; history is bounded', () => {
    const ev = new AlertEvaluator(rules, 3);
    const t = ev.evaluate(0, lookupOf({ 'host.load1': [{ labels: {}, value: 5 }] }));
    expect(t.map((x) => `${x.rule} ${x.to}`)).toEqual(['Now pending', 'Now firing']);
    const many = lookupOf({ 'container.cpu_percent': ['a', 'b', 'c'].map((c) => ({ labels: { container: c }, value: 99 })) });
    expect(ev.evaluate(1000, many)).toHaveLength(4); // 3 pending + Now resolved
    expect(ev.active().map((x) => x.labels['container'] ?? '')).toEqual(['a', 'b', 'c']);
    expect(ev.history()).toHaveLength(3);
  });
});

describe('the frame lookup', () => {
  it('reads ids from a frame with the labels their PromQL yields', () => {
    const f = frame(1, {
      containers: containersFrame([ctr('0123456789abcdef', { name: 'web', cpuPercent: 95, composeProject: 'shop' }), ctr('fedcba9876543210', { state: 'exited' })]),
      latency: latency(true, { block: [latRow('sda', 'write')], containers: { '0123456789abcdef': { block: [latRow('sda', 'write'), latRow('sdb', 'write', { p99Us: 9000, buckets: [[16384, 100]] })], runqueue: null } } }),
    });
    const look = frameLookup(f);
    expect(look('container.cpu_percent', '1m')).toEqual([{ labels: { container: 'web', id: '0123456789ab', image: '0123456789abcdef-image:latest', runtime: 'docker', compose_project: 'shop' }, value: 95 }]);
    expect(look('disk.write.p99', '1m')).toEqual([{ labels: { device: 'sda' }, value: 0.0015 }]);
    expect(look('disk.write.queue.p99', '1m')).toEqual([{ labels: { device: 'sda' }, value: 0.0025 }]);
    expect(look('disk.read.p99', '1m')).toEqual([]);
    // two devices: merged by bucket, not averaged: 100 + 100 values, the top 1% all in the 8.19-16.4 ms bucket
    const merged = look('container.io.write.p99', '1m');
    expect(merged).toHaveLength(1);
    expect(merged[0]!.value).toBeGreaterThan(0.008);
    expect(merged[0]!.value).toBeLessThanOrEqual(0.0164);
    expect(look('host.cpu.percent', '1m')).toEqual([{ labels: {}, value: f.host.cpu.percent }]);
    expect(frameLookup(null)('host.load1', '1m')).toEqual([]);
  });
});

describe('the Prometheus rules file', () => {
  it('writes every rule, quoting all text', () => {
    const rules = parseConfig(cfg('[[alert]]\nname = "Slow"\nexpr = "disk.write.p99 > 20ms"\nfor = "90s"\nlabels = { team = "db\\"x" }\nsummary = "line1\\nline2"\n')).alerts;
    const text = prometheusRules(rules, { source: '/etc/tailtop/config.toml', version: '1.0' });
    expect(text).toContain('      - alert: "Slow"\n        expr: "(histogram_quantile(0.99');
    expect(text).toContain('        for: 90s\n');
    expect(text).toContain('          team: "db\\"x"\n');
    expect(text).toContain('          summary: "line1\\nline2"\n');
    expect(prometheusRules([], { source: 'x', version: '1' })).toContain('    rules: []\n');
  });

  it('has PromQL for every id', () => {
    for (const d of METRIC_IDS) expect(d.promql('1m')).toMatch(/tailtop_/);
  });
});
