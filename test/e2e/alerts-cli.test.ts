// `tailtop alerts` as a user runs it: a bad rule exits 2 with file:line, the rules list shows the PromQL, and
// `--prometheus-rules` writes a file that promtool accepts. The monitor itself refuses a bad rule the same way.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtCli, CLI as cli } from '../env.js';
import { promtool, requirePrometheus } from '../prometheus.js';

const skip = builtCli() ?? requirePrometheus();
const dir = mkdtempSync(join(tmpdir(), 'tailtop-alerts-cli-'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: dir }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(skip)('tailtop alerts', () => {
  const good = join(dir, 'good.toml');
  writeFileSync(good, '[[alert]]\nname = "SlowDisk"\nexpr = "disk.write.p99 > 20ms"\nfor = "30s"\n\n[[alert]]\nname = "Hot"\nexpr = "container.cpu_percent > 90 and host.cpu.percent > 80"\nseverity = "critical"\n');
  const bad = join(dir, 'bad.toml');
  writeFileSync(bad, 'refresh_ms = 1000\n\n[[alert]]\nname = "X"\nexpr = "disk.write.p99 > 20MiB"\n');

  it('lists the rules with their PromQL', () => {
    const r = run(['alerts', '--config', good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SlowDisk  [warning]  disk.write.p99 > 20ms  for 30s  window 1m');
    expect(r.stdout).toContain('PromQL: (histogram_quantile(0.99, sum by (instance, job, device, le) (rate(tailtop_block_io_latency_seconds_bucket{op="write"}[1m])))) > 0.02');
  });

  it('writes a rules file promtool accepts', () => {
    const r = run(['alerts', '--prometheus-rules', '--config', good]);
    expect(r.code).toBe(0);
    const file = join(dir, 'rules.yml');
    writeFileSync(file, r.stdout);
    const check = promtool(['check', 'rules', file]);
    expect(check.output).toContain('SUCCESS: 2 rules found');
  });

  it('a bad rule exits 2 with file:line, for `alerts` and for the monitor', () => {
    const a = run(['alerts', '--config', bad]);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe(`tailtop: ${bad}:5: alert[1].expr: disk.write.p99: '20MiB' is a size, but this figure is a duration (20ms, 500us, 1.5s)\n`);
    const m = run(['--config', bad]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain(`${bad}:5: alert[1].expr`);
    expect(run(['alerts', '--bogus']).code).toBe(2);
    expect(run(['alerts', '--config', join(dir, 'missing.toml')]).stderr).toMatch(/missing\.toml: no such file/);
  });
});
