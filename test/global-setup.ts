// Builds dist/ once before the suite so the e2e and integration tests run the real CLI. Type errors are
// reported by `npm test`'s typecheck step; here tsc still emits JavaScript for the end-to-end tests.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { encoding: 'utf8' });
  if (r.status !== 0) console.warn(`global-setup: tsc reported errors (dist/ emitted anyway):\n${(r.stdout ?? '').split('\n').slice(0, 10).join('\n')}`);
}
