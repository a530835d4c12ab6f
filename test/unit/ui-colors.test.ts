import { describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { WriteStream } from 'node:tty';
import { colorDepth, downsample, nearestAnsi, terminalColors, themeForDepth, themeForScreen } from '../../src/ui/colors.js';
import { createScreen } from '../../src/ui/term/screen.js';
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

describe('terminalColors (the theme choice of the monitor and the fleet view)', () => {
  // node's own reading of TERM and the environment, as process.stdout does it on a terminal
  const tty = { getColorDepth: (env?: object) => WriteStream.prototype.getColorDepth.call(null, env) };
  it('NO_COLOR: 0; COLORTERM=truecolor or 24bit: 2^24; otherwise what node makes of the terminal', () => {
    expect(terminalColors({ NO_COLOR: '1', COLORTERM: 'truecolor' }, tty)).toBe(0);
    expect(terminalColors({ COLORTERM: 'truecolor', TERM: 'xterm' }, tty)).toBe(16_777_216);
    expect(terminalColors({ COLORTERM: '24bit' }, {})).toBe(16_777_216);
    expect(terminalColors({ TERM: 'xterm-256color' }, tty)).toBe(256);
    expect(terminalColors({ TERM: 'xterm' }, tty)).toBe(16);
    expect(terminalColors({ TERM: 'dumb' }, tty)).toBe(2);
  });

  it('8 when the output is not a terminal', () => {
    expect(terminalColors({ TERM: 'xterm-256color' }, {})).toBe(8);
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

describe('themeForScreen (the monitor and the fleet view)', () => {
  it("down-samples to the screen's terminfo colours, unless COLORTERM or NO_COLOR say otherwise", () => {
    const screenOf = (terminal: string) => createScreen({ input: new PassThrough(), output: new Writable({ write: (_c, _e, cb) => cb() }), terminal, cols: 80, rows: 24 });
    const [s256, s8] = [screenOf('xterm-256color'), screenOf('xterm')];
    try {
      const theme = defaultTheme();
      expect(themeForScreen(theme, s256, {})).toEqual(themeForDepth(theme, 256));
      expect(themeForScreen(theme, s8, {})).toEqual(themeForDepth(theme, 8));
      expect(themeForScreen(theme, s8, {}).colors['cpu_end']).not.toMatch(/^#/);
      expect(themeForScreen(theme, s8, { COLORTERM: 'truecolor' })).toEqual(themeForDepth(theme, 16777216));
      expect(themeForScreen(theme, s256, { NO_COLOR: '1' }).mono).toBe(true);
    } finally {
      s256.destroy();
      s8.destroy();
    }
  });
});
