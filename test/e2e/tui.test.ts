// End to end: the built CLI (node dist/cli.js) in a real terminal (tmux). The overview comes up with real
// box lines (─ │ ┌, not the q x l k of a broken alternate character set), `?` shows the help, `q` exits 0 and
// the terminal is restored (the normal screen with the shell's output is back).
import { describe, expect, it } from 'vitest';
import { builtCli, CLI as cli, REPO as root, requirement } from '../env.js';
import { hasTmux, sessionsKilledAfterEach, startTmux, type TmuxSession } from './tmux.js';

const skip = requirement('tmux', hasTmux(), 'tmux is not installed') ?? builtCli();

const sessions = sessionsKilledAfterEach();

function run(args = '', opts: { cols?: number; rows?: number; env?: Record<string, string> } = {}): TmuxSession {
  // A marker before the TUI starts: it must be visible again after exit (alternate screen left).
  const s = startTmux(`echo BEFORE-TAILTOP; node ${cli} --no-docker --no-ebpf ${args}`, {
    cols: opts.cols ?? 120,
    rows: opts.rows ?? 40,
    cwd: root,
    env: { TERM: 'tmux-256color', LANG: 'C.UTF-8', ...(opts.env ?? {}) },
  });
  sessions.push(s);
  return s;
}

describe.skipIf(skip)('tailtop in tmux', () => {
  it('draws the overview with real box lines, shows help, quits with 0 and restores the terminal', async () => {
    const s = run();
    const pane = await s.waitFor('Tail latency', 15_000);
    for (const title of ['CPU', 'Memory', 'Load', 'Disks', 'Network', 'Tail latency']) expect(pane).toContain(title);
    expect(pane).toMatch(/[┌─│]/);
    expect(pane).not.toMatch(/lqq|qqq|qqk|^x.*x$/m);
    expect(pane).not.toContain('BEFORE-TAILTOP'); // alternate screen
    expect(s.modes()).toEqual({ cursorVisible: false, alternateScreen: true });
    // Rates appear after the second sample.
    await s.waitFor(/total\s+\d+\.\d%/, 10_000);

    s.send('?', { literal: true });
    const help = await s.waitFor('Show or hide this help');
    expect(help).toContain('Freeze the display');
    s.send('?', { literal: true });
    await s.waitFor((/^(?![\s\S]*Show or hide this help)/));

    s.send('q', { literal: true });
    expect(await s.waitExit(10_000)).toBe(0);
    const after = await s.waitFor('PROMPT$');
    expect(after).toContain('BEFORE-TAILTOP');
    expect(after).not.toContain('Tail latency');
    expect(s.modes()).toEqual({ cursorVisible: true, alternateScreen: false });
  }, 60_000);

  it('follows a resize, and says so when the terminal is too small', async () => {
    const s = run('', { cols: 100, rows: 30 });
    await s.waitFor('Tail latency', 15_000);
    s.resize(30, 8);
    await s.waitFor(/terminal too small/);
    s.resize(100, 30);
    await s.waitFor('Tail latency');
    s.send('C-c');
    expect(await s.waitExit(10_000)).toBe(0);
  }, 60_000);
});
