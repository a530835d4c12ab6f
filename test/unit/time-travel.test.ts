// The TUI's time travel over a real store file: the replay controller (marker, step/jump commands, typed
// times, store windows merged from the roll-ups), history in a live monitor (back keys switch to the
// recording, `live` returns), and the app's keys, header marker and `w` windows through createTui.
import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { StoreReader } from '../../src/record/reader.js';
import { intervalEndWallMs } from '../../src/record/rollup.js';
import { Store } from '../../src/store/store.js';
import { FrameMaker } from '../../src/store/frame-maker.js';
import { Replay } from '../../src/replay/replay.js';
import { recordedTime, TimeTravel } from '../../src/replay/time-travel.js';
import { createTui, type Tui } from '../../src/ui/app.js';
import { facts, keyTable, theme } from './ui-frames.js';
import { recordSets, samples, tempDirs } from './record-helpers.js';
import { key } from '../../src/store/store.js';

const tmp = tempDirs();
const START = Date.UTC(2026, 0, 1, 10, 0, 0);
const OPTS = { showAllDisks: false, clockTicks: 100, view: { latencyWindow: '1s' as const, containerId: null } };
const tuis: Tui[] = [];
const readers: StoreReader[] = [];
afterEach(() => {
  for (const t of tuis.splice(0)) t.destroy();
  for (const r of readers.splice(0)) r.close();
});

async function recording(n: number) {
  const dir = tmp();
  const sets = samples(n, { seed: 21, containers: 3, processes: 5, startWallMs: START });
  await recordSets(dir, sets);
  const reader = StoreReader.open(dir);
  readers.push(reader);
  return { sets, reader };
}

describe('time travel controller', () => {
  it('replay: marker with the recorded time, steps, typed jumps (clamped, bad ones named), store windows', async () => {
    const { sets, reader } = await recording(1500);
    const replay = new Replay(reader, { frame: { ...OPTS } });
    const now = START + 6_000_000;
    const tt = new TimeTravel(reader, replay, { kind: 'replay', now: () => now });
    replay.jump(sets[1000]!.wallMs);
    expect(tt.marker()).toBe(`REPLAY ${recordedTime(sets[1000]!.wallMs)}`);
    expect(tt.command('stepForward')).toBeNull();
    expect(replay.current!.seq).toBe(1002);
    expect(tt.command('minuteBack')).toBeNull();
    expect(replay.current!.set.wallMs).toBe(sets[941]!.wallMs);
    expect(tt.command('hourForward')).toBe(null); // clamped to the end
    expect(replay.current!.seq).toBe(1500);
    expect(tt.command('stepForward')).toBe('the end of the recording');
    expect(tt.command('play')).toBe('playing at 1x');
    expect(tt.marker()).toMatch(/ play 1x$/);
    expect(tt.command('play')).toBe('paused');
    expect(tt.jumpTo('soon')).toMatch(/^jump: "soon" is not a time: use ISO 8601/);
    expect(tt.jumpTo(new Date(START - 3_600_000).toISOString())).toBe(`the recording starts at ${recordedTime(sets[0]!.wallMs)}`);
    expect(replay.current!.seq).toBe(1);
    expect(tt.jumpTo(String((START + 600_000) / 1000))).toBeNull();
    expect(replay.current!.set.wallMs).toBe(sets[599]!.wallMs);
    expect(tt.jumpTo('-95m')).toBeNull(); // now - 95 min = START + 5 min
    expect(Math.abs(replay.current!.set.wallMs - (START + 300_000))).toBeLessThanOrEqual(1000);
    // the 15-minute store window: the intervals that ended in the 15 minutes before the time on screen
    replay.jump(sets[1400]!.wallMs);
    const at = sets[1400]!.wallMs;
    const w = tt.storeWindow('15m')!;
    let writes = 0;
    for (const s of sets)
      for (const iv of s.latency?.intervals ?? []) {
        const end = intervalEndWallMs(s.wallMs, s.latency!, iv);
        if (end > at - 900_000 && end <= at) for (const b of iv.block) if (b.op === 'write') writes += b.count;
      }
    expect(writes).toBeGreaterThan(0);
    expect(w.block.filter((b) => b.op === 'write').reduce((a, b) => a + b.count, 0)).toBe(writes);
    expect(tt.storeWindow('15m')).toBe(w); // cached until the time on screen moves on
  });

  it('history: live until a back key, then the recording; live again with `live`', async () => {
    const { sets, reader } = await recording(400);
    const live = new Store(300);
    const maker = new FrameMaker({ ...OPTS });
    for (const s of sets) live.push(maker.next(s));
    const replay = new Replay(reader, { frame: { ...OPTS } });
    const tt = new TimeTravel(reader, replay, { kind: 'history', live, now: () => sets[399]!.wallMs + 500 });
    expect(tt.marker()).toBeNull();
    expect(tt.store.latest()).toBe(live.latest());
    expect(tt.command('stepForward')).toBe('live: go back first (one interval, a minute or an hour)');
    expect(tt.command('live')).toBe('already live');
    expect(tt.command('minuteBack')).toBeNull();
    expect(tt.marker()).toBe(`HISTORY ${recordedTime(sets[339]!.wallMs)}`);
    expect(tt.store.latest()!.wallMs).toBe(sets[339]!.wallMs);
    // graphs from the recording: 300 values back from there, as the live store held them then
    expect(tt.store.values(key.hostCpu).length).toBe(300);
    expect(tt.command('live')).toBe('live');
    expect(tt.marker()).toBeNull();
    expect(tt.store.latest()).toBe(live.latest());
  });
});

