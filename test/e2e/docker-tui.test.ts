// End to end with a real Docker daemon: the built CLI (node dist/cli.js --no-ebpf) in a real terminal (tmux,
// 120x40) with DOCKER_HOST. The containers table (`c`) shows named containers with CPU figures (a burner
// limited to half a core reads about 50); it survives churn (50 containers started and removed in parallel
// batches) and converges to `docker ps -a`; hostile bytes in labels and command lines never reach the
// terminal (no OSC title change, no escape sequence in the pane); Enter opens a container and Esc returns;
// a daemon restart (a second private dockerd of this file's own) shows "reconnecting (attempt N)" while the
// rest keeps updating, then the table recovers; `q` exits 0 with the terminal restored.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, CLI as cli, REPO as root, requirement } from '../env.js';
import { textCells } from '../../src/text/width.js';
import { readFileSync } from 'node:fs';
import { hasTmux, sessionsKilledAfterEach, socketOf, startTmux, type TmuxSession } from './tmux.js';
import {
  type DaemonHandle,
  IMAGE,
  docker,
  ensureImage,
  removeAll,
  run as runContainer,
  setupDaemon,
  sleep,
  startDaemon,
  stopDaemon,
  testLabels,
} from '../integration/docker-helpers.js';

const P = 'tt-e2e-'; // every container of this file; names stay within 13 characters (the NAME column's width at 120 columns)
const ESC = '\x1b';
const BEL = '\x07';

const d = await setupDaemon();
const skip =
  requirement('tmux', hasTmux(), 'tmux is not installed') ??
  builtCli() ??
  requirement('docker', d.unavailable === null, d.unavailable ?? '');

const sessions = sessionsKilledAfterEach();

function tui(host: string, args = ''): TmuxSession {
  const s = startTmux(`echo BEFORE-TAILTOP; node ${cli} --no-ebpf ${args}`, {
    cols: 120,
    rows: 40,
    cwd: root,
    env: { TERM: 'tmux-256color', LANG: 'C.UTF-8', DOCKER_HOST: host },
  });
  sessions.push(s);
  return s;
}

function display(s: TmuxSession, format: string): string {
  return execFileSync('tmux', ['-S', socketOf(s), 'display-message', '-p', '-t', s.name, format], { encoding: 'utf8' }).trim();
}

/** The table row of a container (the line that starts with its name). */
function rowOf(pane: string, name: string): string | undefined {
  return pane.split('\n').find((l) => l.startsWith(`${name} `));
}

/** The CPU% cell of a row: the figure after the STATE column ("48.5%" -> 48.5), null for "—". */
function cpuOf(row: string | undefined): number | null | undefined {
  if (!row) return undefined;
  const m = /\b(?:running|exited|created|paused|restart\S*)\s+(\S+)/.exec(row);
  if (!m) return undefined;
  const v = /^(\d+(?:\.\d+)?)%$/.exec(m[1]!);
  return v ? Number(v[1]) : null;
}

/** Names in the table: rows that start with the prefix. */
function namesShown(pane: string, prefix: string): string[] {
  return pane
    .split('\n')
    .map((l) => /^(\S+)\s/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n.startsWith(prefix))
    .sort();
}

/** "Containers 12" or "Containers 3/12" in the title: [shown, total]. */
function titleCounts(pane: string): [number, number] | null {
  const m = /Containers (\d+)(?:\/(\d+))?/.exec(pane);
  if (!m) return null;
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

/** A predicate on the pane for TmuxSession.waitFor (which calls `.test`). */
function when(pred: (pane: string) => boolean, what: string): RegExp {
  return { test: pred, toString: () => what } as unknown as RegExp;
}

const STACK = /^\s+at \S.*:\d+:\d+\)?\s*$|Unhandled|TypeError|RangeError|ReferenceError/m;

function filter(s: TmuxSession, text: string): void {
  s.send('/', { literal: true });
  s.send(text, { literal: true });
  s.send('Enter');
}

