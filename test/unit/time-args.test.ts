import { describe, expect, it } from 'vitest';
import { parseDurationArg, parseRangeArgs, parseSpanMs, parseTimeArg } from '../../src/config/time-args.js';
import { UsageError } from '../../src/errors.js';

// Local-time cases depend on TZ: pinned per test through a fixed zone where it matters.
const NOW = Date.UTC(2026, 11, 1, 17, 30, 15); // 2026-12-01T17:30:15Z

describe('parseTimeArg', () => {
  it('ISO 8601 with a zone is that instant', () => {
    expect(parseTimeArg('--from', '2026-12-01T03:10:00Z', NOW)).toBe(Date.UTC(2026, 11, 1, 3, 10, 0));
    expect(parseTimeArg('--from', '2026-12-01T03:10Z', NOW)).toBe(Date.UTC(2026, 11, 1, 3, 10, 0));
    expect(parseTimeArg('--from', '2026-12-01T03:10:00+01:00', NOW)).toBe(Date.UTC(2026, 11, 1, 2, 10, 0));
    expect(parseTimeArg('--from', '2026-12-01T03:10:00-0530', NOW)).toBe(Date.UTC(2026, 11, 1, 8, 40, 0));
    expect(parseTimeArg('--from', '2026-12-01T03:10:00.250Z', NOW)).toBe(Date.UTC(2026, 11, 1, 3, 10, 0) + 250);
  });

  it('ISO 8601 without a zone, a date alone and HH:MM[:SS] are local time', () => {
    expect(parseTimeArg('--at', '2026-12-01 03:10', NOW)).toBe(new Date(2026, 11, 1, 3, 10, 0).getTime());
    expect(parseTimeArg('--at', '2026-12-01', NOW)).toBe(new Date(2026, 11, 1).getTime());
    const today = new Date(NOW);
    expect(parseTimeArg('--at', '03:10', NOW)).toBe(new Date(today.getFullYear(), today.getMonth(), today.getDate(), 3, 10, 0).getTime());
    expect(parseTimeArg('--at', '23:59:58', NOW)).toBe(new Date(today.getFullYear(), today.getMonth(), today.getDate(), 23, 59, 58).getTime());
  });

  it('relative times count back from now; now is now; epoch seconds are seconds', () => {
    expect(parseTimeArg('--from', '-2h', NOW)).toBe(NOW - 7_200_000);
    expect(parseTimeArg('--from', '-90s', NOW)).toBe(NOW - 90_000);
    expect(parseTimeArg('--from', '-1h30m', NOW)).toBe(NOW - 5_400_000);
    expect(parseTimeArg('--from', '-7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTimeArg('--to', 'now', NOW)).toBe(NOW);
    expect(parseTimeArg('--to', '1764559800', NOW)).toBe(1_764_559_800_000);
    expect(parseTimeArg('--to', '1764559800.5', NOW)).toBe(1_764_559_800_500);
  });

  it('anything else is a usage error naming the flag and the forms', () => {
    for (const bad of ['', 'yesterday', '25:00', '12:61', '2026-13-01', '2026-02-30T00:00Z', '2026-02-30', '-2x', '-1m1h', '-', '12', '2026-12-01T03', '\u001b[2J']) {
      let err: unknown;
      try {
        parseTimeArg('--from', bad, NOW);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(/^--from: ".*" is not a time.*: use ISO 8601/);
      expect((err as Error).message).not.toMatch(/[\u0000-\u001f]/);
    }
  });
});

describe('ranges and durations', () => {
  it('a range defaults to the last hour and refuses an empty one', () => {
    expect(parseRangeArgs(undefined, undefined, NOW)).toEqual({ fromMs: NOW - 3_600_000, toMs: NOW });
    expect(parseRangeArgs('-10m', undefined, NOW)).toEqual({ fromMs: NOW - 600_000, toMs: NOW });
    expect(() => parseRangeArgs('-1m', '-2m', NOW)).toThrow(/--from .* is not before --to .*: the range is empty/);
    expect(() => parseRangeArgs('now', 'now', NOW)).toThrow(UsageError);
  });

  it('spans and durations', () => {
    expect(parseSpanMs('1d12h')).toBe(36 * 3_600_000);
    expect(parseSpanMs('500ms')).toBe(500);
    expect(parseSpanMs('1h1h')).toBeNull();
    expect(parseDurationArg('--retain', '7d')).toBe(7 * 86_400_000);
    expect(() => parseDurationArg('--retain', '0d')).toThrow(/^--retain: "0d" is not a duration/);
    expect(() => parseDurationArg('--retain', 'week')).toThrow(UsageError);
  });
});
