// Table filters: a regex filter runs in time linear in the text (RE2), so no pattern can freeze the UI.
import { describe, expect, it } from 'vitest';
import { compileFilter, MAX_PATTERN_LENGTH } from '../../src/ui/filter.js';

describe('compileFilter', () => {
  it('substring, case-insensitive; ~ for a regex; an empty filter matches all', () => {
    expect(compileFilter('  ').test).toBeNull();
    expect(compileFilter('NgInX').test!('/usr/sbin/nginx -g daemon off;')).toBe(true);
    expect(compileFilter('~^/usr/s?bin/(nginx|apache)').test!('/usr/sbin/nginx')).toBe(true);
    expect(compileFilter('~^/usr/s?bin/(nginx|apache)').test!('/opt/nginx')).toBe(false);
  });

  it('a catastrophic pattern against forty A (and 40 000) stays fast', () => {
    const f = compileFilter('~(A+)+B');
    expect(f.error).toBeNull();
    for (const n of [40, 40_000]) {
      const t0 = performance.now();
      expect(f.test!(`sleep 600 ${'A'.repeat(n)}`)).toBe(false);
      expect(performance.now() - t0).toBeLessThan(2000); // backtracking would take 2^40 steps
    }
    const g = compileFilter('~(a|aa)+$|(x+x+)+y|([a-z]+)*\\d');
    expect(g.test!('a'.repeat(5000) + '!')).toBe(false);
  });

  it('what RE2 cannot do is an invalid regex, said in one line', () => {
    expect(compileFilter('~(a)\\1').error).toMatch(/^invalid regex: invalid escape sequence/);
    expect(compileFilter('~(?<=a)b').error).toMatch(/^invalid regex: /);
    expect(compileFilter('~(').error).toMatch(/^invalid regex: missing closing \)/);
    expect(compileFilter(`~${'a'.repeat(MAX_PATTERN_LENGTH + 1)}`).error).toBe(`invalid regex: longer than ${MAX_PATTERN_LENGTH} characters`);
  });

  it('remembers results: the same text is matched once', () => {
    const f = compileFilter('~b.d');
    expect(f.test!('abcd')).toBe(true);
    expect(f.test!('abcd')).toBe(true);
    expect(f.test!('abce')).toBe(false);
  });
});
