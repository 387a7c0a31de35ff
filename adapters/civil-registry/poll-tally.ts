import type { CallVerdict } from './call-verdict.js';
import { CivilRegistryPollError } from './poll-error.js';

/**
 * Counts one polling run's calls: the run throws only when not one call got an answer from the
 * system (it "cannot answer at all"); otherwise dossiers whose calls failed are left out and asked
 * again next run.
 */
export class PollTally {
  private answered = 0;
  private failed = 0;
  private lastFailure: Exclude<CallVerdict, { kind: 'answer' }> | undefined;

  answer(): void {
    this.answered += 1;
  }

  failure(verdict: Exclude<CallVerdict, { kind: 'answer' }>): void {
    this.failed += 1;
    this.lastFailure = verdict;
  }

  get failures(): number {
    return this.failed;
  }

  /** Throws when calls were made and none was answered. */
  throwIfNothingAnswered(operation: string): void {
    if (this.answered > 0 || this.failed === 0 || !this.lastFailure) return;
    throw new CivilRegistryPollError(`${operation}: no call was answered (${this.failed} failed; last: ${this.lastFailure.reason})`, this.lastFailure.kind === 'transient');
  }
}
