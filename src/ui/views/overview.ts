// The host overview (btop-like): CPU, memory, load, pressure, disks, network and tail latency, laid out by
// ui/layout.ts for the size of the main area. Boxes are created once at mount and reused; each update sets
// their position (only when the layout changed), label and content. Tab moves the focus between panels;
// in the disks panel up/down select a disk and Enter opens it; Enter on CPU opens the processes view and on
// tail latency the latency view.
import type blessed from 'blessed';
import { widgets } from '../term/widgets.js';
import type { CommandId } from '../keys.js';
import type { View, ViewContext, ViewRequest } from '../view.js';
import { overviewLayout, type OverviewLayout, type Rect } from '../layout.js';
import { container } from '../term/blessed-patches.js';
import { cellText, type CellText } from '../term/cell-text.js';
import type { PanelContext, PanelId, PanelOutput } from '../panels/draw.js';
import { cpuPanel } from '../panels/cpu.js';
import { memoryPanel } from '../panels/memory.js';
import { loadPanel } from '../panels/load.js';
import { pressurePanel } from '../panels/pressure.js';
import { disksPanel } from '../panels/disks.js';
import { networkPanel } from '../panels/network.js';
import { latencyPanel } from '../panels/tail-latency.js';

const PANELS: [PanelId, (ctx: PanelContext) => PanelOutput][] = [
  ['cpu', cpuPanel],
  ['memory', memoryPanel],
  ['load', loadPanel],
  ['pressure', pressurePanel],
  ['disks', disksPanel],
  ['network', networkPanel],
  ['latency', latencyPanel],
];

interface Slot {
  box: blessed.Widgets.BoxElement;
  text: CellText;
  rect: Rect | null;
  label: string;
  borderColor: string | undefined;
}

class OverviewView implements View {
  readonly id = 'overview' as const;
  private parent: blessed.Widgets.BoxElement | null = null;
  private readonly slots = new Map<PanelId, Slot>();
  private visible: PanelId[] = [];
  private focus: PanelId | null = null;
  private diskSel = 0;
  private diskRows: string[] = [];
  private layoutKey = '';
  private layout: OverviewLayout = {};

  mount(parent: blessed.Widgets.BoxElement, ctx: ViewContext): void {
    this.parent = parent;
    // The panels tile the whole area (layout.ts); a panel left out is cleared by blessed when it hides.
    container(parent);
    for (const [id] of PANELS) {
      const box = widgets.box({
        parent,
        top: 0,
        left: 0,
        width: 1,
        height: 1,
        border: { type: 'line' },
        tags: true,
        wrap: false,
        hidden: true,
        style: { border: {}, label: {} },
      } as blessed.Widgets.BoxOptions);
      this.slots.set(id, { box, text: cellText(box), rect: null, label: '', borderColor: undefined });
    }
    this.update(ctx);
  }

  /** Panels currently shown, in tab order. */
  get panels(): readonly PanelId[] {
    return this.visible;
  }

  get focused(): PanelId | null {
    return this.focus;
  }

