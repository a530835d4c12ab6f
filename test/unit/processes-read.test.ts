import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CMDLINE_EVERY, noSwapAreas, ProcessReader, readProcesses, RELIST_EVERY, STATUS_EVERY_NO_SWAP } from '../../src/sources/processes/read-processes.js';
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

describe('the same stat bytes give the same row', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const copy = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-proc-'));
    cpSync(root, dir, { recursive: true });
    dirs.push(dir);
    return dir;
  };
  const statOf = (dir: string): string => join(dir, 'proc/4242/stat');
  /** pid 4242's stat with field `n` (1-based, counted after the comm) replaced. */
  const setField = (dir: string, n: number, value: string): void => {
    const text = readFileSync(statOf(dir), 'latin1');
    const at = text.lastIndexOf(')') + 2;
    const f = text.slice(at).split(' ');
    f[n - 3] = value;
    writeFileSync(statOf(dir), text.slice(0, at) + f.join(' '));
  };
  const byPid = (rows: readonly { pid: number }[]) => new Map(rows.map((r) => [r.pid, r]));

  it('an unchanged process is the same object from poll to poll; a changed one a new row with its new figures', () => {
    const dir = copy();
    const reader = new ProcessReader(dir);
    const a = reader.read();
    const b = reader.read();
    expect(b.rows).toEqual(a.rows);
    for (let i = 0; i < a.rows.length; i++) expect(b.rows[i]).toBe(a.rows[i]);
    const statErrors = (e: string[]): string[] => e.filter((l) => l.includes('/stat:'));
    expect(statErrors(b.errors)).toEqual(statErrors(a.errors)); // broken stat files are named at every poll
    expect(statErrors(b.errors)).toHaveLength(2);
    setField(dir, 14, '5001'); // utime
    const c = byPid(reader.read().rows);
    expect(c.get(4242)).not.toBe(byPid(a.rows).get(4242));
    expect(c.get(4242)).toMatchObject({ utimeTicks: 5001, stimeTicks: 1200 });
    expect(c.get(1)).toBe(byPid(a.rows).get(1));
    setField(dir, 14, '50000'); // a digit longer than the bytes kept
    setField(dir, 24, '2001'); // rss pages
    const d = byPid(reader.read().rows).get(4242)!;
    expect(d).toMatchObject({ utimeTicks: 50000, rssBytes: 2001 * 4096 });
    expect(byPid(reader.read().rows).get(4242)).toBe(d);
    // Every poll's rows equal what a reader without history reads from the same files.
    expect(reader.read().rows).toEqual(new ProcessReader(dir).read().rows);
    reader.close();
  });

  it('another process under the same pid (a new start time) is read afresh, command line included', () => {
    const dir = copy();
    const reader = new ProcessReader(dir);
    const a = byPid(reader.read().rows).get(4242)!;
    setField(dir, 22, '999999'); // starttime
    writeFileSync(join(dir, 'proc/4242/cmdline'), 'other\0--flag\0');
    const b = byPid(reader.read().rows).get(4242)!;
    expect(b).not.toBe(a);
    expect(b).toMatchObject({ startTicks: 999999, cmdline: 'other --flag' });
    reader.close();
  });

  it('a uid or command line that changes while stat does not gives a new row', () => {
    const dir = copy();
    const reader = new ProcessReader(dir);
    const a = byPid(reader.read().rows).get(4242)!;
    writeFileSync(join(dir, 'proc/4242/cmdline'), 'renamed\0in-place\0');
    let b = a;
    for (let i = 0; i < CMDLINE_EVERY && b.cmdline === a.cmdline; i++) b = byPid(reader.read().rows).get(4242)!;
    expect(b.cmdline).toBe('renamed in-place');
    expect(b).not.toBe(a);
    expect(b.utimeTicks).toBe(a.utimeTicks);
    const f = join(dir, 'proc/4242/status');
    writeFileSync(f, readFileSync(f, 'latin1').replace(/^Uid:.*$/m, 'Uid:\t0\t0\t0\t0'));
    let c = b;
    for (let i = 0; i < 3 * STATUS_EVERY_NO_SWAP && c.uid !== 0; i++) c = byPid(reader.read().rows).get(4242)!;
    expect(c).toMatchObject({ uid: 0, user: 'root', cmdline: 'renamed in-place' });
    reader.close();
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

describe('new processes found by the pid counter (real /proc)', () => {
  const spawned: ChildProcess[] = [];
  afterEach(() => {
    for (const c of spawned.splice(0)) c.kill('SIGKILL');
  });

  it('finds a new process without listing /proc, never a new thread; lists again every RELIST_EVERY polls', async () => {
    const reader = new ProcessReader('/');
    reader.read();
    expect(reader.listings).toBe(1);
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    spawned.push(child);
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((r) => worker.once('online', r));
    try {
      const threads = readdirSync(`/proc/${process.pid}/task`).map(Number).filter((t) => t !== process.pid);
      const { rows } = reader.read();
      const pids = new Set(rows.map((r) => r.pid));
      expect(pids.has(child.pid!)).toBe(true);
      expect(rows.find((r) => r.pid === child.pid)!.cmdline).toBe('sleep 30');
      for (const t of threads) expect(pids.has(t)).toBe(false);
      expect(pids.has(process.pid)).toBe(true);
      // Unless more than NEW_PIDS_MAX pids were allocated in between (a busy host), no listing was needed.
      expect(reader.listings).toBeLessThanOrEqual(2);
      console.log(`listings after the new process: ${reader.listings}`);
      // What a listing finds of these processes, the counter found too.
      const listed = new Set(new ProcessReader('/').read().rows.map((r) => r.pid));
      for (const p of [child.pid!, process.pid]) expect(listed.has(p)).toBe(pids.has(p));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(reader.read().rows.some((r) => r.pid === child.pid)).toBe(false);
      const n = reader.listings;
      for (let i = 0; i < RELIST_EVERY; i++) reader.read();
      expect(reader.listings).toBeGreaterThan(n);
    } finally {
      await worker.terminate();
      reader.close();
    }
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
