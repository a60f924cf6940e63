/**
 * Tests wait for states, never for times. Where an API takes a bound (a `waitFor(n, ms)`),
 * the bound is this hang stop — far past anything a loaded machine needs — so that a slow
 * machine is never a failure, and a hang still ends.
 */
export const HANG_MS = 60_000;

/** Resolves once `check()` holds, polling every few milliseconds; throws naming `what` after HANG_MS. */
export async function until(check: () => boolean | Promise<boolean>, what: string, everyMs = 50): Promise<void> {
  const deadline = performance.now() + HANG_MS;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`still waiting, after ${HANG_MS / 1000} s, for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
