/**
 * Lockout for usernames that have no enabled account, in this process's memory: failures are
 * counted and locked as an account's are (`maxFailures` → locked `lockMs`), so that `423` after the
 * fifth failure does not tell a real account from a made-up name. Bounded: past `maxNames` names
 * the least recently tried one is forgotten.
 */
export interface NameLockout {
  /**
   * Counts an attempt on `name` at `now` unless the name is locked: the end of the lock when it is
   * (the attempt is refused uncounted); undefined when admitted — the attempt that reaches the
   * limit is admitted and locks the name for the attempts after it.
   */
  admit(name: string, now: Date): Date | undefined;
}

export interface NameLockoutOptions {
  maxFailures: number;
  /** How long a name stays locked, ms. */
  lockMs: number;
  /** Names remembered at most. */
  maxNames: number;
}

interface NameState {
  failures: number;
  /** Epoch ms; 0 when not locked. */
  lockedUntil: number;
}

export function createNameLockout(opts: NameLockoutOptions): NameLockout {
  // Map order is recency order: a name tried again moves to the end, the first one goes when full.
  const names = new Map<string, NameState>();
  return {
    admit(name, now) {
      const at = now.getTime();
      const known = names.get(name);
      const locked = known !== undefined && known.lockedUntil > at;
      const state = known && (locked || known.lockedUntil === 0) ? known : { failures: 0, lockedUntil: 0 };
      if (!locked) {
        state.failures += 1;
        if (state.failures >= opts.maxFailures) Object.assign(state, { failures: 0, lockedUntil: at + opts.lockMs });
      }
      // Tried now: the most recent, locked or not.
      names.delete(name);
      names.set(name, state);
      if (names.size > opts.maxNames) names.delete(names.keys().next().value!);
      return locked ? new Date(state.lockedUntil) : undefined;
    },
  };
}
