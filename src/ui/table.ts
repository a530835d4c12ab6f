// A reusable sortable, filterable table: a pure model (columns, rows, sort, filter, selection, scroll,
// width-adaptive layout) and a thin blessed widget that draws the model into one tagged box. The model
// never touches blessed, so it is tested on its own; views feed it rows once per frame.
import type blessed from 'blessed';
import { widgets } from './term/widgets.js';
import type { Theme } from './theme.js';
import { fit } from './format.js';
import { stripUnsafe } from '../text/safe.js';
import { textCells } from '../text/width.js';
import type { CommandId } from './keys.js';
import type { ViewRequest } from './view.js';
import { compileFilter } from './filter.js';
import { cellText } from './term/cell-text.js';
import { bold, escTags, paint, selected, underline } from './markup.js';

export type Align = 'left' | 'right';
export type SortValue = number | string | null | undefined;

export interface Column<R> {
  /** Stable id (used to keep the sort column across re-layouts). */
  id: string;
  title: string;
  /** Width in cells (the minimum when `grow` is set). */
  width: number;
  align?: Align;
  /** Cell text for a row; `width` is the final cell width (for sparklines). Untrusted text must be sanitised. */
  format: (row: R, width: number) => string;
  /** Sort key; a column without one is not sortable. null/undefined sort last in both directions. */
  sortKey?: (row: R) => SortValue;
  /** Direction used when the column becomes the sort column (default: descending for numbers). */
  descending?: boolean;
  /** 0 = always shown; columns with larger numbers are dropped first when the table is narrow. */
  priority?: number;
  /** Takes a share of the spare width, up to `maxWidth` (unbounded when absent). */
  grow?: boolean;
  maxWidth?: number;
  /** Optional colour (blessed colour string) for the cell. */
  color?: (row: R, theme: Theme) => string | undefined;
}

export interface TableOptions<R> {
  columns: Column<R>[];
  rowKey: (row: R) => string;
  /** Strings the filter is matched against (name, image, labels...). */
  searchText?: (row: R) => string[];
  /** Initial sort column id. */
  sortBy?: string;
  descending?: boolean;
}

export interface LaidOutColumn<R> {
  column: Column<R>;
  width: number;
}

const SEP = 1;

export { compileFilter };

export class TableModel<R> {
  readonly columns: Column<R>[];
  private readonly rowKey: (row: R) => string;
  private readonly searchText: (row: R) => string[];
  private all: R[] = [];
  private shown: R[] = [];
  private sortId: string;
  private desc: boolean;
  private filterSrc = '';
  private filterTest: ((s: string) => boolean) | null = null;
  private filterErr: string | null = null;
  private selKey: string | null = null;
  private selIndex = 0;
  private scrollTop = 0;
  private pageRows = 10;
  private visibleIds: string[] | null = null;

  constructor(opts: TableOptions<R>) {
    this.columns = opts.columns;
    this.rowKey = opts.rowKey;
    this.searchText = opts.searchText ?? (() => []);
    const first = opts.columns.find((c) => c.sortKey) ?? opts.columns[0];
    const initial = opts.columns.find((c) => c.id === opts.sortBy && c.sortKey) ?? first;
    this.sortId = initial?.id ?? '';
    this.desc = opts.descending ?? initial?.descending ?? false;
  }

  // ------------------------------------------------------------------ rows

  setRows(rows: R[]): void {
    this.all = rows;
    this.refresh();
  }

  /** Rows after filter and sort, in display order. */
  get rows(): readonly R[] {
    return this.shown;
  }

  get totalCount(): number {
    return this.all.length;
  }

  // ------------------------------------------------------------------ sort

  get sortColumn(): Column<R> | undefined {
    return this.columns.find((c) => c.id === this.sortId);
  }

  get sortDescending(): boolean {
    return this.desc;
  }

  sortBy(id: string, descending?: boolean): void {
    const col = this.columns.find((c) => c.id === id && c.sortKey);
    if (!col) return;
    this.sortId = id;
    this.desc = descending ?? col.descending ?? false;
    this.refresh();
  }

  /** Next sortable column (among those shown at the last layout, when known). */
  sortNext(): void {
    const candidates = this.columns.filter((c) => c.sortKey && (this.visibleIds == null || this.visibleIds.includes(c.id)));
    if (candidates.length === 0) return;
    const i = candidates.findIndex((c) => c.id === this.sortId);
    const next = candidates[(i + 1) % candidates.length]!;
    this.sortId = next.id;
    this.desc = next.descending ?? false;
    this.refresh();
  }

  sortReverse(): void {
    this.desc = !this.desc;
    this.refresh();
  }

  // ------------------------------------------------------------------ filter

  /** Set the filter text; returns the error (invalid regex) or null. An invalid filter shows all rows. */
  setFilter(text: string): string | null {
    const f = compileFilter(text);
    this.filterSrc = text.trim();
    this.filterTest = f.test;
    this.filterErr = f.error;
    this.refresh();
    return f.error;
  }

