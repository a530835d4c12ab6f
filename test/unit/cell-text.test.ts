// The framed render of cell-text boxes (renderFramed, ui/term/blessed-patches.ts) against blessed's own: the
// same bordered, labelled boxes without content must leave the same cells, also after an overlay above them
// hides and one of them moves; and a few cells of cell text (ui/term/cell-text.ts) that its per-cell widths decide.
import { describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import type blessed from 'blessed';
import { createScreen } from '../../src/ui/term/screen.js';
import { widgets } from '../../src/ui/term/widgets.js';
import { cellText } from '../../src/ui/term/cell-text.js';
import { noFill, renderFramed } from '../../src/ui/term/blessed-patches.js';

function screenOf(): blessed.Widgets.Screen {
  const output = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { isTTY: true });
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
  return createScreen({ input, output, terminal: 'xterm-256color', cols: 70, rows: 24 });
}

/** Two bordered, labelled boxes side by side (docked borders) and an overlay box; cells after each step. */
function draw(framed: boolean): string[] {
  const screen = screenOf();
  const boxes = [
    { top: 0, left: 0, width: 40, height: 12, label: ' CPU 2 cores ' },
    { top: 0, left: 39, width: 31, height: 12, label: ' Load ' },
  ].map((o) => {
    const box = widgets.box({ parent: screen, ...o, border: { type: 'line' }, tags: true, wrap: false, style: { border: { fg: 'blue' }, label: { fg: 'yellow' } } } as blessed.Widgets.BoxOptions);
    noFill(box);
    if (framed) {
      const original = box.render;
      box.render = function (this: unknown) {
        return renderFramed(this, original) as never;
      };
    }
    return box;
  });
  const overlay = widgets.box({ parent: screen, top: 2, left: 5, width: 50, height: 8, border: { type: 'line' }, content: 'help' });
  const cells = (): string => JSON.stringify((screen as unknown as { lines: [number, string][][] }).lines.map((l) => l.map((c) => [c[0], c[1]])));
  const out: string[] = [];
  screen.render();
  out.push(cells());
  overlay.hide();
  screen.render();
  out.push(cells());
  boxes[1]!.top = 3;
  boxes[1]!.height = 9;
  boxes[0]!.setLabel(' CPU ');
  screen.render();
  out.push(cells());
  screen.destroy();
  return out;
}

describe('renderFramed', () => {
  it('draws the cells blessed draws for bordered, labelled boxes without content (docked, overlay gone, a box moved)', () => {
    const blessedCells = draw(false);
    const ours = draw(true);
    expect(ours).toHaveLength(3);
    // a failure prints both screens whole: compare a flag first
    for (let i = 0; i < 3; i++) expect(ours[i] === blessedCells[i], `step ${i}`).toBe(true);
    expect(ours[0]).toContain('"┬"'); // the borders were docked
  });
});

describe('cell text', () => {
  it('joins combining marks to the cell before, follows wide characters with a filler and strips control characters', () => {
    const screen = screenOf();
    const box = widgets.box({ parent: screen, top: 0, left: 0, width: 20, height: 5, border: { type: 'line' }, tags: true, wrap: false } as blessed.Widgets.BoxOptions);
    cellText(box).set(['e\u0301x漢y\x07z', '{red-fg}▁▂{/red-fg}a\tb']);
    screen.render();
    const lines = (screen as unknown as { lines: [number, string][][] }).lines;
    const row = (y: number): string[] => lines[y]!.slice(1, 9).map((c) => c[1]);
    expect(row(1)).toEqual(['e\u0301', 'x', '漢', '\x03', 'y', 'z', ' ', ' ']);
    expect(row(2).slice(0, 3)).toEqual(['▁', '▂', 'a']);
    expect(lines[2]![1]![0]).not.toBe(lines[2]![3]![0]); // the bars in red, "a" not
    screen.destroy();
  });
});
