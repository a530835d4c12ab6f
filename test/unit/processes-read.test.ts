import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CMDLINE_EVERY, noSwapAreas, ProcessReader, readProcesses, STATUS_EVERY_NO_SWAP } from '../../src/sources/processes/read-processes.js';
import { inCI } from '../env.js';

const root = new URL('../fixtures/proc-pids', import.meta.url).pathname;
const IDS = Object.fromEntries(readFileSync(new URL('../fixtures/cgroup/IDS.txt', import.meta.url), 'utf8').trim().split('\n').map((l) => [l[0]!, l.split(' ').at(-1)!])) as Record<string, string>;

describe('readProcesses on fixtures', () => {
  it('lists numerically, skips vanished and broken pids, names users and containers', async () => {
    const { rows, errors } = await readProcesses({ root });
    expect(rows.map((r) => r.pid)).toEqual([1, 2, 4242, 5000, 6000, 7200]);
    const by = new Map(rows.map((r) => [r.pid, r]));
    const init = by.get(1)!;
    expect(init).toMatchObject({ user: 'root', uid: 0, cmdline: '/sbin/init splash', comm: 'systemd', utimeTicks: 163, stimeTicks: 1043, containerId: null, startTicks: 30 });
    expect(init.rssBytes).toBe(19132 * 1024);
    const k = by.get(2)!;
    expect(k.cmdline).toBe('');
    expect(k.rssBytes).toBe(0); // from stat pages (0) when status has no VmRSS
    const w = by.get(4242)!;
    expect(w).toMatchObject({ comm: 'my (weird) prog)', user: 'www-data', ppid: 4200, threads: 4, state: 'R', containerId: IDS.A });
    expect(w.swapBytes).toBe(512 * 1024);
    expect(by.get(5000)).toMatchObject({ user: 'alice', containerId: IDS.P });
    expect(by.get(6000)!.user).toBe('4321'); // not in passwd: the uid
    expect(by.get(7200)).toMatchObject({ threads: 2, utimeTicks: 3 }); // bad status fields: stat values
    // Broken files named; the vanished pid 8000 and the non-numeric "sys" are silent.
    expect(errors.some((e) => e.includes('/proc/7000/stat: no "(comm)" field'))).toBe(true);
    expect(errors.some((e) => e.includes('/proc/7100/stat: expected at least 24 fields'))).toBe(true);
    expect(errors.some((e) => e.includes('/proc/7200/status: Uid is not a number'))).toBe(true);
    expect(errors.some((e) => e.includes('8000'))).toBe(false);
    for (const e of errors) expect(e).not.toContain('\n');
  });

  it('pids option reads only those (unknown ones skipped quietly)', async () => {
    const { rows, errors } = await readProcesses({ root, pids: [4242, 1, 999999, 4242] });
    expect(rows.map((r) => r.pid)).toEqual([1, 4242]);
    expect(errors).toEqual([]);
  });

  it('a missing /proc is one error, not a throw', async () => {
    const r = await readProcesses({ root: `${root}/nope` });
    expect(r.rows).toEqual([]);
    expect(r.errors).toHaveLength(1);
  });
});

describe('status (uid, VmSwap) with and without swap areas', () => {
  const SWAPS_HEADER = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';
  const copy = (swaps: string | null): string => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-proc-'));
    cpSync(root, dir, { recursive: true });
    if (swaps !== null) writeFileSync(join(dir, 'proc/swaps'), swaps);
    return dir;
  };
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const setUid = (dir: string, uid: number): void => {
    const f = join(dir, 'proc/4242/status');
    writeFileSync(f, readFileSync(f, 'latin1').replace(/^Uid:.*$/m, `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`));
  };
  /** Polls until pid 4242 shows `uid`; how many polls that took. */
  const pollsUntil = (reader: ProcessReader, uid: number): number => {
    for (let n = 1; n <= 100; n++) if (reader.read().rows.find((r) => r.pid === 4242)!.uid === uid) return n;
    return Infinity;
  };

  it('/proc/swaps: no area listed (the header alone) is "no swap"; one listed, or no file, is not', () => {
    dirs.push(copy(SWAPS_HEADER), copy(`${SWAPS_HEADER}/dev/vda2                               partition\t1048572\t\t0\t\t-2\n`), copy(null));
    expect(dirs.map(noSwapAreas)).toEqual([true, false, false]);
  });

  it('swap in use: VmSwap shown, a changed uid within 3 polls', () => {
    const dir = copy(`${SWAPS_HEADER}/swapfile file 1048572 512 -2\n`);
    dirs.push(dir);
    const reader = new ProcessReader(dir);
    expect(reader.read().rows.find((r) => r.pid === 4242)).toMatchObject({ uid: 101, swapBytes: 512 * 1024 });
    setUid(dir, 0);
    expect(pollsUntil(reader, 0)).toBeLessThanOrEqual(3);
  });

  it('no swap area: VmSwap is 0 (status not read for it), a changed uid within STATUS_EVERY_NO_SWAP polls', () => {
    const dir = copy(SWAPS_HEADER);
    dirs.push(dir);
    const reader = new ProcessReader(dir);
    expect(reader.read().rows.find((r) => r.pid === 4242)).toMatchObject({ uid: 101, swapBytes: 0 });
    setUid(dir, 0);
    const n = pollsUntil(reader, 0);
    expect(n).toBeLessThanOrEqual(STATUS_EVERY_NO_SWAP);
    expect(n).toBeGreaterThan(0);
  });
});

