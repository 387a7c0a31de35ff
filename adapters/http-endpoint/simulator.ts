import { createHash, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  RecordedRequest,
  SimulatorBehaviour,
  SimulatorHandle,
  SimulatorOptions,
} from '../../src/adapters/adapter-contract.js';
import { parseJsonObject } from '../../src/adapters/json-values.js';
import { RequestLog } from '../../src/adapters/request-log.js';
import { BehaviourBook, scriptedAnswer } from '../../src/adapters/simulator-behaviours.js';
import { flatHeaders, sendJson } from '../../src/adapters/simulator-http.js';
import { SimulatorServer } from '../../src/adapters/simulator-server.js';
import { verifyJwsSignature } from '../../src/crypto/jws.js';

/**
 * A request as this simulator records it. XML bodies are hashed as they stream in and kept only up
 * to {@link KEPT_XML_BODY_BYTES} (a 70 MB edXML packet is never held whole): `bodySize` and
 * `bodySha256` describe the whole body whether or not `body` holds it.
 */
export interface HttpEndpointRecordedRequest extends RecordedRequest {
  /** When the request's headers arrived (`at` is when its body had been read). */
  startedAt: Date;
  /** Bytes of the whole body as received (counted up to the size limit). */
  bodySize: number;
  /** Lowercase hex SHA-256 of the whole body; empty when it was over the size limit. */
  bodySha256: string;
  /** `body` holds the whole body (false: too large to keep, or `recordBodies: false`). */
  bodyKept: boolean;
}

/** A running agency-endpoint simulator, with what only this simulator can tell. */
export interface HttpEndpointSimulatorHandle extends SimulatorHandle {
  requests(mailbox?: string): HttpEndpointRecordedRequest[];
  /** Distinct `Idempotency-Key`s accepted (200) by `mailbox`, or by all mailboxes when absent. */
  uniqueDeliveries(mailbox?: string): number;
}

