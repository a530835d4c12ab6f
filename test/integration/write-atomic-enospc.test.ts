// A full disk, for real: a 256 KiB tmpfs. Writing a report larger than the space left fails with one line
// naming the file, leaves no temporary file, and an older report on that disk stays whole.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportError } from '../../src/report/errors.js';
import { writeFileAtomic } from '../../src/report/write-atomic.js';
import { requirement } from '../env.js';

const skip = requirement('root (to mount a tmpfs)', process.getuid?.() === 0, 'not root');

describe.skipIf(skip !== null)('writeFileAtomic on a full file system', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tailtop-enospc-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'tailtop-enospc', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mount tmpfs: ${r.stderr.trim()}`);
  });
  afterAll(() => {
    if (!dir) return;
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with ENOSPC in one line, no temporary file left, the old report whole', () => {
    const f = join(dir, 'report.html');
    writeFileSync(f, 'old report');
    let err: unknown;
    try {
      writeFileAtomic(f, Buffer.alloc(1024 * 1024, 'x'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReportError);
    expect((err as Error).message).toBe(`cannot write ${f}: no space left on device (ENOSPC)`);
    expect(readdirSync(dir)).toEqual(['report.html']);
    expect(readFileSync(f, 'utf8')).toBe('old report');
    // And with room again, it writes.
    writeFileAtomic(f, Buffer.alloc(64 * 1024, 'y'));
    expect(readFileSync(f).length).toBe(64 * 1024);
    expect(readdirSync(dir)).toEqual(['report.html']);
  });
});
