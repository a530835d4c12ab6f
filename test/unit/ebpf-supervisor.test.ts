import { spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineSplitter } from '../../src/text/lines.js';
import {
  EbpfSupervisor,
  REASON_NO_BTF,
  REASON_NOT_BUILT,
  REASON_NOT_PERMITTED,
  realTimers,
  type EbpfStatus,
  type EbpfSupervisorOptions,
  type Timers,
} from '../../src/sources/ebpf/supervisor.js';
import { compileSupervisor, runnerPath } from '../fixtures/ebpf/compile.js';
import { pidExists as alive, sleep, until as waitUntil } from '../wait.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/ebpf/${name}`, import.meta.url));
const FAKE = fixture('fake-helper.mjs');
const EPERM = fixture('fake-helper-eperm.mjs');

/** Runs the .mjs fixture through node, with a mode. */
const nodeSpawnWith =
  (env: Record<string, string>) =>
  (cmd: string, args: readonly string[], o: SpawnOptions) =>
    nodeSpawn(process.execPath, [cmd, ...args], { ...o, env: { ...process.env, ...env } });

/** Real timers that record the restart delays asked for (the only timers that do not keep the process alive). */
function recordingTimers(now: () => number = () => performance.now()): Timers & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    setTimeout: (fn, ms, o) => {
      if (!o?.keepAlive) delays.push(ms);
      return realTimers.setTimeout(fn, ms, o);
    },
    clearTimeout: realTimers.clearTimeout,
    now,
  };
}

const until = (cond: () => boolean, timeoutMs = 10_000): Promise<void> => waitUntil(cond, timeoutMs);

const running: EbpfSupervisor[] = [];
function make(opts: EbpfSupervisorOptions): EbpfSupervisor {
  const s = new EbpfSupervisor({ btfPath: null, intervalMs: 100, ...opts });
  running.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

describe('preconditions', () => {
  it('says the helper is not built, without spawning', async () => {
    let spawned = 0;
    const s = make({
      helperPath: '/nonexistent/tailtop-bpf',
      spawn: () => {
        spawned++;
        throw new Error('no');
      },
    });
    await s.start();
    expect(s.status()).toMatchObject({ active: false, reason: REASON_NOT_BUILT, restarts: 0 });
    expect(REASON_NOT_BUILT).toBe('eBPF: helper not built (make -C bpf)');
    expect(spawned).toBe(0);
    expect(await s.waitReady(5000)).toBe(false);
    expect(await s.waitInterval(5000)).toBe(false);
  });

  it('names a TAILTOP_BPF_HELPER that does not exist', async () => {
    const s = make({ env: { TAILTOP_BPF_HELPER: '/opt/nope/tailtop-bpf' } });
    expect(s.helperPath).toBe('/opt/nope/tailtop-bpf');
    await s.start();
    expect(s.status().reason).toBe('eBPF: helper not found: /opt/nope/tailtop-bpf (TAILTOP_BPF_HELPER)');
  });

  it('says the kernel has no BTF', async () => {
    const s = make({ helperPath: FAKE, btfPath: '/nonexistent/vmlinux', spawn: nodeSpawnWith({}) });
    await s.start();
    expect(s.status().reason).toBe('eBPF: kernel has no BTF');
    expect(REASON_NO_BTF).toBe('eBPF: kernel has no BTF');
  });

  it('refuses a relative TAILTOP_BPF_HELPER without spawning it', async () => {
    let spawned = 0;
    const s = make({ env: { TAILTOP_BPF_HELPER: 'tailtop-bpf' }, spawn: () => (spawned++, nodeSpawn('false')) });
    await s.start();
    expect(s.status().reason).toBe("eBPF: TAILTOP_BPF_HELPER must be an absolute path, got 'tailtop-bpf'");
    expect(spawned).toBe(0);
  });

  it('refuses a helper that everyone can write, without spawning it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-'));
    const p = join(dir, 'tailtop-bpf');
    writeFileSync(p, '#!/bin/sh\nexit 0\n');
    chmodSync(p, 0o757);
    let spawned = 0;
    const s = make({ helperPath: p, spawn: () => (spawned++, nodeSpawn('false')) });
    await s.start();
    expect(s.status().reason).toBe(`eBPF: refusing helper ${p}: ${p} is writable by everyone`);
    expect(spawned).toBe(0);
  });

  it('reports a helper that is not executable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-'));
    const p = join(dir, 'tailtop-bpf');
    writeFileSync(p, '#!/bin/sh\nexit 0\n');
    chmodSync(p, 0o644);
    const s = make({ helperPath: p });
    await s.start();
    await until(() => s.status().reason !== 'eBPF: starting');
    expect(s.status().reason).toBe(`eBPF: helper not executable: ${p}`);
    expect(s.status().restarts).toBe(0);
  });

  it('reports a helper that vanished between the check and the spawn as not built', async () => {
    const s = make({ locate: () => ({ ok: true, path: '/nonexistent/tailtop-bpf', origin: 'build' }) });
    await s.start();
    await until(() => s.status().reason !== 'eBPF: starting');
    expect(s.status().reason).toBe(REASON_NOT_BUILT);
  });
});

