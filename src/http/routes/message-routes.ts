import type { Multipart } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import type { Principal } from '../../auth/principal.js';
import type { AttachmentMeta, DocumentMetadata, StatusReport } from '../../domain/message.js';
import { hubError, isHubError } from '../../errors.js';
import type { Readable } from 'node:stream';
import type { ForwardedEdxml } from '../../forwarding/forwarded-edxml.js';
import type { EdxmlIntake } from '../../intake/edxml-intake.js';
import type { RemoteProgressReader } from '../../remote/remote-progress.js';
import type { IntakeService } from '../../intake/intake-service.js';
import { storeInlineAttachments, type InlineAttachment } from '../../intake/store-inline-attachments.js';
import type { Metrics } from '../../metrics.js';
import { formatAjvErrors, SCHEMA_BASE, type SchemaCatalogue } from '../../schema-catalogue.js';
import { BlobTooLargeError, type BlobStore, type StagedBlob } from '../../store/blob-store.js';
import type { InlineBlob } from '../../store/database-blobs.js';
import type { Queryable } from '../../store/db.js';
import { readMessageView } from '../../store/read-message-view.js';
import { authenticate, principalOf } from '../authenticate.js';
import { drainSmallRemainder } from '../drain-request.js';
import { isStorageFull } from '../../store/store-failures.js';
import { idempotencyKeyOf } from '../idempotency-key.js';
import { jsonShapeProblem } from '../json-shape.js';
import { readScope } from '../message-scope.js';

export interface MessageRoutesDeps {
  db: Queryable;
  blobs: BlobStore;
  intake: IntakeService;
  apiKeys: ApiKeyResolver;
  catalogue: SchemaCatalogue;
  metrics: Metrics;
  attachmentLimit: number;
  /** Inline attachments up to this size go to the database with the message. */
  blobInlineMax: number;
  forwardedEdxml: ForwardedEdxml;
  /** edXML bodies: read, signature policy, acceptance. */
  edxmlIntake: EdxmlIntake;
  /** Live per-recipient progress from relaying systems (the axis). */
  remoteProgress: RemoteProgressReader;
  now(): Date;
}

interface MessageRequest {
  sender: string;
  recipients: string[];
  document: DocumentMetadata;
  attachments?: InlineAttachment[];
}

const ref = (name: string) => ({ $ref: `${SCHEMA_BASE}${name}.json#` });
const errorResponses = { 400: ref('error-response'), 401: ref('error-response'), 403: ref('error-response'), 404: ref('error-response'), 409: ref('error-response'), 413: ref('error-response'), 415: ref('error-response'), 422: ref('error-response') };

/** Who may read a message: its sender, its recipients (their own delivery only), and the hub's roles. */
const XML_TYPES = ['application/xml', 'text/xml'];

