/**
 * Polls `check` every `intervalMs` until it gives a value (anything but `undefined`), and resolves
 * with it; rejects with `timed out waiting for <what>` after `timeoutMs`. The demo waits on the hub's
 * own clocks (queue, scheduled polls) this way: nothing is forced.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
