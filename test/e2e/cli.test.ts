// The built CLI as a user runs it: flags, exit codes, config errors, and `snapshot --json` on this host.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI as cli } from '../env.js';

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'tailtop-xdg-')), ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tailtop CLI', () => {
  it('--help and --version exit 0', () => {
    const h = run(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/tailtop snapshot --json/);
    const v = run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^tailtop \d+\.\d+\.\d+/);
  });

  it('unknown flags and commands exit 2 with usage', () => {
    const a = run(['--bogus']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/bogus/);
    expect(a.stderr).toMatch(/Usage:/);
    expect(run(['frobnicate']).code).toBe(2);
    expect(run(['snapshot']).stderr).toMatch(/--json/);
    expect(run(['--refresh', 'fast']).stderr).toMatch(/--refresh must be an integer/);
  });

  it('a malformed config exits 2 with file:line: message before taking the screen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-cfg-'));
    const file = join(dir, 'config.toml');
    writeFileSync(file, 'refresh_ms = 1000\ntheme = "default"\nrefresh_ms = = 3\n');
    const r = run(['--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${file}:3`);
  });

  it('an unknown key in the config is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-cfg-'));
    const file = join(dir, 'config.toml');
    writeFileSync(file, 'refresh_ms = 1000\ncolour = "red"\n');
    const r = run(['snapshot', '--json', '--config', file, '--no-ebpf', '--no-docker']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/colour/);
  });

  it('--theme with an unknown name lists the themes there', () => {
    const r = run(['--theme', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/default/);
    expect(r.stderr).toMatch(/mono/);
  });

  it('snapshot --json prints one document with the documented keys and rates over the interval', () => {
    const r = run(['snapshot', '--json', '--interval', '500', '--no-ebpf', '--no-docker']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(typeof d.host.hostname).toBe('string');
    expect(typeof d.host.kernel).toBe('string');
    expect(d.host.cpu.percent).toBeGreaterThanOrEqual(0);
    expect(d.host.cpu.percent).toBeLessThanOrEqual(100);
    expect(d.host.cpu.cores.length).toBeGreaterThan(0);
    for (const c of d.host.cpu.cores) expect(typeof c.percent).toBe('number');
    for (const k of ['totalBytes', 'availableBytes', 'usedBytes', 'swapTotalBytes', 'swapUsedBytes']) expect(typeof d.host.memory[k]).toBe('number');
    expect(d.host.memory.usedBytes).toBe(d.host.memory.totalBytes - d.host.memory.availableBytes);
    for (const k of ['one', 'five', 'fifteen']) expect(typeof d.host.load[k]).toBe('number');
    for (const disk of d.host.disks) for (const k of ['name', 'readBytesPerSec', 'writeBytesPerSec', 'readOpsPerSec', 'writeOpsPerSec']) expect(disk).toHaveProperty(k);
    expect(d.host.net.length).toBeGreaterThan(0);
    for (const n of d.host.net) for (const k of ['name', 'rxBytesPerSec', 'txBytesPerSec']) expect(typeof n[k]).toBe(k === 'name' ? 'string' : 'number');
    expect(d).toHaveProperty('host.pressure');
    expect(Array.isArray(d.errors)).toBe(true);
    expect(d.intervalSec).toBeGreaterThan(0.4);
    expect(d.intervalSec).toBeLessThan(2);
    expect(d.latency).toMatchObject({ active: false });
    expect(d.containers).toEqual([]);
  });

  it('snapshot --processes lists this host\'s processes', () => {
    const r = run(['snapshot', '--json', '--interval', '300', '--processes', '--no-ebpf', '--no-docker']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.processes.length).toBeGreaterThan(3);
    const init = d.processes.find((p: { pid: number }) => p.pid === 1);
    expect(init).toBeDefined();
    expect(init).toHaveProperty('cpuPercent');
  });
});