describe('running the helper', () => {
  it('parses hello and intervals (also split across chunks), counts the garbage line, passes the interval option', async () => {
    const timers = recordingTimers();
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({}), timers, backoff: { initialMs: 5_000 }, intervalMs: 250 });
    const statuses: EbpfStatus[] = [];
    s.on('status', (st: EbpfStatus) => statuses.push(st));
    await s.start();
    expect(await s.waitReady(10_000)).toBe(true);
    expect(s.status().active).toBe(true);
    expect(s.status().reason).toBe('ebpf');
    expect(s.status().hello?.intervalMs).toBe(250);
    await until(() => s.status().reason.startsWith('eBPF: fake'));
    const st = s.status();
    expect(st.active).toBe(false);
    expect(st.reason).toBe('eBPF: fake: device exploded'); // the last stderr line
    expect(st.badLines).toBe(1);
    expect(st.lastBad).toMatch(/^not JSON/);
    expect(st.hello).toBeUndefined();
    expect(st.restartInMs).toBe(5_000);
    const ivs = s.drain();
    expect(ivs.map((i) => i.seq)).toEqual([1, 2]);
    expect(ivs[0]!.block[0]).toMatchObject({ major: 8, minor: 0, op: 'read', cgroup: 42, count: 3 });
    expect(s.drain()).toEqual([]);
    expect(statuses.some((x) => x.active)).toBe(true);
  });

  it('restarts with exponential backoff, capped', async () => {
    const timers = recordingTimers();
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({}), timers, backoff: { initialMs: 20, maxMs: 80 } });
    await s.start();
    await until(() => s.status().restarts >= 4, 20_000);
    await s.stop();
    // Restart delays asked for (the hello timeout is the other timer that does not keep the process alive): 20, 40, 80, 80, ...
    const restarts = timers.delays.filter((d) => d <= 80);
    expect(restarts.slice(0, 4)).toEqual([20, 40, 80, 80]);
    expect(s.status().badLines).toBeGreaterThanOrEqual(4); // one garbage line per run
    expect(s.drain().length).toBeGreaterThanOrEqual(8); // two intervals per run
  });

  it('starts the backoff over after a healthy run', async () => {
    let clock = 0;
    const timers = recordingTimers(() => clock);
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({}), timers, backoff: { initialMs: 20, maxMs: 1000, healthyMs: 60_000 } });
    let hellos = 0;
    s.on('hello', () => {
      hellos++;
      if (hellos === 3) clock += 61_000; // the third run lasts "a minute"
    });
    await s.start();
    await until(() => s.status().restarts >= 3, 20_000);
    await s.stop();
    expect(timers.delays.filter((d) => d <= 1000).slice(0, 3)).toEqual([20, 40, 20]);
  });

  it('exit code 2 means not permitted, and is not restarted', async () => {
    const s = make({ helperPath: EPERM, spawn: nodeSpawnWith({}), backoff: { initialMs: 10 } });
    await s.start();
    expect(await s.waitReady(10_000)).toBe(false);
    expect(s.status().reason).toBe('eBPF: not permitted (run as root, or once: sudo tailtop setup)');
    expect(REASON_NOT_PERMITTED).toBe(s.status().reason);
    await sleep(100);
    expect(s.status().restarts).toBe(0);
  });

  it('EPERM on stderr means not permitted whatever the exit code', async () => {
    const sh = join(mkdtempSync(join(tmpdir(), 'tailtop-')), 'tailtop-bpf');
    writeFileSync(sh, '#!/bin/sh\necho "libbpf: failed to load object: -EPERM" >&2\nexit 1\n');
    chmodSync(sh, 0o755);
    const s = make({ helperPath: sh });
    await s.start();
    await until(() => s.status().reason !== 'eBPF: starting');
    expect(s.status().reason).toBe(REASON_NOT_PERMITTED);
  });

  it('exit code 3 means no BTF', async () => {
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({ FAKE_HELPER_EXIT: '3' }) });
    await s.start();
    await until(() => s.status().reason === REASON_NO_BTF);
    await sleep(50);
    expect(s.status().restarts).toBe(0);
  });

  it('without stderr the reason is the exit code or the signal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-'));
    const quiet = join(dir, 'quiet');
    writeFileSync(quiet, '#!/bin/sh\nexit 7\n');
    chmodSync(quiet, 0o755);
    const a = make({ helperPath: quiet, backoff: { initialMs: 60_000 } });
    await a.start();
    await until(() => a.status().reason !== 'eBPF: starting');
    expect(a.status().reason).toBe('eBPF: helper exited with code 7');

    const b = make({ helperPath: FAKE, spawn: nodeSpawnWith({ FAKE_HELPER_MODE: 'stay' }), backoff: { initialMs: 20_000 } });
    await b.start();
    expect(await b.waitReady(10_000)).toBe(true);
    process.kill(b.status().pid!, 'SIGKILL');
    await until(() => !b.status().active);
    expect(b.status().reason).toBe('eBPF: helper killed by SIGKILL');
    expect(b.status().restartInMs).toBe(20_000);
  });

  it('a helper that never says hello is killed after the hello timeout, with the reason, and restarted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailtop-'));
    const mute = join(dir, 'mute');
    writeFileSync(mute, '#!/bin/sh\nexec sleep 60\n');
    chmodSync(mute, 0o755);
    const s = make({ helperPath: mute, helloTimeoutMs: 300, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    await s.start();
    const pid = s.status().pid!;
    expect(s.status().reason).toBe('eBPF: starting');
    expect(await s.waitReady(1_500)).toBe(false);
    await until(() => s.status().restartInMs !== undefined);
    expect(s.status()).toMatchObject({ active: false, reason: 'eBPF: helper sent no hello within 300 ms (killed)', restartInMs: 60_000 });
    await until(() => !alive(pid), 5000);
  });

  it('waitInterval resolves on the next interval; drain hands over each interval once', async () => {
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({ FAKE_HELPER_MODE: 'stay' }), intervalMs: 50 });
    await s.start();
    expect(await s.waitReady(10_000)).toBe(true);
    expect(await s.waitInterval(10_000)).toBe(true);
    await sleep(200);
    const a = s.drain();
    expect(a.length).toBeGreaterThanOrEqual(2);
    await s.waitInterval(10_000);
    const b = s.drain();
    expect(b.length).toBeGreaterThanOrEqual(1);
    expect(b[0]!.seq).toBeGreaterThan(a[a.length - 1]!.seq);
    expect(a.map((i) => i.seq)).toEqual(a.map((_, k) => a[0]!.seq + k));
  });

  it('refuses intervals with impossible values as bad lines, each with its reason', async () => {
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({ FAKE_HELPER_MODE: 'absurd' }), intervalMs: 20 });
    const reasons: string[] = [];
    s.on('bad', (r: string) => reasons.push(r));
    await s.start();
    expect(await s.waitReady(10_000)).toBe(true);
    await until(() => reasons.length >= 5);
    expect(s.drain().map((i) => i.seq)).toEqual([1]); // only the plausible one
    expect(s.status().active).toBe(true);
    expect(s.status().badLines).toBeGreaterThanOrEqual(5);
    expect(reasons.slice(0, 5)).toEqual([
      expect.stringMatching(/^interval: block\[0\]\.count: 549755813888 completions in 20000000 ns$/),
      expect.stringMatching(/^interval: block\[0\]\.bytes: 562949953421312 bytes in 3 requests$/),
      expect.stringMatching(/^interval: intervalNs 0 is not a plausible interval/),
      expect.stringMatching(/^interval: runq\[0\]\.count: 549755813888 wakeups in 20000000 ns$/),
      expect.stringMatching(/^interval: seq 1 after \d+/),
    ]);
  });

  it('keeps at most maxQueued intervals for drain() and counts the dropped ones', async () => {
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({ FAKE_HELPER_MODE: 'stay' }), intervalMs: 20, maxQueued: 3 });
    await s.start();
    await s.waitReady(10_000);
    await until(() => s.status().dropped >= 3);
    expect(s.drain().length).toBe(3);
  });
});