describe('the TUI with a recording', () => {
  it('header marker, step keys and the store windows of w', async () => {
    const { sets, reader } = await recording(900);
    const replay = new Replay(reader, { frame: { ...OPTS } });
    const tt = new TimeTravel(reader, replay, { kind: 'replay', now: () => START + 3_600_000 });
    replay.jump(sets[800]!.wallMs);
    const input = new PassThrough();
    const output = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { columns: 120, rows: 40 });
    const tui = createTui({
      store: tt.store, facts, theme, bindings: keyTable, refreshMs: 1000, input, output, terminal: 'xterm-256color', cols: 120, rows: 40,
      onRefreshChange: () => {}, onWantsChange: (w) => replay.setView({ latencyWindow: w.latencyWindow, containerId: w.containerId }), onQuit: () => {}, timeTravel: tt,
    });
    tuis.push(tui);
    const press = async (k: string): Promise<void> => {
      input.write(k);
      await new Promise((r) => setTimeout(r, 5));
    };
    const header = (): string => tui.screenshot().split('\n')[0]!;
    expect(header()).toContain(`REPLAY ${recordedTime(sets[800]!.wallMs)}`);
    await press('.');
    expect(header()).toContain(`REPLAY ${recordedTime(sets[801]!.wallMs)}`);
    await press(',');
    await press(',');
    expect(header()).toContain(`REPLAY ${recordedTime(sets[799]!.wallMs)}`);
    await press('[');
    expect(header()).toContain(`REPLAY ${recordedTime(sets[739]!.wallMs)}`);
    await press('g');
    expect(tui.screenshot()).toContain('jump to');
    await press(`${String((START + 120_000) / 1000)}\r`);
    expect(header()).toContain(`REPLAY ${recordedTime(sets[119]!.wallMs)}`);
    // latency view: w cycles 1s 10s 1m 5m 15m 1h ...
    await press('l');
    for (let k = 0; k < 4; k++) await press('w');
    expect(tui.screenshot()).toContain('Tail latency (window 15m)');
    await press('w');
    expect(tui.screenshot()).toContain('Tail latency (window 1h)');
    await press('w');
    await press('w');
    await press('w');
    expect(tui.screenshot()).toContain('Tail latency (window 1s)');
  });

  it('without a recording the time keys say so', async () => {
    const input = new PassThrough();
    const output = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { columns: 120, rows: 40 });
    const tui = createTui({ store: new Store(10), facts, theme, bindings: keyTable, refreshMs: 1000, input, output, terminal: 'xterm-256color', cols: 120, rows: 40, onRefreshChange: () => {}, onWantsChange: () => {}, onQuit: () => {} });
    tuis.push(tui);
    input.write(',');
    await new Promise((r) => setTimeout(r, 5));
    expect(tui.screenshot()).toContain('no recording here: use `tailtop replay`, or start the monitor with --record');
    for (let k = 0; k < 4; k++) input.write('w');
    await new Promise((r) => setTimeout(r, 5));
  });
});
