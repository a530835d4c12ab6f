// End to end with eBPF on: the built CLI (node dist/cli.js, helper bpf/tailtop-bpf) in tmux with a real
// Docker daemon. A container given a tmpfs-backed loop device (--device) writes to it with direct I/O, and
// `dd` on the host writes to it too. The overview's tail-latency panel shows the loop device with p50/p95/p99
// figures; `l` opens the latency view, Enter on the device's row the disk view with its heatmap; `w` cycles
// the window (10s); the containers table shows an IO p99 figure for the writer. The helper killed with
// SIGKILL is restarted and the figures come back; after `q` no helper of ours is left.
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI as cli, REPO as root, requirement, runImage } from '../env.js';
import { hasTmux, sessionsKilledAfterEach, socketOf, startTmux, type TmuxSession } from './tmux.js';
import { removeAll, run as runContainer, setupDaemon, sleep } from '../integration/docker-helpers.js';

const pexec = promisify(execFile);
const helperBin = join(root, 'bpf', 'tailtop-bpf');
const P = 'tt-ebpf-';
const IMG = runImage('/dev/shm', 'ebpf-tui');

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function whyNot(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (loop devices, BPF)';
  if (!hasTmux()) return 'tmux is not installed';
  if (!existsSync(cli)) return 'dist/cli.js is not built';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel has no BTF (/sys/kernel/btf/vmlinux)';
  for (const c of ['losetup', 'dd', 'truncate']) if (!have(c)) return `${c} not installed`;
  if (!existsSync(helperBin)) {
    const r = spawnSync('make', ['-C', join(root, 'bpf')], { encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(helperBin)) return `make -C bpf failed: ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`;
  }
  return null;
}

const d = await setupDaemon();
const skip = requirement('eBPF TUI', whyNot() === null, whyNot() ?? '') ?? requirement('docker', d.unavailable === null, d.unavailable ?? '');

const sessions = sessionsKilledAfterEach();

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return comm(pid) === 'tailtop-bpf';
  } catch {
    return false;
  }
}

/** The helper started by this session's tailtop (pane shell -> node -> tailtop-bpf), or null. */
function helperPid(s: TmuxSession): number | null {
  const shell = Number(execFileSync('tmux', ['-S', socketOf(s), 'display-message', '-p', '-t', s.name, '#{pane_pid}'], { encoding: 'utf8' }).trim());
  const stack = [shell];
  while (stack.length) {
    const p = stack.pop()!;
    for (const c of children(p)) {
      if (comm(c) === 'tailtop-bpf') return c;
      stack.push(c);
    }
  }
  return null;
}

const FIG = String.raw`(?:\d+(?:\.\d+)?(?:µs|ms|s))`;

/** p50/p95/p99/max cells of a device's write row in the overview panel or the latency view. */
function writeRow(pane: string, dev: string): string[] | null {
  const m = new RegExp(String.raw`${dev}\s+write\s+(?:\d+\s+\S+\s+)?(${FIG}|—)\s+(${FIG}|—)\s+(${FIG}|—)`).exec(pane);
  return m ? [m[1]!, m[2]!, m[3]!] : null;
}

const hasFigures = (dev: string) => (pane: string): boolean => {
  const r = writeRow(pane, dev);
  return r !== null && r.every((x) => x !== '—');
};

/** A predicate on the pane for TmuxSession.waitFor (which calls `.test`). */
function when(pred: (pane: string) => boolean, what: string): RegExp {
  return { test: pred, toString: () => what } as unknown as RegExp;
}

/** The cell under a right-aligned column title in a table row. */
function cellUnder(pane: string, title: string, rowStart: string): string | null {
  const lines = pane.split('\n');
  const header = lines.find((l) => l.includes(title));
  const row = lines.find((l) => l.startsWith(rowStart));
  if (!header || !row) return null;
  const end = header.indexOf(title) + title.length;
  const cell = row.slice(Math.max(0, end - 8), end).trim().split(/\s+/).at(-1) ?? '';
  return cell;
}

