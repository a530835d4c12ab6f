// Gate for integration tests that need real parts (Docker, eBPF, tmux, root). Under CI=true they must
// run: a missing requirement fails the test instead of skipping it. Elsewhere they skip with a printed reason.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root and the built CLI that end-to-end tests run. */
export const REPO = join(import.meta.dirname, '..');
export const CLI = join(REPO, 'dist', 'cli.js');

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** Returns null when the requirement holds; otherwise the reason. Throws under CI. */
export function requirement(name: string, ok: boolean, why: string): string | null {
  if (ok) return null;
  if (inCI) throw new Error(`${name} is required under CI=true: ${why}`);
  console.warn(`skipping ${name} tests: ${why}`);
  return why;
}

/** requirement() for the built CLI (dist/cli.js, made by `npm run build` or `npm install`). */
export function builtCli(): string | null {
  return requirement('dist/cli.js', existsSync(CLI), 'dist/cli.js is not built');
}

/**
 * A loop-device image path outside the run's TMPDIR (/dev/shm for tmpfs speed, or a directory on a real
 * file system for direct I/O), named with the run's id so that this run's teardown removes it and no
 * other run's does.
 */
export function runImage(dir: string, tag: string): string {
  return join(dir, `tailtop-${process.env.TAILTOP_TEST_RUN ?? 'norun'}-${tag}-${process.pid}.img`);
}
