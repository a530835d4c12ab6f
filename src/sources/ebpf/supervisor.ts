// Runs the eBPF helper (bpf/tailtop-bpf), reads its line protocol, and keeps it running.
//
// - Finds the helper and checks that it may run it (helper-path.ts: TAILTOP_BPF_HELPER, the installed one,
//   the package's build or its prebuilt; refused when someone other than root or the user could replace it).
// - Says plainly why eBPF is off: helper not built or refused, no BTF, not permitted, no hello in time, or
//   the helper's last stderr line.
// - Spawns it with stdin as a pipe (closing stdin stops it; so does our death, via the pipe and the helper's
//   PR_SET_PDEATHSIG), reads stdout line by line (chunks may split lines), counts malformed lines.
// - Restarts it with exponential backoff when it dies (1 s doubling to 30 s; reset after a healthy minute).
//   Not permitted (exit 2) and no BTF (exit 3) are permanent: no restart.
// - Acts on the helper's own exit, not on its pipes closing: a descendant that inherited stdout may hold the
//   pipes open for ever. After the exit the pipes get `exitDrainMs` to deliver what is buffered; then they
//   are destroyed (the descendant gets EPIPE on its next write) and the run is over. stop() gives up after a
//   deadline even when not even SIGKILL ends the helper (a task stuck in the kernel).
// - `drain()` hands the sampler the intervals received since its last call; `flush()` asks the helper to end
//   its interval at once (a "flush N" line on its stdin), so that the sampler's tick and the helper's
//   interval end together. Nothing here reads a clock except through the injected timers.
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { checkHelper, findHelper, REASON_NOT_BUILT, type HelperChoice } from './helper-path.js';
import { oneLineText, parseLine, type Hello, type IntervalData } from './protocol.js';
import { implausible } from './plausible.js';
import { LineSplitter } from '../../text/lines.js';
import { backoffDelay } from '../backoff.js';

export { REASON_NOT_BUILT };
const REASON_ACTIVE = 'ebpf';
export const REASON_NO_BTF = 'eBPF: kernel has no BTF';
export const REASON_NOT_PERMITTED = 'eBPF: not permitted (run as root, or once: sudo tailtop setup)';
export const REASON_INSTALLED_NOT_PERMITTED = 'eBPF: not permitted although installed by tailtop setup (see: tailtop doctor)';

export interface EbpfStatus {
  /** True once the running helper said hello. */
  active: boolean;
  /** "ebpf" when active, else why not (one line). */
  reason: string;
  /** Malformed lines seen so far (all helper runs). */
  badLines: number;
  /** The last malformed line's reason. */
  lastBad: string | null;
  /** The last `error` line from the helper (it keeps running after those). */
  lastError: string | null;
  /** Times the helper was started again after dying. */
  restarts: number;
  /** Events the helper reported lost, all causes (the causes are in each interval's `lost`). */
  lost: number;
  /** Intervals dropped because nobody drained them. */
  dropped: number;
  /** The running helper's hello. */
  hello?: Hello;
  /** Pid of the running helper process. */
  pid?: number;
  /** While waiting to restart: the delay, ms. */
  restartInMs?: number;
}

