/**
 * Is `err` the database being unreachable (down, restarting, refusing connections, a connection cut
 * mid-query) rather than a fault of the request or of the hub? Such a request failed before anything
 * was committed — or, for a connection cut after COMMIT was sent, with the outcome unknown to the
 * hub, which is why clients retry with the same Idempotency-Key — so the client is told 503 and to
 * come back, never 500.
 */
export function isStoreUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = (e as Error & { cause?: unknown }).cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATE_UNAVAILABLE.test(code))) return true;
    if (PG_CLIENT_MESSAGES.some((m) => m.test(e instanceof Error ? e.message : ''))) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isStoreUnavailable(inner))) return true;
  }
  return false;
}

// Connection failures reported by the socket (node-postgres passes them through).
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// SQLSTATE class 08 (connection exception) and 57P01–57P03 (admin/crash shutdown, cannot connect now).
const SQLSTATE_UNAVAILABLE = /^(08[0-9A-Z]{3}|57P0[1-3])$/;
// node-postgres's own words for a connection that died or never came.
const PG_CLIENT_MESSAGES = [
  /^Connection terminated( unexpectedly| due to connection timeout)?$/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
];

/**
 * Is `err` the hub's storage being full — the blob folder's file system (ENOSPC, EDQUOT) or the
 * database's disk (SQLSTATE 53100)? The write that hit it was undone (the blob store removes its temp
 * file, the transaction rolls back), so the client is told 507 and nothing of the request is kept.
 */
export function isStorageFull(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = (e as Error & { cause?: unknown }).cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === '53100') return true;
  }
  return false;
}

/**
 * Is `err` the database refusing what one row holds — a data exception (SQLSTATE class 22: a value
 * out of range, text it cannot store) or an integrity constraint (class 23) — rather than the
 * statement or the database failing? In a batch written as one statement, such an error is one item's
 * fault, and the others can be written without it.
 */
export function isRowRefused(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = (e as Error & { cause?: unknown }).cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}
