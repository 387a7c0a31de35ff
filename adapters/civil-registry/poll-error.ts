/** A result-polling run the system could not answer at all. */
export class CivilRegistryPollError extends Error {
  readonly code = 'CIVIL_REGISTRY_POLL_FAILED';
  constructor(
    message: string,
    /** Whether a later run may succeed (an outage), rather than needing the operator (credentials, configuration). */
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'CivilRegistryPollError';
  }
}
