// `tailtop agent` for real: the built CLI as its own process with a real store (SQLite), the real sources of
// this machine (containers of the private dockerd when DOCKER_HOST is set, eBPF as root). It records every
// tick, SIGTERM flushes and exits 0, kill -9 loses at most the tick in flight and the store opens afterwards,
// a second agent on the same store is refused with one line. `tailtop --record` writes the same store.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { builtCli, CLI, inCI, REPO, requirement } from '../env.js';
import { StoreReader } from '../../src/record/reader.js';
import { FrameMaker } from '../../src/store/frame-maker.js';
import type { SampleSet } from '../../src/model/sample-set.js';
import { hasTmux, sessionsKilledAfterEach, startTmux } from './tmux.js';

const skip = builtCli();
const root = process.getuid?.() === 0;
const docker = !!process.env['DOCKER_HOST'] && spawnSync('docker', ['version'], { stdio: 'ignore' }).status === 0;
if (inCI) requirement('Docker (DOCKER_HOST)', docker, 'the agent test records the containers of the private dockerd');

const dirs: string[] = [];
const procs: ChildProcess[] = [];
const tmpStore = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tailtop-agent-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Agent {
  proc: ChildProcess;
  /** wallMs of every tick the agent said it recorded (TAILTOP_AGENT_TRACE). */
  recorded: number[];
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  until(n: number, timeoutMs?: number): Promise<void>;
}

function agent(args: string[]): Agent {
  const proc = spawn(process.execPath, [CLI, 'agent', ...args], { cwd: REPO, env: { ...process.env, TAILTOP_AGENT_TRACE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  const recorded: number[] = [];
  let err = '';
  let buf = '';
  const waiters: (() => void)[] = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const m = /^recorded (\d+(?:\.\d+)?)$/.exec(buf.slice(0, nl));
      if (m) recorded.push(Number(m[1]));
      buf = buf.slice(nl + 1);
    }
    for (const w of waiters) w();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return {
    proc,
    recorded,
    stderr: () => err,
    exit,
    until: (n, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`agent recorded ${recorded.length} of ${n} ticks; stderr: ${err}`)), timeoutMs);
        const check = (): void => {
          if (recorded.length >= n) {
            clearTimeout(t);
            resolve();
          }
        };
        waiters.push(check);
        void exit.then(() => setTimeout(() => reject(new Error(`agent exited; stderr: ${err}`)), 100));
        check();
      }),
  };
}

/** Every recorded sample of the store, oldest first. */
function readAll(dir: string): SampleSet[] {
  const r = StoreReader.open(dir);
  try {
    return [...r.range(0, Number.MAX_SAFE_INTEGER)].map((x) => x.set);
  } finally {
    r.close();
  }
}

