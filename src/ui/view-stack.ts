// The stack of views in the main area. The overview is the root; Enter in a view may open another on top
// (a container, a disk), Esc pops it, and c/p/l replace whatever is above the root. Each view gets a box
// of its own filling the main area; only the top one is shown. The stack also says what the views on it
// need collected (contract.ts `Wants`).
import type blessed from 'blessed';
import { widgets } from './term/widgets.js';
import type { LatencyWindow, Wants } from '../contract.js';
import type { Frame } from '../model/types.js';
import { sanitize } from './sanitize.js';
import type { View, ViewContext, ViewId } from './view.js';
import { createOverviewView } from './views/overview.js';
import { createContainersView } from './views/containers.js';
import { createContainerView } from './views/container.js';
import { createProcessesView } from './views/processes.js';
import { createLatencyView } from './views/latency.js';
import { createDiskView } from './views/disk.js';

// Views by id; `target` is the container id, disk name, or '' (processes: '' = the whole host).
const FACTORIES: Partial<Record<ViewId, (target: string) => View>> = {
  overview: () => createOverviewView(),
  containers: () => createContainersView(),
  container: (id) => createContainerView(id),
  processes: (id) => createProcessesView(id || undefined),
  latency: () => createLatencyView(),
  disk: (name) => createDiskView(name),
};

interface Entry {
  view: View;
  box: blessed.Widgets.BoxElement;
  target: string;
}

export class ViewStack {
  private readonly entries: Entry[] = [];

  /** `changed` runs after every push and pop (what to collect may have changed). */
  constructor(
    private readonly parent: blessed.Widgets.BoxElement,
    private readonly ctx: () => ViewContext,
    private readonly changed: () => void,
    /** Views the app builds itself (the alerts view reads the app's alert board). */
    private readonly extra: Partial<Record<ViewId, (target: string) => View>> = {},
  ) {}

  get top(): Entry {
    return this.entries[this.entries.length - 1]!;
  }

  push(id: ViewId, target: string): void {
    const prev = this.entries[this.entries.length - 1];
    const factory = this.extra[id] ?? FACTORIES[id];
    if (!factory) throw new Error(`no view ${id}`);
    const box = widgets.box({ parent: this.parent, top: 0, left: 0, width: '100%', height: '100%' });
    const view = factory(target);
    this.entries.push({ view, box, target });
    prev?.box.hide();
    view.mount(box, this.ctx());
    this.changed();
  }

  pop(): void {
    if (this.entries.length <= 1) return;
    const e = this.entries.pop()!;
    e.view.unmount();
    e.box.destroy();
    this.top.box.show();
    this.changed();
  }

  /** c/p/l/o: the view `id` directly above the overview (nothing to do when it is already on top). */
  switchTo(id: ViewId): void {
    const t = this.top;
    if (t.view.id === id && (id !== 'processes' || t.target === '')) return;
    while (this.entries.length > 1) this.pop();
    if (id !== 'overview') this.push(id, '');
  }

  /** The top view's name for the header: a container is named, not shown by its 64-hex id. */
  title(frame: Frame | null): string {
    const t = this.top;
    const target = t.view.id === 'container' ? (frame?.containers?.containers.find((c) => c.id === t.target)?.name ?? t.target.slice(0, 12)) : t.target;
    return target ? `${t.view.id} ${sanitize(target, 80)}` : t.view.id;
  }

  /** What the top view needs collected: processes for a process table, the detail of the container shown. */
  wants(window: LatencyWindow): Wants {
    const t = this.entries[this.entries.length - 1];
    const cursorContainerId = t?.view.cursorContainerId?.() ?? null;
    return t?.view.id === 'processes' || t?.view.id === 'container'
      ? { processes: true, containerId: t.target || null, cursorContainerId, latencyWindow: window }
      : { processes: false, containerId: null, cursorContainerId, latencyWindow: window };
  }

  /** Unmount every view, top first. */
  unmountAll(): void {
    for (const e of this.entries.splice(0).reverse()) e.view.unmount();
  }
}