async function quitCleanly(s: TmuxSession): Promise<void> {
  s.send('q', { literal: true });
  expect(await s.waitExit(15_000)).toBe(0);
  const after = await s.waitFor('PROMPT$');
  expect(after).toContain('BEFORE-TAILTOP');
  expect(after).not.toContain('Containers');
  expect(s.modes()).toEqual({ cursorVisible: true, alternateScreen: false });
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

describe.skipIf(skip)('tailtop in tmux with a real Docker daemon', () => {
  const host = d.host;

  beforeAll(async () => {
    await removeAll(host, P);
    await runContainer(host, `${P}idle`, ['--network', 'none'], ['sleep', '100000']);
    await runContainer(host, `${P}burn`, ['--network', 'none', '--cpus', '0.5', '-m', '64m'], ['sh', '-c', 'while :; do :; done']);
  }, 120_000);

  afterAll(async () => {
    await removeAll(host, P);
  }, 120_000);

  it('lists the containers with CPU figures: the half-core burner reads about 50', async () => {
    const s = tui(host);
    await s.waitFor('Tail latency', 15_000);
    s.send('c', { literal: true });
    const pane = await s.waitFor(new RegExp(`^${P}burn [\\s\\S]*^${P}idle |^${P}idle [\\s\\S]*^${P}burn `, 'm'), 15_000);
    expect(pane).toContain('CPU%: 100 = one core');
    // A number (not "—") by the second refresh after the names appear.
    await s.waitFor(when((p) => cpuOf(rowOf(p, `${P}burn`)) != null && cpuOf(rowOf(p, `${P}idle`)) != null, 'CPU figures'), 4_000);
    // Tolerant of a busy machine: some sample in 30..60 within 15 s.
    const seen: (number | null | undefined)[] = [];
    const ok = await (async () => {
      const until = Date.now() + 15_000;
      while (Date.now() < until) {
        const v = cpuOf(rowOf(s.capture(), `${P}burn`));
        seen.push(v);
        if (v != null && v >= 30 && v <= 60) return true;
        await sleep(500);
      }
      return false;
    })();
    console.log(`burner CPU% in the table: ${seen.slice(-6).join(', ')}`);
    expect(ok).toBe(true);
    const idle = cpuOf(rowOf(s.capture(), `${P}idle`));
    expect(idle).not.toBeNull();
    expect(idle!).toBeLessThan(5);
    await quitCleanly(s);
  }, 90_000);

  it('survives churn of 50 containers and converges to docker ps', async () => {
    const s = tui(host);
    await s.waitFor('Tail latency', 15_000);
    s.send('c', { literal: true });
    await s.waitFor(`${P}burn `, 15_000);
    filter(s, `${P}c`);
    await s.waitFor(`filter: ${P}c`, 5_000);

    // Watch the pane the whole time: never a stack trace, the process never exits.
    let watching = true;
    const problems: string[] = [];
    const watcher = (async () => {
      while (watching) {
        try {
          const p = s.capture();
          if (STACK.test(p)) problems.push(`stack trace in the pane:\n${p}`);
        } catch (e) {
          problems.push(`capture failed: ${(e as Error).message}`);
        }
        if (s.exitCode() !== null) problems.push(`tailtop exited with ${s.exitCode()}`);
        if (problems.length) return;
        await sleep(200);
      }
    })();

    // 5 batches of 10 started in parallel; while a batch starts, the previous one is removed but for 2.
    const names = Array.from({ length: 50 }, (_, i) => `${P}c${String(i).padStart(2, '0')}`);
    const kept: string[] = [];
    const t0 = Date.now();
    let removal: Promise<unknown> = Promise.resolve();
    for (let b = 0; b < 5; b++) {
      const batch = names.slice(b * 10, b * 10 + 10);
      const start = pool(batch, 10, (n) => docker(host, 'run', '-d', '--name', n, ...testLabels(), '--network', 'none', IMAGE, 'sleep', '300'));
      await Promise.all([start, removal]);
      kept.push(...batch.slice(0, 2));
      const gone = batch.slice(2);
      removal = pool([gone.slice(0, 4), gone.slice(4)], 2, (g) => docker(host, 'rm', '-f', ...g));
    }
    await removal;
    console.log(`churn: 50 started, 40 removed in ${Date.now() - t0} ms`);

    // Converges: the filtered rows are exactly the kept ones; the title's total is `docker ps -a`'s count.
    let last = '';
    let expected: string[] = [];
    let total = -1;
    const until = Date.now() + 20_000;
    for (;;) {
      expected = (await docker(host, 'ps', '-a', '--format', '{{.Names}}')).split('\n').filter(Boolean);
      total = expected.length;
      last = s.capture();
      const counts = titleCounts(last);
      const shown = namesShown(last, `${P}c`);
      if (counts && counts[1] === total && counts[0] === kept.length && JSON.stringify(shown) === JSON.stringify([...kept].sort())) break;
      if (Date.now() > until) break;
      await sleep(300);
    }
    watching = false;
    await watcher;
    expect(problems).toEqual([]);
    expect(namesShown(last, `${P}c`)).toEqual([...kept].sort());
    expect(titleCounts(last)).toEqual([kept.length, total]);
    expect(s.exitCode()).toBeNull();
    // Without the filter, every one of ours that docker lists is in the table (it fits on the screen).
    s.send('/', { literal: true });
    s.send('Enter');
    const all = await s.waitFor(/Containers \d+ /, 5_000);
    const ours = expected.filter((n) => n.startsWith(P)).sort();
    if (expected.length <= 30) expect(namesShown(all, P)).toEqual(ours);
    await docker(host, 'rm', '-f', ...kept);
    await quitCleanly(s);
  }, 180_000);

  it('never lets escape sequences from labels or command lines reach the terminal', async () => {
    const osc = `${ESC}]0;pwned${BEL}${ESC}]2;pwned2${ESC}\\${ESC}kpwnedwin${ESC}\\${ESC}[2J${ESC}[31m`;
    await runContainer(host, `${P}evil`, ['--network', 'none', '--label', `tailtop.evil=x${osc}y`], ['sh', '-c', 'sleep 100000; :', `evilmark${osc}`]);
    const s = tui(host);
    await s.waitFor('Tail latency', 15_000);
    const title0 = display(s, '#{pane_title}');
    s.send('c', { literal: true });
    await s.waitFor(`${P}evil `, 15_000);
    filter(s, `${P}evil`);
    await s.waitFor(/Containers 1\//, 5_000);
    s.send('Enter');
    // The container view: the label (sanitised) and its processes, with the marker argument.
    const view = await s.waitFor(/labels: .*tailtop\.evil=x[\s\S]*evilmark/, 15_000);
    // The payload's printable residue may show as text; what matters is that no escape sequence reaches
    // the terminal: none in the pane, and the pane title and window name unchanged.
    const check = (pane: string): void => {
      expect(pane).not.toContain(ESC);
      const withEscapes = s.capture({ escapes: true });
      expect(withEscapes).not.toContain(`${ESC}]`);
      expect(withEscapes).not.toContain(`${ESC}[2J`);
      expect(withEscapes).not.toContain(`${ESC}k`);
      expect(display(s, '#{pane_title}')).not.toContain('pwned');
      expect(display(s, '#{pane_title}')).toBe(title0);
      expect(display(s, '#{window_name}')).not.toContain('pwned');
    };
    check(view);
    // The whole-host process view, filtered to the marker.
    s.send('Escape');
    await s.waitFor(/Containers 1\//, 5_000);
    s.send('p', { literal: true });
    await s.waitFor('COMMAND', 10_000);
    filter(s, 'evilmark');
    const procs = await s.waitFor(/sh -c sleep 100000; : evilmark/, 10_000);
    check(procs);
    await quitCleanly(s);
    expect(display(s, '#{pane_title}')).toBe(title0);
  }, 90_000);

  it('wide and invisible characters in labels keep their columns; bidi and zero-width ones are stripped', async () => {
    const label = `tailtop.wide=🙂日本語テスト\u202Etxt.exe\u202C-zero\u200Bwidth-한국어`;
    await runContainer(host, `${P}wide`, ['--network', 'none', '--label', label], ['sleep', '100000']);
    const s = tui(host);
    await s.waitFor('Tail latency', 15_000);
    s.send('c', { literal: true });
    await s.waitFor(`${P}wide `, 15_000);
    filter(s, `${P}wide`);
    await s.waitFor(/Containers 1\//, 5_000);
    s.send('Enter');
    const view = await s.waitFor(/labels: .*tailtop\.wide=/, 15_000);
    expect(view).toContain('tailtop.wide=🙂日本語テスト');
    expect(view).toContain('txt.exe-zerowidth-한국어');
    expect(view).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f]/);
    for (const l of view.split('\n')) expect(textCells(l), l).toBeLessThanOrEqual(120);
    // Back to the table and on to another view: nothing of the label stays behind.
    s.send('Escape');
    await s.waitFor(/Containers 1\//, 5_000);
    s.send('o', { literal: true });
    const over = await s.waitFor('Tail latency', 5_000);
    expect(over).not.toMatch(/日本|テスト|🙂|한국/);
    await quitCleanly(s);
  }, 90_000);

  it('Enter opens the selected container (name, image, limits, its processes); Esc returns', async () => {
    const s = tui(host);
    await s.waitFor('Tail latency', 15_000);
    s.send('c', { literal: true });
    await s.waitFor(`${P}burn `, 15_000);
    filter(s, `${P}burn`);
    await s.waitFor(/Containers 1\//, 5_000);
    s.send('Enter');
    const view = await s.waitFor(/while :; do :; done/, 15_000);
    const lines = view.split('\n');
    expect(lines[0]).toMatch(new RegExp(`view container ${P}burn`)); // the header names the container
    expect(lines[1]).toMatch(new RegExp(`^${P}burn\\s+${IMAGE.replace(/[.:]/g, '\\$&')}\\s+running\\s+docker\\s+[0-9a-f]{12}`));
    expect(lines[2]).toMatch(/limits: CPU 0\.50 cores, memory 64(\.0)?M/);
    expect(view).toMatch(/Processes [1-9]/);
    s.send('Escape');
    const back = await s.waitFor(/Containers 1\/\d+/, 5_000);
    expect(rowOf(back, `${P}burn`)).toBeDefined();
    await quitCleanly(s);
  }, 60_000);

  describe('daemon restart (a private dockerd of its own)', () => {
    const DIR = process.env.TAILTOP_DOCKERD_E2E_DIR ?? '/tmp/tailtop-dockerd-e2e';
    const own: DaemonHandle = { host: `unix://${DIR}/docker.sock`, socketPath: `${DIR}/docker.sock`, ownsDaemon: true, dockerdDir: DIR, unavailable: null };
    const whyNot = process.getuid?.() !== 0 ? 'not root (starts and stops its own dockerd)' : null;
    const skipOwn = requirement('own dockerd', whyNot === null, whyNot ?? '');
    let flags: string | undefined;

    beforeAll(async () => {
      if (skipOwn) return;
      // No bridge: the shared daemon owns docker0.
      flags = process.env.TAILTOP_DOCKERD_FLAGS;
      process.env.TAILTOP_DOCKERD_FLAGS = `${flags ?? ''} --bridge=none`.trim();
      await startDaemon(own);
      await ensureImage(own.host);
      await removeAll(own.host, P);
      await runContainer(own.host, `${P}alw`, ['--network', 'none', '--restart', 'always'], ['sleep', '100000']);
      await runContainer(own.host, `${P}once`, ['--network', 'none'], ['sleep', '100000']);
    }, 180_000);

    afterAll(async () => {
      if (skipOwn) return;
      await startDaemon(own).catch(() => undefined);
      await removeAll(own.host, P).catch(() => undefined);
      await stopDaemon(own);
      if (flags === undefined) delete process.env.TAILTOP_DOCKERD_FLAGS;
      else process.env.TAILTOP_DOCKERD_FLAGS = flags;
    }, 180_000);

    it.skipIf(skipOwn !== null)('a daemon that stops answering while connected is "not answering for N s", then recovers', async () => {
      const s = tui(own.host);
      await s.waitFor('Tail latency', 15_000);
      s.send('c', { literal: true });
      await s.waitFor(when((p) => rowOf(p, `${P}alw`) !== undefined, 'the container listed'), 15_000);
      const pid = Number(readFileSync(`${DIR}/pid`, 'utf8').trim());
      process.kill(pid, 'SIGSTOP'); // our own daemon: requests hang, the event stream stays open
      try {
        const silent = await s.waitFor(/docker: not answering for \d+ s/, 20_000);
        expect(silent.trimEnd().split('\n').at(-1)).toMatch(/docker: not answering for \d+ s/);
        expect(silent).not.toMatch(/reconnecting/);
        expect(rowOf(silent, `${P}alw`)).toBeDefined(); // what was known stays listed
        const later = await s.waitFor(when((p) => Number(/not answering for (\d+) s/.exec(p)?.[1] ?? 0) >= 5, 'the count to grow'), 15_000);
        expect(later).toMatch(/not answering for \d+ s/);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await s.waitFor(when((p) => !/not answering/.test(p), 'the message gone'), 20_000);
      await quitCleanly(s);
    }, 90_000);

    it.skipIf(skipOwn !== null)('shows reconnecting (attempt N) while the rest updates, then recovers', async () => {
      const s = tui(own.host);
      await s.waitFor('Tail latency', 15_000);
      s.send('c', { literal: true });
      await s.waitFor(when((p) => rowOf(p, `${P}alw`) !== undefined && rowOf(p, `${P}once`) !== undefined, 'both containers'), 15_000);

      await stopDaemon(own);
      const down = await s.waitFor(/reconnecting \(attempt \d+\)/, 15_000);
      const status = down.trimEnd().split('\n').at(-1)!;
      expect(status).toMatch(/docker: reconnecting \(attempt \d+\)/);
      // The overview keeps updating: the CPU panel changes from frame to frame; the status line stays.
      s.send('o', { literal: true });
      await s.waitFor('Tail latency', 5_000);
      const cpuPanel = (p: string): string => p.split('\n').slice(1, 12).join('\n');
      const a = s.capture();
      const frames = new Set<string>([cpuPanel(a)]);
      for (let i = 0; i < 8 && frames.size < 3; i++) {
        await sleep(1000);
        frames.add(cpuPanel(s.capture()));
      }
      expect(frames.size).toBeGreaterThanOrEqual(2);
      const still = await s.waitFor(/reconnecting \(attempt (\d+)\)/, 5_000);
      const n = Number(/reconnecting \(attempt (\d+)\)/.exec(still)![1]);
      expect(n).toBeGreaterThanOrEqual(2);
      expect(s.exitCode()).toBeNull();

      await startDaemon(own);
      s.send('c', { literal: true });
      // Back: both listed again (the restart policy brings one back; the other stays exited), no error.
      const up = await s.waitFor(
        when((p) => !/reconnecting/.test(p) && /\brunning\b/.test(rowOf(p, `${P}alw`) ?? '') && /\bexited\b/.test(rowOf(p, `${P}once`) ?? ''), 'recovered table'),
        45_000,
      );
      expect(up).not.toMatch(STACK);
      await quitCleanly(s);
    }, 150_000);
  });
});
