// Waiting helpers shared by tests that watch something asynchronous (a supervisor, an inventory, a child).

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves once `cond()` holds, checking every `everyMs`; throws "timed out waiting for <what>" after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what = 'the condition', everyMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Whether a process with this pid exists (signal 0). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