  get filter(): string {
    return this.filterSrc;
  }

  get filterError(): string | null {
    return this.filterErr;
  }

  // ------------------------------------------------------------------ selection

  get selectedIndex(): number {
    return this.shown.length === 0 ? -1 : this.selIndex;
  }

  get selectedKey(): string | null {
    return this.shown.length === 0 ? null : this.selKey;
  }

  selected(): R | undefined {
    return this.shown.length === 0 ? undefined : this.shown[this.selIndex];
  }

  select(key: string): boolean {
    const i = this.shown.findIndex((r) => this.rowKey(r) === key);
    if (i < 0) return false;
    this.selIndex = i;
    this.selKey = key;
    return true;
  }

  move(delta: number): void {
    if (this.shown.length === 0) return;
    this.selIndex = Math.max(0, Math.min(this.shown.length - 1, this.selIndex + delta));
    this.selKey = this.rowKey(this.shown[this.selIndex]!);
  }

  pageDown(): void {
    this.move(Math.max(1, this.pageRows - 1));
  }

  pageUp(): void {
    this.move(-Math.max(1, this.pageRows - 1));
  }

  get scroll(): number {
    return this.scrollTop;
  }

  // ------------------------------------------------------------------ layout and text

  /** Pick the columns that fit `width` (by priority, keeping declaration order) and size them. */
  layout(width: number): LaidOutColumn<R>[] {
    const order = this.columns.map((c, i) => ({ c, i })).sort((a, b) => (a.c.priority ?? 0) - (b.c.priority ?? 0) || a.i - b.i);
    const chosen = new Set<number>();
    let used = 0;
    for (const { c, i } of order) {
      const need = c.width + (chosen.size > 0 ? SEP : 0);
      if ((c.priority ?? 0) === 0 || used + need <= width) {
        chosen.add(i);
        used += need;
      }
    }
    const cols = this.columns.map((c, i) => ({ column: c, width: c.width, i })).filter((x) => chosen.has(x.i));
    let spare = width - used;
    const growers = cols.filter((x) => x.column.grow);
    // Spare width is dealt out one cell at a time to the growing columns that are below their maximum.
    while (spare > 0) {
      const open = growers.filter((g) => g.column.maxWidth == null || g.width < g.column.maxWidth);
      if (open.length === 0) break;
      for (const g of open) {
        if (spare <= 0) break;
        g.width++;
        spare--;
      }
    }
    this.visibleIds = cols.map((x) => x.column.id);
    return cols.map(({ column, width: w }) => ({ column, width: w }));
  }

  /** Header text (plain) with the sort column marked ▲/▼. */
  headerText(cols: LaidOutColumn<R>[]): string {
    return cols
      .map(({ column, width }) => {
        const mark = column.id === this.sortId ? (this.desc ? '▼' : '▲') : '';
        const align = column.align ?? 'left';
        const title = align === 'right' ? `${mark}${column.title}` : `${column.title}${mark}`;
        return fit(title, width, align);
      })
      .join(' '.repeat(SEP));
  }

  /** Plain text of one row's cells (already fitted to widths). */
  cells(row: R, cols: LaidOutColumn<R>[]): string[] {
    return cols.map(({ column, width }) => fit(column.format(row, width), width, column.align ?? 'left'));
  }

  /** Rows visible in a viewport of `height` rows, scrolled so that the selection is shown. */
  viewport(height: number): { rows: R[]; first: number } {
    this.pageRows = Math.max(1, height);
    const n = this.shown.length;
    if (n === 0) {
      this.scrollTop = 0;
      return { rows: [], first: 0 };
    }
    if (this.selIndex < this.scrollTop) this.scrollTop = this.selIndex;
    if (this.selIndex >= this.scrollTop + height) this.scrollTop = this.selIndex - height + 1;
    this.scrollTop = Math.max(0, Math.min(this.scrollTop, Math.max(0, n - height)));
    return { rows: this.shown.slice(this.scrollTop, this.scrollTop + height), first: this.scrollTop };
  }

  /** Plain-text rendering (header + visible rows), for tests and simple consumers. */
  renderText(width: number, height: number): string[] {
    const cols = this.layout(width);
    const { rows } = this.viewport(Math.max(0, height - 1));
    return [this.headerText(cols), ...rows.map((r) => this.cells(r, cols).join(' '.repeat(SEP)))];
  }

  isSelected(row: R): boolean {
    return this.selKey != null && this.rowKey(row) === this.selKey;
  }

  // ------------------------------------------------------------------ internals

