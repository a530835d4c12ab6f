// Hostile input and faults, end to end with the built CLI: fake eBPF helpers made here (one that exits 1,
// one whose child holds its stdout, one that sends impossible figures, one that stays), a real process whose
// command line defeats a backtracking regex, real wide and invisible characters in a real command line,
// signals sent to the real process, stray stderr output and a failing collector, ASCII locales and TERM=dumb.
// Every way out must end with one true line (or the document), the right exit code and a restored terminal.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { builtCli, CLI as cli, REPO as root, requirement } from '../env.js';
import { pidExists, sleep, until } from '../wait.js';
import { textCells } from '../../src/text/width.js';
import { hasTmux, sessionsKilledAfterEach, startTmux, type TmuxSession } from './tmux.js';

const skip = requirement('tmux', hasTmux(), 'tmux is not installed') ?? builtCli();
const sessions = sessionsKilledAfterEach();

// ------------------------------------------------------------------ fake helpers, built here
const dir = mkdtempSync(join(tmpdir(), 'tailtop-hostile-'));
const FAKE = join(root, 'test', 'fixtures', 'ebpf', 'fake-helper.mjs');
const holderPidFile = join(dir, 'holder.pid');
function helper(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}
const fakeMode = (mode: string, extra = ''): string => `FAKE_HELPER_MODE=${mode} ${extra} exec '${process.execPath}' '${FAKE}' "$@"`;
const EXIT1 = helper('exit1', "echo 'libbpf: prog block_rq_complete: failed to load: -22 (verifier)' >&2\nexit 1");
const STAY = helper('stay', fakeMode('stay'));
const FORK_HOLD = helper('fork-hold', fakeMode('fork-hold', `FAKE_HOLDER_PIDFILE='${holderPidFile}'`));
const FORK_HOLD_DIES = helper('fork-hold-dies', fakeMode('fork-hold', `FAKE_HOLDER_PIDFILE='${holderPidFile}' FAKE_HELPER_DIE_MS=1500`));
const ABSURD = helper('absurd', fakeMode('absurd'));

/** The descendants fork-hold helpers left (they hold a pipe, nothing else): ours to end after each test. */
function killHolders(): void {
  try {
    const pid = Number(readFileSync(holderPidFile, 'utf8'));
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // none
  }
  rmSync(holderPidFile, { force: true });
}

const children: ChildProcess[] = [];
afterEach(() => {
  killHolders();
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function snapshot(env: Record<string, string>, args: string[] = []) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cli, 'snapshot', '--json', '--no-docker', '--interval', '300', ...args], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CONFIG_HOME: dir, ...env },
    timeout: 60_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** The TUI in tmux, its pid known (the inner shell writes its pid and execs node); echo state printed after. */
function tui(args: string, env: Record<string, string> = {}, size = { cols: 120, rows: 36 }): { s: TmuxSession; pid: () => number } {
  const pidFile = join(mkdtempSync(join(dir, 'tui-')), 'pid');
  const cmd = `sh -c 'echo $$ > ${pidFile}; exec node ${cli} ${args}'; rc=$?; printf 'ECHO:%s\\n' "$(stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo)"; (exit $rc)`;
  const s = startTmux(cmd, { ...size, cwd: root, env: { TERM: 'tmux-256color', LANG: 'C.UTF-8', XDG_CONFIG_HOME: dir, ...env } });
  sessions.push(s);
  return { s, pid: () => Number(readFileSync(pidFile, 'utf8').trim()) };
}

async function restored(s: TmuxSession): Promise<void> {
  const after = await s.waitFor('ECHO:');
  expect(after).toContain('ECHO:echo');
  expect(s.modes()).toEqual({ cursorVisible: true, alternateScreen: false });
}

const statusLine = (pane: string): string => pane.trimEnd().split('\n').at(-1) ?? '';

describe.skipIf(skip)('snapshot with a faulty helper', () => {
  it('a helper that exits 1 (a verifier error): the document, with eBPF inactive and the reason', () => {
    for (const [helperPath, reason] of [
      ['/bin/false', 'eBPF: helper exited with code 1'],
      [EXIT1, 'eBPF: libbpf: prog block_rq_complete: failed to load: -22 (verifier)'],
    ] as const) {
      const r = snapshot({ TAILTOP_BPF_HELPER: helperPath });
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.latency).toMatchObject({ active: false, source: reason });
      expect(doc.host.cpu.percent).toBeTypeOf('number');
    }
  });

  it("a helper whose child keeps its stdout open: the document, and the exit, within seconds", () => {
    const r = snapshot({ TAILTOP_BPF_HELPER: FORK_HOLD });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).latency.active).toBe(true);
    expect(r.ms).toBeLessThan(10_000);
    const holder = Number(readFileSync(holderPidFile, 'utf8'));
    expect(pidExists(holder)).toBe(true); // it still holds the pipe: tailtop did not wait for it
  });

  it('a helper sending impossible figures: none of them in the document', () => {
    const r = snapshot({ TAILTOP_BPF_HELPER: ABSURD });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    for (const row of doc.latency.block) {
      expect(row.count).toBeLessThan(1e6);
      expect(row.maxUs ?? 0).toBeLessThan(1e6);
    }
    expect(JSON.stringify(doc)).not.toContain('9007199254740991');
  });
});

