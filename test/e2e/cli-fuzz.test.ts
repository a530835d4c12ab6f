// Property-based: whatever a config file, a theme file or a flag holds, the CLI ends with exit 2 and one
// line on stderr, no control characters (nothing a terminal would act on), no stack trace, in bounded
// memory and time. Inputs are made invalid by construction (each case says how); the seed is fixed under CI.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtCli, CLI as cli, inCI } from '../env.js';
import '../setup-fast-check.js';
import { parseDockerHost } from '../../src/sources/docker/endpoint.js';

const skip = builtCli();
const dir = mkdtempSync(join(tmpdir(), 'tailtop-fuzz-'));
let n = 0;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Largest resident set seen while it ran, bytes. */
  peakRss: number;
}

/** Runs the CLI; samples its RSS from /proc while it runs. */
function runCli(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, XDG_CONFIG_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakRss = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const sample = (): void => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakRss = Math.max(peakRss, Number(m[1]) * 1024);
      } catch {
        // gone
      }
    };
    const timer = setInterval(sample, 10);
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearInterval(timer);
      clearTimeout(killer);
      resolve({ code, stdout, stderr, peakRss });
    });
  });
}

function expectOneSafeLine(o: Outcome, what: string): void {
  const where = `${what}\nstderr: ${JSON.stringify(o.stderr.slice(0, 500))}`;
  expect(o.code, where).toBe(2);
  expect(o.stdout, where).toBe('');
  const lines = o.stderr.split('\n');
  // Usage errors print the usage text after a blank line; the error itself is the first line.
  expect(lines[0], where).toMatch(/^tailtop: \S/);
  if (!o.stderr.includes('\n\nUsage:')) expect(lines.length, where).toBe(2);
  expect(lines[1] ?? '', where).toBe('');
  expect(o.stderr, where).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  expect(o.stderr, where).not.toMatch(/\n\s+at |internal error|TypeError|RangeError/);
  expect(lines[0]!.length, where).toBeLessThan(1200);
  expect(o.peakRss, where).toBeLessThan(250 * 1024 * 1024);
}

// Text a hostile file may hold: escapes, controls, bidi, NUL, long runs, TOML-ish pieces, prototype names.
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('\x1b]0;PWNED\x07', '\x1b[2J', '\u202E', '\u200B', '\x00', '\x9b31m', '__proto__', 'constructor', 'toString', '"', "'", '[', ']', '=', '\n', '#', '{', '}'),
  fc.string({ unit: fc.constantFrom('a', '=', '"', '[', ']', '\n', ' ', '.', '\\', 'u', '1', '#'), maxLength: 300 }),
);
const hostileText = fc.array(hostile, { maxLength: 12 }).map((a) => a.join(''));
const runs = inCI ? 40 : 25;

describe.skipIf(skip)('fuzz: hostile config, theme and flags', () => {
  it('config files: exit 2, one safe line', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, fc.constantFrom('__proto__', 'toString', 'nope', '\x1b]0;x\x07', 'a.b'), async (text, key) => {
        // Invalid by construction: whatever the text, a [keys] table naming an unknown command follows.
        const file = join(dir, `c${++n}.toml`);
        writeFileSync(file, `${text}\n[keys]\n${JSON.stringify(key)} = ["x"]\n`);
        expectOneSafeLine(await runCli(['snapshot', '--json', '--no-ebpf', '--no-docker', '--config', file]), `config ${JSON.stringify(text)}`);
      }),
      { numRuns: runs },
    );
  }, 300_000);

  it('theme files: exit 2, one safe line', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, fc.boolean(), async (text, binary) => {
        // Invalid by construction: an unknown key (or a NUL byte) at the end.
        const file = join(dir, `t${++n}.theme`);
        writeFileSync(file, binary ? Buffer.concat([Buffer.from(text), Buffer.from([0, 1, 2])]) : `${text}\nno_such_key_${n} = #000000\n`);
        expectOneSafeLine(await runCli(['--no-docker', '--no-ebpf', '--theme', file]), `theme ${JSON.stringify(text)}`);
      }),
      { numRuns: runs },
    );
  }, 300_000);

  it('flags: exit 2, one safe line', async () => {
    const badNumber = hostile.filter((v) => !/^[0-9]{1,9}$/.test(v) || Number(v) < 100);
    const badHost = hostile.filter((v) => parseDockerHost(v, 'option').error !== null);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badNumber.map((v) => ['snapshot', '--json', '--no-ebpf', '--no-docker', '--interval', v]),
          badNumber.map((v) => ['--no-docker', '--refresh', v]),
          badHost.map((v) => ['snapshot', '--json', '--no-ebpf', '--docker-host', v]),
          hostile.map((v) => ['--no-docker', '--theme', `no-such-theme-${v}`]),
          hostile.map((v) => ['snapshot', '--json', '--no-ebpf', '--no-docker', '--config', `/nonexistent/${v}`]),
          hostile.map((v) => ['--bogus-flag', v]),
          hostile.filter((v) => !/^(help|version|h|v)$/.test(v)).map((v) => [`--${v}`]),
          hostile.map((v) => [`unknown-command-${v}`]),
        ),
        async (args) => {
          fc.pre(args.every((a) => !a.includes('\0'))); // an argument cannot hold a NUL byte (execve)
          expectOneSafeLine(await runCli(args), `args ${JSON.stringify(args)}`);
        },
      ),
      { numRuns: runs * 2 },
    );
  }, 300_000);
});
