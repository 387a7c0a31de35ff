import type { RecordedRequest } from './adapter-contract.js';

/** The requests a simulator received, in order, for its handle's `requests`, `calls`, `logins` … */
export class RequestLog<R extends RecordedRequest> {
  private readonly entries: R[] = [];

  /** Keeps `request` (filled in further as it is answered) and returns it. */
  add(request: R): R {
    this.entries.push(request);
    return request;
  }

  /** The requests of `mailbox` (of all when absent) that pass `filter`, in order: a copy. */
  of(mailbox?: string, filter?: (request: R) => boolean): R[] {
    return this.entries.filter((r) => (mailbox === undefined || r.mailbox === mailbox) && (filter === undefined || filter(r)));
  }

  clear(): void {
    this.entries.length = 0;
  }
}
