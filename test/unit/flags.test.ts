// config/flags.ts: the subcommands' one flag parser (help, bad flags as one safe line and the usage, exit 2)
// and the checks several commands make of the same flags.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromFlags, dockerHostFlag, intFlag, joinDashValues, parseCommandFlags, storeFlag, stringFlag, type FlagOptions } from '../../src/config/flags.js';
import { ConfigError, UsageError } from '../../src/errors.js';

const OPTIONS: FlagOptions = { store: { type: 'string' }, 'no-docker': { type: 'boolean' }, tag: { type: 'string', multiple: true } };
const USAGE = 'Usage:\n  tailtop thing [options]';

function parse(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const r = parseCommandFlags(argv, OPTIONS, USAGE, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { r, out: out.join(''), err: err.join('') };
}

describe('parseCommandFlags', () => {
  it('returns the values of the flags given', () => {
    const { r, out, err } = parse(['--store', '/s', '--no-docker', '--tag', 'a', '--tag=b']);
    expect(r).toEqual({ store: '/s', 'no-docker': true, tag: ['a', 'b'] });
    expect(out + err).toBe('');
  });

  it('-h and --help: the usage on stdout, exit 0', () => {
    for (const h of ['-h', '--help']) expect(parse(['--store', '/s', h])).toEqual({ r: 0, out: `${USAGE}\n`, err: '' });
  });

  it('an unknown flag, a missing value, a positional argument: one line naming it, then the usage, exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /^tailtop: Unknown option '--bogus'/],
      [['--store'], /^tailtop: Option '--store <value>' argument missing/],
      [['extra'], /^tailtop: Unexpected argument 'extra'/],
      [['--no-docker=yes'], /^tailtop: Option '--no-docker' does not take an argument/],
    ];
    for (const [argv, re] of cases) {
      const { r, out, err } = parse(argv);
      expect(r, argv.join(' ')).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(re);
      expect(err.endsWith(`\n\n${USAGE}\n`)).toBe(true);
      expect(err.split('\n\n')[0]!.split('\n')).toHaveLength(1);
    }
  });

  it('a value starting with a dash and a digit is the value of the flag before it (`--store -2h`), not an option', () => {
    expect(parse(['--store', '-2h', '--no-docker']).r).toEqual({ store: '-2h', 'no-docker': true });
    expect(parse(['--tag', '-1', '--tag', '-x']).r).toBe(2); // `-x` is no number: still an option
    expect(joinDashValues(['--store', '-90s', '--no-docker', '-5', '--tag=a', '-1', '--store'], OPTIONS)).toEqual([
      '--store=-90s',
      '--no-docker',
      '-5',
      '--tag=a',
      '-1',
      '--store',
    ]);
  });

  it('an unknown flag holding escape sequences is shown without them', () => {
    const { r, err } = parse(['--x\x1b]0;PWNED\x07y']);
    expect(r).toBe(2);
    expect(err).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(err).toMatch(/^tailtop: Unknown option '--x/);
  });
});

describe('flag checks', () => {
  it('stringFlag: the text of a string flag, else undefined', () => {
    expect(stringFlag({ a: 'x', b: true, c: ['y'] }, 'a')).toBe('x');
    expect(stringFlag({ a: 'x', b: true, c: ['y'] }, 'b')).toBeUndefined();
    expect(stringFlag({ a: 'x', b: true, c: ['y'] }, 'c')).toBeUndefined();
    expect(stringFlag({}, 'a')).toBeUndefined();
  });

  it('storeFlag: the directory, undefined for the default, an empty one refused', () => {
    expect(storeFlag({ store: '/var/x' })).toBe('/var/x');
    expect(storeFlag({})).toBeUndefined();
    expect(() => storeFlag({ store: '' })).toThrow(new UsageError('--store must not be empty'));
  });

  it('intFlag: decimal digits within the bounds; anything else names the flag and the bounds', () => {
    expect(intFlag({ refresh: '250' }, 'refresh', 250, 10_000)).toBe(250);
    expect(intFlag({ refresh: '10000' }, 'refresh', 250, 10_000)).toBe(10_000);
    expect(intFlag({}, 'refresh', 250, 10_000)).toBeUndefined();
    for (const bad of ['249', '10001', '1e3', '0x100', '250.0', '+500', ' 500', '', 'fast', '9999999999'])
      expect(() => intFlag({ refresh: bad }, 'refresh', 250, 10_000), bad).toThrow(
        new UsageError(`--refresh must be an integer from 250 to 10000 (decimal digits), got ${JSON.stringify(bad)}`),
      );
  });

  it('dockerHostFlag: a URL the Docker client can use; a bad one names the flag', () => {
    expect(dockerHostFlag({ 'docker-host': 'unix:///run/docker.sock' })).toBe('unix:///run/docker.sock');
    expect(dockerHostFlag({ 'docker-host': 'tcp://127.0.0.1:2375' })).toBe('tcp://127.0.0.1:2375');
    expect(dockerHostFlag({})).toBeUndefined();
    expect(() => dockerHostFlag({ 'docker-host': '%%%' })).toThrow(new UsageError('--docker-host: bad host name "%%%" in "%%%"'));
  });

  it('configFromFlags: --config FILE must exist; without it the default may be missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-flags-'));
    const file = join(dir, 'c.toml');
    writeFileSync(file, 'refresh_ms = 500\n');
    expect(configFromFlags({ config: file }).refreshMs).toBe(500);
    expect(() => configFromFlags({ config: join(dir, 'missing.toml') })).toThrow(ConfigError);
    const home = process.env['XDG_CONFIG_HOME'];
    process.env['XDG_CONFIG_HOME'] = join(dir, 'none');
    try {
      expect(configFromFlags({}).refreshMs).toBeGreaterThan(0);
    } finally {
      if (home === undefined) delete process.env['XDG_CONFIG_HOME'];
      else process.env['XDG_CONFIG_HOME'] = home;
    }
  });
});
