// Gate for integration tests that need real parts (Docker, eBPF, tmux, root). Under CI=true they must
// run: a missing requirement fails the test instead of skipping it. Elsewhere they skip with a printed reason.
export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** Returns null when the requirement holds; otherwise the reason. Throws under CI. */
export function requirement(name: string, ok: boolean, why: string): string | null {
  if (ok) return null;
  if (inCI) throw new Error(`${name} is required under CI=true: ${why}`);
  console.warn(`skipping ${name} tests: ${why}`);
  return why;
}
