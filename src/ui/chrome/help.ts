// The `?` overlay, generated from the effective key table: one line per command (id, keys, help line).
import type { Binding } from '../keys.js';
import type { Theme } from '../theme.js';
import { fit } from '../format.js';
import { paint, themeColor } from '../markup.js';

/** Display form of a key name: "C-c" -> "ctrl-c", "S-tab" -> "shift-tab". */
export function keyLabel(k: string): string {
  return k.replace(/^C-/, 'ctrl-').replace(/^M-/, 'alt-').replace(/^S-/, 'shift-');
}

export function helpLines(table: Binding[], theme: Theme, width: number): string[] {
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
