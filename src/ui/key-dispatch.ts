// Keys to commands: the effective key table (keys.ts, config overrides applied) as one lookup, and the
// screen's keypress handler that routes each key: to the open prompt first, then (while the terminal is too
// small to draw) only to quit, else to the command it is bound to. Used by the monitor and the fleet view.
import type blessed from 'blessed';
import type { Binding, CommandId } from './keys.js';
import { keyLabel } from './chrome/help.js';
import type { Prompt } from './prompt.js';

/** What blessed reports for a key. */
export interface KeyEvent {
  name?: string;
  full?: string;
  ctrl?: boolean;
  meta?: boolean;
}

export class KeyTable {
  private readonly map = new Map<string, CommandId>();

  constructor(readonly bindings: Binding[]) {
    for (const b of bindings) for (const k of b.keys) if (!this.map.has(k)) this.map.set(k, b.command);
  }

  /** The command a key is bound to (by its full name, e.g. "C-c", or a printable character). */
  command(ch: string | undefined, key: KeyEvent): CommandId | undefined {
    return (key.full ? this.map.get(key.full) : undefined) ?? (ch && ch.length === 1 && ch >= ' ' ? this.map.get(ch) : undefined);
  }

  /** The first key bound to `cmd`, as shown to the user ("ctrl-c"), or `fallback`. */
  label(cmd: CommandId, fallback: string): string {
    const k = this.bindings.find((b) => b.command === cmd)?.keys[0];
    return k ? keyLabel(k) : fallback;
  }
}

export interface KeyRoutes {
  keys: KeyTable;
  prompt: Prompt;
  /** Nothing is drawn: only quit works. */
  tooSmall(): boolean;
  run(cmd: CommandId): void;
  quit(): void;
  /** After a key changed the prompt. */
  redraw(): void;
  closed(): boolean;
}

export function dispatchKeys(screen: blessed.Widgets.Screen, r: KeyRoutes): void {
  screen.on('keypress', (ch: string | undefined, key: KeyEvent | undefined) => {
    if (r.closed() || !key) return;
    if (r.prompt.shown) {
      if (r.prompt.key(ch, key)) r.redraw();
      return;
    }
    const cmd = r.keys.command(ch, key);
    if (r.tooSmall()) {
      if (cmd === 'quit') r.quit();
      return;
    }
    if (cmd) r.run(cmd);
  });
}
