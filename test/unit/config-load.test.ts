// Config fixtures side by side (bottom-style): every valid/*.toml loads to its .json (a subset of Config),
// every invalid/*.toml fails with the message in its .err file (FILE stands for the path).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defaultConfigPath, findKeyLine, loadConfig, MAX_CONFIG_BYTES, parseDuration } from '../../src/config/config.js';
import { execFileSync } from 'node:child_process';
import { bindings } from '../../src/ui/keys.js';
import { DEFAULT_EXPORT } from '../../src/config/alerts.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'config');
const names = (sub: string): string[] => readdirSync(join(dir, sub)).filter((f) => f.endsWith('.toml')).sort();

describe('valid configs', () => {
  it.each(names('valid'))('%s', (name) => {
    const file = join(dir, 'valid', name);
    const want = JSON.parse(readFileSync(file.replace(/\.toml$/, '.json'), 'utf8')) as Record<string, unknown>;
    const cfg = loadConfig(file, { required: true });
    expect(cfg).toMatchObject(want);
    // The key overrides are accepted by the key table.
    expect(() => bindings(cfg.keys)).not.toThrow();
  });
});

describe('invalid configs', () => {
  it.each(names('invalid'))('%s', (name) => {
    const file = join(dir, 'invalid', name);
    const want = readFileSync(file.replace(/\.toml$/, '.err'), 'utf8').replace('FILE', file);
    let err: unknown;
    try {
      loadConfig(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message.startsWith(want), `${(err as Error).message}\n  should start with\n${want}`).toBe(true);
  });

  it('every invalid fixture has an expected message', () => {
    for (const n of names('invalid')) expect(readdirSync(join(dir, 'invalid'))).toContain(n.replace(/\.toml$/, '.err'));
  });
});

describe('loadConfig', () => {
  it('a missing default file gives the defaults; a missing required file is an error', () => {
    const d = mkdtempSync(join(tmpdir(), 'tailtop-cfg-'));
    expect(loadConfig(join(d, 'nope.toml'))).toEqual({ refreshMs: 1000, theme: null, keys: {}, showAllDisks: false, dockerHost: null, ebpf: true, alerts: [], export: DEFAULT_EXPORT });
    expect(() => loadConfig(join(d, 'nope.toml'), { required: true })).toThrow(ConfigError);
    expect(() => loadConfig(join(d, 'nope.toml'), { required: true })).toThrow(/nope\.toml: no such file/);
  });

  it('a directory is an error naming the file', () => {
    const d = mkdtempSync(join(tmpdir(), 'tailtop-cfg-'));
    expect(() => loadConfig(d)).toThrow(new RegExp(`^${d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it('unknown keys are named with their line', () => {
    const d = mkdtempSync(join(tmpdir(), 'tailtop-cfg-'));
    const f = join(d, 'c.toml');
    writeFileSync(f, 'theme = "light"\n\n\nrefesh_ms = 500\n');
    expect(() => loadConfig(f)).toThrow(`${f}:4: refesh_ms: unknown key`);
  });
});

describe('helpers', () => {
  it('defaultConfigPath follows XDG_CONFIG_HOME, else ~/.config', () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/u' })).toBe('/x/cfg/tailtop/config.toml');
    expect(defaultConfigPath({ HOME: '/home/u' })).toBe('/home/u/.config/tailtop/config.toml');
    // A relative XDG_CONFIG_HOME is invalid per the spec and ignored.
    expect(defaultConfigPath({ XDG_CONFIG_HOME: 'rel', HOME: '/home/u' })).toBe('/home/u/.config/tailtop/config.toml');
  });

  it('parseDuration', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('750')).toBe(750);
    expect(parseDuration('fast')).toBeNull();
    expect(parseDuration('-1s')).toBeNull();
  });

  it('findKeyLine knows tables and dotted keys', () => {
    const text = 'a = 1\n[keys]\nquit = ["q"]\n[other]\nquit = 2\n';
    expect(findKeyLine(text, 'a')).toBe(1);
    expect(findKeyLine(text, 'keys.quit')).toBe(3);
    expect(findKeyLine(text, 'keys')).toBe(2);
    expect(findKeyLine('keys.help = ["h"]\n', 'keys.help')).toBe(1);
    expect(findKeyLine(text, 'missing')).toBeNull();
  });
});

describe('hostile config files', () => {
  const tmp = (): string => mkdtempSync(join(tmpdir(), 'tailtop-cfg-'));

  it('keys that are Object.prototype members are unknown keys, never a TypeError', () => {
    for (const k of ['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf']) {
      const f = join(tmp(), 'c.toml');
      writeFileSync(f, `[keys]\n${k} = ["x"]\n`);
      expect(() => loadConfig(f), k).toThrow(ConfigError);
      expect(() => loadConfig(f), k).toThrow(`keys.${k}: unknown command`);
      writeFileSync(f, `${k} = 1\n`);
      expect(() => loadConfig(f), k).toThrow(`${k}: unknown key`);
    }
    expect(() => bindings(JSON.parse('{"__proto__": ["x"]}') as Record<string, string[]>)).toThrow(ConfigError);
  });

  it('refuses devices, pipes and directories without reading them', () => {
    expect(() => loadConfig('/dev/zero')).toThrow('/dev/zero: is a device, not a regular file');
    const d = tmp();
    expect(() => loadConfig(d)).toThrow(`${d}: is a directory, not a regular file`);
    const fifo = join(d, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => loadConfig(fifo)).toThrow(`${fifo}: is a pipe, not a regular file`); // no writer: would block a plain open
  });

  it('refuses a file over 1 MiB and a binary file', () => {
    const f = join(tmp(), 'big.toml');
    writeFileSync(f, `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    expect(() => loadConfig(f)).toThrow(/big\.toml: too large \(1\.0 MiB; a file may have at most 1 MiB\)/);
    const b = join(tmp(), 'bin.toml');
    writeFileSync(b, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    expect(() => loadConfig(b)).toThrow(`${b}: not a text file (it holds NUL bytes)`);
    const l = join(tmp(), 'latin1.toml');
    writeFileSync(l, Buffer.from('theme = "caf\xe9"\n', 'latin1'));
    expect(() => loadConfig(l)).toThrow(`${l}: not UTF-8 text`);
  });

  it('a key holding an escape sequence is shown escaped, not sent to the terminal', () => {
    const f = join(tmp(), 'c.toml');
    writeFileSync(f, '"\\u001b]0;PWNED\\u0007" = 1\n');
    let msg = '';
    try {
      loadConfig(f);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('"\\x1b]0;PWNED\\x07": unknown key');
    expect(msg).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('a long string value is quoted only in part', () => {
    const f = join(tmp(), 'c.toml');
    writeFileSync(f, `refresh = "${'x'.repeat(5000)}"\n`);
    let msg = '';
    try {
      loadConfig(f);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg, msg).toMatch(/refresh: expected milliseconds or a duration like "500ms" or "2s", got the string "x{40}"…$/);
  });
});
