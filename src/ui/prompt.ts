// The one-line prompt in the status line (the filter `/`): it takes every key while it is open. Enter
// submits, Esc / ctrl-c / ctrl-g cancel, backspace and ctrl-u edit; other control keys are ignored.
import type { KeyEvent } from './key-dispatch.js';

export interface PromptText {
  label: string;
  text: string;
}

export class Prompt {
  private current: (PromptText & { onSubmit: (text: string) => void }) | null = null;

  /** The open prompt's label and text, or null. */
  get shown(): PromptText | null {
    return this.current ? { label: this.current.label, text: this.current.text } : null;
  }

  open(label: string, onSubmit: (text: string) => void): void {
    this.current = { label, text: '', onSubmit };
  }

  /** A key while the prompt is open; false when nothing changed (nothing to redraw). */
  key(ch: string | undefined, key: KeyEvent): boolean {
    const p = this.current;
    if (!p) return false;
    if (key.name === 'enter') {
      this.current = null;
      p.onSubmit(p.text);
    } else if (key.name === 'escape' || key.full === 'C-c' || key.full === 'C-g') {
      this.current = null;
    } else if (key.name === 'backspace') {
      p.text = p.text.slice(0, -1);
    } else if (key.full === 'C-u') {
      p.text = '';
    } else if (ch && !key.ctrl && !key.meta && ch >= ' ' && ch !== '\x7f' && key.name !== 'return') {
      p.text += ch;
    } else {
      return false;
    }
    return true;
  }
}
