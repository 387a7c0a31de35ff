import createError, { type FastifyErrorConstructor } from '@fastify/error';

/**
 * Every coded error the hub returns. One table: code → HTTP status and message template.
 * The README lists each code (a unit test keeps the two in step).
 */
export const ERROR_TABLE = {
  HUB_ERR_UNAUTHENTICATED: [401, 'Missing or invalid credentials'],
  HUB_ERR_ACCOUNT_LOCKED: [423, 'The account is locked after repeated failed logins until %s'],
  HUB_ERR_CSRF: [403, 'Refused as a possible cross-site request: a session-cookie request must carry its session\'s X-CSRF-Token header, and a client-certificate request must not come from another site\'s page'],
  HUB_ERR_FORBIDDEN: [403, 'This key may not %s'],
  HUB_ERR_SENDER_MISMATCH: [403, 'Sender %s is not the calling agency %s'],
  HUB_ERR_MALFORMED_BODY: [400, 'The request body could not be parsed: %s'],
  HUB_ERR_VALIDATION: [400, 'The request does not match its schema'],
  HUB_ERR_INVALID_ATTACHMENT: [400, 'Attachment %s is invalid: %s'],
  HUB_ERR_UNKNOWN_AGENCY: [422, 'Unknown agency %s'],
  HUB_ERR_NOT_A_RECIPIENT: [403, 'Agency %s is not a recipient of message %s'],
  HUB_ERR_BODY_TOO_LARGE: [413, 'The request body exceeds the limit of %s bytes'],
  HUB_ERR_UNSUPPORTED_MEDIA_TYPE: [415, 'Content type %s is not accepted here'],
  HUB_ERR_DUPLICATE: [409, 'Message already accepted as %s'],
  HUB_ERR_IDEMPOTENCY_KEY_REUSED: [422, 'Idempotency-Key %s was used for a different message'],
  HUB_ERR_NOT_FOUND: [404, '%s not found'],
  HUB_ERR_XML_MALFORMED: [400, 'The XML is not well-formed: %s'],
  HUB_ERR_XML_FORBIDDEN: [400, 'The XML uses a construct the hub refuses: %s'],
  HUB_ERR_XML_LIMIT: [413, 'The XML exceeds a limit: %s'],
  HUB_ERR_EDXML_INVALID: [422, 'The edXML packet is invalid: %s'],
  HUB_ERR_SIGNATURE_INVALID: [422, 'The XML signature does not verify: %s'],
  HUB_ERR_SIGNATURE_REQUIRED: [422, 'A verifiable XML signature is required on this route: %s'],
  HUB_ERR_REVOCATION_UNAVAILABLE: [503, 'The revocation status of the signer certificate cannot be established now (%s): try again later'],
  HUB_ERR_INVALID_AGENCY_CODE: [422, 'Agency code %s is not valid: %s'],
  HUB_ERR_INVALID_STATE: [409, '%s'],
  HUB_ERR_ALREADY_PAUSED: [409, 'Endpoint %s is already paused (since %s, by %s)'],
  HUB_ERR_NOT_PAUSED: [409, 'Endpoint %s is not paused'],
  HUB_ERR_ENDPOINT_UNAVAILABLE: [409, 'Endpoint %s is %s: configure and enable it before %s'],
  HUB_ERR_DUPLICATE_DOSSIER: [409, 'Dossier already filed as %s'],
  HUB_ERR_INVALID_DOSSIER_NUMBER: [422, 'Dossier number %s is not of the form <agency code>-<yyMMdd>-<seq> for agency %s'],
  HUB_ERR_NO_DOSSIER_TARGET: [422, 'No %s system is configured for dossiers of %s'],
  HUB_ERR_CERT_UNKNOWN_ISSUER: [401, 'Certificate %s does not chain to a trusted CA: %s'],
  HUB_ERR_CERT_EXPIRED: [401, 'Certificate %s is not within its validity period: %s'],
  HUB_ERR_CERT_REVOKED: [401, 'Certificate %s is revoked: %s'],
  HUB_ERR_CERT_WRONG_USAGE: [401, 'Certificate %s may not be used for %s'],
  HUB_ERR_CERT_REVOCATION_UNKNOWN: [401, 'The revocation status of certificate %s cannot be established: %s'],
  HUB_ERR_CERT_UNMAPPED: [403, 'Certificate %s is not mapped to an agency'],
  HUB_ERR_INVALID_CURSOR: [400, 'The page cursor is not valid: %s'],
  HUB_ERR_EXPORTS_BUSY: [429, 'This hub process already streams %s audit exports: try again when one has finished'],
  HUB_ERR_CONFIG_REJECTED: [422, 'The configuration change is refused: %s'],
  HUB_ERR_CONFIG_CONFLICT: [409, '%s'],
  HUB_ERR_AUDIT_UNAVAILABLE: [503, 'The audit log cannot be written (%s): the hub accepts nothing without evidence'],
  HUB_ERR_OVERLOADED: [503, 'The hub holds as many request bodies as it may (%s): try again shortly, with the same Idempotency-Key'],
  HUB_ERR_NOT_READY: [503, 'Not ready: %s'],
  HUB_ERR_STORAGE_FULL: [507, 'The hub\'s storage is full: nothing of this request was kept; try again later'],
  HUB_ERR_STORE_UNAVAILABLE: [503, 'The database cannot be reached: try again later (with the same Idempotency-Key)'],
  HUB_ERR_INTERNAL: [500, 'Internal error'],
  HUB_ERR_ENV_INVALID: [500, 'Invalid environment: %s'],
  HUB_ERR_CONFIG_INVALID: [500, 'Invalid hub configuration: %s'],
  HUB_ERR_KEYS_MISSING: [500, 'Hub signing key or certificate missing: %s'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERROR_TABLE;

function build<C extends ErrorCode>(code: C): FastifyErrorConstructor<{ code: C; statusCode: number }> {
  const [status, message] = ERROR_TABLE[code];
  return createError(code, message, status) as FastifyErrorConstructor<{ code: C; statusCode: number }>;
}

export const errors = Object.fromEntries(
  (Object.keys(ERROR_TABLE) as ErrorCode[]).map((code) => [code, build(code)]),
) as { [C in ErrorCode]: FastifyErrorConstructor<{ code: C; statusCode: number }> };

/** Extra, safe-to-show fields an error carries to the client (validation paths, the original id …). */
export interface ErrorDetails {
  details?: unknown;
}

/** Creates a coded error with optional client-visible details. */
export function hubError(code: ErrorCode, args: readonly unknown[] = [], details?: unknown): Error & ErrorDetails & { code: ErrorCode; statusCode: number } {
  const err = new errors[code](...(args as unknown[])) as unknown as Error & ErrorDetails & { code: ErrorCode; statusCode: number };
  if (details !== undefined) err.details = details;
  return err;
}

export function isHubError(err: unknown): err is Error & ErrorDetails & { code: ErrorCode; statusCode: number } {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code in ERROR_TABLE;
}
