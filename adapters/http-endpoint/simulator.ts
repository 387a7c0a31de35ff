import { createHash, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  RecordedRequest,
  SimulatorBehaviour,
  SimulatorHandle,
  SimulatorOptions,
} from '../../src/adapters/adapter-contract.js';
import { verifyJwsSignature } from '../../src/crypto/jws.js';
import { closeSimulatorServer, flatHeaders, readBody, sendJson } from '../../src/adapters/simulator-http.js';

/** A running agency-endpoint simulator, with what only this simulator can tell. */
export interface HttpEndpointSimulatorHandle extends SimulatorHandle {
  /** Distinct `Idempotency-Key`s accepted (200) by `mailbox`, or by all mailboxes when absent. */
  uniqueDeliveries(mailbox?: string): number;
}

// Requests larger than this are refused with 413 (a real agency gateway has a limit too).
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const INBOX_PATH = /^\/inbox\/([^/?#]+)\/?(?:\?.*)?$/;

interface BehaviourSlot {
  behaviour: SimulatorBehaviour;
  /** For `fail` with a count: failures still to answer. */
  remaining?: number;
}

/**
 * Starts a simulator of agency document systems on loopback. `POST /inbox/:mailbox` accepts
 * deliveries (mailboxes exist on first use); `GET /healthz` answers 200. Each mailbox follows its
 * behaviour (or the `*` one): ok, fail, flaky, slow or down. With `hubCertificatePem` it checks
 * `Lienthong-Signature` against the chain's leaf and `Content-Digest` against the body (401 when
 * either is wrong). Redeliveries with a known `Idempotency-Key` answer 200 with the first id.
 */
export async function startHttpEndpointSimulator(options: SimulatorOptions = {}): Promise<HttpEndpointSimulatorHandle> {
  const hubKey = options.hubCertificatePem !== undefined ? leafPublicKey(options.hubCertificatePem) : undefined;
  const behaviours = new Map<string, BehaviourSlot>();
  const recorded: RecordedRequest[] = [];
  /** mailbox → idempotency key → simulator id. */
  const accepted = new Map<string, Map<string, string>>();
  const timers = new Set<NodeJS.Timeout>();
  let sequence = 0;

  const behaviourFor = (mailbox: string): BehaviourSlot | undefined => behaviours.get(mailbox) ?? behaviours.get('*');

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handleInbox(mailbox: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    const record: RecordedRequest = { mailbox, at: new Date(), headers: flatHeaders(req), body: body && options.recordBodies !== false ? body : Buffer.alloc(0), status: 0 };
    recorded.push(record);
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      sendJson(res, status, payload, headers);
    };
    if (body === undefined) return answer(413, { error: 'payload_too_large' });

    // 1. Network-level behaviours first: a dead or slow host never gets to look at the request.
    const slot = behaviourFor(mailbox);
    const behaviour = slot?.behaviour ?? { mode: 'ok' };
    if (behaviour.mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (behaviour.mode === 'slow') {
      // Like a real server, it goes on processing even if the client gave up meanwhile.
      await sleep(behaviour.delayMs);
    }
    // 2. Authenticate the hub and check the body it signed.
    if (hubKey) {
      const problem = checkSignature(record.headers, body, hubKey);
      if (problem) return answer(401, { error: 'unauthorized', message: problem });
    }
    // 3. Scripted failures.
    const failure = scriptedFailure(slot);
    if (failure) return answer(failure.status, { error: 'simulated_failure', status: failure.status }, failure.headers);
    // 4. Accept (once per idempotency key).
    const key = record.headers['idempotency-key'];
    if (!key) return answer(400, { error: 'missing_idempotency_key' });
    if (options.recordBodies !== false) {
      // An endpoint configured with `format: edxml` gets the XML packet; every other one the JSON envelope.
      const xml = (record.headers['content-type'] ?? '').startsWith('application/xml');
      if (xml ? !isXmlDocument(body) : !isJsonObject(body)) {
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

  const server = createServer((req, res) => {
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
  // The hub keeps connections alive; stay up longer than undici's default idle time (4 s).
  server.keepAliveTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    setBehaviour(mailbox, behaviour) {
      behaviours.set(mailbox, behaviour.mode === 'fail' && behaviour.count !== undefined ? { behaviour, remaining: behaviour.count } : { behaviour });
    },
    requests: (mailbox) => (mailbox === undefined ? [...recorded] : recorded.filter((r) => r.mailbox === mailbox)),
    uniqueDeliveries(mailbox) {
      if (mailbox !== undefined) return accepted.get(mailbox)?.size ?? 0;
      let total = 0;
      for (const inbox of accepted.values()) total += inbox.size;
      return total;
    },
    reset() {
      behaviours.clear();
      recorded.length = 0;
      accepted.clear();
    },
    close: () => closeSimulatorServer(server, timers),
  };
}

/** The status (and headers) a `fail` or `flaky` behaviour answers now, if any; counts down `fail`. */
function scriptedFailure(slot: BehaviourSlot | undefined): { status: number; headers: Record<string, string> } | undefined {
  if (!slot) return undefined;
  const behaviour = slot.behaviour;
  switch (behaviour.mode) {
    case 'fail': {
      if (slot.remaining !== undefined) {
        if (slot.remaining <= 0) return undefined;
        slot.remaining -= 1;
      }
      const headers: Record<string, string> =
        behaviour.retryAfterSeconds !== undefined ? { 'retry-after': String(behaviour.retryAfterSeconds) } : {};
      return { status: behaviour.status, headers };
    }
    case 'flaky':
      return Math.random() < behaviour.failureRate ? { status: 503, headers: {} } : undefined;
    case 'ok':
    case 'slow':
    case 'down':
      return undefined;
    default: {
      const unknown: never = behaviour;
      throw new Error(`Unknown simulator behaviour ${JSON.stringify(unknown)}`);
    }
  }
}

/** Why the request is not provably from the hub and intact, or `undefined` when it is. */
function checkSignature(headers: Record<string, string>, body: Buffer, hubKey: KeyObject): string | undefined {
  const jws = headers['lienthong-signature'];
  if (!jws) return 'missing Lienthong-Signature';
  let payload: Record<string, unknown>;
  try {
    payload = verifyJwsSignature(jws, hubKey).payload;
  } catch {
    return 'Lienthong-Signature does not verify against the hub certificate';
  }
  const digestHeader = headers['content-digest'];
  const expected = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
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
function isXmlDocument(body: Buffer): boolean {
  return /^(<\?xml[^>]*\?>\s*)?<[A-Za-z_]/.test(body.subarray(0, 256).toString('utf8'));
}

function isJsonObject(body: Buffer): boolean {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
