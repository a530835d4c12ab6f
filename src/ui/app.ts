// The TUI: the chrome (header, status line, `?` overlay: chrome/), the view stack in the main area
// (view-stack.ts), the prompt (prompt.ts) and the key dispatch (key-dispatch.ts), put together. The app
// renders exactly once per `update()` (one frame from the store) and once per handled key; views and panels
// never render, never own timers and never read files, sockets or clocks.
//
// Keys: one handler map from command id (the `bindings` table, config overrides applied). Commands the app
// does not own go to the active view's `command()` first. Enter in a view may return an `open` request:
// the target view is pushed on the stack; Esc pops it. Pause freezes the display (the store keeps filling;
// the views see a frozen snapshot of it until unpaused).
import './term/v8-tuning.js'; // first: V8 young-generation setting before blessed loads
import type { BlockOp, Frame, LatencyWindow, StaticFacts } from '../model/types.js';
import { MAX_REFRESH_MS, MIN_REFRESH_MS, fasterRefresh, nextWindow, slowerRefresh, type Wants } from '../contract.js';
import type { HeatmapColumn, Store } from '../store/store.js';
import type { Binding, CommandId } from './keys.js';
import type { Theme } from './theme.js';
import type { ViewContext, ViewRequest } from './view.js';
import { createScreen, restoreTerminal, screenText } from './term/screen.js';
import type { GlyphMode } from './term/glyphs.js';
import { colorDepth, themeForDepth } from './colors.js';
import { Chrome } from './chrome/chrome.js';
import { headerLine } from './chrome/header.js';
import { statusLine } from './chrome/status.js';
import { tooSmall } from './layout.js';
import { sanitize } from './sanitize.js';
import { ViewStack } from './view-stack.js';
import { Prompt } from './prompt.js';
import { KeyTable, dispatchKeys } from './key-dispatch.js';

export interface TuiOptions {
  store: Store;
  facts: StaticFacts;
  theme: Theme;
  bindings: Binding[];
  refreshMs: number;
  /** In-memory streams for render tests; default process.stdin / process.stdout. */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** terminfo name (default $TERM); cols/rows fix the size (render tests). */
  terminal?: string;
  /** Draw with ASCII only (non-UTF-8 locale, old terminal, --ascii): see term/glyphs.ts. Default unicode. */
  glyphs?: GlyphMode;
  cols?: number;
  rows?: number;
  /** + / - keys; the value is clamped to 250 ms .. 10 s. */
  onRefreshChange(ms: number): void;
  /** Process collection only while a process table is visible. */
  onWantsChange(w: Wants): void;
  onQuit(): void;
}

export interface Tui {
  /** After each store.push: redraw from the store, one render. Does nothing while paused. */
  update(): void;
  /**
   * A note in the status line under `key` (e.g. "sampler: tick failed", "stderr: ..."), shown until the
   * caller clears it with null. Text is sanitised here.
   */
  note(key: string, text: string | null): void;
  /** Idempotent; restores the terminal. */
  destroy(): void;
  /** The current frame as plain text (rows joined by "\n", trailing spaces trimmed). */
  screenshot(): string;
}

/** A read-only view of the store as it was at `count` frames: what a paused display shows. */
export function frozenStore(store: Store, count: number, latest: Frame | null, previous: Frame | null): Store {
  const f = Object.create(store) as Store;
  const lag = (): number => Math.max(0, store.count - count);
  Object.defineProperties(f, {
    count: { get: () => count },
    latest: { value: () => latest },
    previous: { value: () => previous },
    values: {
      value: (name: string, n?: number): Float64Array => {
        const d = lag();
        const all = store.values(name, n == null ? undefined : n + d);
        return all.length > d ? all.slice(0, all.length - d) : new Float64Array(0);
      },
    },
    heatmap: {
      value: (device: string, op: BlockOp): HeatmapColumn[] => {
        const upTo = latest?.atMs ?? -Infinity;
        return store.heatmap(device, op).filter((c) => c.atMs <= upTo);
      },
    },
  });
  return f;
}

