/** Runs at most one task per key at a time; callers asking for a key already in flight share its promise. */
export interface SingleFlight<T> {
  run(key: string, task: () => Promise<T>): Promise<T>;
}

/** A fresh single-flight group (one per cache). */
export function createSingleFlight<T>(): SingleFlight<T> {
  const inFlight = new Map<string, Promise<T>>();
  return {
    run(key, task) {
      const running = inFlight.get(key);
      if (running) return running;
      const started = task().finally(() => inFlight.delete(key));
      inFlight.set(key, started);
      return started;
    },
  };
}
