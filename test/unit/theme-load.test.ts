import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseThemeName, DEFAULT_COLORS, defaultThemesDir, listThemes, loadTheme, parseTheme } from '../../src/config/themes.js';
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
