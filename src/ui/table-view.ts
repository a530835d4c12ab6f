// What the table views (containers, processes) share: a one-line title over a TableWidget filling the rest,
// redrawn when the title is resized, the table commands (sort, filter, move), and unmount. Subclasses give
// the model and `update`.
import type blessed from 'blessed';
import { widgets } from './term/widgets.js';
import type { CommandId } from './keys.js';
import type { ViewContext, ViewRequest } from './view.js';
import { TableModel, TableWidget, tableCommand } from './table.js';
import { cellText } from './term/cell-text.js';

export abstract class TitledTableView<R> {
  abstract readonly model: TableModel<R>;
  protected title: blessed.Widgets.BoxElement | null = null;
  protected table: TableWidget<R> | null = null;
  protected ctx: ViewContext | null = null;

  abstract update(ctx: ViewContext): void;

  mount(parent: blessed.Widgets.BoxElement, ctx: ViewContext): void {
    this.ctx = ctx;
    this.title = widgets.box({ parent, top: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false } as blessed.Widgets.BoxOptions);
    cellText(this.title);
    this.table = new TableWidget(this.model, parent, { top: 1, left: 0, width: '100%', height: '100%-1' });
    this.title.on('resize', () => this.ctx && this.update(this.ctx));
    this.update(ctx);
  }

  /** The table's own commands (sort, filter, selection); null when the command is not a table command. */
  protected tableCommand(cmd: CommandId, ctx: ViewContext): ViewRequest | null {
    const r = tableCommand(this.model, cmd, () => this.update(ctx));
    return r === undefined ? null : r;
  }

  unmount(): void {
    this.title?.destroy();
    this.table?.box.destroy();
    this.title = null;
    this.table = null;
  }
}
