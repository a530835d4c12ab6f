// Rendering hostile text and faults in-process: notes in the status line, ASCII mode (every byte written is
// ASCII), a container id with an escape sequence, stray stderr output captured.
import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { createTui, type Tui } from '../../src/ui/app.js';
import { Store } from '../../src/store/store.js';
import { facts, filledStore, keyTable, makeFrame, theme } from './ui-frames.js';
import { containersFrame, ctr, harness } from './ui-views-fixtures.js';
import { asciiGlyph, chooseGlyphs } from '../../src/ui/term/glyphs.js';
import { captureStrayOutput } from '../../src/ui/term/stray-output.js';
import { createContainerView } from '../../src/ui/views/container.js';
import type { GlyphMode } from '../../src/ui/term/glyphs.js';

const open: Tui[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.destroy();
});

function start(cols: number, rows: number, store: Store, glyphs: GlyphMode = 'unicode'): { tui: Tui; written: () => string; input: PassThrough } {
  let buf = '';
  const output = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  });
  const input = new PassThrough();
  const tui = createTui({
    store,
    facts,
    theme,
    glyphs,
    bindings: keyTable,
    refreshMs: 1000,
    input,
    output,
    terminal: 'xterm-256color',
    cols,
    rows,
    onRefreshChange: () => {},
    onWantsChange: () => {},
    onQuit: () => {},
  });
  open.push(tui);
  return { tui, written: () => buf, input };
}

describe('status line notes', () => {
  it('shows a note until it is cleared, sanitised', () => {
    const { tui } = start(100, 30, filledStore(3));
    tui.note('sampler', 'sampler: tick failed \x1b]0;x\x07here');
    let last = tui.screenshot().trimEnd().split('\n').at(-1)!;
    expect(last).toContain('sampler: tick failed here');
    tui.note('sampler', null);
    last = tui.screenshot().trimEnd().split('\n').at(-1)!;
    expect(last).not.toContain('tick failed');
  });
});

describe('ASCII mode', () => {
  it('writes nothing but ASCII to the terminal, boxes as + - |', async () => {
    const store = filledStore(5);
    const { tui, written, input } = start(120, 36, store, 'ascii');
    tui.update();
    for (const k of ['p', 'c', 'l', 'o', '?']) {
      input.write(k);
      await new Promise((r) => setTimeout(r, 5));
    }
    tui.update();
    expect(written()).toContain('CPU');
    expect(written()).toMatch(/\+-/);
    expect(written()).not.toMatch(/[^\x00-\x7f]/);
    expect(tui.screenshot()).toContain('│'); // the cells keep the real glyphs; only the bytes sent are ASCII
  });

  it('maps each glyph to one ASCII character', () => {
    expect(['─', '│', '┌', '┼', '▁', '▄', '█', '▌', '░', '▓', '…', '—', 'µ', '▲', '▼', 'é', '日'].map(asciiGlyph).join('')).toBe('-|++_-#:.%~-u^ve?');
  });

  it('is chosen by the locale, a flag or an old terminal', () => {
    expect(chooseGlyphs({}, { LANG: 'C' }, 'xterm').mode).toBe('ascii');
    expect(chooseGlyphs({}, {}, 'xterm').mode).toBe('ascii');
    expect(chooseGlyphs({}, { LANG: 'en_US.UTF-8', LC_ALL: 'POSIX' }, 'xterm').mode).toBe('ascii');
    expect(chooseGlyphs({}, { LANG: 'de_DE.ISO-8859-1' }, 'xterm').mode).toBe('ascii');
    expect(chooseGlyphs({}, { LANG: 'C.UTF-8' }, 'xterm-256color').mode).toBe('unicode');
    expect(chooseGlyphs({}, { LC_CTYPE: 'en_US.utf8' }, 'tmux-256color').mode).toBe('unicode');
    expect(chooseGlyphs({}, { LANG: 'C.UTF-8' }, 'vt100').mode).toBe('ascii');
    expect(chooseGlyphs({ ascii: true }, { LANG: 'C.UTF-8' }, 'xterm').mode).toBe('ascii');
    expect(chooseGlyphs({ unicode: true }, { LANG: 'C' }, 'xterm').mode).toBe('unicode');
  });
});

describe('wide characters in a table row', () => {
  it('count two cells: the next column starts where its title does', async () => {
    const store = new Store(10);
    for (let i = 0; i < 3; i++) {
      const f = makeFrame(i);
      f.containers = containersFrame([ctr('a'.repeat(64), { name: 'web', image: '🙂日本語-image', state: 'running' }), ctr('b'.repeat(64), { name: 'db', image: 'postgres', state: 'running' })]);
      store.push(f);
    }
    const { tui, input } = start(120, 30, store);
    input.write('c');
    await new Promise((r) => setTimeout(r, 10));
    tui.update();
    const shot = tui.screenshot().split('\n');
    const header = shot.find((l) => l.includes('IMAGE'))!;
    const web = shot.find((l) => l.startsWith('web '))!;
    const db = shot.find((l) => l.startsWith('db '))!;
    // The screenshot has one character per cell (a wide character's filler cell too): columns line up.
    const col = (l: string, what: string): number => [...l.slice(0, l.indexOf(what))].length;
    expect(web).toContain('🙂\x03日\x03本\x03語\x03');
    expect(col(db, 'running')).toBe(col(header, 'STATE'));
    expect(col(web, 'running')).toBe(col(header, 'STATE'));
  });
});

describe('the container view', () => {
  it('shows a daemon-supplied id without its escape sequences', () => {
    const evil = `abc\x1b]0;PWNED\x07def${'0'.repeat(50)}`;
    const h = harness(createContainerView(evil), 100, 30);
    try {
      const f = makeFrame(0);
      f.containers = containersFrame([ctr(evil, { name: 'web', state: 'running' })]);
      h.store.push(f);
      const text = h.text().join('\n');
      expect(text).toContain('abcdef000000'); // the whole OSC sequence is gone, not just its ESC
      expect(h.written()).not.toContain('\x1b]0;PWNED');
    } finally {
      h.destroy();
    }
  });
});

describe('stray output', () => {
  it('takes stderr writes and warnings line by line, then gives stderr back', async () => {
    const got: string[] = [];
    const stream = new Writable({ write: (_c, _e, cb) => cb() }) as unknown as NodeJS.WriteStream;
    const original = stream.write;
    const stop = captureStrayOutput((kind, text) => got.push(`${kind}: ${text}`), stream);
    stream.write('partial ');
    stream.write('line\nsecond\n');
    process.emitWarning('careful', 'DeprecationWarning', 'DEP0170');
    await new Promise((r) => setImmediate(r));
    stream.write('unterminated');
    stop();
    expect(got).toEqual(['stderr: partial line', 'stderr: second', 'warning: DEP0170 DeprecationWarning: careful', 'stderr: unterminated']);
    expect(stream.write).toBe(original);
    expect(process.listenerCount('warning')).toBeGreaterThan(0); // Node's printer is back
  });

  it('keeps memory bounded for a stderr line without end: its head is shown once, CRLF lines are cut at CR', () => {
    const got: string[] = [];
    const stream = new Writable({ write: (_c, _e, cb) => cb() }) as unknown as NodeJS.WriteStream;
    const stop = captureStrayOutput((kind, text) => got.push(`${kind}: ${text}`), stream);
    stream.write('x'.repeat(3000));
    stream.write('y'.repeat(3000));
    stream.write('z\r\nnext\r\n\r\n');
    stop();
    expect(got).toEqual([`stderr: ${'x'.repeat(3000)}${'y'.repeat(1096)}`, 'stderr: next']);
  });
});
