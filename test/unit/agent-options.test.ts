// The agent's options: defaults, durations and sizes as people write them, one line naming the flag for
// anything else; the systemd unit runs the agent with options it accepts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_DEFAULTS, defaultStoreDir, describeRetain, describeSize, parseRetain, parseSize } from '../../src/agent/options.js';
import { AGENT_USAGE, runAgentCommand } from '../../src/agent/cli.js';

describe('agent options', () => {
  it('the store: /var/lib/tailtop as root, $XDG_STATE_HOME/tailtop (or ~/.local/state/tailtop) otherwise', () => {
    expect(defaultStoreDir({}, 0)).toBe('/var/lib/tailtop');
    expect(defaultStoreDir({ XDG_STATE_HOME: '/s', HOME: '/h' }, 1000)).toBe('/s/tailtop');
    expect(defaultStoreDir({ XDG_STATE_HOME: 'relative', HOME: '/h' }, 1000)).toBe('/h/.local/state/tailtop');
    expect(defaultStoreDir({ HOME: '/h' }, 1000)).toBe('/h/.local/state/tailtop');
  });

  it('retention and size', () => {
    expect(parseRetain('7d')).toBe(7 * 86_400_000);
    expect(parseRetain('36h')).toBe(36 * 3_600_000);
    expect(parseRetain('2w')).toBe(14 * 86_400_000);
    expect(parseRetain('90m')).toBe(5_400_000);
    for (const bad of ['7', '0d', '-1d', '1.5d', '7 days', 'd', '']) expect(() => parseRetain(bad), bad).toThrow(/^--retain must be a whole number with a unit s, m, h, d or w/);
    expect(parseSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseSize('500MB')).toBe(500e6);
    expect(parseSize('1048576')).toBe(1024 ** 2);
    for (const bad of ['1k', '0', '2 XB', '-5G', 'lots']) expect(() => parseSize(bad), bad).toThrow(/^--max-size must be a size of at least 1MiB/);
    expect(AGENT_DEFAULTS).toEqual({ intervalMs: 1000, retainMs: parseRetain('7d'), maxBytes: parseSize('2GiB') });
    expect(describeRetain(AGENT_DEFAULTS.retainMs)).toBe('7d');
    expect(describeSize(AGENT_DEFAULTS.maxBytes)).toBe('2 GiB');
  });

  it('contrib/tailtop-agent.service runs `tailtop agent` with the documented defaults and known flags only', () => {
    const unit = readFileSync(join(import.meta.dirname, '..', '..', 'contrib', 'tailtop-agent.service'), 'utf8');
    const exec = /^ExecStart=(\S+) agent (.*)$/m.exec(unit);
    expect(exec?.[1]).toMatch(/\/tailtop$/);
    const args = exec![2]!.split(' ');
    const flags = new Map<string, string>();
    for (let i = 0; i < args.length; i += 2) flags.set(args[i]!, args[i + 1]!);
    expect(Object.fromEntries(flags)).toEqual({ '--store': '/var/lib/tailtop', '--interval': '1000', '--retain': '7d', '--max-size': '2GiB' });
    for (const f of flags.keys()) expect(AGENT_USAGE).toContain(`  ${f} `);
    expect(parseRetain(flags.get('--retain')!)).toBe(AGENT_DEFAULTS.retainMs);
    expect(parseSize(flags.get('--max-size')!)).toBe(AGENT_DEFAULTS.maxBytes);
    expect(unit).toMatch(/^ReadWritePaths=\/var\/lib\/tailtop$/m);
    // memory settings node and glibc read before the agent runs (BENCHMARKS.md, "The agent by thread")
    expect(unit).toMatch(/^Environment=NODE_OPTIONS=--v8-pool-size=1$/m);
    expect(unit).toMatch(/^Environment=MALLOC_ARENA_MAX=2$/m);
    expect(unit).toMatch(/^Environment=MALLOC_MMAP_THRESHOLD_=131072$/m);
  });

  it('--listen\'s companion flags without --listen are a usage error (exit 2) before anything starts, as before the export code became a lazy import', async () => {
    for (const [flag, value] of [['--auth-token-file', '/nonexistent/token'], ['--tls-cert', '/x.pem'], ['--tls-key', '/x.key']] as const) {
      let err = '';
      const code = await runAgentCommand(['--store', '/nonexistent/store', flag, value], 'test', { out: () => undefined, err: (s) => (err += s) });
      expect(code).toBe(2);
      expect(err).toContain(`${flag} goes with --listen`);
    }
  });
});
