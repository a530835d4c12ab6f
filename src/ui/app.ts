// The TUI: the chrome (header, status line, `?` overlay: chrome/), the view stack in the main area
// (view-stack.ts), the prompt (prompt.ts) and the key dispatch (key-dispatch.ts), put together. The app
// renders exactly once per `update()` (one frame from the store) and once per handled key; views and panels
// never render, never own timers and never read files, sockets or clocks.
//
// Keys: one handler map from command id (the `bindings` table, config overrides applied). Commands the app
// does not own go to the active view's `command()` first. Enter in a view may return an `open` request:
// the target view is pushed on the stack; Esc pops it. Pause freezes the display (the store keeps filling;
// the views see a frozen copy of it, store.freeze(), until unpaused). With a recording (`timeTravel`), the
// time keys step and jump through it and `w` also offers the store's long windows.
import './term/v8-tuning.js'; // first: V8 young-generation setting before blessed loads
import './term/v8-tiering.js'; // and how soon V8 optimises: the monitor's tick runs once a second
import type { LatencyWindow, StaticFacts } from '../model/types.js';
import { LATENCY_WINDOWS, MAX_REFRESH_MS, MIN_REFRESH_MS, fasterRefresh, slowerRefresh, type Wants } from '../contract.js';
import type { FreezableStore, ReadStore } from '../store/read-store.js';
import type { Binding, CommandId } from './keys.js';
import type { Theme } from './theme.js';
import type { ViewContext, ViewRequest } from './view.js';
import { createScreen, restoreTerminal, screenText } from './term/screen.js';
import type { GlyphMode } from './term/glyphs.js';
import { themeForScreen } from './colors.js';
import { Chrome } from './chrome/chrome.js';
import { headerLine } from './chrome/header.js';
import { statusLine } from './chrome/status.js';
import { tooSmall } from './layout.js';
import { sanitize } from './sanitize.js';
import { ViewStack } from './view-stack.js';
import { Prompt } from './prompt.js';
import { KeyTable, dispatchKeys } from './key-dispatch.js';
import { createAlertsView } from './views/alerts.js';
import { alertsSummary, NO_ALERTS } from './alerts-summary.js';
import type { AlertReader } from '../export/alert-board.js';
import { STORE_WINDOWS, TIME_COMMANDS, type StoreWindow, type TimeTravelControl } from './time-travel.js';

export interface TuiOptions {
  store: FreezableStore;
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
  /** The alert rules at work (header: firing alerts; the alerts view). */
  alerts?: AlertReader;
  /** A recording to travel in (`tailtop replay`, or a live monitor with a store): time keys, marker, store windows. */
  timeTravel?: TimeTravelControl;
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

const NO_STORE = 'no recording here: use `tailtop replay`, or start the monitor with --record';

export function createTui(opts: TuiOptions): Tui {
  const screen = createScreen({ input: opts.input, output: opts.output, terminal: opts.terminal, cols: opts.cols, rows: opts.rows, glyphs: opts.glyphs });
  const theme = themeForScreen(opts.theme, screen);
  const store = opts.store;

  // ------------------------------------------------------------------ state
  let destroyed = false;
  let paused = false;
  let frozen: ReadStore | null = null;
  let refreshMs = opts.refreshMs;
  let window: LatencyWindow | StoreWindow = '1s';
  const tt = opts.timeTravel ?? null;
  const windows: readonly (LatencyWindow | StoreWindow)[] = tt ? [...LATENCY_WINDOWS, ...STORE_WINDOWS] : LATENCY_WINDOWS;
  const notes = new Map<string, string>();
  /** A one-off answer to a key (time travel): shown until the next key. */
  let message: string | null = null;
  let lastWants = '';

  const chrome = new Chrome(screen, theme);
  const help = chrome.help;
  const prompt = new Prompt();
  const keys = new KeyTable(opts.bindings);
  const ctx = (): ViewContext => {
    const s = paused && frozen ? frozen : store;
    if (!(STORE_WINDOWS as readonly string[]).includes(window) || !tt) return { store: s, theme, window: window as LatencyWindow, refreshMs, paused };
    // A store window: the views read it like any other window of the frame (its figures from the store).
    const w = window as StoreWindow;
    const fig = tt.storeWindow(w);
    const withWindow = (f: ReturnType<ReadStore['latest']>): ReturnType<ReadStore['latest']> =>
      f && f.latency?.active && fig ? { ...f, latency: { ...f.latency, windows: { ...f.latency.windows, [w]: fig } } } : f;
    const view: ReadStore = {
      latest: () => withWindow(s.latest()),
      previous: () => s.previous(),
      get count() {
        return s.count;
      },
      values: (name, n) => s.values(name, n),
      heatmap: (d, op) => s.heatmap(d, op),
      seriesCount: () => s.seriesCount(),
    };
    return { store: view, theme, window: w as unknown as LatencyWindow, refreshMs, paused };
  };
  const stack = new ViewStack(chrome.main, ctx, wantsChanged, { alerts: () => createAlertsView(opts.alerts ?? NO_ALERTS) });

  /** The window the frames compute per-container latency for (a store window's figures come from the store). */
  function liveWindow(): LatencyWindow {
    return (LATENCY_WINDOWS as readonly string[]).includes(window) ? (window as LatencyWindow) : '5m';
  }

  function wantsChanged(): void {
    const w = stack.wants(liveWindow());
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
    chrome.setHeader(headerLine(opts.facts, frame, { refreshMs, paused, view: stack.title(frame), window, alerts: alertsSummary(opts.alerts), mode: tt?.marker() ?? null }, theme, cols));
    if (fullViews) {
      stack.top.view.update(ctx());
      wantsChanged(); // the cursor may have moved (keys, new rows)
    }
    chrome.setStatus(
      statusLine(frame, { paused, prompt: prompt.shown, notes: message ? [message, ...notes.values()] : [...notes.values()], helpKey: keys.label('help', '?'), quitKey: keys.label('quit', 'q') }, theme, cols),
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
      frozen = paused ? store.freeze() : null;
    },
    faster: () => setRefresh(fasterRefresh(refreshMs)),
    slower: () => setRefresh(slowerRefresh(refreshMs)),
    window: () => {
      window = windows[(windows.indexOf(window) + 1) % windows.length]!;
      wantsChanged(); // per-container latency is computed for the window shown
    },
    jump: () => {
      if (!tt) return void (message = NO_STORE);
      prompt.open('jump to (ISO 8601, HH:MM[:SS], -2h, epoch s): ', (text) => void (message = tt.jumpTo(text)));
    },
    ...Object.fromEntries(TIME_COMMANDS.map((cmd) => [cmd, () => void (message = tt ? tt.command(cmd) : NO_STORE)])),
    containers: () => stack.switchTo('containers'),
    processes: () => stack.switchTo('processes'),
    latency: () => stack.switchTo('latency'),
    overview: () => stack.switchTo('overview'),
    alerts: () => stack.switchTo('alerts'),
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
    message = null;
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
