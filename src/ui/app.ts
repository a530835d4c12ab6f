// The TUI: header, the active view in the main area, status line, the `?` help overlay and the key
// dispatch. The app renders exactly once per `update()` (one frame from the store) and once per handled key;
// views and panels never render, never own timers and never read files, sockets or clocks.
//
// Keys: one handler map from command id (the `bindings` table, config overrides applied). Commands the app
// does not own go to the active view's `command()` first. Enter in a view may return an `open` request:
// the target view is pushed on a stack; Esc pops it. Pause freezes the display (the store keeps filling;
// the views see a frozen snapshot of it until unpaused).
import './term/v8-tuning.js'; // first: V8 young-generation setting before blessed loads
import blessed from 'blessed';
import type { BlockOp, Frame, LatencyWindow, StaticFacts } from '../model/types.js';
import { MAX_REFRESH_MS, MIN_REFRESH_MS, fasterRefresh, nextWindow, slowerRefresh, type Wants } from '../contract.js';
import type { HeatmapColumn, Store } from '../store/store.js';
import type { Binding, CommandId } from './keys.js';
import type { Theme, ThemeKey } from './theme.js';
import type { View, ViewContext, ViewId, ViewRequest } from './view.js';
import { createScreen, restoreTerminal } from './term/screen.js';
import { container } from './term/blessed-patches.js';
import { cellText } from './term/cell-text.js';
import { colorDepth, themeForDepth } from './colors.js';
import { headerLine } from './chrome/header.js';
import { statusLine } from './chrome/status.js';
import { helpLines, keyLabel } from './chrome/help.js';
import { MIN_COLS, MIN_ROWS, tooSmall } from './layout.js';
import { fit } from './format.js';
import { sanitize } from './sanitize.js';
import type { GlyphMode } from './term/glyphs.js';
import { createOverviewView } from './views/overview.js';
import { createContainersView } from './views/containers.js';
import { createContainerView } from './views/container.js';
import { createProcessesView } from './views/processes.js';
import { createLatencyView } from './views/latency.js';
import { createDiskView } from './views/disk.js';

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

type Factory = (target: string) => View;

// Views by id; `target` is the container id, disk name, or '' (processes: '' = the whole host).
const FACTORIES: Partial<Record<ViewId, Factory>> = {
  overview: () => createOverviewView(),
  containers: () => createContainersView(),
  container: (id) => createContainerView(id),
  processes: (id) => createProcessesView(id || undefined),
  latency: () => createLatencyView(),
  disk: (name) => createDiskView(name),
};

/** Override or add view factories (tests, and views that are optional). */
export function registerView(id: ViewId, factory: Factory): void {
  FACTORIES[id] = factory;
}

interface Entry {
  view: View;
  box: blessed.Widgets.BoxElement;
  target: string;
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
  const c = (k: ThemeKey): string | undefined => (theme.mono ? undefined : theme.colors[k]);
  const store = opts.store;

  // ------------------------------------------------------------------ state
  let destroyed = false;
  let paused = false;
  let frozen: Store | null = null;
  let refreshMs = opts.refreshMs;
  let window: LatencyWindow = '1s';
  let helpVisible = false;
  let prompt: { label: string; text: string; onSubmit: (text: string) => void } | null = null;
  let message: string | null = null;
  const notes = new Map<string, string>();
  let lastWants = '';

