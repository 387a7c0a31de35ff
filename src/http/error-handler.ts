import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hubError, isHubError, type ErrorCode } from '../errors.js';
import { isStorageFull, isStoreUnavailable } from '../store/store-failures.js';

/** Fastify's own error codes and the hub code each becomes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'HUB_ERR_BODY_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'HUB_ERR_BODY_TOO_LARGE',
  FST_PARTS_LIMIT: 'HUB_ERR_BODY_TOO_LARGE',
  FST_FILES_LIMIT: 'HUB_ERR_BODY_TOO_LARGE',
  FST_FIELDS_LIMIT: 'HUB_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'HUB_ERR_MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'HUB_ERR_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'HUB_ERR_MALFORMED_BODY',
  FST_PROTO_VIOLATION: 'HUB_ERR_MALFORMED_BODY',
  FST_INVALID_JSON_FIELD_ERROR: 'HUB_ERR_MALFORMED_BODY',
  FST_MP_PREMATURE_CLOSE: 'HUB_ERR_MALFORMED_BODY',
};

/** Errors that say when to come back (`Retry-After`, seconds): the outage is short, or a slot frees soon. */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = {
  HUB_ERR_STORE_UNAVAILABLE: 2,
  HUB_ERR_EXPORTS_BUSY: 5,
  HUB_ERR_OVERLOADED: 1,
};

/**
 * One error handler: every failure leaves as `{ code, message, errorId, details? }` with a HUB_ERR_*
 * code. Unknown errors are logged with their stack under the same errorId and shown as internal.
 */
export function installErrorHandler(app: FastifyInstance, limits: { bodyLimit: number; attachmentLimit: number }): void {
  app.setErrorHandler((err: FastifyError & { details?: unknown }, request, reply) => {
    let coded: ReturnType<typeof hubError>;
    if (err.validation) {
      coded = hubError('HUB_ERR_VALIDATION', [], err.validation.map((v) => ({ path: `${err.validationContext ?? ''}${v.instancePath}`, message: v.message, params: v.params })));
    } else if (isHubError(err)) {
      coded = err;
    } else if (err.code && FASTIFY_CODES[err.code]) {
      const code = FASTIFY_CODES[err.code]!;
      const args = code === 'HUB_ERR_BODY_TOO_LARGE' ? [err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? limits.bodyLimit : limits.attachmentLimit]
        : code === 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE' ? [request.headers['content-type'] ?? '(none)'] : [err.message];
      coded = hubError(code, args);
    } else if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
      coded = hubError('HUB_ERR_MALFORMED_BODY', [err.message]);
    } else if (isStorageFull(err)) {
      request.log.error({ err: { message: err.message, code: err.code }, errorId: request.id }, 'storage full: request refused');
      coded = hubError('HUB_ERR_STORAGE_FULL');
    } else if (isStoreUnavailable(err)) {
      request.log.warn({ err: { message: err.message, code: err.code }, errorId: request.id }, 'database unreachable: answered 503');
      coded = hubError('HUB_ERR_STORE_UNAVAILABLE');
    } else {
      request.log.error({ err, errorId: request.id }, 'unhandled error');
      coded = hubError('HUB_ERR_INTERNAL');
    }
    sendCoded(request, reply, coded);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ code: 'HUB_ERR_NOT_FOUND', message: `Route ${request.method} ${request.url.split('?')[0]} not found`, errorId: request.id });
  });
}

/** Logs a coded error at its level and sends it as `{ code, message, errorId, details? }`. */
function sendCoded(request: FastifyRequest, reply: FastifyReply, coded: ReturnType<typeof hubError>): void {
  // Shed load is counted (lienthong_requests_shed_total), not logged as an error: a burst would flood the log.
  if (coded.statusCode >= 500 && !['HUB_ERR_INTERNAL', 'HUB_ERR_STORE_UNAVAILABLE', 'HUB_ERR_STORAGE_FULL', 'HUB_ERR_OVERLOADED'].includes(coded.code)) request.log.error({ err: coded, errorId: request.id }, coded.message);
  else if (coded.statusCode < 500 || coded.code === 'HUB_ERR_OVERLOADED') request.log.info({ code: coded.code, errorId: request.id }, coded.message);
  const retryAfter = RETRY_AFTER_SECONDS[coded.code];
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  void reply.status(coded.statusCode).send({
    code: coded.code,
    message: coded.message,
    errorId: request.id,
    ...(coded.details !== undefined ? { details: coded.details } : {}),
  });
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route or hook runs — a URL that
 * does not percent-decode (`FST_ERR_BAD_URL`), a path parameter over its length — answered in the
 * hub's shape (`400 HUB_ERR_VALIDATION`, `details[0].path` = `url`) instead of Fastify's uncoded one.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendCoded(request, reply, hubError('HUB_ERR_VALIDATION', [], [{ path: 'url', message: err.message }]));
}

/**
 * Refuses a URL holding `%00` before anything reads it: U+0000 decodes into a path parameter or a
 * query value like any other character, and no PostgreSQL text can hold it (the query would fail
 * as an internal error). Bodies are checked for it where they are parsed (`jsonShapeProblem`).
 */
export function refuseNulInUrl(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (/%00/i.test(request.url)) throw hubError('HUB_ERR_VALIDATION', [], [{ path: 'url', message: 'must not hold %00 (U+0000), which the hub cannot store or look up' }]);
  });
}
