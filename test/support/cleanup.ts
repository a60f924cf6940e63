/**
 * What a test file started and must undo: servers, witnesses, monitors, PostgreSQL
 * clusters, browsers, temp folders. Each is registered as it is made; the file's `afterAll`
 * (test/support/setup-file.ts) undoes whatever is left, newest first, whether its tests
 * passed, failed or timed out — a timed-out test never reaches its own `finally`.
 */
type Cleanup = () => void | Promise<void>;

const pending = new Set<Cleanup>();

/** Registers `cleanup` to run at the end of this test file; the returned function runs it early (once). */
export function onCleanup(cleanup: Cleanup): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once: Cleanup = () => (done ??= Promise.resolve().then(cleanup));
  pending.add(once);
  return async () => {
    pending.delete(once);
    await once();
  };
}

/** Runs every registered cleanup, newest first; all run even if some throw, and the first error is rethrown. */
export async function runCleanups(): Promise<void> {
  const all = [...pending].reverse();
  pending.clear();
  let first: unknown;
  for (const cleanup of all) {
    try {
      await cleanup();
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== undefined) throw first;
}