export interface Timers {
  /** `keepAlive`: the timer keeps the process running (someone is awaiting it); others are unref'd. */
  setTimeout(fn: () => void, ms: number, opts?: { keepAlive?: boolean }): unknown;
  clearTimeout(handle: unknown): void;
  /** Monotonic milliseconds (only used to tell a healthy run from a crash loop). */
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms, opts) => {
    const t = setTimeout(fn, ms);
    if (!opts?.keepAlive) t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => performance.now(),
};

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface EbpfSupervisorOptions {
  /** Helper interval (--interval-ms), default 1000. */
  intervalMs?: number;
  /** Helper path (trust-checked like any other); default: findHelper() (helper-path.ts). */
  helperPath?: string;
  /** Chooses the helper instead of findHelper() (tests). */
  locate?: () => HelperChoice;
  /** Environment to read TAILTOP_BPF_HELPER from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** More helper arguments (e.g. ["--no-runq"]). */
  extraArgs?: string[];
  spawn?: SpawnFn;
  timers?: Timers;
  /** File whose absence means "no BTF"; null skips the check. Default /sys/kernel/btf/vmlinux. */
  btfPath?: string | null;
  /** Existence check for btfPath (tests). */
  exists?: (path: string) => boolean;
  /** A helper that has not said hello this long after its start is killed (and restarted). Default 10000. */
  helloTimeoutMs?: number;
  backoff?: { initialMs?: number; maxMs?: number; healthyMs?: number };
  /** Intervals kept for drain() at most (oldest dropped). Default 600. */
  maxQueued?: number;
  /** How long stop() waits for the helper to exit after closing its stdin before SIGKILL. Default 1000. */
  stopGraceMs?: number;
  /** After the helper exited: how long its pipes may still deliver buffered output. Default 250. */
  exitDrainMs?: number;
  /** After SIGKILL: how long stop() still waits for the exit before it gives up. Default 2000. */
  killWaitMs?: number;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

// Helpers still running when this process exits are killed (one listener for all supervisors).
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
}

/** Close our ends of the helper's pipes (a descendant may hold theirs open). */
function destroyPipes(child: ChildProcess): void {
  for (const p of [child.stdin, child.stdout, child.stderr]) {
    try {
      p?.destroy();
    } catch {
      // already closed
    }
  }
}

interface Waiter {
  resolve: (ok: boolean) => void;
  timer: unknown;
}

export class EbpfSupervisor extends EventEmitter {
  private readonly opts: EbpfSupervisorOptions;
  private readonly timers: Timers;
  private readonly spawnFn: SpawnFn;
  readonly intervalMs: number;
  /** The helper path: as given, else the one chosen by start(). */
  helperPath: string;
  private fromInstall = false;

  private child: ChildProcess | null = null;
  private childStartedAt = 0;
  private restartTimer: unknown = null;
  private helloTimer: unknown = null;
  private failures = 0;
  private started = false;
  private stopped = false;
  /** Off for good (not built, no BTF, not permitted): no restart. */
  private permanent = false;
  private queue: IntervalData[] = [];
  /** The last interval's seq in the running helper (seq only grows within one run). */
  private lastSeq: number | null = null;
  private readyWaiters: Waiter[] = [];
  private intervalWaiters: Waiter[] = [];
  private exitWaiters: (() => void)[] = [];
  /** Ends the current run as if the helper had exited (stop() giving up on it). */
  private endRun: ((code: number | null, signal: NodeJS.Signals | null) => void) | null = null;
  private flushToken = 0;
  private flushWaiters: (Waiter & { token: number })[] = [];
  private st: EbpfStatus = { active: false, reason: 'eBPF: not started', badLines: 0, lastBad: null, lastError: null, restarts: 0, lost: 0, dropped: 0 };

  constructor(opts: EbpfSupervisorOptions = {}) {
    super();
    this.opts = opts;
    this.timers = opts.timers ?? realTimers;
    this.spawnFn = opts.spawn ?? ((cmd, args, o) => nodeSpawn(cmd, args, o));
    this.intervalMs = Math.max(10, Math.round(opts.intervalMs ?? 1000));
    this.helperPath = opts.helperPath ?? (opts.env ?? process.env).TAILTOP_BPF_HELPER ?? '';
  }

  /** A copy of the current status. */
  status(): EbpfStatus {
    return { ...this.st };
  }

