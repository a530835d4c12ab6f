import { describe, expect, it } from 'vitest';
import { colorDepth, downsample, nearestAnsi, themeForDepth } from '../../src/ui/colors.js';
import { defaultTheme } from '../../src/config/themes.js';

describe('colour depth', () => {
  it('follows COLORTERM, terminfo and NO_COLOR', () => {
    expect(colorDepth({ COLORTERM: 'truecolor' }, 256)).toBe(16777216);
    expect(colorDepth({ COLORTERM: '24bit' }, 8)).toBe(16777216);
    expect(colorDepth({}, 256)).toBe(256);
    expect(colorDepth({}, 88)).toBe(16);
    expect(colorDepth({}, 16)).toBe(16);
    expect(colorDepth({}, 8)).toBe(8);
    expect(colorDepth({}, 2)).toBe(2);
    expect(colorDepth({ NO_COLOR: '1', COLORTERM: 'truecolor' }, 256)).toBe(2);
  });
});

describe('downsampling', () => {
  it('keeps hex at 256 colours and above, picks the nearest ANSI colour below', () => {
    expect(downsample('#ff5f5f', 256)).toBe('#ff5f5f');
    expect(downsample('#ff5f5f', 16777216)).toBe('#ff5f5f');
    expect(downsample('#ff0000', 16)).toBe('lightred');
    expect(downsample('#cd0000', 16)).toBe('red');
    expect(downsample('#ff0000', 8)).toBe('red');
    expect(downsample('#000000', 8)).toBe('black');
    expect(downsample('default', 16)).toBe('default');
    expect(nearestAnsi([10, 200, 10], 8)).toBe('green');
  });

  it('themeForDepth maps every colour; depth 2 is monochrome', () => {
    const t16 = themeForDepth(defaultTheme(), 16);
    for (const v of Object.values(t16.colors)) expect(v).not.toMatch(/^#/);
    expect(themeForDepth(defaultTheme(), 2).mono).toBe(true);
    expect(themeForDepth(defaultTheme(), 256).colors['cpu_end']).toBe('#ff5f5f');
  });
});
