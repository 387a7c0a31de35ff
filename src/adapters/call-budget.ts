/** Why a call's signal fired: its own time budget, or the caller's signal. */
export type BudgetCause = 'timeout' | 'aborted';

/** One signal for one call: the caller's signal or the call's timeout, whichever fires first. */
export interface CallBudget {
  signal: AbortSignal;
  /** Why {@link CallBudget.signal} fired, if it did. */
  cause(): BudgetCause | undefined;
  end(): void;
}

export function startBudget(outer: AbortSignal, timeoutMs: number): CallBudget {
  const controller = new AbortController();
  let cause: BudgetCause | undefined;
  const onOuterAbort = (): void => {
    cause ??= 'aborted';
    controller.abort(outer.reason);
  };
  const timer = setTimeout(() => {
    cause ??= 'timeout';
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  if (outer.aborted) onOuterAbort();
  else outer.addEventListener('abort', onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    cause: () => cause,
    end: () => {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuterAbort);
    },
  };
}

/**
 * Settles with `pending`, or rejects with the signal's reason as soon as `signal` aborts, handing a
 * late result to `discard`. undici notices an abort only once a connection is up, so a connect to a
 * black-holed host would otherwise outlive the budget.
 */
export function raceAbort<T>(pending: Promise<T>, signal: AbortSignal, discard: (late: T) => void = () => undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason);
      pending.then(discard, () => undefined);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
