// What a user sees from the commands that read a recording (`snapshot --from --to`, `replay`) when the store
// is missing, empty, corrupt, not a store, of an older or newer schema, or written by root and read by an
// ordinary user: one line on stderr naming the file (and what is wrong or missing), exit 1, no document, and
// the terminal never taken. A bad time names its flag (exit 2). Real SQLite files, the built CLI, a real
// unprivileged user (nobody, through setpriv).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { builtCli, CLI, requirement } from '../env.js';
import { StoreWriter } from '../../src/record/writer.js';
import { samples } from '../unit/record-helpers.js';

const skip = builtCli();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tailtop-storecli-'));
  dirs.push(d);
  chmodSync(d, 0o755);
  return d;
};
const START = Date.UTC(2026, 0, 1, 10, 0, 0);
const FROM = String(START / 1000);
const TO = String(START / 1000 + 60);

function cli(args: string[], asUser?: string[]): { status: number | null; stdout: string; stderr: string } {
  const cmd = asUser ? asUser[0]! : process.execPath;
  const argv = asUser ? [...asUser.slice(1), process.execPath, CLI, ...args] : [CLI, ...args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TERM: 'xterm-256color', ...(asUser ? { HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent' } : {}) } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const both = (dir: string): string[][] => [
  ['snapshot', '--json', '--store', dir, '--from', FROM, '--to', TO],
  ['replay', '--store', dir],
];

async function recorded(dir: string, n = 90): Promise<void> {
  const w = StoreWriter.open({ dir, tailtopVersion: '0.1.0', identity: { hostname: 'h', machineId: 'm', bootId: 'b' } });
  for (const s of samples(n, { seed: 2, containers: 2, processes: 3, startWallMs: START })) w.append(s);
  await w.close();
}

describe.skipIf(skip)('reading a store that cannot be read', () => {
  it('missing, empty, corrupt, not a store, newer and older schema: one line naming the file, exit 1', async () => {
    const cases: [string, (dir: string) => Promise<void> | void, RegExp][] = [
      ['missing directory', () => {}, /^tailtop: store (\S+)\/nope\/tailtop\.db: no such directory \S+\/nope$/],
      ['no file', (d) => mkdirSync(join(d, 'nope')), /^tailtop: store \S+\/nope\/tailtop\.db: no such file \(nothing recorded there yet\)$/],
      ['not a database', (d) => (mkdirSync(join(d, 'nope')), writeFileSync(join(d, 'nope', 'tailtop.db'), 'x'.repeat(4096))), /^tailtop: store \S+\/nope\/tailtop\.db is corrupt or not a database/],
      ['an SQLite file of something else', (d) => {
        mkdirSync(join(d, 'nope'));
        const db = new Database(join(d, 'nope', 'tailtop.db'));
        db.exec('CREATE TABLE t (x)');
        db.close();
      }, /^tailtop: store \S+\/nope\/tailtop\.db is an SQLite database but not a tailtop store/],
      ['newer schema', async (d) => {
        await recorded(join(d, 'nope'));
        const db = new Database(join(d, 'nope', 'tailtop.db'));
        db.prepare("UPDATE meta SET value = '7' WHERE key IN ('schema_version', 'read_compat')").run();
        db.close();
      }, /^tailtop: store \S+\/nope\/tailtop\.db has schema 7 .* which needs a reader of schema 7; tailtop \S+ reads schema 2: upgrade tailtop$/],
      ['older schema', (d) => {
        mkdirSync(join(d, 'nope'));
        const db = new Database(join(d, 'nope', 'tailtop.db'));
        db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); CREATE TABLE sample (wall_ms INTEGER, json TEXT); INSERT INTO meta VALUES ('schema_version', '0'), ('tailtop_version', '0.0.9')");
        db.close();
      }, /^tailtop: store \S+\/nope\/tailtop\.db has schema 0 \(written by tailtop 0\.0\.9\); tailtop \S+ reads schema 2: run `tailtop agent --store \S+\/nope` once to migrate it$/],
    ];
    for (const [what, make, re] of cases) {
      const base = tmp();
      await make(base);
      for (const args of both(join(base, 'nope'))) {
        const r = cli(args);
        expect(r.status, `${what}: ${args[0]}: ${r.stderr}`).toBe(1);
        expect(r.stdout, `${what}: ${args[0]}`).toBe('');
        expect(r.stderr.split('\n').filter(Boolean), `${what}: ${args[0]}`).toHaveLength(1);
        expect(r.stderr.trim(), `${what}: ${args[0]}`).toMatch(re);
      }
    }
  }, 120_000);

  it('a damaged block: the range that needs it says so, naming the file; the rest of the store still answers', async () => {
    const base = tmp();
    const dir = join(base, 's');
    await recorded(dir, 200);
    const db = new Database(join(dir, 'tailtop.db'));
    const first = db.prepare('SELECT first_seq, data FROM block ORDER BY first_seq LIMIT 1').get() as { first_seq: number; data: Buffer };
    const bad = Buffer.from(first.data);
    bad[bad.length >> 1]! ^= 0xff;
    db.prepare('UPDATE block SET data = ? WHERE first_seq = ?').run(bad, first.first_seq);
    db.close();
    const r = cli(['snapshot', '--json', '--store', dir, '--from', FROM, '--to', String(START / 1000 + 30)]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`^tailtop: store ${join(dir, 'tailtop.db')} is damaged: .* while (seeking|stepping)`));
    const ok = cli(['snapshot', '--json', '--store', dir, '--from', String(START / 1000 + 125), '--to', String(START / 1000 + 190)]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).range.samples).toBeGreaterThan(50);
  }, 60_000);

  it('nothing recorded in the range: says what the store holds; a bad time names its flag (exit 2)', async () => {
    const dir = join(tmp(), 's');
    await recorded(dir);
    const r = cli(['snapshot', '--json', '--store', dir, '--from', String(START / 1000 + 7200), '--to', String(START / 1000 + 7300)]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`tailtop: store ${join(dir, 'tailtop.db')}: nothing recorded from 2026-01-01T12:00:00.000Z to 2026-01-01T12:01:40.000Z; it holds 2026-01-01T10:00:01.000Z .. 2026-01-01T10:01:30.000Z`);
    const bad = cli(['snapshot', '--json', '--store', dir, '--from', 'yesterday-ish']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/^tailtop: --from: "yesterday-ish" is not a time: use ISO 8601/);
    const at = cli(['replay', '--store', dir, '--at', '25:99']);
    expect(at.status).toBe(2);
    expect(at.stderr.split('\n')[0]).toMatch(/^tailtop: --at: "25:99" is not a time/);
    const rel = cli(['snapshot', '--json', '--store', dir, '--from', '-90s']);
    expect(rel.status).toBe(1); // a relative time is taken as a time (nothing recorded 90 s ago), not as a flag
    expect(rel.stderr).toMatch(/nothing recorded from/);
  }, 60_000);

  const rootSkip = requirement('root and setpriv', process.getuid?.() === 0 && existsSync('/usr/bin/setpriv'), 'needs root and setpriv to read as nobody');
  it.skipIf(rootSkip)('a store written by root, read by nobody: the line says which permission is missing', async () => {
    const base = tmp();
    const dir = join(base, 's');
    await recorded(dir);
    chmodSync(dir, 0o750);
    const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];
    const file = join(dir, 'tailtop.db');
    for (const args of both(dir)) {
      const r = cli(args, nobody);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim()).toMatch(new RegExp(`^tailtop: store ${file}: permission denied: uid 65534 \\(nobody\\) lacks search \\(x\\) access to the directory ${dir} \\(drwxr-x--- root:\\w+\\)$`));
    }
    chmodSync(dir, 0o755);
    chmodSync(file, 0o640);
    const r = cli(both(dir)[0]!, nobody);
    expect(r.stderr.trim()).toMatch(new RegExp(`^tailtop: store ${file}: permission denied: uid 65534 \\(nobody\\) cannot read ${file} \\(-rw-r----- root:\\w+\\)$`));
    chmodSync(file, 0o644);
    const ok = cli(both(dir)[0]!, nobody);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).range.samples).toBeGreaterThan(50);
  }, 60_000);
});
