// Alerts in the TUI: the board evaluated per frame (pending, firing after `for`, resolved), the header badge
// while something fires, the alerts view (`a`) with active instances and the history newest first, hostile
// label text drawn harmless; and which latency windows the sampler must compute for container rules.
import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { createTui, type Tui } from '../../src/ui/app.js';
import { AlertBoard } from '../../src/export/alert-board.js';
import { parseConfig } from '../../src/config/config.js';
import { alertsSummary } from '../../src/ui/alerts-summary.js';
import { alertLines, subject } from '../../src/ui/views/alerts.js';
import { Store } from '../../src/store/store.js';
import type { Frame } from '../../src/model/types.js';
import { facts, keyTable, makeFrame, theme } from './ui-frames.js';
import { loadTheme } from '../../src/config/themes.js';

const open: Tui[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.destroy();
});

const CONFIG = `
[[alert]]
name = "BusyHost"
expr = "host.cpu.percent > 50"
for = "2s"
severity = "critical"

[[alert]]
name = "HotContainer"
expr = "container.cpu_percent > 80"

[[alert]]
name = "SlowContainerIO"
expr = "container.io.write.p99 > 20ms"
window = "10s"
`;

function frameAt(i: number, cpu: number, containers: { name: string; cpu: number }[] = []): Frame {
  const f = makeFrame(i + 1);
  f.wallMs = 1_700_000_000_000 + i * 1000;
  f.host.cpu.percent = cpu;
  f.containers = {
    daemon: { state: 'ok', attempt: 0, endpoint: null, runtime: 'docker' },
    containers: containers.map((c, k) => ({
      id: `${String(k).repeat(12)}${'f'.repeat(52)}`, name: c.name, image: 'img', runtime: 'docker', state: 'running', cpuPercent: c.cpu, cpuUserPercent: null,
      cpuSystemPercent: null, cpuLimitCores: null, cpuOfLimitPercent: null, memoryUsedBytes: 1, memoryLimitBytes: null, memoryPercent: null, netRxBytesPerSec: null,
      netTxBytesPerSec: null, blockReadBytesPerSec: null, blockWriteBytesPerSec: null, pids: 1, throttledPercent: null, oomKills: null, pressure: null, labels: {},
      composeProject: null, composeService: null, hostNetwork: false, source: 'cgroup-v1', blockSource: 'cgroup-v1', error: null,
    })),
  };
  return f;
}

function tui(store: Store, board: AlertBoard): Tui {
  const output = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { columns: 120, rows: 30 });
  const t = createTui({
    store, facts, theme, bindings: keyTable, refreshMs: 1000, input: new PassThrough(), output, terminal: 'xterm-256color', cols: 120, rows: 30,
    onRefreshChange: () => {}, onWantsChange: () => {}, onQuit: () => {}, alerts: board,
  });
  open.push(t);
  return t;
}

describe('alerts in the TUI', () => {
  it('pending, firing after `for`, resolved: header badge and the alerts view with history', async () => {
    const board = new AlertBoard(parseConfig(CONFIG).alerts);
    const store = new Store(50);
    const t = tui(store, board);
    const hostile = 'evil\x1b]0;pwned\x07{red-fg}name';
    const push = (f: Frame): void => {
      store.push(f);
      board.onFrame(f);
      t.update();
    };
    push(frameAt(0, 90, [{ name: hostile, cpu: 95 }]));
    // HotContainer has no `for`: firing at once; BusyHost pending for 2 s.
    expect(board.active().map((a) => `${a.rule}:${a.state}`)).toEqual(['HotContainer:firing', 'BusyHost:pending']);
    expect(t.screenshot().split('\n')[0]).toContain('ALERT 1: HotContainer');
    push(frameAt(1, 90));
    push(frameAt(2, 90));
    expect(board.firing().map((a) => a.rule)).toEqual(['BusyHost']);
    expect(t.screenshot().split('\n')[0]).toContain('ALERT 1: BusyHost');
    // The alerts view's lines.
    const text = alertLines(board, loadTheme('mono'), 118).join('\n');
    expect(text).toMatch(/Active: 1 firing, 0 pending/);
    expect(text).toMatch(/FIRING\s+BusyHost\s+critical\s+host\s+90%/);
    expect(text).toMatch(/History: 5 transitions, newest first/);
    const hist = text.split('\n').slice(text.split('\n').findIndex((l) => l.includes('History')) + 2);
    expect(hist[0]).toMatch(/BusyHost\s+pending -> firing/);
    expect(hist.some((l) => /HotContainer\s+firing -> resolved\s+container=evil/.test(l))).toBe(true);
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\x07');
    // The CPU drops: resolved, the badge goes.
    push(frameAt(3, 10));
    expect(board.firing()).toHaveLength(0);
    expect(t.screenshot().split('\n')[0]).not.toContain('ALERT');
    expect(board.history().at(-1)).toMatchObject({ rule: 'BusyHost', from: 'firing', to: 'resolved' });
  });

  it('the `a` key opens the alerts view', async () => {
    const board = new AlertBoard(parseConfig(CONFIG).alerts);
    const store = new Store(10);
    const input = new PassThrough();
    const output = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { columns: 120, rows: 30 });
    const t = createTui({
      store, facts, theme, bindings: keyTable, refreshMs: 1000, input, output, terminal: 'xterm-256color', cols: 120, rows: 30,
      onRefreshChange: () => {}, onWantsChange: () => {}, onQuit: () => {}, alerts: board,
    });
    open.push(t);
    const f = frameAt(0, 95);
    store.push(f);
    board.onFrame(f);
    t.update();
    input.write('a');
    await new Promise((r) => setTimeout(r, 20));
    const shot = t.screenshot();
    expect(shot.split('\n')[0]).toContain('view alerts');
    expect(shot).toMatch(/Active: 0 firing, 1 pending/);
    expect(shot).toMatch(/PENDING\s+BusyHost/);
  });

  it('without rules the view says where to write them; no badge', () => {
    const board = new AlertBoard([]);
    expect(alertLines(board, theme, 100).join('\n')).toMatch(/No \[\[alert\]\] rules/);
    expect(alertsSummary(board)).toBeNull();
    expect(alertsSummary(undefined)).toBeNull();
  });

  it('container latency rules ask the sampler for their window for every container', () => {
    expect(new AlertBoard(parseConfig(CONFIG).alerts).containerLatencyWindows()).toEqual(['10s']);
    expect(new AlertBoard(parseConfig('[[alert]]\nname = "a"\nexpr = "disk.write.p99 > 1ms"\n').alerts).containerLatencyWindows()).toEqual([]);
  });

  it('names what an instance is about by its labels', () => {
    expect(subject({})).toBe('host');
    expect(subject({ device: 'sda' })).toBe('device=sda');
    expect(subject({ container: 'web', id: 'abc', image: 'x', runtime: 'docker' })).toBe('container=web id=abc');
  });
});
