// Render tests: createTui over in-memory streams at a fixed size, a Store filled with hand-made frames,
// assertions on the screenshot text.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import blessed from 'blessed';
import { createTui, type Tui } from '../../src/ui/app.js';
import { fasterRefresh, slowerRefresh } from '../../src/contract.js';
import { COMMANDS, bindings } from '../../src/ui/keys.js';
import { Store } from '../../src/store/store.js';
import { facts, filledStore, keyTable, makeFrame, theme } from './ui-frames.js';
import { containersFrame, ctr } from './ui-views-fixtures.js';
import { loadTheme } from '../../src/config/themes.js';
import type { Theme } from '../../src/ui/theme.js';

type Sized = Writable & { columns: number; rows: number };

interface Harness {
  tui: Tui;
  store: Store;
  input: PassThrough;
  output: Sized;
  written: () => string;
  refresh: number[];
  wants: { processes: boolean; containerId: string | null }[];
  quits: number;
  press(keys: string): Promise<void>;
  resize(cols: number, rows: number): void;
}

const open: Tui[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.destroy();
  vi.restoreAllMocks();
});

function start(cols: number, rows: number, store: Store, extra: { bindings?: ReturnType<typeof bindings>; theme?: Theme } = {}): Harness {
  let buf = '';
  const output = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  }) as Sized;
  const input = new PassThrough();
  const h: Harness = {
    tui: null as unknown as Tui,
    store,
    input,
    output,
    written: () => buf,
    refresh: [],
    wants: [],
    quits: 0,
    async press(keys: string) {
      input.write(keys);
      await new Promise((r) => setTimeout(r, 5));
    },
    resize(c: number, r: number) {
      output.columns = c;
      output.rows = r;
      output.emit('resize');
    },
  };
  h.tui = createTui({
    store,
    facts,
    theme: extra.theme ?? theme,
    bindings: extra.bindings ?? keyTable,
    refreshMs: 1000,
    input,
    output,
    terminal: 'xterm-256color',
    cols,
    rows,
    onRefreshChange: (ms) => h.refresh.push(ms),
    onWantsChange: (w) => h.wants.push(w),
    onQuit: () => h.quits++,
  });
  open.push(h.tui);
  return h;
}

const lines = (s: string): string[] => s.split('\n');