describe.skipIf(skip)('the monitor with a faulty helper', () => {
  it("quits at once though the helper's child keeps its stdout open", async () => {
    const { s } = tui(`--no-docker`, { TAILTOP_BPF_HELPER: FORK_HOLD });
    await s.waitFor(/eBPF on/, 15_000);
    const t0 = Date.now();
    s.send('q', { literal: true });
    expect(await s.waitExit(10_000)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(4000);
    await restored(s);
  }, 40_000);

  it('sees a dead helper as dead though its child holds the pipes, says why, and restarts it', async () => {
    const { s } = tui(`--no-docker`, { TAILTOP_BPF_HELPER: FORK_HOLD_DIES });
    await s.waitFor(/eBPF on/, 15_000);
    const dead = await s.waitFor(/eBPF: helper exited with code 1/, 10_000);
    expect(statusLine(dead)).toContain('eBPF: helper exited with code 1');
    killHolders();
    await s.waitFor(/eBPF on/, 10_000); // restarted after the backoff (1 s)
    s.send('q', { literal: true });
    expect(await s.waitExit(10_000)).toBe(0);
  }, 60_000);

  it('shows the impossible intervals as bad lines, not as latency', async () => {
    const { s } = tui(`--no-docker`, { TAILTOP_BPF_HELPER: ABSURD });
    // Only refused intervals arrive: eBPF is on, then its figures are withdrawn (no data), the bad lines counted.
    const pane = await s.waitFor(/eBPF(?: on|: no data for \d+ s) \(\d+ bad lines\)/, 15_000);
    expect(pane).not.toMatch(/549755813888|562949953421312/);
    s.send('q', { literal: true });
    expect(await s.waitExit(10_000)).toBe(0);
  }, 40_000);

  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGQUIT', 131], ['SIGHUP', 129]] as const) {
    it(`exits ${code} on ${sig} with eBPF on, the terminal restored`, async () => {
      const { s, pid } = tui(`--no-docker`, { TAILTOP_BPF_HELPER: STAY });
      await s.waitFor(/eBPF on/, 15_000);
      const kids = spawnSync('pgrep', ['-P', String(pid())], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
      expect(kids.length).toBeGreaterThan(0); // the helper
      process.kill(pid(), sig);
      expect(await s.waitExit(10_000)).toBe(code);
      await restored(s);
      await until(() => kids.every((k) => !pidExists(k)), 5000, 'the helper to exit');
    }, 40_000);
  }
});

describe.skipIf(skip)('a command line made to freeze a backtracking regex', () => {
  function plant(): ChildProcess {
    // A real process whose command line ends in forty A's: ~(A+)+B would take 2^40 steps to fail on it.
    const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)', 'A'.repeat(40)], { stdio: 'ignore' });
    children.push(c);
    return c;
  }

  async function filterFor(s: TmuxSession, text: string): Promise<void> {
    s.send('/', { literal: true });
    await s.waitFor('filter (~ for regex)');
    s.send(text, { literal: true });
    s.send('Enter');
  }

  it('~(A+)+B answers at once; q still quits', async () => {
    plant();
    const { s } = tui('--no-docker --no-ebpf');
    await s.waitFor('Tail latency', 15_000);
    s.send('p', { literal: true });
    await s.waitFor(/Processes \(host\)/);
    await filterFor(s, '~A{40}'); // it is there
    await s.waitFor(/Processes \(host\) 1\/\d+.*filter: ~A\{40\}/, 5000); // braces shown as typed
    await filterFor(s, '~(A+)+B');
    // (Case-insensitive: other command lines with an "ab" in them match; the forty A's do not.)
    const filtered = await s.waitFor(/Processes \(host\) \d+\/\d+.*filter: ~\(A\+\)\+B/, 5000);
    expect(filtered).not.toMatch(/setTimeout/);
    // It keeps refreshing with the filter on: the header's uptime and the table follow the clock.
    s.send('?', { literal: true });
    await s.waitFor('Show or hide this help', 5000);
    s.send('?', { literal: true });
    s.send('q', { literal: true });
    expect(await s.waitExit(5000)).toBe(0);
    await restored(s);
  }, 60_000);

  it('~(A+)+B: SIGTERM still ends it with 143', async () => {
    plant();
    const { s, pid } = tui('--no-docker --no-ebpf');
    await s.waitFor('Tail latency', 15_000);
    s.send('p', { literal: true });
    await s.waitFor(/Processes \(host\)/);
    await filterFor(s, '~(A+)+B');
    await s.waitFor(/filter: ~\(A\+\)\+B/, 5000);
    await sleep(1500); // a few refreshes with the filter on
    process.kill(pid(), 'SIGTERM');
    expect(await s.waitExit(5000)).toBe(143);
    await restored(s);
  }, 60_000);

  it('a pattern RE2 cannot run (a backreference) is an invalid regex, said in the title', async () => {
    const { s } = tui('--no-docker --no-ebpf');
    await s.waitFor('Tail latency', 15_000);
    s.send('p', { literal: true });
    await s.waitFor(/Processes \(host\)/);
    await filterFor(s, '~(a)\\1');
    await s.waitFor(/filter: invalid regex: invalid escape sequence/, 5000);
    s.send('q', { literal: true });
    expect(await s.waitExit(5000)).toBe(0);
  }, 40_000);
});