describe.skipIf(skip)('tailtop in tmux with eBPF on', () => {
  const host = d.host;
  let loop = '';
  let dev = '';
  let hostDd: ChildProcess | null = null;

  beforeAll(async () => {
    await removeAll(host, P);
    rmSync(IMG, { force: true });
    await pexec('truncate', ['-s', '128M', IMG]);
    loop = (await pexec('losetup', ['-f', '--show', IMG])).stdout.trim();
    dev = loop.replace('/dev/', '');
    // The container writes the first 2 MiB of the device, the host writes further on.
    await runContainer(host, `${P}dio`, ['--network', 'none', '--device', loop], [
      'sh', '-c', `while :; do dd if=/dev/zero of=${loop} bs=4k count=500 oflag=direct 2>/dev/null; sleep 0.2; done`,
    ]);
    hostDd = spawn('sh', ['-c', `while :; do dd if=/dev/zero of=${loop} bs=4k count=200 seek=10000 oflag=direct status=none; sleep 0.3; done`], { stdio: 'ignore' });
  }, 120_000);

  afterAll(async () => {
    if (hostDd?.pid) {
      try {
        process.kill(hostDd.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await removeAll(host, P).catch(() => undefined);
    await sleep(300);
    if (loop) await pexec('losetup', ['-d', loop]).catch(() => undefined);
    rmSync(IMG, { force: true });
  }, 120_000);

  it('shows the loop device\'s tail latency, the latency and disk views, the container\'s IO p99, and survives a killed helper', async () => {
    // 140 columns: at 120 the containers table drops its IO p99 column (priority 5) for room.
    const s = startTmux(`echo BEFORE-TAILTOP; node ${cli}`, {
      cols: 140,
      rows: 40,
      cwd: root,
      env: { TERM: 'tmux-256color', LANG: 'C.UTF-8', DOCKER_HOST: host },
    });
    sessions.push(s);
    await s.waitFor('Tail latency', 15_000);
    // The overview's panel: the loop device's write row with p50/p95/p99 figures.
    const ov = await s.waitFor(when(hasFigures(dev), `${dev} write p50/p95/p99`), 20_000);
    expect(ov).toContain('source: eBPF (service time, window 1s)');
    expect(ov).toContain('eBPF on');
    console.log(`overview ${dev} write p50/p95/p99: ${writeRow(ov, dev)!.join(' ')}`);

    // `l`: the latency view, the same device with figures.
    s.send('l', { literal: true });
    const lv = await s.waitFor('Tail latency (window 1s)', 5_000);
    expect(lv).toContain('Enter: disk heatmap');
    await s.waitFor(when(hasFigures(dev), `${dev} write row in the latency view`), 5_000);
    // Enter on the device's write row: the disk view of that op, with its heatmap.
    s.send('/', { literal: true });
    s.send(dev, { literal: true });
    s.send('Enter');
    await s.waitFor(`filter: ${dev}`, 5_000);
    // Only writes on the device: its first row (sorted by device, then op) is the write row.
    await s.waitFor(when((p) => /^\S+\s+write\s/m.test(p.split('\n').slice(4).join('\n')), 'the write row first'), 5_000);
    s.send('Enter');
    const dv = await s.waitFor(new RegExp(`Disk ${dev} — write latency`), 5_000);
    expect(dv).toContain(`view disk ${dev}`);
    const heat = await s.waitFor(when((p) => p.split('\n').some((l) => /^\s*\d+(\.\d+)?(µs|ms)│.*[░▒▓█]/.test(l)), 'heatmap shades'), 10_000);
    expect(heat).toMatch(/└.*now/);
    expect(heat).toMatch(/service \(issue→complete\):\s+n=\d/);
    // `w`: the window cycles to 10 s.
    expect(heat).toContain('window 1s');
    s.send('w', { literal: true });
    const w10 = await s.waitFor('window 10s', 5_000);
    expect(w10.split('\n')[1]).toMatch(/^Disk .*window 10s/);
    s.send('Escape');
    await s.waitFor('Tail latency (window 10s)', 5_000);

    // The containers table: an IO p99 figure for the writer.
    s.send('c', { literal: true });
    await s.waitFor(`${P}dio `, 10_000);
    const ct = await s.waitFor(when((p) => new RegExp(`^${FIG}$`).test(cellUnder(p, 'IO p99', `${P}dio `) ?? ''), 'IO p99 figure'), 10_000);
    console.log(`containers: ${P}dio IO p99 ${cellUnder(ct, 'IO p99', `${P}dio `)}`);

    // Kill our helper (by pid: the child of this session's tailtop); the figures come back within ~10 s.
    s.send('o', { literal: true });
    await s.waitFor('Tail latency 10s', 5_000);
    s.send('w', { literal: true }); // 1m
    s.send('w', { literal: true }); // 5m
    s.send('w', { literal: true }); // back to 1s: figures only from the new helper's intervals soon after
    await s.waitFor('Tail latency 1s', 5_000);
    const first = helperPid(s);
    expect(first).not.toBeNull();
    process.kill(first!, 'SIGKILL');
    const killedAt = Date.now();
    // The status line says the helper is down first (no figures from a dead helper)...
    const down = await s.waitFor(when((p) => !p.includes('eBPF on'), 'eBPF down'), 10_000);
    console.log(`after SIGKILL: ${down.trimEnd().split('\n').at(-1)!.trim()}`);
    // ...then back, from a new helper.
    const back = await s.waitFor(when((p) => hasFigures(dev)(p) && p.includes('eBPF on'), 'figures again'), 15_000);
    console.log(`figures back ${Date.now() - killedAt} ms after SIGKILL: ${writeRow(back, dev)!.join(' ')}`);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    const second = helperPid(s);
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    expect(alive(first!)).toBe(false);

    s.send('q', { literal: true });
    expect(await s.waitExit(15_000)).toBe(0);
    const after = await s.waitFor('PROMPT$');
    expect(after).toContain('BEFORE-TAILTOP');
    expect(s.modes()).toEqual({ cursorVisible: true, alternateScreen: false });
    // No helper of ours left (the supervisor closes its stdin; it exits on EOF).
    let left = true;
    for (let i = 0; i < 30 && left; i++) {
      left = alive(second!);
      if (left) await sleep(100);
    }
    expect(left).toBe(false);
    expect(helperPid(s)).toBeNull();
  }, 150_000);
});

