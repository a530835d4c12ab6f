// Loop devices over image files, and fio jobs against them, for the tests that check block I/O figures
// against the kernel's. A LoopDevices detaches every device it made and removes their files; a fio job runs
// in fio's own process (--thread: a forked job would outlive its killed parent), in a process group of its
// own, and is killed as a group.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';

const pexec = promisify(execFile);

export interface LoopOptions {
  /** Write zeros over the whole file (a real file's blocks, for direct I/O) instead of a sparse one. */
  fill?: boolean;
  /** Direct I/O from the loop device to its file: 'required' fails where the filesystem refuses it,
   * 'preferred' then attaches it buffered. */
  directIo?: 'required' | 'preferred';
}

export class LoopDevices {
  private readonly loops: string[] = [];
  private readonly files: string[] = [];

  /** A loop device (/dev/loopN) over `file`, made anew with `sizeMiB` MiB. */
  async make(file: string, sizeMiB: number, opts: LoopOptions = {}): Promise<string> {
    rmSync(file, { force: true });
    this.files.push(file);
    if (opts.fill) await pexec('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${sizeMiB}`, 'conv=fsync', 'status=none']);
    else await pexec('truncate', ['-s', `${sizeMiB}M`, file]);
    const attach = async (direct: boolean): Promise<string> =>
      (await pexec('losetup', ['-f', '--show', ...(direct ? ['--direct-io=on'] : []), file])).stdout.trim();
    let loop: string;
    try {
      loop = await attach(opts.directIo !== undefined);
    } catch (e) {
      if (opts.directIo !== 'preferred') throw e;
      loop = await attach(false);
    }
    this.loops.push(loop);
    return loop;
  }

  /** Detaches every device made here and removes its file. */
  async removeAll(): Promise<void> {
    for (const l of this.loops.splice(0)) await pexec('losetup', ['-d', l]).catch(() => undefined);
    for (const f of this.files.splice(0)) rmSync(f, { force: true });
  }
}

export interface FioJob {
  readonly proc: ChildProcess;
  /** Throws when fio is no longer running (it exited: a busy or missing device...), with its last words. */
  running(): void;
  /** The last lines fio wrote to stderr. */
  lastWords(): string;
  /** Kills the job's process group (nothing if it is gone). */
  kill(): void;
}

/** fio doing 4 KiB direct I/O on `loop` for `runtimeSec` seconds; `args` name the job and its pattern. */
export function startFio(loop: string, args: string[], runtimeSec: number): FioJob {
  const proc = spawn('fio', [`--filename=${loop}`, '--direct=1', '--bs=4k', `--runtime=${runtimeSec}`, '--time_based', '--thread', '--output=/dev/null', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const lastWords = (): string => err.trim().split('\n').slice(-3).join(' | ');
  return {
    proc,
    lastWords,
    running() {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`fio exited ${proc.exitCode ?? proc.signalCode}: ${lastWords()}`);
    },
    kill() {
      try {
        if (proc.pid) process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
}

/** Writes completed on a disk so far (/proc/diskstats), NaN when the disk is not listed. */
export function diskWrites(loop: string): number {
  const name = loop.replace('/dev/', '');
  const line = readFileSync('/proc/diskstats', 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[2] === name);
  return Number(line?.trim().split(/\s+/)[7] ?? NaN);
}

/** Waits until `job` has completed `min` writes on `loop` (fio takes a moment to start): throws after `ms`. */
export async function waitForWrites(job: FioJob, loop: string, min: number, ms = 15_000): Promise<void> {
  const w0 = diskWrites(loop);
  const end = Date.now() + ms;
  for (;;) {
    job.running();
    const done = diskWrites(loop) - w0;
    if (done >= min) return;
    if (Date.now() > end) throw new Error(`fio is not writing to ${loop}: ${done} writes in ${ms} ms (fio: ${job.lastWords() || 'nothing on stderr'})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
