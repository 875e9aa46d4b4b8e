// Loads a module (or builds anything costly) on first use only, so an idle app never holds it in memory.

/**
 * `load` runs once, on the first call; every call shares its promise. A failed load is forgotten, so the next call
 * tries again (a missing optional package can be installed without a restart).
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}
