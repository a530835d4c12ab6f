// kill -9 of a writer mid-recording, for real: a writer process records seeded samples (one wall-clock
// second each, a few ms apart, so that minutes close and blocks are packed while it runs) and is killed at
// a random moment, five times over on the same store. After each kill the store passes SQLite's integrity
// check and holds every sample the writer had reported appended (at most the one in flight more), exactly
// as generated. Then a writer recovers the unfinished minutes (blocks and roll-ups) and a second writer
// process, while the first runs, refuses with one line.
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreReader } from '../../src/record/reader.js';
import { StoreWriter, type StoreEvent } from '../../src/record/writer.js';
import { requirement, REPO } from '../env.js';
import { firstDifference, sampleGenerator } from '../unit/record-helpers.js';
import { Children } from './record/child.js';

const skip = requirement('dist/record', existsSync(join(REPO, 'dist', 'record', 'writer.js')), 'dist/ is not built');
const dirs: string[] = [];
const children = new Children();
afterEach(async () => {
  await children.killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const writer = (args: (string | number)[]) => children.spawn(args);

function integrity(dir: string): string {
  const db = new Database(join(dir, 'tailtop.db'), { readonly: true });
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) ?? '';
  } finally {
    db.close();
  }
}

describe.skipIf(skip)('kill -9 of a writer', () => {
  it('loses at most the tick in flight, never corrupts, and the next writer recovers the open minutes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-crash-'));
    dirs.push(dir);
    const runs: { seed: number; start: number; reported: number }[] = [];
    let start = Date.UTC(2026, 2, 1, 3, 7, 13);
    for (let run = 0; run < 5; run++) {
      const seed = 100 + run;
      const child = writer([dir, seed, start, 100_000, 2]);
      const target = 200 + Math.floor(Math.random() * 250);
      await child.until((l) => l.filter((x) => x.ok).length >= target);
      child.proc.kill('SIGKILL');
      await child.exited;
      const reported = child.appended();
      runs.push({ seed, start, reported });
      expect(integrity(dir)).toBe('ok');

      // every reported tick is there, exactly; at most one more (committed, not yet reported)
      const r = StoreReader.open(dir);
      const got = [...r.range(start + 1, Infinity)];
      expect(got.length).toBeGreaterThanOrEqual(reported);
      expect(got.length).toBeLessThanOrEqual(reported + 1);
      const g = sampleGenerator({ seed, startWallMs: start, containers: 4, processes: 30 });
      for (const x of got) expect(firstDifference(x.set, g.next())).toBeNull();
      r.close();
      start = got[got.length - 1]!.set.wallMs + 5_000;
    }

    // a writer opening the store packs what the killed ones left and recomputes those minutes' roll-ups
    const events: StoreEvent[] = [];
    const w = StoreWriter.open({ dir, tailtopVersion: '0.1.0-test', onEvent: (e) => events.push(e) });
    await w.close();
    expect(events.map((e) => e.kind)).toEqual(['recovered']);
    expect(events[0]!.message).toMatch(/recovered \d+ ticks and the roll-ups of \d+ minute\(s\) after an unclean stop$/);
    const db = new Database(join(dir, 'tailtop.db'), { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM tick').get() as { n: number }).n).toBe(0);
    const minutesWithSamples = new Set<number>();
    const r = StoreReader.open(dir);
    let total = 0;
    for (const x of r.range(0, Infinity)) {
      minutesWithSamples.add(Math.floor(x.set.wallMs / 60_000) * 60_000);
      total++;
    }
    const rows = r.rollups('minute', 0, Infinity);
    expect(rows.map((m) => m.startMs)).toEqual([...minutesWithSamples].sort((a, b) => a - b));
    expect(rows.reduce((n, m) => n + m.samples, 0)).toBe(total);
    expect(total).toBeGreaterThanOrEqual(runs.reduce((n, x) => n + x.reported, 0));
    r.close();
    db.close();
    expect(integrity(dir)).toBe('ok');
  }, 180_000);

  it('a second writer process refuses while the first records, and may write once it is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-two-'));
    dirs.push(dir);
    const first = writer([dir, 1, Date.UTC(2026, 2, 1), 100_000, 20]);
    await first.until((l) => l.filter((x) => x.ok).length >= 5);
    const second = writer([dir, 2, Date.UTC(2026, 2, 2), 10, 1]);
    expect(await second.exited).toBe(3);
    const line = second.lines.find((l) => l.error)!;
    expect(line.kind).toBe('locked');
    expect(line.error).toMatch(
      new RegExp(`^store ${join(dir, 'tailtop.db')} is being written by another tailtop \\(pid ${first.proc.pid}, recording since [0-9T:.-]+Z\\); one writer per store$`),
    );
    first.proc.kill('SIGKILL');
    await first.exited;
    const third = writer([dir, 3, Date.UTC(2026, 2, 3), 5, 1]);
    expect(await third.exited).toBe(0);
    expect(third.appended()).toBe(5);
  }, 60_000);
});