describe.skipIf(skip)('tailtop agent', () => {
  it('records every tick (host, containers, processes, eBPF); SIGTERM flushes and exits 0; replay builds frames', async () => {
    const dir = tmpStore();
    const a = agent(['--store', dir, '--interval', '250']);
    await a.until(8);
    a.proc.kill('SIGTERM');
    expect(await a.exit).toEqual({ code: 0, signal: null });
    expect(a.stderr()).toMatch(new RegExp(`^tailtop agent: recording to ${dir}/tailtop.db every 250 ms \\(retain 7d, at most 2 GiB\\)$`, 'm'));
    const sets = readAll(dir);
    expect(sets.map((s) => s.wallMs)).toEqual(a.recorded);
    const last = sets.at(-1)!;
    expect(last.host.stat).not.toBeNull();
    expect(last.processes!.length).toBeGreaterThan(10);
    if (docker) expect(last.containers?.daemon.state).toBe('ok');
    if (root) {
      expect(last.latency?.status.active).toBe(true);
      expect(sets.some((s) => (s.latency?.intervals.length ?? 0) > 0)).toBe(true);
    }
    // replay: the recorded sets through the frame builder give frames with rates
    const maker = new FrameMaker({ showAllDisks: false, clockTicks: 100 });
    const frames = sets.map((s) => maker.next(s));
    expect(frames.at(-1)!.host.cpu.percent).not.toBeNull();
    expect(frames.at(-1)!.processes!.some((p) => p.cpuPercent !== null)).toBe(true);
    if (root) expect(frames.at(-1)!.latency!.active).toBe(true);
  }, 60_000);

  it('kill -9: the store opens and holds every tick the agent reported, and at most one more', async () => {
    const dir = tmpStore();
    let reported = 0;
    for (let round = 0; round < 2; round++) {
      const a = agent(['--store', dir, '--interval', '250', '--no-ebpf']);
      await a.until(4 + round * 3);
      a.proc.kill('SIGKILL');
      expect((await a.exit).signal).toBe('SIGKILL');
      const seen = new Set(readAll(dir).map((s) => s.wallMs));
      const missing = a.recorded.filter((w) => !seen.has(w));
      expect(missing).toEqual([]);
      // the tick in flight when the kill came may be there too, no more
      reported += a.recorded.length;
      expect(seen.size).toBeLessThanOrEqual(reported + round + 1);
      const r = StoreReader.open(dir);
      const sessions = r.sessions();
      r.close();
      expect(sessions).toHaveLength(round + 1);
    }
    // the next agent recovers the store and records on
    const b = agent(['--store', dir, '--interval', '250', '--no-ebpf']);
    await b.until(2);
    b.proc.kill('SIGTERM');
    expect((await b.exit).code).toBe(0);
    const walls = readAll(dir).map((s) => s.wallMs);
    expect(walls).toEqual([...walls].sort((x, y) => x - y));
    for (const w of b.recorded) expect(walls).toContain(w);
  }, 90_000);

  it('a second agent on the same store is refused with one line naming the store and the holder', async () => {
    const dir = tmpStore();
    const a = agent(['--store', dir, '--interval', '500', '--no-ebpf', '--no-docker']);
    await a.until(1);
    const second = spawnSync(process.execPath, [CLI, 'agent', '--store', dir, '--no-ebpf', '--no-docker'], { encoding: 'utf8', timeout: 20_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toBe(`tailtop: store ${dir}/tailtop.db is being written by another tailtop (pid ${a.proc.pid}, recording since ${second.stderr.match(/since (\S+)\)/)?.[1]}); one writer per store\n`);
    // and so is the monitor recording to it
    const tui = spawnSync(process.execPath, [CLI, '--record', '--store', dir, '--no-ebpf', '--no-docker'], { encoding: 'utf8', timeout: 20_000 });
    expect(tui.status).not.toBe(0);
    a.proc.kill('SIGINT');
    expect((await a.exit).code).toBe(0);
  }, 60_000);

  it('bad options exit 2 with a line naming the flag', () => {
    for (const [args, re] of [
      [['--interval', '10'], /^tailtop: --interval must be an integer from 250 to 60000/],
      [['--interval', '-5'], /^tailtop: --interval must be an integer from 250 to 60000/],
      [['--retain', '7 days'], /^tailtop: --retain must be a whole number with a unit/],
      [['--max-size', '10k'], /^tailtop: --max-size must be a size of at least 1MiB/],
      [['--bogus'], /^tailtop: Unknown option '--bogus'/],
    ] as const) {
      const r = spawnSync(process.execPath, [CLI, 'agent', '--store', tmpStore(), ...args], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(re);
    }
  });
});

const tmuxSkip = skip ?? requirement('tmux', hasTmux(), 'tmux is not installed');
const sessions = sessionsKilledAfterEach();

describe.skipIf(tmuxSkip)('tailtop --record', () => {
  it('the monitor records to the store while it runs; q closes the store', async () => {
    const dir = tmpStore();
    const s = startTmux(`node ${CLI} --record --store ${dir} --no-ebpf --no-docker --refresh 250`, { cols: 120, rows: 40, cwd: REPO, env: { TERM: 'tmux-256color', LANG: 'C.UTF-8' } });
    sessions.push(s);
    await s.waitFor(/total\s+\d+\.\d%/, 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    s.send('q');
    expect(await s.waitExit(10_000)).toBe(0);
    const sets = readAll(dir);
    expect(sets.length).toBeGreaterThanOrEqual(4);
    expect(sets.at(-1)!.host.stat).not.toBeNull();
  }, 40_000);
});
