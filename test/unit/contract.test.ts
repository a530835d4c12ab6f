// src/contract.ts: what the UI and the collecting side agree on.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_COLORS,
  LATENCY_WINDOWS,
  MAX_REFRESH_MS,
  MIN_REFRESH_MS,
  REFRESH_STEPS,
  clampRefresh,
  fasterRefresh,
  isThemeKey,
  nextWindow,
  slowerRefresh,
} from '../../src/contract.js';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/config.js';

describe('contract', () => {
  it('refresh steps run from the lower to the upper bound, ascending', () => {
    expect(REFRESH_STEPS[0]).toBe(MIN_REFRESH_MS);
    expect(REFRESH_STEPS[REFRESH_STEPS.length - 1]).toBe(MAX_REFRESH_MS);
    for (let i = 1; i < REFRESH_STEPS.length; i++) expect(REFRESH_STEPS[i]!).toBeGreaterThan(REFRESH_STEPS[i - 1]!);
    expect(clampRefresh(1)).toBe(MIN_REFRESH_MS);
    expect(clampRefresh(1e9)).toBe(MAX_REFRESH_MS);
    expect(clampRefresh(NaN)).toBe(1000);
    expect(fasterRefresh(MIN_REFRESH_MS)).toBe(MIN_REFRESH_MS);
    expect(slowerRefresh(MAX_REFRESH_MS)).toBe(MAX_REFRESH_MS);
    expect(fasterRefresh(1500)).toBe(1000);
    expect(slowerRefresh(1500)).toBe(2000);
  });

  it('the config accepts exactly the refresh bounds the UI steps through', () => {
    expect(parseConfig(`refresh_ms = ${MIN_REFRESH_MS}`, 'c.toml').refreshMs).toBe(MIN_REFRESH_MS);
    expect(parseConfig(`refresh_ms = ${MAX_REFRESH_MS}`, 'c.toml').refreshMs).toBe(MAX_REFRESH_MS);
    expect(() => parseConfig(`refresh_ms = ${MIN_REFRESH_MS - 1}`, 'c.toml')).toThrow(ConfigError);
    expect(() => parseConfig(`refresh_ms = ${MAX_REFRESH_MS + 1}`, 'c.toml')).toThrow(ConfigError);
  });

  it('w cycles through every latency window and back', () => {
    const seen = [LATENCY_WINDOWS[0]!];
    for (let i = 1; i < LATENCY_WINDOWS.length; i++) seen.push(nextWindow(seen[i - 1]!));
    expect(seen).toEqual([...LATENCY_WINDOWS]);
    expect(nextWindow(seen[seen.length - 1]!)).toBe(LATENCY_WINDOWS[0]);
  });

  it('theme keys: every gradient has start, mid and end; unknown keys are not theme keys', () => {
    const bases = Object.keys(DEFAULT_COLORS).filter((k) => k.endsWith('_start')).map((k) => k.slice(0, -'_start'.length));
    expect(bases.sort()).toEqual(['cpu', 'io', 'lat', 'mem', 'net']);
    for (const b of bases) for (const s of ['mid', 'end']) expect(isThemeKey(`${b}_${s}`)).toBe(true);
    expect(isThemeKey('cpu_middle')).toBe(false);
    expect(isThemeKey('toString')).toBe(false);
  });
});