describe('flush', () => {
  it('asks the helper to end its interval now: the answer carries the token and resolves the promise', async () => {
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({ FAKE_HELPER_MODE: 'stay' }), intervalMs: 60_000 });
    expect(s.flush(1000)).toBeNull(); // not started
    await s.start();
    expect(await s.waitReady(10_000)).toBe(true);
    const a = s.flush(5000)!;
    const b = s.flush(5000)!;
    expect(b.token).toBe(a.token + 1);
    expect(await a.done).toBe(true);
    expect(await b.done).toBe(true);
    const ivs = s.drain();
    // the helper's timer (60 s) never fired: every interval answers a flush
    expect(ivs.map((i) => i.flush)).toEqual([a.token, b.token]);
    expect(ivs[0]!.lost.blockNoStart).toBe(1);
    expect(s.status().lost).toBe(2); // all causes, summed over the intervals
  });

  it('resolves false when a stalled helper does not answer in time, and when the helper exits', async () => {
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({ FAKE_HELPER_MODE: 'mute' }), intervalMs: 60_000, backoff: { initialMs: 60_000 } });
    await s.start();
    expect(await s.waitReady(10_000)).toBe(true);
    const t0 = performance.now();
    expect(await s.flush(200)!.done).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    const pending = s.flush(60_000)!;
    process.kill(s.status().pid!, 'SIGKILL');
    expect(await pending.done).toBe(false);
    expect(s.flush(1000)).toBeNull(); // no helper running
  });
});

