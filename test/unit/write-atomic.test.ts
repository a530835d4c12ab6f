// The report file is written atomically: on any failure no half-written file is left, and a file it
// replaces stays whole. (A full disk, for real, is in test/integration/write-atomic-enospc.test.ts.)
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportError } from '../../src/report/errors.js';
import { writeFileAtomic } from '../../src/report/write-atomic.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailtop-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function* failingAfter(chunks: number): Generator<string> {
  for (let i = 0; i < chunks; i++) yield `chunk ${i}\n`.repeat(1000);
  throw new Error('renderer failed half-way');
}

describe('writeFileAtomic', () => {
  it('writes the whole file and leaves nothing else', () => {
    const f = join(dir, 'report.html');
    writeFileAtomic(f, ['<html>', Buffer.from('body'), '</html>']);
    expect(readFileSync(f, 'utf8')).toBe('<html>body</html>');
    expect(readdirSync(dir)).toEqual(['report.html']);
  });

  it('a failure half-way leaves no file at all when there was none', () => {
    const f = join(dir, 'report.html');
    expect(() => writeFileAtomic(f, failingAfter(50))).toThrow(ReportError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a failure half-way leaves the old file whole, with its mode', () => {
    const f = join(dir, 'report.html');
    writeFileSync(f, 'old report');
    chmodSync(f, 0o600);
    expect(() => writeFileAtomic(f, failingAfter(50))).toThrow(/^cannot write .*report\.html: renderer failed half-way$/);
    expect(readFileSync(f, 'utf8')).toBe('old report');
    expect(readdirSync(dir)).toEqual(['report.html']);
    writeFileAtomic(f, 'new report');
    expect(readFileSync(f, 'utf8')).toBe('new report');
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('a target that is a directory: one line, exit 1 kind, the temporary file removed', () => {
    const f = join(dir, 'out');
    mkdirSync(f);
    let err: unknown;
    try {
      writeFileAtomic(f, 'x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReportError);
    expect((err as ReportError).kind).toBe('write');
    expect((err as ReportError).exitCode).toBe(1);
    expect((err as Error).message).toMatch(/^cannot write .*out: /);
    expect(readdirSync(dir)).toEqual(['out']);
  });

  it('a missing directory names the file', () => {
    expect(() => writeFileAtomic(join(dir, 'nope', 'r.html'), 'x')).toThrow(/^cannot write .*nope\/r\.html: no such directory \(ENOENT\)$/);
  });

  it('a process killed mid-write leaves the old file whole (only a hidden temporary file can remain)', () => {
    const f = join(dir, 'report.html');
    writeFileSync(f, 'old report');
    // The child writes 64 MiB in chunks and is killed by SIGKILL from inside once it has written some.
    const src = `
      import { writeFileAtomic } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'dist', 'report', 'write-atomic.js'))};
      function* chunks() { for (let i = 0; i < 64; i++) { if (i === 8) process.kill(process.pid, 'SIGKILL'); yield Buffer.alloc(1 << 20, 120); } }
      writeFileAtomic(${JSON.stringify(f)}, chunks());`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8' });
    expect(r.signal).toBe('SIGKILL');
    expect(readFileSync(f, 'utf8')).toBe('old report');
    const left = readdirSync(dir).filter((n) => n !== 'report.html');
    expect(left.length).toBe(1);
    expect(left[0]).toMatch(/^\.report\.html\.\d+\.[0-9a-f]{12}\.tmp$/);
  });
});
