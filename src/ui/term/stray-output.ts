// While the screen is up nothing may write across it: a Node warning (DEP0170 from docker-modem for ssh://
// endpoints), a console.error deep in a dependency, any other write to process.stderr lands in the middle of
// the TUI and stays there until the next full redraw. Between start and stop, such output is taken line by
// line and handed to `onLine` (the status line shows it); Node's own warning printer is set aside. Output
// that a native module writes straight to file descriptor 2 cannot be caught from JavaScript.
type Write = typeof process.stderr.write;

import { LineSplitter } from '../../text/lines.js';

export type StrayKind = 'warning' | 'stderr';

/** Start capturing; returns the function that puts stderr and the warning printer back. */
export function captureStrayOutput(onLine: (kind: StrayKind, text: string) => void, stream: NodeJS.WriteStream = process.stderr): () => void {
  const original = stream.write;
  const say = (l: string): void => {
    const line = l.replace(/\r$/, '');
    if (line.trim() !== '') onLine('stderr', line);
  };
  // A line longer than 4 KiB is shown by its head (the status line shows far less of it anyway).
  const lines = new LineSplitter(say, say, 4096);
  const take = (text: string): void => lines.push(text);
  stream.write = function (chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const done = typeof encoding === 'function' ? encoding : typeof cb === 'function' ? cb : null;
    try {
      take(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    } catch {
      // never let a write fail because of us
    }
    if (done) queueMicrotask(() => (done as (e?: Error | null) => void)(null));
    return true;
  } as Write;

  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  const onWarning = (w: Error & { code?: string }): void => onLine('warning', `${w.code ? `${w.code} ` : ''}${w.name}: ${w.message}`);
  process.on('warning', onWarning);

  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    stream.write = original;
    lines.end();
    process.removeListener('warning', onWarning);
    for (const p of printers) process.on('warning', p as (w: Error) => void);
  };
}
