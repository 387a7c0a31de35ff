/** Thrown by the delivery processor for a transient failure: the queue retries after `delayMs`. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(message: string, readonly delayMs: number) {
    super(message);
  }
}

/** BullMQ backoff strategy: the delay the processor already chose from the endpoint's schedule. */
export function scheduledBackoff(_attemptsMade: number, _type?: string, err?: Error): number {
  return err instanceof RetryLaterError ? err.delayMs : 1_000;
}
