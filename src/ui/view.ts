// A view fills the main area of the screen (overview, containers, one container, processes, latency, one
// disk). Views never own a timer, never read files or clocks, and never call screen.render(): the app
// calls `update` once per frame and renders once.
import type blessed from 'blessed';
import type { ReadStore } from '../store/read-store.js';
import type { LatencyWindow } from '../model/types.js';
import type { Theme } from './theme.js';
import type { CommandId } from './keys.js';

export type ViewId = 'overview' | 'containers' | 'container' | 'processes' | 'latency' | 'disk' | 'alerts';

export interface ViewContext {
  store: ReadStore;
  theme: Theme;
  window: LatencyWindow;
  refreshMs: number;
  paused: boolean;
}

/** What a view asks the app to do after a command. */
export type ViewRequest =
  | { kind: 'none' }
  | { kind: 'open'; view: ViewId; target: string }
  | { kind: 'prompt'; label: string; onSubmit: (text: string) => void };

export interface View {
  readonly id: ViewId;
  /** Create widgets inside `parent` (a box filling the main area). */
  mount(parent: blessed.Widgets.BoxElement, ctx: ViewContext): void;
  /** Update widget contents from the store. No render calls here. */
  update(ctx: ViewContext): void;
  /** Handle a command; return null when the view does not use it (the app may then handle it). */
  command(cmd: CommandId, ctx: ViewContext): ViewRequest | null;
  /** The container under the cursor (containers table): the sampler reads its detail files every poll. */
  cursorContainerId?(): string | null;
  unmount(): void;
}