  update(ctx: ViewContext): void {
    if (!this.parent) return;
    const frame = ctx.store.latest();
    const width = Number(this.parent.width) || 0;
    const height = Number(this.parent.height) || 0;
    const host = frame?.host;
    const latRows = frame?.latency?.active
      ? (frame.latency.windows[ctx.window]?.block.filter((r) => r.op === 'read' || r.op === 'write').length ?? 0)
      : (host?.disks.length ?? 0) * 2;
    const cores = host?.cores.length ?? 0;
    const pressure = host?.pressure != null;
    const ioRows = 1 + Math.max(host?.disks.length ?? 0, host?.net.length ?? 0);
    const latencyRows = 2 + Math.max(1, latRows);
    // The layout only changes with these inputs: computed again only when one of them did.
    const layoutKey = `${width}x${height} ${cores} ${pressure} ${ioRows} ${latencyRows}`;
    if (layoutKey !== this.layoutKey) {
      this.layoutKey = layoutKey;
      this.layout = overviewLayout(width, height, { cores, pressure, ioRows, latencyRows });
    }
    const layout = this.layout;
    const theme = ctx.theme;
    this.visible = [];
    for (const [id, draw] of PANELS) {
      const slot = this.slots.get(id)!;
      const rect = layout[id] ?? null;
      if (!rect || rect.width < 4 || rect.height < 3) {
        if (!slot.box.hidden) slot.box.hide();
        slot.rect = null;
        continue;
      }
      this.visible.push(id);
      if (!sameRect(slot.rect, rect)) {
        slot.box.top = rect.top;
        slot.box.left = rect.left;
        slot.box.width = rect.width;
        slot.box.height = rect.height;
        slot.rect = rect;
      }
      if (slot.box.hidden) slot.box.show();
      const focused = this.focus === id;
      const out = draw({
        store: ctx.store,
        frame,
        theme,
        window: ctx.window,
        width: rect.width - 2,
        height: rect.height - 2,
        focused,
        selected: this.diskSel,
      });
      if (id === 'disks') {
        this.diskRows = out.rows ?? [];
        if (this.diskSel >= this.diskRows.length) this.diskSel = Math.max(0, this.diskRows.length - 1);
      }
      const label = ` ${focused ? '▸ ' : ''}${out.title} `;
      if (label !== slot.label) {
        slot.box.setLabel(label);
        slot.label = label;
      }
      slot.text.set(out.lines);
      const border = theme.mono ? undefined : theme.colors[focused ? 'focus_fg' : 'box_fg'];
      if (border !== slot.borderColor) {
        const style = slot.box.style as { border: { fg?: string }; label?: { fg?: string; bold?: boolean } };
        style.border.fg = border;
        style.label = { fg: theme.mono ? undefined : theme.colors['title'], bold: focused };
        slot.borderColor = border;
      }
    }
    if (this.focus && !this.visible.includes(this.focus)) this.focus = null;
  }

  command(cmd: CommandId, ctx: ViewContext): ViewRequest | null {
    switch (cmd) {
      case 'focusNext':
      case 'focusPrev': {
        if (this.visible.length === 0) return { kind: 'none' };
        const i = this.focus ? this.visible.indexOf(this.focus) : -1;
        const n = this.visible.length;
        const next = cmd === 'focusNext' ? (i + 1) % n : i < 0 ? n - 1 : (i - 1 + n) % n;
        this.focus = this.visible[next]!;
        this.update(ctx);
        return { kind: 'none' };
      }
      case 'up':
      case 'down':
      case 'pageUp':
      case 'pageDown': {
        if (this.focus !== 'disks' || this.diskRows.length === 0) return null;
        const step = cmd === 'up' ? -1 : cmd === 'down' ? 1 : cmd === 'pageUp' ? -this.diskRows.length : this.diskRows.length;
        this.diskSel = Math.max(0, Math.min(this.diskRows.length - 1, this.diskSel + step));
        this.update(ctx);
        return { kind: 'none' };
      }
      case 'open': {
        if (this.focus === 'disks' && this.diskRows[this.diskSel]) return { kind: 'open', view: 'disk', target: this.diskRows[this.diskSel]! };
        if (this.focus === 'latency') return { kind: 'open', view: 'latency', target: '' };
        if (this.focus === 'cpu' || this.focus === 'memory' || this.focus === 'load') return { kind: 'open', view: 'processes', target: '' };
        return null;
      }
      default:
        return null;
    }
  }

  unmount(): void {
    for (const s of this.slots.values()) s.box.destroy();
    this.slots.clear();
    if (this.parent) container(this.parent, false);
    this.parent = null;
    this.visible = [];
  }
}

function sameRect(a: Rect | null, b: Rect): boolean {
  return a != null && a.top === b.top && a.left === b.left && a.width === b.width && a.height === b.height;
}

export function createOverviewView(): View {
  return new OverviewView();
}
