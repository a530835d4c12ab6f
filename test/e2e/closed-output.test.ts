// When the reader of tailtop's output goes away (`tailtop snapshot --json ... | head -c 100`, a pager closed,
// journald restarted under the agent): a command that prints a document stops quietly with exit 0 (no stack
// trace); the agent records on without its log and, on SIGTERM, still flushes the store and exits 0.
// The built CLI as its own process, real pipes whose read end this test closes, a real SQLite store.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtCli, CLI, REPO } from '../env.js';
import { StoreReader } from '../../src/record/reader.js';
import { StoreWriter } from '../../src/record/writer.js';
import { samples, tempDirs } from '../unit/record-helpers.js';

const skip = builtCli();
const tmp = tempDirs();
const START = Date.UTC(2026, 0, 1, 10, 0, 0);

/** Runs the CLI, reads its stdout until `keep` bytes came, then closes both pipes' read ends. */
function readThenClose(args: string[], keep: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; got: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let got = 0;
    let stderr = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= keep) p.stdout.destroy();
    });
    p.on('exit', (code, signal) => resolve({ code, signal, got, stderr }));
  });
}

describe.skipIf(skip)('the reader of the output goes away', () => {
  it('snapshot --from --to: stops quietly, exit 0, nothing on stderr', async () => {
    const dir = join(tmp(), 's');
    const w = StoreWriter.open({ dir, tailtopVersion: '0.1.0', identity: { hostname: 'h', machineId: 'm', bootId: 'b' } });
    for (const s of samples(300, { seed: 3, containers: 6, processes: 40, startWallMs: START })) w.append(s);
    await w.close();
    const args = ['snapshot', '--json', '--processes', '--store', dir, '--from', String(START / 1000), '--to', String(START / 1000 + 300), '--step', '1s'];
    // the whole document is larger than a pipe holds, so the writer meets the closed end
    const whole = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 60_000 });
    expect(whole.status, whole.stderr).toBe(0);
    expect(whole.stdout.length).toBeGreaterThan(1 << 20);
    const r = await readThenClose(args, 100);
    expect(r).toEqual({ code: 0, signal: null, got: r.got, stderr: '' });
    expect(r.got).toBeLessThan(whole.stdout.length);
  }, 90_000);

  it('the agent records on without its log; SIGTERM still flushes the store and exits 0', async () => {
    const dir = tmp();
    const p = spawn(process.execPath, [CLI, 'agent', '--store', dir, '--interval', '250', '--no-ebpf', '--no-docker'], {
      cwd: REPO,
      env: { ...process.env, TAILTOP_AGENT_TRACE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => p.on('exit', (code, signal) => r({ code, signal })));
    let recorded = 0;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the agent recorded nothing in 20 s')), 20_000);
      p.stdout.setEncoding('utf8').on('data', (d: string) => {
        recorded += (d.match(/^recorded /gm) ?? []).length;
        if (recorded >= 3) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    // both of its outputs lose their reader: every trace line a tick now fails to write
    p.stdout.destroy();
    p.stderr.destroy();
    await new Promise((r) => setTimeout(r, 2500));
    expect(p.exitCode).toBeNull();
    p.kill('SIGTERM'); // its "flushing the store" line fails too
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir, 'tailtop.db-wal'))).toBe(false); // closed cleanly: the WAL checkpointed and gone
    const r = StoreReader.open(dir);
    try {
      expect([...r.range(0, Number.MAX_SAFE_INTEGER)].length).toBeGreaterThanOrEqual(recorded + 6);
    } finally {
      r.close();
    }
  }, 60_000);
});