describe('overview at 80x24', () => {
  it('shows every panel title, box lines, and dashes before the second sample', () => {
    const h = start(80, 24, filledStore(1, { latency: 'off' }));
    const shot = h.tui.screenshot();
    expect(lines(shot)).toHaveLength(24);
    for (const title of ['CPU 4 cores', 'Memory', 'Load', 'Pressure', 'Disks 2', 'Network 2', 'Tail latency 1s']) expect(shot).toContain(title);
    expect(shot).toContain('┌');
    expect(shot).toContain('│');
    expect(shot).toMatch(/testhost/);
    expect(shot).toMatch(/kernel 6\.1\.0-test/);
    expect(shot).toMatch(/up 3d 2h 5m/);
    expect(shot).toMatch(/refresh 1s/);
    // Rates unknown on the first frame: dashes, never 0.
    const sda = lines(shot).find((l) => l.includes('│sda '))!;
    expect(sda).toMatch(/sda\s+—\s+—\s+—/);
    expect(lines(shot).find((l) => l.includes('eth0'))).toMatch(/eth0\s+—\s+—/);
    expect(shot).toMatch(/total\s+—/);
    expect(shot).not.toMatch(/0\.0B\/s|\b0B\/s/);
    // Latency off: the reason and dashes.
    expect(shot).toContain('eBPF: needs root or CAP_BPF+CAP_PERFMON');
    expect(lines(shot).find((l) => /│sda\s+read/.test(l))).toMatch(/read\s+—\s+—\s+—\s+—/);
    // Every line fits the width.
    for (const l of lines(shot)) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('shows values after the second sample', () => {
    const h = start(80, 24, filledStore(2, { latency: 'active' }));
    const shot = h.tui.screenshot();
    expect(lines(shot).find((l) => l.includes('│sda '))).toMatch(/sda\s+1\.5M\/s\s+300K\/s\s+12%/);
    expect(lines(shot).find((l) => l.includes('eth0'))).toMatch(/eth0\s+2\.5M\/s\s+700K\/s/);
    expect(shot).toMatch(/total\s+27\.0%/);
    expect(shot).toMatch(/user 16\.2%/);
    expect(shot).toMatch(/c0 /);
    expect(shot).toMatch(/load 0\.52 0\.48 0\.40/);
    expect(shot).toMatch(/tasks 3 run \/ 312/);
    expect(shot).toMatch(/cpu\s+1\.2%\s+1\.8%/);
    expect(shot).toContain('source: eBPF');
    expect(lines(shot).find((l) => /sda\s+read/.test(l))).toMatch(/20\dµs\s+1\.50ms\s+4\.20ms\s+12\.0ms/);
    expect(shot).toContain('eBPF on');
  });

  it('updates from the store with one render per update()', () => {
    const store = filledStore(1);
    const h = start(80, 24, store);
    const render = vi.spyOn((blessed as unknown as { Screen: { prototype: { render(): void } } }).Screen.prototype, 'render');
    store.push(makeFrame(1));
    h.tui.update();
    expect(render).toHaveBeenCalledTimes(1);
    expect(h.tui.screenshot()).toMatch(/sda\s+1\.5M\/s/);
  });

  it('leaves the pressure panel out when PSI is absent', () => {
    const h = start(80, 24, filledStore(2, { pressure: false }));
    const shot = h.tui.screenshot();
    expect(shot).not.toContain('Pressure');
    expect(shot).toContain('Load');
  });

  it('shows collector errors in the status line', () => {
    const h = start(80, 24, filledStore(2, { errors: [{ source: 'diskstats', message: 'permission denied' }] }));
    expect(lines(h.tui.screenshot())[23]).toContain('diskstats: permission denied');
  });

  it('does not repeat a source its message already names', () => {
    const h = start(80, 24, filledStore(2, { errors: [{ source: 'docker', message: 'docker: reconnecting (attempt 3)' }] }));
    const status = lines(h.tui.screenshot())[23]!;
    expect(status).toContain('docker: reconnecting (attempt 3)');
    expect(status).not.toContain('docker: docker:');
  });

  it('strips escape sequences from disk and interface names', () => {
    const evil = 'ev\x1b[31mil\x1b]0;pwned\x07x';
    const h = start(80, 24, filledStore(2, { disks: [evil], nets: [`eth\x1b[2J0`] }));
    const shot = h.tui.screenshot();
    expect(shot).toContain('evilx');
    expect(shot).toContain('eth0');
    expect(shot).not.toContain('\x1b');
    expect(shot).not.toContain('pwned');
    expect(h.written()).not.toContain('\x1b]0;pwned');
    expect(h.written()).not.toContain('\x1b[2J0');
  });

  it('shows network errors and drops only when non-zero', () => {
    const quiet = start(80, 24, filledStore(2));
    expect(quiet.tui.screenshot()).not.toMatch(/err rx/);
    const noisy = start(80, 24, filledStore(2, { netErrors: true, nets: ['eth0'] }));
    expect(noisy.tui.screenshot()).toMatch(/err rx 3\.0\/s/);
  });
});

describe('colour', () => {
  const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
  it('the default theme emits colours; mono emits none', async () => {
    const coloured = start(80, 24, filledStore(3));
    await flush();
    expect(coloured.written()).toMatch(/\x1b\[(?:[0-9;]*;)?38;5;\d+m/);
    const mono = start(80, 24, filledStore(3), { theme: loadTheme('mono') });
    await flush();
    expect(mono.written()).not.toMatch(/\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;5;\d+)m/);
    expect(mono.tui.screenshot()).toContain('CPU 4 cores');
  });
});

describe('overview at 160x50', () => {
  it('uses the room: per-core bars in columns and a taller CPU graph', () => {
    const h = start(160, 50, filledStore(6, { cores: 16, latency: 'active' }));
    const shot = h.tui.screenshot();
    expect(lines(shot)).toHaveLength(50);
    for (const title of ['CPU 16 cores', 'Memory', 'Load', 'Pressure', 'Disks 2', 'Network 2', 'Tail latency 1s']) expect(shot).toContain(title);
    // Several core cells side by side on one line.
    const coreLine = lines(shot).find((l) => /c0\s/.test(l))!;
    expect((coreLine.match(/\bc\d+\s/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(shot).toContain('100%');
    expect(shot).toMatch(/6\.0G\/16\.0G/);
    expect(shot).toMatch(/1m 0\.52\s+5m 0\.48\s+15m 0\.40/);
    expect(shot).toMatch(/full10/);
    for (const l of lines(shot)) expect(l.length).toBeLessThanOrEqual(160);
  });
});

describe('overview at 120x40', () => {
  // Box rows from the line holding `title` down to the next border line (inner rows only).
  const box = (shot: string, title: string): string[] => {
    const ls = lines(shot);
    const top = ls.findIndex((l) => l.includes(title));
    const left = ls[top]!.indexOf(title) - 3; // the corner before "─ Title"
    expect('┌├┬').toContain(ls[top]![left]);
    const out: string[] = [];
    for (let i = top + 1; i < ls.length && !'├└┴┼┬'.includes(ls[i]![left] ?? '└'); i++) out.push(ls[i]!.slice(left));
    return out;
  };

  it('gives rows by need: small disks/network boxes, a tall total-CPU graph', () => {
    const h = start(120, 40, filledStore(30, { cores: 2, disks: ['sda', 'sdb'], nets: ['eth0', 'eth1', 'wlan0', 'lo'], latency: 'off' }));
    const shot = h.tui.screenshot();
    for (const l of lines(shot)) expect(l.length).toBeLessThanOrEqual(120);
    const cpu = box(shot, 'CPU 2 cores');
    expect(cpu.length).toBeGreaterThan(3);
    // A multi-row graph with its axis; the newest sample is at the right edge.
    expect(cpu.some((l) => l.includes('100%'))).toBe(true);
    const zero = cpu.find((l) => l.includes('  0%'))!;
    expect(zero).toMatch(/[▁▂▃▄▅▆▇█]│$/);
    const disks = box(shot, 'Disks 2');
    const used = disks.filter((l) => l.replace(/[│\s]/g, '') !== '').length;
    expect(used).toBeGreaterThanOrEqual(3); // header + 2 disks
    expect(disks.length - used).toBeLessThanOrEqual(3);
    const net = box(shot, 'Network 4');
    expect(net.length).toBe(disks.length);
    const lat = box(shot, 'Tail latency 1s');
    const latUsed = lat.filter((l) => l.replace(/[│\s]/g, '') !== '').length;
    expect(lat.length - latUsed).toBeLessThanOrEqual(3);
    expect(lines(shot)[39]).not.toContain('─'); // the status line, not a box edge
    expect(lines(shot)[38]).toMatch(/^└─+┘$/);
  });
});

describe('keys', () => {
  it('? shows a help overlay listing every command, its keys and help line', async () => {
    // 40 rows: every command fits (on a shorter screen the overlay scrolls with up/down)
    const h = start(80, 40, filledStore(2));
    await h.press('?');
    const shot = h.tui.screenshot();
    for (const [cmd, def] of Object.entries(COMMANDS)) {
      const line = lines(shot).find((l) => l.includes(` ${cmd} `) || l.includes(`│${cmd} `));
      expect(line, cmd).toBeDefined();
      expect(line).toContain(def.help.slice(0, 30));
    }
    expect(shot).toContain('ctrl-c');
    await h.press('?');
    expect(h.tui.screenshot()).not.toContain('Show or hide this help');
  });

  it('help follows config overrides', async () => {
    const h = start(80, 24, filledStore(2), { bindings: bindings({ quit: ['x'] }) });
    await h.press('?');
    expect(lines(h.tui.screenshot()).find((l) => l.includes('quit'))).toMatch(/quit\s+x\s+Quit/);
    await h.press('\x1b');
    await h.press('q');
    expect(h.quits).toBe(0);
    await h.press('x');
    expect(h.quits).toBe(1);
  });

  it('q and ctrl-c quit', async () => {
    const h = start(80, 24, filledStore(2));
    await h.press('q');
    await h.press('\x03');
    expect(h.quits).toBe(2);
  });

  it('space pauses: update() does not redraw, the flag shows, unpause catches up', async () => {
    const store = filledStore(2);
    const h = start(80, 24, store);
    await h.press(' ');
    expect(lines(h.tui.screenshot())[0]).toContain('PAUSED');
    expect(lines(h.tui.screenshot())[23]).toContain('PAUSED');
    const before = h.tui.screenshot();
    store.push(makeFrame(2, { errors: [{ source: 'netdev', message: 'late' }] }));
    h.tui.update();
    expect(h.tui.screenshot()).toBe(before);
    // Interacting while paused still shows the frozen data.
    await h.press('w');
    expect(h.tui.screenshot()).not.toContain('netdev: late');
    await h.press(' ');
    expect(h.tui.screenshot()).not.toContain('PAUSED');
    expect(h.tui.screenshot()).toContain('netdev: late');
  });

  it('+ and - change the refresh interval within 250 ms .. 10 s', async () => {
    const h = start(80, 24, filledStore(2));
    await h.press('+');
    expect(h.refresh).toEqual([500]);
    expect(h.tui.screenshot()).toContain('refresh 500ms');
    await h.press('++++');
    expect(h.refresh).toEqual([500, 250]);
    await h.press('-');
    expect(h.refresh.at(-1)).toBe(500);
    expect(fasterRefresh(250)).toBe(250);
    expect(slowerRefresh(10_000)).toBe(10_000);
    expect(slowerRefresh(1000)).toBe(2000);
  });

  it('w cycles the latency window', async () => {
    const h = start(80, 24, filledStore(2, { latency: 'active' }));
    expect(h.tui.screenshot()).toContain('Tail latency 1s');
    await h.press('w');
    expect(h.tui.screenshot()).toContain('Tail latency 10s');
    await h.press('ww');
    expect(h.tui.screenshot()).toContain('Tail latency 5m');
    await h.press('w');
    expect(h.tui.screenshot()).toContain('Tail latency 1s');
  });

  it('tab moves the focus between panels', async () => {
    const h = start(80, 24, filledStore(2));
    await h.press('\t');
    expect(h.tui.screenshot()).toContain('▸ CPU');
    await h.press('\t');
    expect(h.tui.screenshot()).toContain('▸ Memory');
    await h.press('\x1b[Z');
    expect(h.tui.screenshot()).toContain('▸ CPU');
  });

  it('c / p / o switch views, Esc goes back, process collection only while a process table shows', async () => {
    const h = start(80, 24, filledStore(2));
    await h.press('c');
    expect(lines(h.tui.screenshot())[0]).toContain('view containers');
    await h.press('p');
    expect(lines(h.tui.screenshot())[0]).toContain('view processes');
    expect(h.wants.at(-1)).toEqual({ processes: true, containerId: null, cursorContainerId: null, latencyWindow: '1s' });
    await h.press('\x1b');
    expect(lines(h.tui.screenshot())[0]).toContain('view overview');
    expect(h.wants.at(-1)).toEqual({ processes: false, containerId: null, cursorContainerId: null, latencyWindow: '1s' });
    await h.press('l');
    expect(lines(h.tui.screenshot())[0]).toContain('view latency');
    await h.press('o');
    expect(lines(h.tui.screenshot())[0]).toContain('view overview');
  });

  it('the containers table reports the container under the cursor; its view reports the open one', async () => {
    const store = new Store(10);
    for (let i = 0; i < 2; i++) store.push({ ...makeFrame(i), containers: containersFrame([ctr('aaa'), ctr('bbb')]) });
    const h = start(100, 30, store);
    await h.press('c');
    h.tui.update();
    expect(h.wants.at(-1)).toEqual({ processes: false, containerId: null, cursorContainerId: 'aaa', latencyWindow: '1s' });
    await h.press('j');
    h.tui.update();
    expect(h.wants.at(-1)).toEqual({ processes: false, containerId: null, cursorContainerId: 'bbb', latencyWindow: '1s' });
    await h.press('\r');
    expect(h.wants.at(-1)).toEqual({ processes: true, containerId: 'bbb', cursorContainerId: null, latencyWindow: '1s' });
  });

  it('Enter on the focused disks panel opens the disk view', async () => {
    const h = start(80, 24, filledStore(2));
    // cpu, memory, load, pressure, disks
    await h.press('\t\t\t\t\t');
    expect(h.tui.screenshot()).toContain('▸ Disks');
    await h.press('j');
    await h.press('\r');
    expect(lines(h.tui.screenshot())[0]).toContain('view disk nvme0n1');
    await h.press('\x1b');
    expect(lines(h.tui.screenshot())[0]).toContain('view overview');
  });
});

describe('terminal size', () => {
  it('shows "terminal too small" below 40x10 and recovers when larger', () => {
    const h = start(30, 8, filledStore(2));
    const small = h.tui.screenshot().replace(/\s+/g, ' ');
    expect(small).toContain('terminal too small (need 40x10)');
    expect(small).not.toContain('CPU');
    h.resize(80, 24);
    const big = h.tui.screenshot();
    expect(lines(big)).toHaveLength(24);
    expect(big).toContain('CPU 4 cores');
    expect(big).not.toContain('too small');
    h.resize(39, 24);
    expect(h.tui.screenshot()).toContain('terminal too small');
    h.resize(40, 10);
    expect(h.tui.screenshot()).toContain('CPU');
  });

  it('destroy() is idempotent and restores the terminal', () => {
    const h = start(80, 24, filledStore(2));
    h.tui.destroy();
    h.tui.destroy();
    const out = h.written();
    expect(out).toContain('\x1b[?1049l');
    expect(out).toContain('\x1b[?25h');
  });
});

