#!/usr/bin/env node
// One `tailtop replay` session in this (fresh) process, as the user sees it, for bench/time-travel.mjs
// --store: the recording opened as the CLI opens it (src/replay/cli.ts openRecording: reader, Replay, the
// jump to --at), the TUI created over an in-memory 160x50 terminal with that recording (its first frame is
// drawn when createTui returns), the warm-up the CLI starts then (Replay.warmUp, when the build has one),
// `--idle MS` of nothing (the user looks at the screen), then `--keys N` jumps typed at the `g` prompt: each
// timed from the Enter key to the redrawn screen (the jump and the render it causes, both synchronous in
// the key's handler: a setImmediate after writing the key runs once they are done).
// --history: the monitor's history instead (`tailtop --record`: openRecording with a live store, here an empty
// one, and no jump at the open; the first key is then the process's first jump).
//   node bench/replay-session.mjs --store DIR --root DIR --at EPOCH_S --targets S1,S2,... [--idle 1000] [--history]
// Prints one JSON line: { importMs, openMs, drawMs, warm, keys: [ms...], jumps: [the Replay.jump part of each key, ms], loadavg }.
import { PassThrough, Writable } from 'node:stream';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { args, opt, root } from './cli-args.mjs';

const dir = opt('store', null);
const at = opt('at', null);
const targets = String(opt('targets', '')).split(',').filter(Boolean);
const IDLE = Number(opt('idle', '1000'));
const HISTORY = args.includes('--history');
if (!dir || !at || targets.length === 0) throw new Error('replay-session.mjs: --store, --at and --targets are needed');
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const tick = () => new Promise((r) => setImmediate(r));

const i0 = performance.now();
const { openRecording } = await dist('replay/cli.js');
const { createTui } = await dist('ui/app.js');
const { defaultTheme } = await dist('config/themes.js');
const { bindings } = await dist('ui/keys.js');
const { Store } = await dist('store/store.js');
const importMs = performance.now() - i0;

const o0 = performance.now();
const rec = await openRecording({ dir, version: 'bench', showAllDisks: false, ...(HISTORY ? { live: new Store(300) } : { at }) });
const openMs = performance.now() - o0;

const output = new Writable({ write: (_c, _e, cb) => cb() });
Object.assign(output, { isTTY: true, columns: 160, rows: 50 });
const input = new PassThrough();
Object.assign(input, { isTTY: true, setRawMode: () => input });
const d0 = performance.now();
const tui = createTui({
  store: rec.travel.store,
  facts: rec.facts,
  theme: defaultTheme(),
  bindings: bindings(),
  refreshMs: rec.intervalMs,
  input,
  output,
  terminal: 'xterm-256color',
  cols: 160,
  rows: 50,
  onRefreshChange: () => {},
  onWantsChange: (w) => rec.replay.setView({ latencyWindow: w.latencyWindow ?? '1s', containerId: w.containerId }),
  onQuit: () => {},
  timeTravel: rec.travel,
});
const drawMs = performance.now() - d0;
// what src/cli.ts does once the first frame is drawn (a build without warmUp: nothing)
let warm = typeof rec.replay.warmUp === 'function' ? 'running' : 'none';
rec.replay.warmUp?.().then((done) => (warm = done ? 'done' : 'stopped by the first key'));
await new Promise((r) => setTimeout(r, IDLE));
const warmAtKey = warm;

// the jump's own part of each key (the rest: the prompt, the view's update and the render)
const jumps = [];
const jump = rec.replay.jump.bind(rec.replay);
rec.replay.jump = (t) => {
  const j0 = performance.now();
  try {
    return jump(t);
  } finally {
    jumps.push(performance.now() - j0);
  }
};
const keys = [];
for (const t of targets) {
  input.write('g');
  await tick();
  input.write(t);
  await tick();
  const k0 = performance.now();
  input.write('\r');
  await tick();
  keys.push(performance.now() - k0);
  const got = rec.replay.current?.set.wallMs ?? NaN;
  if (!(got <= Number(t) * 1000 && got > Number(t) * 1000 - 60_000)) throw new Error(`the jump to ${t} shows ${got}`);
}
tui.destroy();
rec.close();
process.stdout.write(`${JSON.stringify({ importMs, openMs, drawMs, warm: warmAtKey, keys, jumps, loadavg: loadavg()[0] })}\n`);
process.exit(0);
