import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ThemeError } from '../../src/errors.js';
import { join } from 'node:path';
import { chooseThemeName, defaultThemesDir, listThemes, loadTheme, parseTheme } from '../../src/config/themes.js';
import { DEFAULT_COLORS } from '../../src/contract.js';
import { gradient } from '../../src/ui/theme.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'config', 'themes');

describe('shipped themes', () => {
  it('default, light and mono are there', () => {
    expect(listThemes()).toEqual(expect.arrayContaining(['default', 'light', 'mono']));
  });

  it('themes/default.theme is the built-in default, key for key', () => {
    const t = loadTheme('default');
    expect(t.colors).toEqual({ ...DEFAULT_COLORS });
    expect(t.mono).toBe(false);
    const keys = readFileSync(join(defaultThemesDir(), 'default.theme'), 'utf8')
      .split('\n')
      .filter((l) => /^\w+\s*=/.test(l))
      .map((l) => l.split('=')[0]!.trim());
    expect(keys.sort()).toEqual([...Object.keys(DEFAULT_COLORS), 'mono'].sort());
  });

  it('every shipped theme loads, with start/mid/end gradients for cpu, mem, net, io, lat', () => {
    for (const name of listThemes()) {
      const t = loadTheme(name);
      for (const g of ['cpu', 'mem', 'net', 'io', 'lat']) for (const p of ['start', 'mid', 'end']) expect(t.colors[`${g}_${p}`]).toMatch(/^#[0-9a-f]{6}$/);
    }
    expect(loadTheme('mono').mono).toBe(true);
    expect(gradient(loadTheme('mono'), 'cpu', 90)).toBeUndefined();
    expect(loadTheme('light').colors['main_fg']).toBe('#262626');
  });
});

describe('loadTheme errors', () => {
  it('unknown name lists the available themes', () => {
    expect(() => loadTheme('nope')).toThrow(/unknown theme "nope" \(available: .*default.*light.*mono/);
  });

  it('a malformed line is file:line: message', () => {
    const f = join(fixtures, 'bad-line.theme');
    expect(() => loadTheme(f)).toThrow(`${f}:3: expected "key = value"`);
  });

  it('an unknown key is named', () => {
    const f = join(fixtures, 'bad-key.theme');
    expect(() => loadTheme(f)).toThrow(`${f}:1: unknown theme key "cpu_strat"`);
  });

  it('a bad colour is named with its line', () => {
    expect(() => loadTheme('bad-color', { dir: fixtures })).toThrow(/bad-color\.theme:2: mem_end: expected a colour like #rrggbb/);
  });

  it('a repeated key is an error', () => {
    expect(() => parseTheme('hi_fg = #000000\nhi_fg = #ffffff\n', 'x')).toThrow('x.theme:2: hi_fg: already set on line 1');
  });
});

describe('partial themes', () => {
  it('missing keys come from the default; comments and quotes are allowed', () => {
    const t = loadTheme('ok', { dir: fixtures });
    expect(t.name).toBe('ok');
    expect(t.colors['main_fg']).toBe('#112233');
    expect(t.colors['cpu_start']).toBe('#00ff00');
    expect(t.colors['lat_end']).toBe(DEFAULT_COLORS['lat_end']);
  });
});

describe('chooseThemeName', () => {
  it('NO_COLOR or fewer than 8 colours -> mono; else the request or default', () => {
    expect(chooseThemeName('light', { NO_COLOR: '1' }, 256)).toBe('mono');
    expect(chooseThemeName('light', { NO_COLOR: '' }, 256)).toBe('light');
    expect(chooseThemeName(null, {}, 2)).toBe('mono');
    expect(chooseThemeName(null, {}, 0)).toBe('mono');
    expect(chooseThemeName(null, {}, 8)).toBe('default');
    expect(chooseThemeName('light', {}, 16_777_216)).toBe('light');
  });
});

describe('hostile theme files', () => {
  const tmp = (): string => mkdtempSync(join(tmpdir(), 'tailtop-theme-'));
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ThemeError);
      return (e as Error).message;
    }
    throw new Error('did not throw');
  };

  it('every failure is a ThemeError: missing, malformed, unknown key, not text, not a file', () => {
    const d = tmp();
    expect(message(() => loadTheme(join(d, 'none.theme')))).toBe(`${d}/none.theme: no such theme file`);
    expect(message(() => loadTheme('nope'))).toMatch(/^unknown theme "nope"/);
    expect(message(() => loadTheme('/dev/zero'))).toBe('/dev/zero: is a device, not a regular theme file');
    expect(message(() => loadTheme('/bin/sh'))).toMatch(/^\/bin\/sh: (not a text file|too large)/);
    expect(message(() => loadTheme(join(fixtures, 'bad-key.theme')))).toMatch(/unknown theme key "cpu_strat"/);
    expect(message(() => parseTheme('= x\n', 'x'))).toMatch(/^x\.theme:1: expected "key = value"/);
  });

  it('Object.prototype members are unknown keys', () => {
    for (const k of ['__proto__', 'toString', 'constructor', 'hasOwnProperty']) expect(message(() => parseTheme(`${k} = #000000\n`, 'x'))).toMatch(`unknown theme key "${k}"`);
  });

  it('a long or hostile line is quoted in part and escaped', () => {
    const long = message(() => parseTheme(`${'x'.repeat(3000)}\n`, 'x'));
    expect(long.length).toBeLessThan(200);
    expect(long).toMatch(/got "x{40}"…$/);
    const esc = message(() => parseTheme('\x1b]0;PWNED\x07 = #000000\n', 'x'));
    expect(esc).toContain('"\\x1b]0;PWNED\\x07 = #000000"');
    expect(esc).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('a theme name from a flag or config is a name, not a path with odd characters', () => {
    expect(message(() => loadTheme('a\x1bb'))).toBe('unknown theme "a\\x1bb" (a theme name has letters, digits, \'.\', \'_\' and \'-\'; available: ' + listThemes().join(', ') + ')');
  });
});