describe.skipIf(skip)('wide and invisible characters in a real command line', () => {
  it('keeps every row within the terminal, strips bidi and zero-width characters, leaves nothing behind', async () => {
    const marker = 'wide-marker';
    const arg = `${marker}-🙂日本語テスト-\u202Eevil\u202C-zero\u200Bwidth-한국어-ＡＢ-end`;
    // argv[0] is the text: the COMMAND column starts with it.
    children.push(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { argv0: arg, stdio: 'ignore' }));
    const cols = 160;
    const { s } = tui('--no-docker --no-ebpf', {}, { cols, rows: 30 });
    await s.waitFor('Tail latency', 15_000);
    s.send('p', { literal: true });
    await s.waitFor(/Processes \(host\)/);
    s.send('/', { literal: true });
    await s.waitFor('filter (~ for regex)');
    s.send(marker, { literal: true });
    s.send('Enter');
    const pane = await s.waitFor(/Processes \(host\) 1\//, 5000);
    const lines = pane.split('\n');
    const header = lines.find((l) => l.includes('COMMAND'))!;
    const row = lines.find((l) => l.includes(`${marker}-`))!;
    expect(row, pane).toBeDefined();
    expect(row).toContain('🙂日本語テスト-evil-zerowidth-');
    expect(pane).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f]/);
    // The COMMAND column starts where its title does (cells before it are the same on both lines) ...
    const at = (l: string, what: string): number => textCells(l.slice(0, l.indexOf(what)));
    expect(at(row, marker)).toBe(at(header, 'COMMAND'));
    // ... and no line is wider than the terminal.
    for (const l of lines) expect(textCells(l), l).toBeLessThanOrEqual(cols);
    // A narrower terminal: the row is cut in cells, still within it.
    s.resize(70, 30);
    const narrow = await s.waitFor(/Processes \(host\) 1\//, 5000);
    for (const l of narrow.split('\n')) expect(textCells(l), l).toBeLessThanOrEqual(70);
    // Filter it away: nothing of it stays on the screen.
    s.send('/', { literal: true });
    s.send(['C-u']);
    s.send('no-such-process-here', { literal: true });
    s.send('Enter');
    const after = await s.waitFor(/Processes \(host\) 0\//, 5000);
    expect(after).not.toMatch(/日本|テスト|🙂|한국|ＡＢ/);
    s.send('q', { literal: true });
    expect(await s.waitExit(5000)).toBe(0);
  }, 60_000);
});

describe.skipIf(skip)('nothing writes over the screen', () => {
  it('a Node warning and a stray stderr line go to the status line, the screen stays whole', async () => {
    const { s } = tui('--no-docker --no-ebpf', { TAILTOP_FAULT: 'stderr' });
    await s.waitFor('Tail latency', 15_000);
    const pane = await s.waitFor(/stderr: injected stray line|warning: DEP0170/, 10_000);
    expect(statusLine(pane)).toMatch(/stderr: injected stray line|warning: DEP0170 DeprecationWarning: injected warning/);
    const lines = pane.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ tailtop /);
    expect(pane).not.toMatch(/\(node:\d+\)/); // Node's own warning printer did not write
    expect(lines.slice(0, -1).join('\n')).not.toContain('injected');
    s.send('q', { literal: true });
    expect(await s.waitExit(5000)).toBe(0);
    const after = await s.waitFor('ECHO:');
    expect(after).not.toContain('injected'); // not printed afterwards either
  }, 40_000);

  it('a tick that fails as a whole is said in the status line, and the monitor keeps running', async () => {
    const { s } = tui('--no-docker --no-ebpf', { TAILTOP_FAULT: 'collector' });
    const pane = await s.waitFor(/sampler: injected collector fault/, 15_000);
    expect(statusLine(pane)).toContain('sampler: injected collector fault (TAILTOP_FAULT=collector)');
    s.send('p', { literal: true }); // still answering keys
    await s.waitFor(/view processes/);
    s.send('q', { literal: true });
    expect(await s.waitExit(5000)).toBe(0);
  }, 40_000);
});

