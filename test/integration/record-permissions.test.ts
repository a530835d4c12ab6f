// A store written by root, read by an unprivileged user (nobody, through setpriv): each missing permission
// is named in one line (the directory, the database, its -shm); with read access the user reads the store
// after a clean stop (rollback-journal mode, no -shm needed), while an agent writes (WAL: the existing -shm
// opened read-only) and after a kill -9 (WAL and -shm left behind).
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirement } from '../env.js';
import { Children } from './record/child.js';

const skip = requirement('root and setpriv', process.getuid?.() === 0 && existsSync('/usr/bin/setpriv'), 'needs root and setpriv to read as nobody');
const READER = join(import.meta.dirname, 'record', 'reader-child.mjs');
const dirs: string[] = [];
const children = new Children();
afterEach(async () => {
  await children.killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];

function readAsNobody(dir: string): { ok?: boolean; samples?: number; error?: string; kind?: string } {
  const out = execFileSync(asNobody[0]!, [...asNobody.slice(1), process.execPath, READER, dir], { encoding: 'utf8' });
  return JSON.parse(out.trim()) as { ok?: boolean; samples?: number; error?: string; kind?: string };
}

const root = (args: (string | number)[]) => children.spawn(args);

describe.skipIf(skip)('a store written by root, read by a user', () => {
  it('names the missing permission, and reads once it is granted: stopped, while written, after kill -9', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tailtop-perm-'));
    dirs.push(base);
    chmodSync(base, 0o755);
    const dir = join(base, 'store');
    const file = join(dir, 'tailtop.db');
    const start = Date.UTC(2026, 4, 1);

    const w1 = root([dir, 31, start, 90, 0]);
    expect(await w1.exited).toBe(0);
    // the writer made the directory 0750 and the file 0640
    let got = readAsNobody(dir);
    expect(got.kind).toBe('permission');
    expect(got.error).toMatch(new RegExp(`^store ${file}: permission denied: uid 65534 \\(nobody\\) lacks search \\(x\\) access to the directory ${dir} \\(drwxr-x--- root:\\w+\\)$`));
    chmodSync(dir, 0o755);
    got = readAsNobody(dir);
    expect(got.error).toMatch(new RegExp(`^store ${file}: permission denied: uid 65534 \\(nobody\\) cannot read ${file} \\(-rw-r----- root:\\w+\\)$`));
    chmodSync(file, 0o644);
    // a clean stop left the file in rollback mode: no -shm needed
    expect(existsSync(`${file}-shm`)).toBe(false);
    expect(readAsNobody(dir)).toEqual({ ok: true, samples: 90, toMs: start + 90_000 });

    // while a writer records: WAL and -shm exist (with the file's mode), read-only -shm is enough
    const w2 = root([dir, 32, start + 200_000, 100_000, 5]);
    await w2.until((l) => l.filter((x) => x.ok).length >= 100);
    expect(existsSync(`${file}-shm`)).toBe(true);
    got = readAsNobody(dir);
    expect(got.ok).toBe(true);
    expect(got.samples).toBeGreaterThanOrEqual(190);
    chmodSync(`${file}-shm`, 0o600);
    got = readAsNobody(dir);
    expect(got.error).toMatch(new RegExp(`^store ${file}: permission denied: uid 65534 \\(nobody\\) cannot read ${file}-shm \\(-rw------- root:\\w+\\)$`));
    chmodSync(`${file}-shm`, 0o644);

    // killed: WAL and -shm stay; still readable
    w2.proc.kill('SIGKILL');
    await w2.exited;
    const appended = 90 + w2.appended();
    got = readAsNobody(dir);
    expect(got.ok).toBe(true);
    expect(got.samples! - appended).toBeGreaterThanOrEqual(0);
    expect(got.samples! - appended).toBeLessThanOrEqual(1);
    // a WAL-mode file without its -shm needs the directory to be writable to create one
    rmSync(`${file}-shm`);
    got = readAsNobody(dir);
    expect(got.error).toMatch(new RegExp(`^store ${file}: permission denied: the store is in WAL mode with no ${file}-shm, which SQLite must create, and uid 65534 \\(nobody\\) cannot write the directory ${dir} `));

    // and writing as the user: the directory is root's
    const w3 = children.spawn([dir, 33, start + 900_000, 5, 0], { uid: 65534, gid: 65534 });
    expect(await w3.exited).toBe(3);
    expect(w3.lines[0]!.error).toMatch(new RegExp(`^store ${file}: permission denied: uid 65534 \\(nobody\\) lacks write and search \\(wx\\) access to the directory ${dir} `));
  }, 120_000);
});