  private refresh(): void {
    const test = this.filterTest;
    const filtered = test ? this.all.filter((r) => this.searchText(r).some((s) => test(s))) : this.all.slice();
    const col = this.sortColumn;
    if (col?.sortKey) {
      const key = col.sortKey;
      const dir = this.desc ? -1 : 1;
      const decorated = filtered.map((r) => ({ r, k: key(r), id: this.rowKey(r) }));
      decorated.sort((a, b) => {
        const an = a.k == null || (typeof a.k === 'number' && Number.isNaN(a.k));
        const bn = b.k == null || (typeof b.k === 'number' && Number.isNaN(b.k));
        if (an || bn) return an === bn ? cmp(a.id, b.id) : an ? 1 : -1;
        const c = cmp(a.k as number | string, b.k as number | string);
        return c !== 0 ? c * dir : cmp(a.id, b.id);
      });
      this.shown = decorated.map((d) => d.r);
    } else {
      this.shown = filtered;
    }
    // Selection follows the same row key; if it is gone, stay at the same position.
    if (this.shown.length === 0) {
      this.selIndex = 0;
      return;
    }
    const i = this.selKey == null ? -1 : this.shown.findIndex((r) => this.rowKey(r) === this.selKey);
    if (i >= 0) this.selIndex = i;
    else {
      this.selIndex = Math.max(0, Math.min(this.shown.length - 1, this.selIndex));
      this.selKey = this.rowKey(this.shown[this.selIndex]!);
    }
  }
}

function cmp(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

export interface TableDrawOptions {
  /** Draw every row in the inactive colour (stale data). */
  dim?: boolean;
  /** Text shown instead of rows when there are none. */
  empty?: string;
}

/** The blessed side: one tagged box holding the header and the visible rows. */
export class TableWidget<R> {
  readonly box: blessed.Widgets.BoxElement;

  constructor(
    readonly model: TableModel<R>,
    parent: blessed.Widgets.Node,
    pos: { top: number | string; left: number | string; width: number | string; height: number | string },
  ) {
    this.box = widgets.box({ parent, ...pos, tags: true, wrap: false } as blessed.Widgets.BoxOptions);
    cellText(this.box); // rows cut and padded in terminal cells, wide characters included
  }

  draw(theme: Theme, opts: TableDrawOptions = {}): void {
    const width = Math.max(1, Number(this.box.width) || 1);
    const height = Math.max(1, Number(this.box.height) || 1);
    const cols = this.model.layout(width);
    const c = theme.colors;
    const header = fit(this.model.headerText(cols), width);
    const lines: string[] = [theme.mono ? underline(escTags(header)) : bold(paint(theme, c['title'], escTags(header)))];
    const { rows } = this.model.viewport(height - 1);
    if (rows.length === 0 && opts.empty) lines.push(paint(theme, c['inactive_fg'], escTags(fit(opts.empty, width))));
    for (const row of rows) {
      const cells = this.model.cells(row, cols);
      if (this.model.isSelected(row)) {
        const text = escTags(fit(cells.join(' '.repeat(SEP)), width));
        lines.push(selected(theme, text));
      } else if (opts.dim) {
        lines.push(paint(theme, c['inactive_fg'], escTags(fit(cells.join(' '.repeat(SEP)), width))));
      } else {
        const parts = cells.map((t, i) => paint(theme, cols[i]!.column.color?.(row, theme), escTags(t)));
        lines.push(parts.join(' '.repeat(SEP)));
      }
    }
    this.box.setContent(lines.join('\n'));
  }
}

/** Shared handling of table commands (moves, sort, filter). Returns undefined for commands it ignores. */
export function tableCommand<R>(model: TableModel<R>, cmd: CommandId, redraw: () => void): ViewRequest | null | undefined {
  switch (cmd) {
    case 'up':
      model.move(-1);
      break;
    case 'down':
      model.move(1);
      break;
    case 'pageUp':
      model.pageUp();
      break;
    case 'pageDown':
      model.pageDown();
      break;
    case 'sortNext':
      model.sortNext();
      break;
    case 'sortReverse':
      model.sortReverse();
      break;
    case 'filter':
      return {
        kind: 'prompt',
        label: 'filter (~ for regex): ',
        onSubmit: (text) => {
          model.setFilter(text);
          redraw();
        },
      };
    default:
      return undefined;
  }
  redraw();
  return { kind: 'none' };
}

/** "sort: CPU% ▼  │  filter: x" or the filter error, for a title line. */
export function tableStatus<R>(model: TableModel<R>, theme: Theme): string[] {
  const parts: string[] = [];
  const sc = model.sortColumn;
  if (sc) parts.push(`sort: ${escTags(sc.title)} ${model.sortDescending ? '▼' : '▲'}`);
  if (model.filterError) parts.push(paint(theme, theme.colors['status_err'], escTags(`filter: ${model.filterError}`)));
  else if (model.filter) parts.push(`filter: ${escTags(fit(stripUnsafe(model.filter), Math.min(60, textCells(stripUnsafe(model.filter)))))}`);
  return parts;
}

