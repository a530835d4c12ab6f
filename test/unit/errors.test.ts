// errors.ts: typed errors with their exit codes, and one safe line for any error.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError, errorLine, exitCodeOf, oneSafeLine, quote, RuntimeError, ThemeError, UsageError } from '../../src/errors.js';

describe('typed errors', () => {
  it('usage, config and theme errors exit 2; runtime and foreign errors exit 1', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new ConfigError('x'))).toBe(2);
    expect(exitCodeOf(new ThemeError('x'))).toBe(2);
    expect(exitCodeOf(new RuntimeError('x'))).toBe(1);
    expect(exitCodeOf(new TypeError('x'))).toBe(1);
    expect(exitCodeOf('x')).toBe(1);
    expect(new ConfigError('x').kind).toBe('config');
  });
});

describe('errorLine', () => {
  it('our errors say their message; others are internal errors, never a stack', () => {
    expect(errorLine(new ConfigError('c.toml:3: theme: expected a theme name'))).toBe('c.toml:3: theme: expected a theme name');
    expect(errorLine(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe("internal error: TypeError: Cannot read properties of undefined (reading 'x')");
    expect(errorLine(new Error('plain'))).toBe('internal error: plain');
    expect(errorLine('a string')).toBe('a string');
  });

  it('is one line, without escape sequences or controls, bounded', () => {
    expect(errorLine(new UsageError('first\nsecond'))).toBe('first');
    expect(errorLine(new UsageError('\n\n  \nreal line'))).toBe('real line');
    expect(errorLine(new UsageError('key \x1b]0;PWNED\x07 bad \u202Egnp.exe'))).toBe('key  bad gnp.exe');
    expect(errorLine(new UsageError('y'.repeat(5000))).length).toBe(400);
    expect(oneSafeLine('日本'.repeat(300), 11)).toBe('日本日本日…');
  });

  it('whatever the error text: one line, printable, no stack frame', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('usage', 'config', 'foreign'), (text, kind) => {
        const err = kind === 'usage' ? new UsageError(text) : kind === 'config' ? new ConfigError(text) : new Error(text);
        const line = errorLine(err);
        expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
        expect(line).not.toMatch(/\n|^\s+at /);
      }),
    );
  });
});

describe('quote', () => {
  it('shows odd characters as escapes and cuts long text', () => {
    expect(quote('plain')).toBe('"plain"');
    expect(quote('\x1b]0;PWNED\x07')).toBe('"\\x1b]0;PWNED\\x07"');
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quote('x\u202Ey')).toBe('"x\\u{202e}y"');
    expect(quote('z'.repeat(100), 10)).toBe(`"${'z'.repeat(10)}"…`);
  });
});
