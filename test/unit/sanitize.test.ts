import { describe, expect, it } from 'vitest';
import { sanitize } from '../../src/ui/sanitize.js';

describe('sanitize', () => {
  it('removes whole escape sequences, not just the ESC byte', () => {
    expect(sanitize('web\x1b]0;pwned\x07-1')).toBe('web-1'); // OSC title, BEL-terminated
    expect(sanitize('a\x1b]2;pwned\x1b\\b')).toBe('ab'); // OSC, ST-terminated
    expect(sanitize('a\x1bkpwned\x1b\\b')).toBe('ab'); // screen/tmux title (ESC k ... ST)
    expect(sanitize('x\x1b[2J\x1b[31mred\x1b[0m')).toBe('xred'); // CSI
    expect(sanitize('p\x1bPq#0;1\x1b\\q')).toBe('pq'); // DCS
    expect(sanitize('c\x1bcd')).toBe('cd'); // RIS
  });

  it('drops C0 and C1 controls, turns tabs and newlines into spaces', () => {
    expect(sanitize('a\x00b\x07c\x9bd\x85e')).toBe('abcde');
    expect(sanitize('a\tb\nc')).toBe('a b c');
  });

  it('neutralises blessed tags and bounds the length', () => {
    expect(sanitize('{red-fg}x{/red-fg}')).toBe('(red-fg)x(/red-fg)');
    expect(sanitize('y'.repeat(10_000), 10)).toHaveLength(10);
  });
});
