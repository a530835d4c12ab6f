// Every way out restores the terminal: SIGTERM, SIGHUP and an uncaught error leave the alternate screen,
// show the cursor and turn echo back on; the exit code is non-zero and the error is printed after the
// restore (so it is readable on the normal screen).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtCli, CLI as cli, REPO as root, requirement } from '../env.js';
import { hasTmux, sessionsKilledAfterEach, startTmux, type TmuxSession } from './tmux.js';

const skip = requirement('tmux', hasTmux(), 'tmux is not installed') ?? builtCli();

const sessions = sessionsKilledAfterEach();

function run(env: Record<string, string> = {}, args = '--no-docker --no-ebpf'): { s: TmuxSession; pid: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'tailtop-exit-'));
  const pidFile = join(dir, 'pid');
  // The inner shell writes its pid and execs node, so the pid is node's. After exit, print echo's state.
  const cmd = `sh -c 'echo $$ > ${pidFile}; exec node ${cli} ${args}'; rc=$?; printf 'ECHO:%s\\n' "$(stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo)"; (exit $rc)`;
  const s = startTmux(cmd, { cols: 100, rows: 30, cwd: root, env: { TERM: 'tmux-256color', LANG: 'C.UTF-8', ...env } });
  sessions.push(s);
  return { s, pid: () => Number(readFileSync(pidFile, 'utf8').trim()) };
}

/** On the alternate screen, `sig` ends the process with `code`, and the shell after it has the terminal back. */
async function expectRestoredOn(s: TmuxSession, pid: number, sig: NodeJS.Signals, code: number): Promise<void> {
  expect(s.modes().alternateScreen).toBe(true);
  process.kill(pid, sig);
  expect(await s.waitExit(10_000)).toBe(code);
  expect(await s.waitFor('ECHO:')).toContain('ECHO:echo');
  expect(s.modes()).toEqual({ cursorVisible: true, alternateScreen: false });
}

describe.skipIf(skip)('leaving tailtop', () => {
  for (const [sig, code] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGQUIT', 131]] as const) {
    it(`restores the terminal on ${sig}`, async () => {
      const { s, pid } = run();
      await s.waitFor(/total\s+\d+\.\d%/, 15_000);
      await expectRestoredOn(s, pid(), sig, code);
    }, 40_000);
  }

  it('restores the terminal on an uncaught error and prints it afterwards', async () => {
    const { s } = run({ TAILTOP_FAULT: 'throw' });
    expect(await s.waitExit(15_000)).toBe(1);
    const after = await s.waitFor('ECHO:');
    expect(after).toContain('injected fault (TAILTOP_FAULT=throw)');
    expect(after).toContain('ECHO:echo');
    expect(s.modes()).toEqual({ cursorVisible: true, alternateScreen: false });
  }, 40_000);

  // The fleet view goes through the same session (ui/term/session.ts): every signal restores the terminal.
  for (const [sig, code] of [['SIGTERM', 143], ['SIGQUIT', 131]] as const) {
    it(`the fleet view restores the terminal on ${sig}`, async () => {
      const { s, pid } = run({}, 'fleet --prometheus http://127.0.0.1:9 --refresh 1000');
      await s.waitFor(/tailtop fleet/, 15_000);
      await expectRestoredOn(s, pid(), sig, code);
    }, 40_000);
  }
});