describe('stop', () => {
  it('closes stdin, the helper exits, and nothing restarts it', async () => {
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({ FAKE_HELPER_MODE: 'stay' }), backoff: { initialMs: 10 } });
    await s.start();
    expect(await s.waitReady(10_000)).toBe(true);
    const pid = s.status().pid!;
    expect(alive(pid)).toBe(true);
    const t0 = Date.now();
    await s.stop();
    expect(Date.now() - t0).toBeLessThan(900); // exited on EOF, not by the SIGKILL after the grace period
    expect(alive(pid)).toBe(false);
    expect(s.status()).toMatchObject({ active: false, reason: 'eBPF: stopped', restarts: 0 });
    await sleep(100);
    expect(s.status().restarts).toBe(0);
  });

  it('kills a helper that ignores stdin closing after the grace period', async () => {
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({ FAKE_HELPER_MODE: 'stubborn' }), stopGraceMs: 100 });
    await s.start();
    expect(await s.waitReady(10_000)).toBe(true);
    const pid = s.status().pid!;
    await s.stop();
    expect(alive(pid)).toBe(false);
  });

  it('stops a pending restart', async () => {
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({}), backoff: { initialMs: 100 } });
    await s.start();
    await until(() => s.status().restartInMs !== undefined);
    await s.stop();
    await sleep(200);
    expect(s.status().restarts).toBe(0);
    expect(s.status().reason).toBe('eBPF: stopped');
  });

  it('a process that exits without stop() leaves no helper behind (exit hook)', async () => {
    const compiled = compileSupervisor();
    const child = nodeSpawn(process.execPath, [runnerPath, compiled, FAKE, 'exit'], {
      env: { ...process.env, FAKE_HELPER_MODE: 'stubborn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
    const m = /^helper (\d+)$/m.exec(out);
    expect(m, out).not.toBeNull();
    const pid = Number(m![1]);
    await until(() => !alive(pid), 5000);
  });
});

describe("a helper's descendants holding its pipes", () => {
  const holders: number[] = [];
  afterEach(() => {
    for (const pid of holders.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  /** Starts a fork-hold fake; returns the supervisor and the holder's pid. */
  async function forkHold(env: Record<string, string> = {}, opts: EbpfSupervisorOptions = {}): Promise<{ s: EbpfSupervisor; holder: number }> {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'tailtop-hold-')), 'pid');
    const s = make({ helperPath: FAKE, spawn: nodeSpawnWith({ FAKE_HELPER_MODE: 'fork-hold', FAKE_HOLDER_PIDFILE: pidFile, ...env }), ...opts });
    await s.start();
    expect(await s.waitReady(10_000)).toBe(true);
    const holder = Number(readFileSync(pidFile, 'utf8'));
    holders.push(holder);
    expect(alive(holder)).toBe(true);
    return { s, holder };
  }

  it('stop() returns once the helper exited, though a descendant keeps its stdout open', async () => {
    const { s, holder } = await forkHold();
    const pid = s.status().pid!;
    const t0 = Date.now();
    await s.stop();
    expect(Date.now() - t0).toBeLessThan(900); // on the helper's exit (+ the drain), not its pipes
    expect(alive(pid)).toBe(false);
    expect(alive(holder)).toBe(true); // not ours to kill; it only lost the pipe
    expect(s.status()).toMatchObject({ active: false, reason: 'eBPF: stopped' });
  });

  it('a helper that dies while a descendant holds its pipes is seen dead and restarted', async () => {
    const { s } = await forkHold({ FAKE_HELPER_DIE_MS: '300' }, { backoff: { initialMs: 50 } });
    await until(() => !s.status().active, 3000);
    expect(s.status().reason).toBe('eBPF: helper exited with code 1');
    await until(() => s.status().restarts >= 1, 3000);
  });

  it('stop() gives up on a helper that not even SIGKILL ends', async () => {
    // A fake child process that never exits: it ignores kill() (as a task stuck in the kernel would).
    const { EventEmitter } = await import('node:events');
    const { PassThrough } = await import('node:stream');
    const child = Object.assign(new EventEmitter(), { pid: 4242, stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), kill: () => true });
    const s = make({ helperPath: '/bin/true', spawn: () => child as never, stopGraceMs: 50, killWaitMs: 100 });
    await s.start();
    child.stdout.write(`${JSON.stringify({ type: 'hello', version: 2, pid: 4242, intervalMs: 100, programs: {}, failed: {}, cgroup: { block: 'v2', runq: 'v2' }, histogram: { unit: 'ns', subBucketBits: 3, buckets: 320 } })}\n`);
    expect(await s.waitReady(2000)).toBe(true);
    const t0 = Date.now();
    await s.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(child.stdout.destroyed).toBe(true);
    expect(s.status().reason).toBe('eBPF: stopped');
  });

  it('waitReady resolves false as soon as the helper exits before hello', async () => {
    const s = make({ helperPath: '/bin/false', backoff: { initialMs: 60_000 } });
    await s.start();
    const t0 = Date.now();
    expect(await s.waitReady(20_000)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(s.status().reason).toBe('eBPF: helper exited with code 1');
  });
});

describe('LineSplitter', () => {
  it('gives the same lines however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '{', '"', ' ', 'é') }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 50 }),
        (lines, cuts) => {
          const text = lines.map((l) => `${l}\n`).join('');
          const got: string[] = [];
          const sp = new LineSplitter(
            (l) => got.push(l),
            () => {
              throw new Error('overlong');
            },
          );
          let pos = 0;
          let k = 0;
          while (pos < text.length) {
            const n = cuts[k++ % cuts.length]!;
            sp.push(text.slice(pos, pos + n));
            pos += n;
          }
          sp.end();
          expect(got).toEqual(lines);
        },
      ),
    );
  });

  it('reports an overlong line once, skips it, and carries on', () => {
    const got: string[] = [];
    let overlong = 0;
    const sp = new LineSplitter((l) => got.push(l), () => overlong++, 10);
    sp.push('ok\n0123456');
    sp.push('789abcdef');
    sp.push('ghijkl');
    sp.push('mn\nnext\nlast');
    sp.end();
    expect(overlong).toBe(1);
    expect(got).toEqual(['ok', 'next', 'last']);
  });

  it('hands the head of an overlong line to the caller (stray stderr shows it cut)', () => {
    const heads: string[] = [];
    const sp = new LineSplitter(() => {}, (h) => heads.push(h), 4);
    sp.push('abcdefgh');
    sp.push('ij\n');
    expect(heads).toEqual(['abcd']);
  });
});
