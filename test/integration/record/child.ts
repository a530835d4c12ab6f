// Runs test/integration/record/writer-child.mjs and follows its JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const CHILD = join(import.meta.dirname, 'writer-child.mjs');

export interface ChildLine {
  i?: number;
  ok?: boolean;
  wallMs?: number;
  open?: boolean;
  closed?: boolean;
  error?: string;
  kind?: string;
  event?: { kind: string; wallMs: number; message: string };
}

export class WriterChild {
  readonly proc: ChildProcess;
  readonly lines: ChildLine[] = [];
  private buf = '';
  private waiters: { test: (l: ChildLine[]) => boolean; resolve: () => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: (string | number)[], opts: { uid?: number; gid?: number } = {}) {
    this.proc = spawn(process.execPath, [CHILD, ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(JSON.parse(this.buf.slice(0, nl)) as ChildLine);
        this.buf = this.buf.slice(nl + 1);
      }
      this.waiters = this.waiters.filter((w) => (w.test(this.lines) ? (w.resolve(), false) : true));
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }

  /** Resolves once `test` holds for the lines so far (rejects after timeoutMs or when the child exits). */
  until(test: (l: ChildLine[]) => boolean, timeoutMs = 60_000): Promise<void> {
    if (test(this.lines)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`child: timed out; last lines ${JSON.stringify(this.lines.slice(-3))}`)), timeoutMs);
      void this.exited.then(() => setTimeout(() => reject(new Error(`child exited; last lines ${JSON.stringify(this.lines.slice(-3))}`)), 200));
      this.waiters.push({ test, resolve: () => (clearTimeout(t), resolve()) });
    });
  }

  appended(): number {
    return this.lines.filter((l) => l.ok === true).length;
  }

  events(kind: string): ChildLine['event'][] {
    return this.lines.filter((l) => l.event?.kind === kind).map((l) => l.event);
  }
}

/** The writer children a test file started: started through it, killed (SIGKILL) and awaited by killAll(). */
export class Children {
  private readonly list: WriterChild[] = [];

  spawn(args: (string | number)[], opts: { uid?: number; gid?: number } = {}): WriterChild {
    const c = new WriterChild(args, opts);
    this.list.push(c);
    return c;
  }

  async killAll(): Promise<void> {
    for (const c of this.list.splice(0)) {
      if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await c.exited;
    }
  }
}
