// doctor's report (exit code, one line per check with the fix, JSON keys as docs/doctor.md) and its checks
// that depend only on their input: kernel version, terminal, config file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configCheck, kernelCheck, terminalCheck } from '../../src/doctor/checks.js';
import { exitCode, overall, toJson, toText, type CheckResult } from '../../src/doctor/report.js';

const check = (id: string, status: CheckResult['status'], fix: string | null = null): CheckResult => ({
  id,
  title: id,
  status,
  summary: `${id} summary`,
  fix,
  detail: {},
});

describe('report', () => {
  it('exits 0 with warnings, 1 with any fail', () => {
    expect(exitCode([check('a', 'ok'), check('b', 'warn')])).toBe(0);
    expect(exitCode([check('a', 'ok'), check('b', 'fail'), check('c', 'warn')])).toBe(1);
    expect(overall([check('a', 'ok'), check('b', 'warn')])).toBe('warn');
    expect(overall([check('a', 'ok')])).toBe('ok');
  });

  it('prints one line per check with its fix, and a verdict', () => {
    const out = toText([check('kernel', 'ok'), check('eBPF permission', 'fail', 'sudo tailtop setup')]);
    expect(out.split('\n')).toEqual([
      'ok    kernel           kernel summary',
      'fail  eBPF permission  eBPF permission summary — fix: sudo tailtop setup',
      '1 ok, 0 warn, 1 fail: tailtop will work with the failed parts off',
      '',
    ]);
    expect(toText([{ ...check('config', 'fail', 'fix it'), blocks: true }])).toContain('tailtop will not start until that is fixed');
  });

  it('never prints control characters from what it quotes', () => {
    const out = toText([{ ...check('config', 'fail', 'x'), summary: 'key \u001b]0;PWNED\u0007 \u202e' }]);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
  });

  it('JSON has the documented keys', () => {
    const doc = JSON.parse(toJson([check('kernel', 'ok'), check('terminal', 'warn', 'x')], '9.9.9')) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'tailtop', 'status', 'exitCode', 'checks']);
    expect(doc).toMatchObject({ schemaVersion: 1, tailtop: '9.9.9', status: 'warn', exitCode: 0 });
    expect(Object.keys((doc.checks as object[])[0]!)).toEqual(['id', 'status', 'summary', 'fix', 'detail']);
  });
});

describe('checks', () => {
  it('kernel: 5.12+ ok (the helper\'s compare-and-swap); older warned that eBPF stays off', () => {
    expect(kernelCheck('6.1.0-18-amd64').status).toBe('ok');
    expect(kernelCheck('5.12.0').status).toBe('ok');
    expect(kernelCheck('5.11.22')).toMatchObject({ status: 'warn', fix: 'a kernel 5.12+ for eBPF latency (everything else works without it)' });
    expect(kernelCheck('5.8.0').summary).toMatch(/needs 5\.12\+ .*compare-and-swap/);
    expect(kernelCheck('4.19.0').summary).toMatch(/needs 5\.12\+ \(and 5\.8\+ for CAP_BPF/);
  });

  it('terminal: colours, UTF-8, and what the monitor cannot use', () => {
    expect(terminalCheck({ TERM: 'xterm-256color', LANG: 'en_US.UTF-8' }, true)).toMatchObject({ status: 'ok', summary: 'TERM=xterm-256color, 256 colours, UTF-8' });
    expect(terminalCheck({ TERM: 'xterm', COLORTERM: 'truecolor', LC_ALL: 'C.utf8' }, true).summary).toBe('TERM=xterm, 24-bit colour, UTF-8');
    expect(terminalCheck({ TERM: 'xterm-256color', LANG: 'C.UTF-8', NO_COLOR: '1' }, true).summary).toContain('no colour (NO_COLOR)');
    expect(terminalCheck({ TERM: 'xterm-256color', LANG: 'C' }, true)).toMatchObject({ status: 'warn', fix: 'export LANG=C.UTF-8 (or any *.UTF-8 locale)' });
    expect(terminalCheck({ TERM: 'dumb', LANG: 'C.UTF-8' }, false).status).toBe('warn');
    expect(terminalCheck({ LANG: 'C.UTF-8' }, false).summary).toMatch(/^TERM=\(unset\)/);
  });

  it('config: missing default is fine, a broken or unknown-theme file fails and blocks, a given missing file fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-doctor-'));
    expect(configCheck(null, { HOME: dir }).check).toMatchObject({ status: 'ok', summary: `no config file (${dir}/.config/tailtop/config.toml): defaults` });
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, 'refresh_ms = "fast"\n');
    expect(configCheck(bad, {}).check).toMatchObject({ status: 'fail', blocks: true, summary: `${bad}:1: refresh_ms: expected an integer number of milliseconds, got the string "fast"` });
    const theme = join(dir, 'theme.toml');
    writeFileSync(theme, 'theme = "nosuch"\n');
    expect(configCheck(theme, {}).check.summary).toMatch(/theme: unknown theme "nosuch"/);
    const good = join(dir, 'good.toml');
    writeFileSync(good, 'refresh_ms = 500\n');
    const r = configCheck(good, {});
    expect(r.check).toMatchObject({ status: 'ok', summary: `${good}: valid` });
    expect(r.cfg?.refreshMs).toBe(500);
    expect(configCheck(join(dir, 'none.toml'), {}).check.status).toBe('fail');
  });
});