  // ------------------------------------------------------------------ widgets (created once, reused)
  const bg = c('main_bg');
  const base = { fg: c('main_fg'), bg: bg === 'default' ? undefined : bg };
  const header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false, style: { ...base } } as blessed.Widgets.BoxOptions);
  const main = blessed.box({ parent: screen, top: 1, left: 0, width: '100%', height: '100%-2', style: { ...base } });
  // `main` only holds the view boxes, which always cover it whole: it need not paint its own cells every
  // frame (that repaint marked every line dirty and made blessed re-diff the whole screen).
  container(main);
  const status = blessed.box({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false, style: { fg: c('status_fg'), bg: base.bg } } as blessed.Widgets.BoxOptions);
  const headerText = cellText(header);
  const statusText = cellText(status);
  const help = blessed.box({
    parent: screen,
    top: 0,
    left: 0,
    width: '100%',
    height: '100%',
    border: { type: 'line' },
    label: ' Help: keys (? or Esc closes) ',
    tags: true,
    wrap: false,
    hidden: true,
    scrollable: true,
    style: { ...base, bg: base.bg ?? (theme.mono ? undefined : 'black'), border: { fg: c('focus_fg') }, label: { fg: c('title'), bold: true } },
  } as blessed.Widgets.BoxOptions);
  const small = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: '100%', tags: false, wrap: true, hidden: true });

  // ------------------------------------------------------------------ keys
  const keyMap = new Map<string, CommandId>();
  for (const b of opts.bindings) for (const k of b.keys) if (!keyMap.has(k)) keyMap.set(k, b.command);
  const firstKey = (cmd: CommandId, fallback: string): string => {
    const k = opts.bindings.find((b) => b.command === cmd)?.keys[0];
    return k ? keyLabel(k) : fallback;
  };

  // ------------------------------------------------------------------ view stack
  const stack: Entry[] = [];
  const ctx = (): ViewContext => ({ store: paused && frozen ? frozen : store, theme, window, refreshMs, paused });
  const top = (): Entry => stack[stack.length - 1]!;

  const push = (id: ViewId, target: string): boolean => {
    const factory = FACTORIES[id];
    if (!factory) {
      message = `the ${id} view is not available in this build`;
      return false;
    }
    const prev = stack[stack.length - 1];
    const box = blessed.box({ parent: main, top: 0, left: 0, width: '100%', height: '100%' });
    const view = factory(target);
    stack.push({ view, box, target });
    prev?.box.hide();
    view.mount(box, ctx());
    wantsChanged();
    return true;
  };

  const pop = (): void => {
    if (stack.length <= 1) return;
    const e = stack.pop()!;
    e.view.unmount();
    e.box.destroy();
    top().box.show();
    wantsChanged();
  };

  const switchTo = (id: ViewId): void => {
    // The overview is the root; c/p/l replace whatever is above it.
    if (top().view.id === id && (id !== 'processes' || top().target === '')) return;
    while (stack.length > 1) pop();
    if (id !== 'overview') push(id, '');
  };

  function wantsChanged(): void {
    const t = stack[stack.length - 1];
    const cursorContainerId = t?.view.cursorContainerId?.() ?? null;
    const w =
      t?.view.id === 'processes' || t?.view.id === 'container'
        ? { processes: true, containerId: t.target || null, cursorContainerId, latencyWindow: window }
        : { processes: false, containerId: null, cursorContainerId, latencyWindow: window };
    const k = JSON.stringify(w);
    if (k !== lastWants) {
      lastWants = k;
      opts.onWantsChange(w);
    }
  }

  // ------------------------------------------------------------------ drawing
  const redraw = (fullViews: boolean): void => {
    if (destroyed) return;
    const cols = Number(screen.width) || 0;
    const rows = Number(screen.height) || 0;
    if (tooSmall(cols, rows)) {
      header.hide();
      main.hide();
      status.hide();
      help.hide();
      const msg = `terminal too small (need ${MIN_COLS}x${MIN_ROWS})`;
      const parts = msg.length <= cols ? [msg] : ['terminal too small', `(need ${MIN_COLS}x${MIN_ROWS})`];
      const center = (s: string): string => fit(' '.repeat(Math.max(0, Math.floor((cols - s.length) / 2))) + s, cols);
      small.setContent(['', ...parts.map(center)].join('\n'));
      small.show();
      screen.render();
      return;
    }
    small.hide();
    header.show();
    main.show();
    status.show();
    const frame = (paused && frozen ? frozen : store).latest();
    const t = top();
    // A container is named, not shown by its 64-hex id.
    const target =
      t.view.id === 'container' ? (frame?.containers?.containers.find((c) => c.id === t.target)?.name ?? t.target.slice(0, 12)) : t.target;
    const viewName = target ? `${t.view.id} ${sanitize(target, 80)}` : t.view.id;
    headerText.set([headerLine(opts.facts, frame, { refreshMs, paused, view: viewName, window }, theme, cols)]);
    if (fullViews) {
      t.view.update(ctx());
      wantsChanged(); // the cursor may have moved (keys, new rows)
    }
    statusText.set([
      statusLine(
        frame,
        { paused, prompt: prompt ? { label: prompt.label, text: prompt.text } : null, message, notes: [...notes.values()], helpKey: firstKey('help', '?'), quitKey: firstKey('quit', 'q') },
        theme,
        cols,
      ),
    ]);
    if (helpVisible) {
      help.setContent(helpLines(opts.bindings, theme, cols - 2).join('\n'));
      help.show();
      help.setFront();
    } else if (!help.hidden) help.hide();
    screen.render();
  };

  // ------------------------------------------------------------------ commands
  const handlers: Partial<Record<CommandId, () => void>> = {
    quit: () => opts.onQuit(),
    help: () => {
      helpVisible = !helpVisible;
      help.setScroll(0);
    },
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
    containers: () => switchTo('containers'),
    processes: () => switchTo('processes'),
    latency: () => switchTo('latency'),
    overview: () => switchTo('overview'),
    back: () => {
      const r = top().view.command('back', ctx());
      if (r) apply(r);
      else pop();
    },
  };

  function setRefresh(ms: number): void {
    const v = Math.max(MIN_REFRESH_MS, Math.min(MAX_REFRESH_MS, Math.round(ms)));
    if (v === refreshMs) return;
    refreshMs = v;
    opts.onRefreshChange(v);
  }

  function apply(r: ViewRequest): void {
    if (r.kind === 'open') push(r.view, r.target);
    else if (r.kind === 'prompt') prompt = { label: r.label, text: '', onSubmit: r.onSubmit };
  }

  const run = (cmd: CommandId): void => {
    message = null;
    if (helpVisible) {
      // The overlay takes the keys: close it, scroll it, or quit.
      if (cmd === 'help' || cmd === 'back') helpVisible = false;
      else if (cmd === 'quit') return opts.onQuit();
      else if (cmd === 'up' || cmd === 'down') help.scroll(cmd === 'up' ? -1 : 1);
      else if (cmd === 'pageUp' || cmd === 'pageDown') help.scroll((cmd === 'pageUp' ? -1 : 1) * Math.max(1, Number(help.height) - 2));
      redraw(false);
      return;
    }
    const h = handlers[cmd];
    if (h) {
      h();
    } else {
      const r = top().view.command(cmd, ctx());
      if (r) apply(r);
    }
    if (!destroyed) redraw(true);
  };

  const onPromptKey = (ch: string | undefined, key: { name?: string; full?: string; ctrl?: boolean; meta?: boolean }): void => {
    if (!prompt) return;
    if (key.name === 'enter') {
      const p = prompt;
      prompt = null;
      p.onSubmit(p.text);
    } else if (key.name === 'escape' || key.full === 'C-c' || key.full === 'C-g') {
      prompt = null;
    } else if (key.name === 'backspace') {
      prompt.text = prompt.text.slice(0, -1);
    } else if (key.full === 'C-u') {
      prompt.text = '';
    } else if (ch && !key.ctrl && !key.meta && ch >= ' ' && ch !== '\x7f' && key.name !== 'return') {
      prompt.text += ch;
    } else {
      return;
    }
    redraw(true);
  };

  screen.on('keypress', (ch: string | undefined, key: { name?: string; full?: string; ctrl?: boolean; meta?: boolean } | undefined) => {
    if (destroyed || !key) return;
    if (prompt) return onPromptKey(ch, key);
    if (tooSmall(Number(screen.width) || 0, Number(screen.height) || 0)) {
      // Only quitting makes sense while nothing is drawn.
      const cmd = (key.full && keyMap.get(key.full)) || (ch && ch.length === 1 ? keyMap.get(ch) : undefined);
      if (cmd === 'quit') opts.onQuit();
      return;
    }
    const cmd = (key.full ? keyMap.get(key.full) : undefined) ?? (ch && ch.length === 1 && ch >= ' ' ? keyMap.get(ch) : undefined);
    if (cmd) run(cmd);
  });

  screen.on('resize', () => redraw(true));

  // ------------------------------------------------------------------ start
  push('overview', '');
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
        for (const e of stack.splice(0).reverse()) e.view.unmount();
        screen.destroy();
      } finally {
        restoreTerminal(opts.output ?? process.stdout);
      }
    },
    screenshot(): string {
      const lines = (screen as unknown as { lines: [unknown, string][][] }).lines;
      const out: string[] = [];
      for (const line of lines) {
        let s = '';
        for (const cell of line) s += cell[1] === '\0' ? '' : cell[1];
        out.push(s.replace(/\s+$/, ''));
      }
      return out.join('\n');
    },
  };
}
