// tmux helpers for end-to-end tests: run a command in a detached session of a fixed size, send keys,
// capture the pane (plain with `capture-pane -p`, with attributes with `-e`), wait for text, and read the
// command's exit code (the command runs as `sh -c 'cmd; echo EXIT:$? > file'`).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
}

export interface TmuxSession {
  readonly name: string;
  /** Send tmux key names or literal text (`literal: true` sends the string as typed). */
  send(keys: string | string[], opts?: { literal?: boolean }): void;
  /** The visible pane as text; `escapes: true` keeps colours and attributes (capture-pane -e). */
  capture(opts?: { escapes?: boolean }): string;
  /** Poll the pane until `match` is in it; throws with the last capture on timeout. */
  waitFor(match: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Poll until the command exited; its exit code (throws on timeout). */
  waitExit(timeoutMs?: number): Promise<number>;
  /** The exit code if the command has exited, else null. */
  exitCode(): number | null;
  /** Terminal modes of the pane: is the cursor shown, is the alternate screen on. */
  modes(): { cursorVisible: boolean; alternateScreen: boolean };
  resize(cols: number, rows: number): void;
  kill(): void;
}

/** A list for a test file's sessions: each one pushed is killed after every test. */
export function sessionsKilledAfterEach(): TmuxSession[] {
  const sessions: TmuxSession[] = [];
  afterEach(() => {
    for (const s of sessions.splice(0)) s.kill();
  });
  return sessions;
}

let counter = 0;

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Start `command` (a shell command line) in a new detached tmux session on its own server socket (so tests
 * never touch the user's tmux). After the command exits the pane stays open with a shell-like marker line,
 * so tests can check the screen was restored.
 */
export function startTmux(command: string, opts: { cols?: number; rows?: number; env?: Record<string, string>; cwd?: string } = {}): TmuxSession {
  const dir = mkdtempSync(join(tmpdir(), 'tailtop-tmux-'));
  const socket = join(dir, 'sock');
  const exitFile = join(dir, 'exit');
  const name = `tailtop-e2e-${process.pid}-${++counter}`;
  const env = Object.entries(opts.env ?? {})
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join(' ');
  // After the command: record the exit code, print a prompt-like marker, and keep the pane alive.
  const script = `${env ? `export ${env}; ` : ''}${command}; echo "EXIT:$?" > ${shellQuote(exitFile)}; printf 'PROMPT$ \\n'; exec sleep 600`;
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
  tmux(
    'new-session', '-d', '-s', name,
    '-x', String(opts.cols ?? 120), '-y', String(opts.rows ?? 40),
    ...(opts.cwd ? ['-c', opts.cwd] : []),
    'sh', '-c', script,
  );
  // Keep the session size fixed whatever clients attach.
  try {
    tmux('set-option', '-t', name, 'window-size', 'manual');
  } catch {
    // older tmux: fine
  }

  const capture = (o: { escapes?: boolean } = {}): string => tmux('capture-pane', '-p', ...(o.escapes ? ['-e'] : []), '-t', name);
  const exitCode = (): number | null => {
    try {
      const m = /EXIT:(\d+)/.exec(readFileSync(exitFile, 'utf8'));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  return {
    name,
    send(keys, o = {}) {
      const list = Array.isArray(keys) ? keys : [keys];
      tmux('send-keys', '-t', name, ...(o.literal ? ['-l'] : []), ...list);
    },
    capture,
    async waitFor(match, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      let last = '';
      for (;;) {
        try {
          last = capture();
        } catch {
          // session starting or gone
        }
        if (typeof match === 'string' ? last.includes(match) : match.test(last)) return last;
        if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(match)}; pane:\n${last}`);
        await sleep(100);
      }
    },
    async waitExit(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const c = exitCode();
        if (c != null) return c;
        if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for the command to exit; pane:\n${capture()}`);
        await sleep(100);
      }
    },
    exitCode,
    modes() {
      const [cursor, alt] = tmux('display-message', '-p', '-t', name, '#{cursor_flag} #{alternate_on}').trim().split(' ');
      return { cursorVisible: cursor === '1', alternateScreen: alt === '1' };
    },
    resize(cols, rows) {
      tmux('resize-window', '-t', name, '-x', String(cols), '-y', String(rows));
    },
    kill() {
      spawnSync('tmux', ['-S', socket, 'kill-server'], { encoding: 'utf8' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The tmux server socket of a session (not kept on the session; found by the session name). */
export function socketOf(s: TmuxSession): string {
  for (const e of readdirSync(tmpdir())) {
    if (!e.startsWith('tailtop-tmux-')) continue;
    const sock = join(tmpdir(), e, 'sock');
    if (existsSync(sock) && spawnSync('tmux', ['-S', sock, 'has-session', '-t', s.name], { stdio: 'ignore' }).status === 0) return sock;
  }
  throw new Error(`no tmux socket for ${s.name}`);
}
