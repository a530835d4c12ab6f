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

  it('numeric flags take decimal digits only', () => {
    expect(run(['snapshot', '--json', '--no-ebpf', '--no-docker', '--interval', '-1']).code).toBe(2); // looks like a flag to parseArgs
    for (const v of ['0x100', '1e3', '250.0', '+500', ' 500', '500ms', '']) {
      const r = run(['snapshot', '--json', '--no-ebpf', '--no-docker', '--interval', v]);
      expect(r.code, v).toBe(2);
      expect(r.stderr.split('\n')[0], v).toMatch(/^tailtop: --interval must be an integer from 100 to 600000 \(decimal digits\), got "/);
    }
    expect(run(['--refresh', '1e3']).stderr).toMatch(/--refresh must be an integer from 250 to 10000 \(decimal digits\), got "1e3"/);
    expect(run(['snapshot', '--json', '--no-ebpf', '--no-docker', '--interval', '100']).code).toBe(0);
  });

  it("--docker-host '%%%' is a usage error, not a connection to some default host", () => {
    const r = run(['snapshot', '--json', '--no-ebpf', '--docker-host', '%%%']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('tailtop: --docker-host: bad host name "%%%" in "%%%"');
  });

  it('--config /dev/zero, a FIFO or a huge file: one line, exit 2, at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-cfg-'));
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const big = join(dir, 'big.toml');
    writeFileSync(big, '#'.repeat(2 * 1024 * 1024));
    for (const [file, want] of [
      ['/dev/zero', '/dev/zero: is a device, not a regular file'],
      [fifo, `${fifo}: is a pipe, not a regular file`],
      [dir, `${dir}: is a directory, not a regular file`],
      [big, `${big}: too large (2 MiB; a file may have at most 1 MiB)`],
    ] as const) {
      const t0 = Date.now();
      const r = run(['snapshot', '--json', '--no-ebpf', '--no-docker', '--config', file]);
      expect(r.code, file).toBe(2);
      expect(r.stderr).toBe(`tailtop: ${want}\n`);
      expect(Date.now() - t0).toBeLessThan(10_000);
    }
  });

  it('a key named ESC ]0;PWNED BEL does not retitle the terminal: the error line has no control character', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-cfg-'));
    const file = join(dir, 'config.toml');
    writeFileSync(file, '[keys]\n"\\u001b]0;PWNED\\u0007" = ["x"]\n');
    const r = run(['snapshot', '--json', '--no-ebpf', '--no-docker', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(r.stderr).toContain('keys."\\x1b]0;PWNED\\x07": unknown command');
    // And a theme whose every failure exits 2 (here: binary).
    const t = run(['--theme', '/bin/sh']);
    expect(t.code).toBe(2);
    expect(t.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('[keys] __proto__ = ["x"] exits 2 with one line (not 1 with an internal TypeError)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-cfg-'));
    const file = join(dir, 'config.toml');
    writeFileSync(file, '[keys]\n__proto__ = ["x"]\n');
    const r = run(['snapshot', '--json', '--no-ebpf', '--no-docker', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tailtop: ${file}:2: keys.__proto__: unknown command (known: quit, help, pause, faster, slower, focusNext, focusPrev, up, down, pageUp, pageDown, open, back, containers, processes, latency, overview, alerts, sortNext, sortReverse, filter, window, stepBack, stepForward, minuteBack, minuteForward, hourBack, hourForward, jump, play, speed, live)\n`);
  });
});
