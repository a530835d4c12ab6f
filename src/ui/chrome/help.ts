// The `?` overlay, generated from the effective key table: one line per command (id, keys, help line).
// Shared by the monitor and the fleet view.
import type blessed from 'blessed';
import { widgets } from '../term/widgets.js';
import type { Binding, CommandId } from '../keys.js';
import type { Theme } from '../theme.js';
import { fit } from '../format.js';
import { paint, themeColor } from '../markup.js';

/** Display form of a key name: "C-c" -> "ctrl-c", "S-tab" -> "shift-tab". */
export function keyLabel(k: string): string {
  return k.replace(/^C-/, 'ctrl-').replace(/^M-/, 'alt-').replace(/^S-/, 'shift-');
}

function helpLines(table: Binding[], theme: Theme, width: number): string[] {
  const cmdW = Math.max(...table.map((b) => b.command.length)) + 2;
  const keysW = Math.min(18, Math.max(...table.map((b) => b.keys.map(keyLabel).join(' ').length)) + 2);
  return table.map((b) => {
    const keys = b.keys.map(keyLabel).join(' ');
    return (
      paint(theme, themeColor(theme, 'hi_fg'), fit(b.command, cmdW)) +
      paint(theme, themeColor(theme, 'title'), fit(keys, keysW)) +
      fit(b.help, Math.max(0, width - cmdW - keysW))
    );
  });
}

/**
 * The `?` overlay: a bordered box over the whole screen, generated from the key table each time it is
 * drawn. While it is open it takes the keys: ? or Esc closes it, up/down/page keys scroll it.
 */
export class HelpOverlay {
  private readonly box: blessed.Widgets.BoxElement;
  visible = false;

  constructor(screen: blessed.Widgets.Screen, theme: Theme, style: blessed.Widgets.Types.TStyle = {}) {
    this.box = widgets.box({
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
      style: { ...style, border: { fg: themeColor(theme, 'focus_fg') }, label: { fg: themeColor(theme, 'title'), bold: true } },
    } as blessed.Widgets.BoxOptions);
  }

  toggle(): void {
    this.visible = !this.visible;
    this.box.setScroll(0);
  }

  /** A command while the overlay is open: true when it was the overlay's (close or scroll). */
  command(cmd: CommandId): boolean {
    if (cmd === 'help' || cmd === 'back') this.visible = false;
    else if (cmd === 'up' || cmd === 'down') this.box.scroll(cmd === 'up' ? -1 : 1);
    else if (cmd === 'pageUp' || cmd === 'pageDown') this.box.scroll((cmd === 'pageUp' ? -1 : 1) * Math.max(1, Number(this.box.height) - 2));
    else return false;
    return true;
  }

  /** Show (on top, with the table for `width` columns) or hide, as `visible` says. */
  draw(table: Binding[], theme: Theme, width: number): void {
    if (this.visible) {
      this.box.setContent(helpLines(table, theme, width - 2).join('\n'));
      this.box.show();
      this.box.setFront();
    } else if (!this.box.hidden) this.box.hide();
  }

  hide(): void {
    this.box.hide();
  }
}