describe('readProcesses on the real /proc', () => {
  it('finds this process with its cmdline, user and rising CPU time', async () => {
    const reader = new ProcessReader('/');
    const a = reader.read();
    const me = a.rows.find((r) => r.pid === process.pid);
    expect(me).toBeDefined();
    const expected = readFileSync(`/proc/${process.pid}/cmdline`, 'latin1').replace(/\0+$/, '').split('\0').join(' ');
    expect(me!.cmdline).toBe(expected);
    expect(me!.cmdline).toContain(process.argv[1]!.split('/').at(-1)!.slice(0, 5));
    expect(me!.uid).toBe(process.getuid!());
    expect(me!.threads).toBeGreaterThanOrEqual(1);
    expect(me!.rssBytes).toBeGreaterThan(0);
    expect(a.rows.length).toBeGreaterThan(1);
    const t0 = Date.now();
    while (Date.now() - t0 < 50) { /* burn some CPU */ }
    const b = reader.read({ pids: [process.pid] });
    expect(b.rows[0]!.utimeTicks + b.rows[0]!.stimeTicks).toBeGreaterThanOrEqual(me!.utimeTicks + me!.stimeTicks);
    expect(b.rows[0]!.startTicks).toBe(me!.startTicks);
    // Speed: a full read of the process table, second pass (cached descriptors).
    const n = 5;
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) reader.read();
    const c = process.cpuUsage(c0);
    console.log(`processes: ${a.rows.length} pids, ${((c.user + c.system) / n / 1000).toFixed(2)} ms CPU per full read`);
    reader.close();
  });
});

describe('command lines stay current (real processes)', () => {
  const spawned: ChildProcess[] = [];
  afterEach(() => {
    for (const c of spawned.splice(0)) c.kill('SIGKILL');
  });
  const perl = (code: string, ...args: string[]): ChildProcess => {
    const c = spawn('perl', ['-e', code, '--', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    spawned.push(c);
    return c;
  };
  const line = (c: ChildProcess): Promise<string> => new Promise((r) => c.stdout!.once('data', (d: Buffer) => r(d.toString().trim())));
  const row = (reader: ProcessReader, pid: number) => reader.read({ pids: [pid] }).rows[0]!;
  const hasPerl = spawnSync('perl', ['-e', '1']).status === 0;

  it.skipIf(!hasPerl && !inCI)('an exec that keeps the name (perl -> perl) shows the new command at the next poll', async () => {
    // prints "1" when started, execs perl again when told (a line on a pipe would need stdin: a signal does)
    const c = perl('$| = 1; $SIG{USR1} = sub { exec {"perl"} "perl", "-e", q{$| = 1; print "2\\n"; sleep 60}, "--", "--second-program" }; print "1\\n"; sleep 60 while 1', '--first-program');
    expect(await line(c)).toBe('1');
    const reader = new ProcessReader('/');
    const a = row(reader, c.pid!);
    expect(a.comm).toBe('perl');
    expect(a.cmdline).toContain('--first-program');
    const next = line(c);
    c.kill('SIGUSR1');
    expect(await next).toBe('2');
    const b = row(reader, c.pid!);
    expect(b.comm).toBe('perl'); // same name, same pid, same start time: only the address space is new
    expect(b.startTicks).toBe(a.startTicks);
    expect(b.cmdline).toContain('--second-program');
    reader.close();
  });

  it.skipIf(!hasPerl && !inCI)('a process that rewrites its argv in place (and keeps its name) shows it within CMDLINE_EVERY polls', async () => {
    // $0 rewrites argv (as PostgreSQL's and nginx's set_proc_title do); writing /proc/self/comm puts the
    // name back, so nothing but the argv memory changes
    const c = perl('$| = 1; $SIG{USR1} = sub { $0 = "postgres: checkpointer"; open(my $f, ">", "/proc/self/comm") or die; print $f "perl"; close $f; print "2\\n" }; print "1\\n"; sleep 60 while 1', '--as-started');
    expect(await line(c)).toBe('1');
    const reader = new ProcessReader('/');
    expect(row(reader, c.pid!).cmdline).toContain('--as-started');
    const next = line(c);
    c.kill('SIGUSR1');
    expect(await next).toBe('2');
    const seen: string[] = [];
    for (let i = 0; i < CMDLINE_EVERY; i++) {
      const r = row(reader, c.pid!);
      expect(r.comm).toBe('perl');
      seen.push(r.cmdline);
    }
    expect(seen.at(-1)).toBe('postgres: checkpointer');
    // at most CMDLINE_EVERY polls with the old one (then each poll reads a tenth of the command lines)
    expect(seen.filter((s) => s.includes('--as-started')).length).toBeLessThan(CMDLINE_EVERY);
    reader.close();
  });
});