export function createTui(opts: TuiOptions): Tui {
  const screen = createScreen({ input: opts.input, output: opts.output, terminal: opts.terminal, cols: opts.cols, rows: opts.rows, glyphs: opts.glyphs });
  const tputColors = (screen as unknown as { tput: { colors: number } }).tput.colors;
  const theme = themeForDepth(opts.theme, colorDepth(process.env, tputColors));
  const store = opts.store;

  // ------------------------------------------------------------------ state
  let destroyed = false;
  let paused = false;
  let frozen: Store | null = null;
  let refreshMs = opts.refreshMs;
  let window: LatencyWindow = '1s';
  const notes = new Map<string, string>();
  let lastWants = '';

  const chrome = new Chrome(screen, theme);
  const help = chrome.help;
  const prompt = new Prompt();
  const keys = new KeyTable(opts.bindings);
  const ctx = (): ViewContext => ({ store: paused && frozen ? frozen : store, theme, window, refreshMs, paused });
  const stack = new ViewStack(chrome.main, ctx, wantsChanged);

  function wantsChanged(): void {
    const w = stack.wants(window);
    const k = JSON.stringify(w);
    if (k !== lastWants) {
      lastWants = k;
      opts.onWantsChange(w);
    }
  }

  // ------------------------------------------------------------------ drawing
  const redraw = (fullViews: boolean): void => {
    if (destroyed) return;
    if (chrome.fitsNot()) {
      screen.render();
      return;
    }
    const cols = chrome.cols;
    const frame = (paused && frozen ? frozen : store).latest();
    chrome.setHeader(headerLine(opts.facts, frame, { refreshMs, paused, view: stack.title(frame), window }, theme, cols));
    if (fullViews) {
      stack.top.view.update(ctx());
      wantsChanged(); // the cursor may have moved (keys, new rows)
    }
    chrome.setStatus(
      statusLine(frame, { paused, prompt: prompt.shown, notes: [...notes.values()], helpKey: keys.label('help', '?'), quitKey: keys.label('quit', 'q') }, theme, cols),
    );
    help.draw(opts.bindings, theme, cols);
    screen.render();
  };

  // ------------------------------------------------------------------ commands
  const handlers: Partial<Record<CommandId, () => void>> = {
    quit: () => opts.onQuit(),
    help: () => help.toggle(),
    pause: () => {
      paused = !paused;
      frozen = paused ? frozenStore(store, store.count, store.latest(), store.previous()) : null;
    },
    faster: () => setRefresh(fasterRefresh(refreshMs)),
    slower: () => setRefresh(slowerRefresh(refreshMs)),
    window: () => {
      window = nextWindow(window);
      wantsChanged(); // per-container latency is computed for the window shown
    },
    containers: () => stack.switchTo('containers'),
    processes: () => stack.switchTo('processes'),
    latency: () => stack.switchTo('latency'),
    overview: () => stack.switchTo('overview'),
    back: () => {
      const r = stack.top.view.command('back', ctx());
      if (r) apply(r);
      else stack.pop();
    },
  };

  function setRefresh(ms: number): void {
    const v = Math.max(MIN_REFRESH_MS, Math.min(MAX_REFRESH_MS, Math.round(ms)));
    if (v === refreshMs) return;
    refreshMs = v;
    opts.onRefreshChange(v);
  }

  function apply(r: ViewRequest): void {
    if (r.kind === 'open') stack.push(r.view, r.target);
    else if (r.kind === 'prompt') prompt.open(r.label, r.onSubmit);
  }

  const run = (cmd: CommandId): void => {
    if (help.visible) {
      // The overlay takes the keys: close it, scroll it, or quit.
      if (!help.command(cmd) && cmd === 'quit') return opts.onQuit();
      redraw(false);
      return;
    }
    const h = handlers[cmd];
    if (h) {
      h();
    } else {
      const r = stack.top.view.command(cmd, ctx());
      if (r) apply(r);
    }
    if (!destroyed) redraw(true);
  };

  dispatchKeys(screen, {
    keys,
    prompt,
    tooSmall: () => tooSmall(chrome.cols, chrome.rows),
    run,
    quit: () => opts.onQuit(),
    redraw: () => redraw(true),
    closed: () => destroyed,
  });
  screen.on('resize', () => redraw(true));

  // ------------------------------------------------------------------ start
  stack.push('overview', '');
  redraw(true);

  return {
    update(): void {
      if (destroyed || paused) return;
      redraw(true);
    },
    note(key: string, text: string | null): void {
      if (destroyed) return;
      const before = notes.get(key);
      if (text === null) notes.delete(key);
      else notes.set(key, sanitize(text, 300));
      if (notes.get(key) !== before) redraw(false);
    },
    destroy(): void {
      if (destroyed) return;
      destroyed = true;
      try {
        stack.unmountAll();
        screen.destroy();
      } finally {
        restoreTerminal(opts.output ?? process.stdout);
      }
    },
    screenshot: () => screenText(screen),
  };
}
