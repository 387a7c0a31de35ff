/** A poll run the system could not answer at all (its list call failed): the run is recorded as failed. */
export class JudicialRecordsPollError extends Error {
  readonly code = 'JUDICIAL_RECORDS_POLL_FAILED';
  constructor(
    readonly operation: string,
    readonly detail: string,
    /** Whether the next run may fare better (a timeout, a 5xx) rather than needing a fix (a refusal). */
    readonly transient: boolean,
  ) {
    super(`${operation} failed: ${detail}`);
    this.name = 'JudicialRecordsPollError';
  }
}
