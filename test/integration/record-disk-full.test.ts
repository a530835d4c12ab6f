// A full disk, for real: the store on a small tmpfs that a filler file fills up while a writer process
// records. The writer never crashes and never throws; it says "disk full" at most once a minute (of the
// samples' wall clock) and resumes when the filler is removed; the store passes SQLite's integrity check
// and holds exactly the samples that were reported appended, with the gap recorded as an event.
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreReader } from '../../src/record/reader.js';
import { requirement } from '../env.js';
import { firstDifference, sampleGenerator } from '../unit/record-helpers.js';
import { Children } from './record/child.js';

const skip = requirement('root (mount tmpfs)', process.getuid?.() === 0, 'mounting a tmpfs needs root');
const mounts: string[] = [];
const children = new Children();
afterEach(async () => {
  await children.killAll(); // before unmounting: a writer keeps its files open
  for (const m of mounts.splice(0)) {
    try {
      execFileSync('umount', [m]);
    } catch {
      // not mounted
    }
    rmSync(m, { recursive: true, force: true });
  }
});

/** Writes zeros until the file system is full; returns the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let n = 0;
  try {
    for (;;) n += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  // the last partial blocks
  const fd2 = openSync(path, 'a');
  try {
    for (;;) n += writeSync(fd2, Buffer.alloc(512));
  } catch {
    // full
  } finally {
    closeSync(fd2);
  }
  return n;
}

describe.skipIf(skip)('disk full', () => {
  it('says so once a minute, loses only the ticks it could not write, resumes when space returns', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'tailtop-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0755', 'tmpfs', mnt]);
    mounts.push(mnt);
    const dir = join(mnt, 'store');
    const start = Date.UTC(2026, 3, 1, 0, 0, 0);
    const child = children.spawn([dir, 21, start, 100_000, 3]);
    await child.until((l) => l.filter((x) => x.ok).length >= 150);

    const filler = join(mnt, 'filler');
    fill(filler);
    await child.until((l) => l.filter((x) => x.event?.kind === 'disk-full').length >= 3 && l.filter((x) => x.ok === false).length >= 200, 120_000);
    const fullLines = child.events('disk-full');
    expect(fullLines[0]!.message).toMatch(new RegExp(`^store ${dir}/tailtop.db: disk full, recording paused since \\S+ \\(\\d+ ticks lost\\); it resumes when space is freed$`));
    for (let i = 1; i < fullLines.length; i++) expect(fullLines[i]!.wallMs - fullLines[i - 1]!.wallMs).toBeGreaterThanOrEqual(60_000);
    expect(child.proc.exitCode).toBeNull();

    rmSync(filler);
    const before = child.lines.length;
    await child.until((l) => l.slice(before).filter((x) => x.ok).length >= 150, 60_000);
    const resumed = child.events('resumed');
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.message).toMatch(/recording resumed after disk full from \S+ \(\d+ ticks lost\)$/);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.lines.at(-1)!.closed).toBe(true);

    const db = new Database(join(dir, 'tailtop.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    // exactly the appended samples, as generated; the lost ones absent; the gap is an event
    const g = sampleGenerator({ seed: 21, startWallMs: start, containers: 4, processes: 30 });
    const want = child.lines.filter((l) => l.i !== undefined).map((l) => ({ ok: l.ok, set: g.next() })).filter((x) => x.ok);
    const r = StoreReader.open(dir);
    const got = [...r.range(0, Infinity)];
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) expect(firstDifference(got[i]!.set, want[i]!.set)).toBeNull();
    expect(r.events(0, Infinity).map((e) => e.kind)).toContain('gap');
    r.close();
  }, 240_000);
});