export async function messageRoutes(app: FastifyInstance, deps: MessageRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));
  // edXML is parsed as it streams in (attachments straight to the blob store), so the raw request
  // stream is the body; the parser enforces the size limit.
  app.addContentTypeParser(XML_TYPES, (_request, payload, done) => done(null, payload));
  const validateRequest = deps.catalogue.validator<MessageRequest>('message-request');

  /**
   * Multipart: a `message` field (the JSON document, first) followed by file parts. Each file streams
   * into the blob folder as it arrives but is only staged there; the files are stored under their
   * names once the whole body has been read and found sound, so a body refused half-way — a 101st
   * file, a file over the limit, a broken or unterminated boundary — leaves nothing behind.
   */
  const readMultipart = async (request: FastifyRequest, principal: Principal): Promise<{ body: MessageRequest; files: AttachmentMeta[]; inline: Awaited<ReturnType<typeof storeInlineAttachments>> }> => {
    let body: MessageRequest | undefined;
    const files: AttachmentMeta[] = [];
    const staged: StagedBlob[] = [];
    const parts = request.parts({ limits: { fileSize: deps.attachmentLimit, files: 100, fields: 1, fieldSize: 1_048_576 } })[Symbol.asyncIterator]();
    try {
      for (let next = await nextPart(parts); !next.done; next = await nextPart(parts)) {
        const part = next.value;
        if (part.type === 'field') {
          if (part.fieldname !== 'message' || body) throw hubError('HUB_ERR_VALIDATION', [], [{ path: `multipart/${part.fieldname}`, message: 'the only field is "message", once, before the files' }]);
          body = messageField(part.value);
          if (!validateRequest(body)) throw hubError('HUB_ERR_VALIDATION', [], formatAjvErrors(validateRequest.errors, 'message'));
          deps.intake.checkParties(principal, body.sender, body.recipients);
          continue;
        }
        if (!body) throw hubError('HUB_ERR_VALIDATION', [], [{ path: 'multipart', message: 'the "message" field must come before the files' }]);
        const name = part.filename || `attachment-${files.length + 1}`;
        const blob = await stageFile(part.file);
        staged.push(blob);
        if (part.file.truncated) throw hubError('HUB_ERR_BODY_TOO_LARGE', [deps.attachmentLimit]);
        if (blob.size === 0) throw hubError('HUB_ERR_INVALID_ATTACHMENT', [name, 'file is empty']);
        files.push({ index: 0, name, contentType: part.mimetype || 'application/octet-stream', size: blob.size, sha256: blob.sha256 });
      }
      if (!body) throw hubError('HUB_ERR_VALIDATION', [], [{ path: 'multipart', message: 'a "message" field is required' }]);
      // The message's own base64 attachments are checked before any staged file is kept.
      const inline = await storeInlineAttachments(deps.blobs, body.attachments, deps.blobInlineMax);
      for (const blob of staged) await blob.commit();
      return { body, files, inline };
    } catch (err) {
      await Promise.all(staged.map((blob) => blob.discard()));
      throw err;
    }
  };

  /** The `message` field as JSON (a string, or what the plugin parsed for a part typed application/json), of a sane shape. */
  const messageField = (value: unknown): MessageRequest => {
    let parsed: unknown = value;
    if (typeof value === 'string') {
      try {
        parsed = JSON.parse(value);
      } catch (err) {
        throw hubError('HUB_ERR_MALFORMED_BODY', [`message field: ${(err as Error).message}`]);
      }
    }
    const problem = jsonShapeProblem(parsed);
    if (problem !== undefined) throw hubError('HUB_ERR_MALFORMED_BODY', [`message field: ${problem}`]);
    return parsed as MessageRequest;
  };

  /**
   * Stages one file part. A failure of the part itself (the body broke off or its boundary never
   * came; the parser may have failed it before it was handed over) is the client's, not the disk's.
   */
  const stageFile = async (file: Readable): Promise<StagedBlob> => {
    let sourceError: unknown = file.errored ?? undefined;
    file.once('error', (err) => { sourceError = err; });
    try {
      return await deps.blobs.stage(file, { maxBytes: deps.attachmentLimit });
    } catch (err) {
      if (err instanceof BlobTooLargeError) throw hubError('HUB_ERR_BODY_TOO_LARGE', [deps.attachmentLimit]);
      const failure = sourceError ?? file.errored ?? undefined;
      if (failure !== undefined) throw multipartError(failure);
      throw err;
    }
  };

  app.post('/v1/messages', {
    schema: {
      summary: 'Submit an official document (or an edXML status packet) for delivery',
      description: 'JSON with inline base64 attachments; multipart/form-data with a `message` field (the same JSON) followed by file parts; or an edXML packet (QCVN 102:2016) as `application/xml` — a document (new, revoke, update, replace) or a status packet. Optional `Idempotency-Key` header.',
      tags: ['messages'],
      body: { content: { 'application/json': { schema: ref('message-request') } } },
      response: { 202: ref('message-accepted'), ...errorResponses },
    },
  }, async (request, reply) => {
    const started = process.hrtime.bigint();
    const principal = principalOf(request);
    const idempotencyKey = idempotencyKeyOf(request);
    if (isXml(request)) {
      let accepted: Awaited<ReturnType<EdxmlIntake>>;
      try {
        accepted = await deps.edxmlIntake(request.body as Readable, { kind: 'api', principal }, idempotencyKey ? { idempotencyKey } : {});
      } catch (err) {
        // Refused before the body was read to its end: the rest is still on the connection, and the
        // next request on it would be read from the middle of this one. A small rest is read and
        // dropped (the client gets the answer); otherwise the connection closes after the answer.
        if (!(await drainSmallRemainder(request.raw))) reply.header('connection', 'close');
        throw err;
      }
      deps.metrics.acceptSeconds.observe({ route: 'messages' }, Number(process.hrtime.bigint() - started) / 1e9);
      const location = accepted.kind === 'document' ? `/v1/messages/${accepted.id}` : undefined;
      if (location) reply.header('location', location);
      return reply.status(202).send({ id: accepted.id, receipt: accepted.receipt });
    }
    let body: MessageRequest;
    let attachments: AttachmentMeta[];
    let inlineBlobs: InlineBlob[];
    if (request.isMultipart()) {
      let parsed: Awaited<ReturnType<typeof readMultipart>>;
      try {
        parsed = await readMultipart(request, principal);
      } catch (err) {
        // As for edXML: a small rest of a body refused half-way is dropped, else the connection closes after the answer.
        if (!(await drainSmallRemainder(request.raw))) reply.header('connection', 'close');
        throw err;
      }
      body = parsed.body;
      attachments = [...parsed.inline.attachments, ...parsed.files].map((a, index) => ({ ...a, index }));
      inlineBlobs = parsed.inline.inlineBlobs;
    } else {
      body = request.body as MessageRequest;
      deps.intake.checkParties(principal, body.sender, body.recipients);
      ({ attachments, inlineBlobs } = await storeInlineAttachments(deps.blobs, body.attachments, deps.blobInlineMax));
    }
    const accepted = await deps.intake.acceptDocument(principal, {
      sender: body.sender, recipients: body.recipients, document: body.document, attachments, inlineBlobs,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    deps.metrics.acceptSeconds.observe({ route: 'messages' }, Number(process.hrtime.bigint() - started) / 1e9);
    return reply.status(202).header('location', `/v1/messages/${accepted.id}`).send(accepted);
  });

  function isXml(request: FastifyRequest): boolean {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    return XML_TYPES.includes(type);
  }

  const idParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', format: 'uuid', description: 'Message id.' } } };

  app.get<{ Params: { id: string } }>('/v1/messages/:id', {
    schema: { summary: 'A message with per-recipient delivery state, attempts and timeline', tags: ['messages'], params: idParams },
  }, async (request) => {
    const principal = principalOf(request);
    const scope = await readScope(deps.db, principal, request.params.id);
    const view = await readMessageView(deps.db, request.params.id, scope.onlyRecipient);
    if (!view) throw hubError('HUB_ERR_NOT_FOUND', [`Message ${request.params.id}`]);
    return { ...view.message, createdAt: view.message.createdAt.toISOString(), deliveries: view.deliveries, timeline: view.timeline };
  });

  app.get<{ Params: { id: string } }>('/v1/messages/:id/receipts', {
    schema: { summary: 'Every signed receipt issued for a message', tags: ['messages'], params: idParams },
  }, async (request) => {
    const principal = principalOf(request);
    const scope = await readScope(deps.db, principal, request.params.id);
    const { rows } = await deps.db.query<{ id: string; event: string; delivery_id: string | null; recipient: string | null; status_code: string | null; created_at: Date; jws: string }>(
      `SELECT r.id, r.event, r.delivery_id, d.recipient, r.status_code, r.created_at, r.jws
         FROM receipts r LEFT JOIN deliveries d ON d.id = r.delivery_id
        WHERE r.message_id = $1 AND ($2::text IS NULL OR d.recipient IS NULL OR d.recipient = $2)
        ORDER BY r.created_at, r.id`, [request.params.id, scope.onlyRecipient ?? null]);
    return {
      messageId: request.params.id,
      receipts: rows.map((r) => ({ id: r.id, event: r.event, deliveryId: r.delivery_id, recipient: r.recipient, statusCode: r.status_code, createdAt: r.created_at.toISOString(), jws: r.jws })),
    };
  });

  app.get<{ Params: { id: string } }>('/v1/messages/:id/progress', {
    schema: {
      summary: 'How far relaying systems (the national axis) got with each recipient, asked now',
      description: 'For each delivery a relaying endpoint took (it gave the packet a remote id), that system\'s own per-recipient send and receive status (the axis: getSentEdocList), in its vocabulary. A system that cannot answer is reported in `error` for its deliveries. Recipients see their own delivery only.',
      tags: ['messages'], params: idParams,
    },
  }, async (request) => {
    const principal = principalOf(request);
    const scope = await readScope(deps.db, principal, request.params.id);
    return { deliveries: await deps.remoteProgress(request.params.id, scope.onlyRecipient ? { onlyRecipient: scope.onlyRecipient } : {}) };
  });

  app.get<{ Params: { id: string } }>('/v1/messages/:id/edxml', {
    schema: {
      summary: 'The message as the hub forwards it in edXML, signed by the hub (XML-DSig, enveloped, exclusive c14n)',
      description: 'The same bytes every edXML recipient receives: verify with `xmlsec1 --verify --trusted-pem <hub CA> packet.edxml`.',
      tags: ['messages'], params: idParams,
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    await readScope(deps.db, principal, request.params.id);
    const packet = await deps.forwardedEdxml(request.params.id);
    return reply
      .header('content-type', 'application/xml; charset=utf-8')
      .header('content-length', String(packet.size))
      .header('digest', `sha-256=${packet.sha256.toString('base64')}`)
      .send(packet.open());
  });

  app.post<{ Params: { id: string }; Body: { code: StatusReport['code']; description?: string; staff?: StatusReport['staff']; at?: string } }>('/v1/messages/:id/status', {
    schema: {
      summary: 'A recipient reports a business status (01–06, 13, 15, 16); it becomes a signed receipt and reaches the sender',
      tags: ['messages'], params: idParams,
      body: ref('status-request'),
      response: { 202: ref('message-accepted'), ...errorResponses },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const { code, description, staff, at } = request.body;
    const idempotencyKey = idempotencyKeyOf(request);
    // A retry must carry the same content: a time filled in by the hub would differ at each try.
    if (idempotencyKey !== undefined && at === undefined) {
      throw hubError('HUB_ERR_VALIDATION', [], [{ path: 'body/at', message: 'is required with an Idempotency-Key (a retry must repeat the same status)' }]);
    }
    const accepted = await deps.intake.reportStatus(principal, request.params.id, {
      code, ...(description ? { description } : {}), ...(staff ? { staff } : {}), at: at ?? deps.now().toISOString(),
    }, idempotencyKey !== undefined ? { idempotencyKey } : {});
    return reply.status(202).send(accepted);
  });
}

type MultipartParts = AsyncIterator<Multipart>;

/** The next part; what the multipart parser throws (no boundary, a broken or unterminated body) is a coded client error. */
async function nextPart(parts: MultipartParts): Promise<IteratorResult<Multipart>> {
  try {
    return await parts.next();
  } catch (err) {
    throw multipartError(err);
  }
}

/**
 * The multipart plugin's own errors keep their codes (limits → 413), and so does a full disk (the
 * staged file could not be written: 507); the parser's plain errors are a malformed body.
 */
function multipartError(err: unknown): unknown {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (isHubError(err) || isStorageFull(err) || (typeof code === 'string' && code.startsWith('FST_'))) return err;
  return hubError('HUB_ERR_MALFORMED_BODY', [`multipart: ${(err as Error | undefined)?.message ?? String(err)}`]);
}

