// A full-screen session: what the monitor and the fleet view both need around their app. It ends exactly
// once, on quit, on a signal (exit code 128 + its number: SIGHUP 129, SIGINT 130, SIGQUIT 131, SIGTERM 143),
// or on an uncaught error (exit 1, the error as one safe line on stderr after the screen is gone), and the
// terminal is restored on every one of those paths and again at process exit. A second signal while the
// session is stopping exits at once.
//
// The signal listeners stay for the life of the process: blessed's own SIGTERM/SIGINT/SIGQUIT handlers call
// process.exit(0) when they are the only listener left (screen.ts takes them away; these keep the exit code
// and the restore whatever order things are torn down in).
import os from 'node:os';
import { errorLine } from '../../errors.js';
import { restoreTerminal } from './screen.js';
import { EXIT_SIGNALS } from './exit-signals.js';

/** The exit code for a signal: 128 + its number (SIGHUP 129, SIGINT 130, SIGQUIT 131, SIGTERM 143). */
function signalExitCode(sig: NodeJS.Signals): number {
  return 128 + (os.constants.signals[sig] ?? 0);
}

export interface Session {
  /** End the session with `code` (and `err` said on stderr once the terminal is back). Idempotent. */
  finish(code: number, err?: unknown): void;
  readonly done: boolean;
  /** Run when the session ends, before the screen is destroyed (stop timers and sources). */
  onStop(fn: () => void): void;
  /** Run after the terminal is restored (stop capturing stderr). */
  onRestored(fn: () => void): void;
  /** Waited for after the terminal is restored, but never longer than the deadline. */
  onDrain(fn: () => Promise<unknown>): void;
}

export interface SessionOptions {
  /** How long ending waits for the drain functions (default 3 s). */
  drainDeadlineMs?: number;
  /** Where the error line goes (default stderr). */
  err?: (text: string) => void;
}

/**
 * Runs `start` (which creates the app: anything with `destroy()` that restores the screen) and resolves
 * with the exit code when the session ends. An error thrown by `start` ends it with exit 1.
 */
export function runFullScreen(start: (s: Session) => { destroy(): void }, opts: SessionOptions = {}): Promise<number> {
  const err = opts.err ?? ((t: string) => void process.stderr.write(t));
  return new Promise<number>((resolve) => {
    const stops: (() => void)[] = [];
    const restored: (() => void)[] = [];
    const drains: (() => Promise<unknown>)[] = [];
    let app: { destroy(): void } | null = null;
    let done = false;
    const finish = (code: number, e?: unknown): void => {
      if (done) return;
      done = true;
      for (const f of stops) f();
      try {
        app?.destroy();
      } finally {
        restoreTerminal();
        for (const f of restored) f();
      }
      if (e !== undefined) err(`tailtop: ${errorLine(e)}\n`);
      const deadline = new Promise<void>((r) => setTimeout(r, opts.drainDeadlineMs ?? 3000).unref());
      void Promise.race([Promise.allSettled(drains.map((f) => f())), deadline]).then(() => resolve(code));
    };
    const session: Session = {
      finish,
      get done() {
        return done;
      },
      onStop: (f) => void stops.push(f),
      onRestored: (f) => void restored.push(f),
      onDrain: (f) => void drains.push(f),
    };
    for (const sig of EXIT_SIGNALS) {
      process.on(sig, () => {
        if (done) {
          restoreTerminal();
          process.exit(signalExitCode(sig));
        }
        finish(signalExitCode(sig));
      });
    }
    process.on('uncaughtException', (e) => finish(1, e));
    process.on('unhandledRejection', (e) => finish(1, e));
    process.once('exit', () => restoreTerminal());
    try {
      const a = start(session);
      if (done) a.destroy();
      else app = a;
    } catch (e) {
      finish(1, e);
    }
  });
}