// Requests larger than these are refused with 413 (a real agency gateway has a limit too). A JSON
// body is held whole (it is parsed); an XML one is only hashed as it streams, so it may be larger:
// a 50 MB attachment is ~70 MB of edXML.
const MAX_JSON_BODY_BYTES = 64 * 1024 * 1024;
const MAX_XML_BODY_BYTES = 256 * 1024 * 1024;
/** XML bodies up to this size are kept for tests to read; larger ones are recorded by size and digest. */
export const KEPT_XML_BODY_BYTES = 1024 * 1024;
// Enough of the body to tell an XML document from anything else.
const HEAD_BYTES = 256;
const INBOX_PATH = /^\/inbox\/([^/?#]+)\/?(?:\?.*)?$/;

/**
 * Starts a simulator of agency document systems on loopback. `POST /inbox/:mailbox` accepts
 * deliveries (mailboxes exist on first use); `GET /healthz` answers 200. Each mailbox follows its
 * behaviour (or the `*` one): ok, fail, flaky, slow or down. With `hubCertificatePem` it checks
 * `Lienthong-Signature` against the chain's leaf and `Content-Digest` against the body (401 when
 * either is wrong). Redeliveries with a known `Idempotency-Key` answer 200 with the first id.
 * Bodies are hashed as they stream in; an XML body is kept only when small (see
 * {@link HttpEndpointRecordedRequest}), so a 70 MB edXML packet costs the simulator no more memory
 * than a small one.
 */
export async function startHttpEndpointSimulator(options: SimulatorOptions = {}): Promise<HttpEndpointSimulatorHandle> {
  const hubKey = options.hubCertificatePem !== undefined ? leafPublicKey(options.hubCertificatePem) : undefined;
  const behaviours = new BehaviourBook<SimulatorBehaviour>();
  const recorded = new RequestLog<HttpEndpointRecordedRequest>();
  /** mailbox → idempotency key → simulator id. */
  const accepted = new Map<string, Map<string, string>>();
  let sequence = 0;

  async function handleInbox(mailbox: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = new Date();
    const headers = flatHeaders(req);
    // An endpoint configured with `format: edxml` gets the XML packet; every other one the JSON envelope.
    const xml = (headers['content-type'] ?? '').startsWith('application/xml');
    const recordBodies = options.recordBodies !== false;
    const body = await streamBody(req, {
      maxBytes: xml ? MAX_XML_BODY_BYTES : MAX_JSON_BODY_BYTES,
      keepBytes: !recordBodies ? 0 : xml ? KEPT_XML_BODY_BYTES : MAX_JSON_BODY_BYTES,
    });
    const record = recorded.add({
      mailbox, at: new Date(), startedAt, headers, body: body.kept ?? Buffer.alloc(0), bodyKept: body.kept !== undefined,
      bodySize: body.size, bodySha256: body.sha256?.toString('hex') ?? '', status: 0,
    });
    const answer = (status: number, payload: unknown, extra: Record<string, string> = {}): void => {
      record.status = status;
      sendJson(res, status, payload, extra);
    };
    if (body.sha256 === undefined) return answer(413, { error: 'payload_too_large' });

    // 1. Network-level behaviours first: a dead or slow host never gets to look at the request.
    const slot = behaviours.slotFor(mailbox);
    if (!(await server.passesNetwork(slot, req))) return;
    // 2. Authenticate the hub and check the body it signed.
    if (hubKey) {
      const problem = checkSignature(record.headers, body.sha256, hubKey);
      if (problem) return answer(401, { error: 'unauthorized', message: problem });
    }
    // 3. Scripted failures.
    const failure = scriptedAnswer(slot, { failure: (scripted) => scripted });
    if (failure) return answer(failure.httpStatus, { error: 'simulated_failure', status: failure.httpStatus }, failure.headers);
    // 4. Accept (once per idempotency key).
    const key = record.headers['idempotency-key'];
    if (!key) return answer(400, { error: 'missing_idempotency_key' });
    if (recordBodies) {
      if (xml ? !isXmlDocument(body.head) : !parseJsonObject((body.kept ?? Buffer.alloc(0)).toString('utf8'))) {
        return answer(400, { error: 'malformed_body', message: xml ? 'body is not an XML document' : 'body is not a JSON object' });
      }
    }
    let inbox = accepted.get(mailbox);
    if (!inbox) accepted.set(mailbox, (inbox = new Map()));
    const known = inbox.get(key);
    if (known !== undefined) return answer(200, { id: known, received: true, duplicate: true });
    const id = `sim-${++sequence}`;
    inbox.set(key, id);
    answer(200, { id, received: true });
  }

  const server = new SimulatorServer((req, res) => {
    const url = req.url ?? '/';
    const inbox = req.method === 'POST' ? INBOX_PATH.exec(url) : null;
    if (inbox) {
      let mailbox: string;
      try {
        mailbox = decodeURIComponent(inbox[1] as string);
      } catch {
        return sendJson(res, 400, { error: 'bad_mailbox' });
      }
      handleInbox(mailbox, req, res).catch(() => req.socket.destroy());
      return;
    }
    req.resume();
    if (req.method === 'GET' && (url === '/healthz' || url.startsWith('/healthz?'))) return sendJson(res, 200, { ok: true });
    sendJson(res, 404, { error: 'not_found' });
  });

  return {
    url: await server.listen(options),
    setBehaviour: (mailbox, behaviour) => behaviours.set(mailbox, behaviour),
    requests: (mailbox) => recorded.of(mailbox),
    uniqueDeliveries(mailbox) {
      if (mailbox !== undefined) return accepted.get(mailbox)?.size ?? 0;
      let total = 0;
      for (const inbox of accepted.values()) total += inbox.size;
      return total;
    },
    reset() {
      behaviours.clear();
      recorded.clear();
      accepted.clear();
    },
    close: () => server.close(),
  };
}

/** What {@link streamBody} learnt of a request body. */
interface StreamedBody {
  size: number;
  /** SHA-256 of the whole body; undefined when it exceeded `maxBytes` (the rest was drained unread). */
  sha256?: Buffer;
  /** Its first {@link HEAD_BYTES} bytes. */
  head: Buffer;
  /** The whole body, when it fitted in `keepBytes`. */
  kept?: Buffer;
}

/** Reads a request body as it streams: hashed and counted, kept only while within `keepBytes`. */
async function streamBody(req: IncomingMessage, limits: { maxBytes: number; keepBytes: number }): Promise<StreamedBody> {
  const hash = createHash('sha256');
  let chunks: Buffer[] | undefined = [];
  let head = Buffer.alloc(0);
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limits.maxBytes) {
      chunks = undefined;
      continue; // drained, not kept: the answer is 413
    }
    hash.update(chunk);
    if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
    if (chunks && size <= limits.keepBytes) chunks.push(chunk);
    else chunks = undefined;
  }
  if (size > limits.maxBytes) return { size, head };
  return { size, sha256: hash.digest(), head, ...(chunks && { kept: Buffer.concat(chunks, size) }) };
}

/** Why the request is not provably from the hub and intact, or `undefined` when it is. */
function checkSignature(headers: Record<string, string>, bodySha256: Buffer, hubKey: KeyObject): string | undefined {
  const jws = headers['lienthong-signature'];
  if (!jws) return 'missing Lienthong-Signature';
  let payload: Record<string, unknown>;
  try {
    payload = verifyJwsSignature(jws, hubKey).payload;
  } catch {
    return 'Lienthong-Signature does not verify against the hub certificate';
  }
  const digestHeader = headers['content-digest'];
  const expected = `sha-256=:${bodySha256.toString('base64')}:`;
  if (!digestHeader || !sameText(digestHeader, expected)) return 'Content-Digest does not match the body';
  if (payload.contentDigest !== digestHeader) return 'Content-Digest is not the one the hub signed';
  if (payload.idempotencyKey !== headers['idempotency-key']) return 'Idempotency-Key is not the one the hub signed';
  if (payload.messageId !== headers['lienthong-message-id']) return 'Lienthong-Message-Id is not the one the hub signed';
  if (payload.deliveryId !== headers['lienthong-delivery-id']) return 'Lienthong-Delivery-Id is not the one the hub signed';
  return undefined;
}

function leafPublicKey(chainPem: string): KeyObject {
  const leafPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(chainPem)?.[0];
  if (!leafPem) throw new Error('hubCertificatePem holds no certificate');
  return new X509Certificate(leafPem).publicKey;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Starts like an XML document (declaration or root element): what an agency's parser would try. */
function isXmlDocument(head: Buffer): boolean {
  return /^(<\?xml[^>]*\?>\s*)?<[A-Za-z_]/.test(head.toString('utf8'));
}