  /** Intervals received since the last call, oldest first. */
  drain(): IntervalData[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  /**
   * Asks the running helper to end its interval now, or at CLOCK_MONOTONIC `atMonoNs` (less than a second
   * ahead). Returns the token the answering interval carries (`flush`) and a promise that resolves true when
   * that interval arrived, false after timeoutMs or when the helper ends first; null when no helper runs.
   */
  flush(timeoutMs: number, atMonoNs?: number): { token: number; done: Promise<boolean> } | null {
    const stdin = this.child?.stdin;
    if (!this.st.active || !stdin || stdin.destroyed || !stdin.writable) return null;
    const token = ++this.flushToken;
    stdin.write(atMonoNs === undefined ? `flush ${token}\n` : `flush ${token} at ${Math.round(atMonoNs)}\n`);
    const done = new Promise<boolean>((resolve) => {
      const w: Waiter & { token: number } = {
        token,
        resolve,
        timer: this.timers.setTimeout(() => {
          const i = this.flushWaiters.indexOf(w);
          if (i >= 0) this.flushWaiters.splice(i, 1);
          resolve(false);
        }, timeoutMs),
      };
      this.flushWaiters.push(w);
    });
    return { token, done };
  }

  /** Check the preconditions and start the helper. Resolves once it is spawned (or known to be off). */
  async start(): Promise<void> {
    if (this.started && !this.stopped) return;
    this.started = true;
    this.stopped = false;
    this.permanent = false;
    this.failures = 0;
    const exists = this.opts.exists ?? isFile;
    const choice = this.opts.locate
      ? this.opts.locate()
      : this.opts.helperPath !== undefined
        ? checkHelper({ path: this.opts.helperPath, origin: 'option' })
        : findHelper({ env: this.opts.env ?? process.env });
    if (choice.path !== undefined) this.helperPath = choice.path;
    if (!choice.ok) {
      this.offForGood(choice.reason);
      return;
    }
    this.fromInstall = choice.origin === 'installed';
    const btf = this.opts.btfPath === undefined ? '/sys/kernel/btf/vmlinux' : this.opts.btfPath;
    if (btf !== null && !exists(btf)) {
      this.offForGood(REASON_NO_BTF);
      return;
    }
    this.launch();
  }

  /**
   * Resolves true when the helper said hello; false when it is off for good, stopped, when the helper
   * exited before saying hello, or after timeoutMs. The wait keeps the process alive (snapshot awaits it).
   */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.st.active) return Promise.resolve(true);
    if (this.permanent || this.stopped || !this.started) return Promise.resolve(false);
    return this.wait(this.readyWaiters, timeoutMs);
  }

  /** Resolves true when the next interval arrives; false when off for good, stopped, the helper exited, or after timeoutMs. */
  waitInterval(timeoutMs: number): Promise<boolean> {
    if (this.permanent || this.stopped || !this.started) return Promise.resolve(false);
    return this.wait(this.intervalWaiters, timeoutMs);
  }

  /**
   * Stop the helper and do not restart it: close its stdin; SIGKILL after `stopGraceMs`; give up waiting
   * `killWaitMs` after that. Resolves once the helper exited (or was given up on), never on its pipes.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer !== null) {
      this.timers.clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    this.release(this.readyWaiters, false);
    this.release(this.intervalWaiters, false);
    const child = this.child;
    if (child) {
      let giveUp: unknown = null;
      const gone = new Promise<void>((resolve) => {
        this.exitWaiters.push(resolve);
        const grace = this.opts.stopGraceMs ?? 1000;
        const killer = this.timers.setTimeout(
          () => {
            try {
              child.kill('SIGKILL');
            } catch {
              // already gone
            }
            giveUp = this.timers.setTimeout(() => this.abandon(child), this.opts.killWaitMs ?? 2000, { keepAlive: true });
          },
          grace,
          { keepAlive: true },
        );
        this.exitWaiters.push(() => this.timers.clearTimeout(killer));
      });
      try {
        child.stdin?.end();
      } catch {
        // ignore: killed below
      }
      await gone;
      if (giveUp !== null) this.timers.clearTimeout(giveUp);
    }
    this.update({ active: false, reason: 'eBPF: stopped', hello: undefined, pid: undefined, restartInMs: undefined });
  }

  // ---------------------------------------------------------------- internals

  private wait(list: Waiter[], timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const w: Waiter = {
        resolve,
        timer: this.timers.setTimeout(
          () => {
            const i = list.indexOf(w);
            if (i >= 0) list.splice(i, 1);
            resolve(false);
          },
          timeoutMs,
          { keepAlive: true },
        ),
      };
      list.push(w);
    });
  }

  private release(list: Waiter[], ok: boolean): void {
    for (const w of list.splice(0)) {
      this.timers.clearTimeout(w.timer);
      w.resolve(ok);
    }
  }

  private update(patch: Partial<EbpfStatus>): void {
    const next = { ...this.st, ...patch };
    for (const k of Object.keys(patch) as (keyof EbpfStatus)[]) if (patch[k] === undefined) delete next[k];
    this.st = next;
    this.emit('status', this.status());
  }

  /** Stop waiting for a helper that did not exit even after SIGKILL: drop its pipes and end its run. */
  private abandon(child: ChildProcess): void {
    destroyPipes(child);
    if (this.child === child) this.endRun?.(null, 'SIGKILL');
  }

  private offForGood(reason: string): void {
    this.permanent = true;
    this.update({ active: false, reason, hello: undefined, pid: undefined, restartInMs: undefined });
    this.release(this.readyWaiters, false);
    this.release(this.intervalWaiters, false);
  }

  private launch(): void {
    this.restartTimer = null;
    if (this.stopped) return;
    const args = ['--interval-ms', String(this.intervalMs), ...(this.opts.extraArgs ?? [])];
    let child: ChildProcess;
    try {
      child = this.spawnFn(this.helperPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      this.onSpawnError(err);
      return;
    }
    this.child = child;
    this.childStartedAt = this.timers.now();
    this.lastSeq = null;
    track(child);
    this.update({ active: false, reason: 'eBPF: starting', hello: undefined, pid: child.pid, restartInMs: undefined });

    let lastStderr = '';
    let spawnFailed: unknown = null;
    let finished = false;
    // A helper that never says hello (a wrong binary, a hung load) is killed and reported, not "starting" forever.
    const helloMs = this.opts.helloTimeoutMs ?? 10_000;
    let noHello = '';
    this.helloTimer = this.timers.setTimeout(() => {
      this.helloTimer = null;
      noHello = `helper sent no hello within ${helloMs >= 1000 ? `${helloMs / 1000} s` : `${helloMs} ms`} (killed)`;
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }, helloMs);
    const lines = new LineSplitter(
      (line) => this.onLine(line),
      () => this.onBad('line longer than 1 MiB'),
    );
    const errLines = new LineSplitter(
      (line) => {
        const l = oneLineText(line);
        if (l !== '') lastStderr = l;
      },
      () => {},
      64 * 1024,
    );

    child.stdin?.on('error', () => {}); // EPIPE when the helper is gone: its exit is handled below
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => lines.push(chunk));
    child.stdout?.on('end', () => lines.end());
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => errLines.push(chunk));
    child.stderr?.on('end', () => errLines.end());

    let drainTimer: unknown = null;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (finished) return;
      finished = true;
      this.clearHelloTimer();
      if (this.endRun === finish) this.endRun = null;
      if (drainTimer !== null) this.timers.clearTimeout(drainTimer);
      liveChildren.delete(child);
      if (this.child === child) this.child = null;
      lines.end();
      errLines.end();
      const helperExited = !this.stopped;
      this.release(this.flushWaiters, false);
      for (const w of this.exitWaiters.splice(0)) w();
      if (helperExited) {
        // This run is over: nobody waiting for its hello or its next interval should wait longer.
        this.release(this.readyWaiters, false);
        this.release(this.intervalWaiters, false);
      }
      if (spawnFailed !== null) this.onSpawnError(spawnFailed);
      else this.onExit(code, signal, noHello || lastStderr);
    };
    child.on('error', (err) => {
      // Spawn failed (ENOENT, EACCES), or a kill failed: only the former ends the child.
      if (child.pid === undefined) {
        spawnFailed = err;
        finish(null, null);
      }
    });
    // The helper's own exit ends the run, whatever holds its pipes: they get a moment to deliver what is
    // buffered, then they are destroyed. 'close' (exit and every pipe closed) usually comes first.
    child.on('exit', (code, signal) => {
      if (finished || drainTimer !== null) return;
      drainTimer = this.timers.setTimeout(
        () => {
          drainTimer = null;
          destroyPipes(child);
          finish(code, signal);
        },
        this.opts.exitDrainMs ?? 250,
        { keepAlive: true },
      );
    });
    child.on('close', (code, signal) => finish(code, signal));
    this.endRun = finish;
  }

  private clearHelloTimer(): void {
    if (this.helloTimer === null) return;
    this.timers.clearTimeout(this.helloTimer);
    this.helloTimer = null;
  }

  private onSpawnError(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'ENOENT') return this.offForGood(REASON_NOT_BUILT);
    if (e?.code === 'EACCES') return this.offForGood(`eBPF: helper not executable: ${oneLineText(this.helperPath, 100)}`);
    this.scheduleRestart(`eBPF: cannot start helper: ${oneLineText(e?.message ?? String(err), 100)}`);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, lastStderr: string): void {
    if (this.stopped) return;
    if (code === 2 || /\bEPERM\b|operation not permitted/i.test(lastStderr))
      return this.offForGood(this.fromInstall ? REASON_INSTALLED_NOT_PERMITTED : REASON_NOT_PERMITTED);
    if (code === 3) return this.offForGood(REASON_NO_BTF);
    let reason: string;
    if (lastStderr !== '') reason = `eBPF: ${lastStderr}`;
    else if (signal) reason = `eBPF: helper killed by ${signal}`;
    else reason = `eBPF: helper exited with code ${code ?? '?'}`;
    // A run longer than healthyMs was not a crash loop: start the backoff over.
    if (this.timers.now() - this.childStartedAt >= (this.opts.backoff?.healthyMs ?? 60_000)) this.failures = 0;
    this.scheduleRestart(reason);
  }

  private scheduleRestart(reason: string): void {
    if (this.stopped) return;
    const initial = this.opts.backoff?.initialMs ?? 1000;
    const max = this.opts.backoff?.maxMs ?? 30_000;
    this.failures++;
    const delay = backoffDelay(this.failures, { initialMs: initial, maxMs: max });
    this.update({ active: false, reason, hello: undefined, pid: undefined, restartInMs: delay });
    this.restartTimer = this.timers.setTimeout(() => {
      if (this.stopped) return;
      this.update({ restarts: this.st.restarts + 1 });
      this.launch();
    }, delay);
  }

  private onBad(reason: string): void {
    this.update({ badLines: this.st.badLines + 1, lastBad: reason });
    this.emit('bad', reason);
  }

  private onLine(line: string): void {
    const msg = parseLine(line);
    switch (msg.kind) {
      case 'hello':
        this.clearHelloTimer();
        this.update({ active: true, reason: REASON_ACTIVE, hello: msg });
        this.emit('hello', msg);
        this.release(this.readyWaiters, true);
        return;
      case 'interval': {
        if (!this.st.hello) return this.onBad('interval before hello');
        const absurd = implausible(msg) ?? (this.lastSeq !== null && msg.seq <= this.lastSeq ? `interval: seq ${msg.seq} after ${this.lastSeq}` : null);
        if (absurd) return this.onBad(absurd);
        this.lastSeq = msg.seq;
        this.queue.push(msg);
        const max = this.opts.maxQueued ?? 600;
        let dropped = 0;
        while (this.queue.length > max) {
          this.queue.shift();
          dropped++;
        }
        const l = msg.lost;
        const lost = l.blockStartDropped + l.blockNoStart + l.blockStale + l.histFull + l.runqStartDropped;
        if (dropped > 0 || lost > 0) this.update({ dropped: this.st.dropped + dropped, lost: this.st.lost + lost });
        this.release(this.intervalWaiters, true);
        if (msg.flush !== null) {
          const answered = this.flushWaiters.filter((w) => w.token <= msg.flush!);
          this.flushWaiters = this.flushWaiters.filter((w) => w.token > msg.flush!);
          this.release(answered, true);
        }
        return;
      }
      case 'error':
        this.update({ lastError: msg.message });
        return;
      case 'bad':
        return this.onBad(msg.reason);
    }
  }
}