describe.skipIf(skip)('any locale, any terminal', () => {
  const asciiOnly = (pane: string): boolean => /^[\x20-\x7e\n]*$/.test(pane);

  for (const [what, env, args] of [
    ['LANG=C', { LANG: 'C', LC_ALL: '' }, ''],
    ['LC_ALL=POSIX', { LANG: 'C.UTF-8', LC_ALL: 'POSIX' }, ''],
    ['--ascii in a UTF-8 locale', { LANG: 'C.UTF-8' }, '--ascii'],
  ] as const) {
    it(`${what}: draws with ASCII only (+-| boxes, ASCII bars), quits cleanly`, async () => {
      const { s } = tui(`--no-docker --no-ebpf ${args}`, env);
      const pane = await s.waitFor(/total\s+\d+\.\d%/, 15_000);
      expect(pane).toMatch(/^\+- CPU/m);
      expect(pane).toMatch(/^\|.*\|$/m);
      expect(asciiOnly(pane), pane).toBe(true);
      s.send('p', { literal: true });
      const procs = await s.waitFor(/Processes \(host\)/);
      expect(asciiOnly(procs), procs).toBe(true);
      s.send('q', { literal: true });
      expect(await s.waitExit(5000)).toBe(0);
      await restored(s);
    }, 40_000);
  }

  it('a UTF-8 locale draws with box characters', async () => {
    const { s } = tui('--no-docker --no-ebpf', { LANG: 'C.UTF-8' });
    const pane = await s.waitFor('Tail latency', 15_000);
    expect(pane).toMatch(/┌─ CPU/);
    s.send('q', { literal: true });
    expect(await s.waitExit(5000)).toBe(0);
  }, 40_000);

  it('TERM=dumb exits 2 with one line suggesting snapshot --json', async () => {
    const { s } = tui('--no-docker --no-ebpf', { TERM: 'dumb' });
    expect(await s.waitExit(10_000)).toBe(2);
    const pane = await s.waitFor('ECHO:');
    const msg = pane.split('\n').filter((l) => l.startsWith('tailtop:'));
    expect(msg).toHaveLength(1);
    expect(msg[0]).toMatch(/^tailtop: terminal "dumb" cannot move the cursor: use `tailtop snapshot --json` instead/);
  }, 30_000);
});

describe.skipIf(skip)('daemon states said plainly', () => {
  const asNobody = process.getuid?.() === 0 && spawnSync('runuser', ['--help'], { stdio: 'ignore' }).status === 0;
  const noNobody = skip ? null : requirement('runuser as root', asNobody, 'needs root and runuser (util-linux) to run tailtop as nobody');

  it.skipIf(noNobody !== null)('a socket the user may not open: "permission denied on <socket> (add the user to group docker)"', async () => {
    // A socket only root may open (a daemon's socket the user is not in the group of).
    const { createServer } = await import('node:net');
    const sockDir = mkdtempSync(join(tmpdir(), 'tailtop-eacces-'));
    chmodSync(sockDir, 0o755);
    const sock = join(sockDir, 'docker.sock');
    const srv = createServer((c) => c.destroy());
    await new Promise<void>((r) => srv.listen(sock, r));
    chmodSync(sock, 0o600);
    try {
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const c = spawn('runuser', ['-u', 'nobody', '--', process.execPath, cli, 'snapshot', '--json', '--no-ebpf', '--interval', '300', '--docker-host', `unix://${sock}`], {
          env: { ...process.env, XDG_CONFIG_HOME: '/nonexistent', HOME: '/nonexistent' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d: Buffer) => (stdout += d));
        c.stderr.on('data', (d: Buffer) => (stderr += d));
        c.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.errors).toContainEqual({ source: 'docker', message: `docker: permission denied on ${sock} (add the user to group docker)` });
      expect(JSON.stringify(doc.errors)).not.toMatch(/attempt/);
    } finally {
      srv.close();
      rmSync(sockDir, { recursive: true, force: true });
    }
  }, 40_000);
});
