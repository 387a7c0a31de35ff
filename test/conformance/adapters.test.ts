import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adapterIds, adapters, type AnyAdapter } from '../../adapters/index.js';
import type { DeliveryContext, RecordedRequest, SimulatorHandle } from '../../src/adapters/adapter-contract.js';
import { createDevPki } from '../../src/crypto/dev-pki.js';
import { hubKeysFromPem, type HubKeys } from '../../src/crypto/hub-keys.js';
import { signJws, verifyJwsSignature } from '../../src/crypto/jws.js';
import type { Message } from '../../src/domain/message.js';

// Every `conformance.settingsFor` asks for a 2 s attempt timeout, so the timeout case stays quick.
const SETTINGS_TIMEOUT_MS = 2_000;
// How late an attempt may return after its timeout or abort (event loop, socket teardown).
const MARGIN_MS = 750;

const attachmentBytes = Buffer.from('%PDF-1.7\n… công văn số 123/UBND-VP …\n', 'utf8');
const attachmentSha = createHash('sha256').update(attachmentBytes).digest('hex');
const blobs = new Map([[attachmentSha, attachmentBytes]]);

function sampleMessage(): Message {
  return {
    id: `msg-${randomUUID()}`,
    kind: 'document',
    sender: '000.00.01.H29',
    recipients: ['000.00.02.H29'],
    document: {
      number: '123',
      notation: 'UBND-VP',
      promulgation: { place: 'Hà Nội', date: '2025-01-15' },
      documentType: { name: 'Công văn', code: 2 },
      subject: 'V/v triển khai liên thông văn bản điện tử',
      signer: { fullName: 'Nguyễn Văn A', position: 'Chánh Văn phòng' },
      urgency: 'normal',
    },
    attachments: [{ index: 0, name: 'cong-van.pdf', contentType: 'application/pdf', size: attachmentBytes.length, sha256: attachmentSha }],
    contentSha256: 'a'.repeat(64),
    createdAt: new Date('2025-01-15T08:00:00Z'),
  };
}

let mailboxSeq = 0;
const nextMailbox = (): string => `mb-${++mailboxSeq}`;

/** Finds the hub's compact JWS among the request headers and verifies it with the leaf's key. */
function verifyHubSignature(request: RecordedRequest, keys: HubKeys): Record<string, unknown> {
  const jws = Object.values(request.headers).find((value) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value));
  expect(jws, 'a compact JWS header').toBeDefined();
  return verifyJwsSignature(jws as string, keys.leaf.publicKey).payload;
}

// Closes the pools adapters keep between attempts (only http-endpoint keeps any today).
afterAll(async () => {
  for (const adapter of Object.values(adapters)) await adapter.close?.();
});

it('the table has one row per adapter id, each under its own id', () => {
  expect(adapterIds.length).toBeGreaterThan(0);
  for (const id of adapterIds) expect(adapters[id].id).toBe(id);
});

describe.each(Object.values(adapters) as AnyAdapter[])('adapter $id', (adapter) => {
  let keys: HubKeys;
  let otherKeys: HubKeys;
  let sim: SimulatorHandle;

  beforeAll(async () => {
    const [pki, otherPki] = await Promise.all([createDevPki({ alg: 'ES256' }), createDevPki({ alg: 'ES256' })]);
    keys = hubKeysFromPem({ certChainPem: pki.chainPem, keyPem: pki.hubKeyPem });
    otherKeys = hubKeysFromPem({ certChainPem: otherPki.chainPem, keyPem: otherPki.hubKeyPem });
    sim = await adapter.startSimulator({ hubCertificatePem: pki.chainPem });
  });
  afterEach(() => sim.reset());
  afterAll(() => sim?.close());

  function contextFor(
    mailbox: string,
    overrides: { signal?: AbortSignal; idempotencyKey?: string; attempt?: number; signer?: HubKeys; simulatorUrl?: string } = {},
  ): DeliveryContext<unknown> {
    const signer = (overrides.signer ?? keys).signer;
    return {
      deliveryId: `dlv-${randomUUID()}`,
      attempt: overrides.attempt ?? 1,
      idempotencyKey: overrides.idempotencyKey ?? `idem-${randomUUID()}`,
      recipient: '000.00.02.H29',
      endpoint: { id: `ep-${mailbox}`, settings: adapter.conformance.settingsFor(overrides.simulatorUrl ?? sim.url, mailbox) },
      signal: overrides.signal ?? new AbortController().signal,
      signJws: (payload, typ) => signJws(signer, payload, typ),
      openAttachment: (sha256) => {
        const bytes = blobs.get(sha256);
        if (!bytes) throw new Error(`no blob ${sha256}`);
        return Readable.from(bytes);
      },
      edxml: () => Promise.reject(new Error('no edXML packet in this test')),
      log: pino({ level: 'silent' }),
      now: () => new Date(),
    };
  }

  it('delivers on ok: one request, signed by the hub', async () => {
    const mailbox = nextMailbox();
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox));
    expect(outcome.kind).toBe('delivered');
    if (outcome.kind === 'delivered') expect(outcome.remoteId).toBeTruthy();
    const received = sim.requests(mailbox);
    expect(received).toHaveLength(1);
    expect(received[0]?.status).toBe(200);
    const payload = verifyHubSignature(received[0] as RecordedRequest, keys);
    expect(payload.recipient).toBe('000.00.02.H29');
  });

  it('is refused (permanent) when signed by a key the receiver does not trust', async () => {
    const mailbox = nextMailbox();
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox, { signer: otherKeys }));
    expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: 401 });
    expect(sim.requests(mailbox)[0]?.status).toBe(401);
  });

  it('is transient on 503', async () => {
    const mailbox = nextMailbox();
    sim.setBehaviour(mailbox, { mode: 'fail', status: 503 });
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox));
    expect(outcome).toMatchObject({ kind: 'transient', httpStatus: 503 });
  });

  it('is transient on 429 and passes Retry-After on', async () => {
    const mailbox = nextMailbox();
    sim.setBehaviour(mailbox, { mode: 'fail', status: 429, retryAfterSeconds: 7 });
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox));
    expect(outcome).toMatchObject({ kind: 'transient', httpStatus: 429, retryAfterMs: 7_000 });
  });

  it('is transient when the connection is dropped (down)', async () => {
    const mailbox = nextMailbox();
    sim.setBehaviour(mailbox, { mode: 'down' });
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox));
    expect(outcome.kind).toBe('transient');
    expect(sim.requests(mailbox).map((r) => r.status)).toEqual([0]);
  });

  it('is transient when the endpoint is slower than the timeout, and returns on time', async () => {
    const mailbox = nextMailbox();
    sim.setBehaviour(mailbox, { mode: 'slow', delayMs: SETTINGS_TIMEOUT_MS + 3_000 });
    const started = performance.now();
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox));
    const elapsed = performance.now() - started;
    expect(outcome.kind).toBe('transient');
    expect(elapsed).toBeGreaterThanOrEqual(SETTINGS_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(SETTINGS_TIMEOUT_MS + MARGIN_MS);
  });

  it.each([400, 404])('is permanent on %i', async (status) => {
    const mailbox = nextMailbox();
    sim.setBehaviour(mailbox, { mode: 'fail', status });
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox));
    expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: status });
  });

  it('a second attempt with the same idempotency key is a duplicate for the receiver', async () => {
    const mailbox = nextMailbox();
    const message = sampleMessage();
    const idempotencyKey = `idem-${randomUUID()}`;
    const first = await adapter.deliver(message, contextFor(mailbox, { idempotencyKey, attempt: 1 }));
    const second = await adapter.deliver(message, contextFor(mailbox, { idempotencyKey, attempt: 2 }));
    expect(first.kind).toBe('delivered');
    expect(second.kind).toBe('delivered');
    if (first.kind === 'delivered' && second.kind === 'delivered') expect(second.remoteId).toBe(first.remoteId);
    expect(sim.requests(mailbox)).toHaveLength(2);
    expect(sim.uniqueDeliveries(mailbox)).toBe(1);
  });

  it('never retries by itself: one request per deliver call', async () => {
    const mailbox = nextMailbox();
    // Fails once, then would answer ok: a retrying adapter would turn this into "delivered".
    sim.setBehaviour(mailbox, { mode: 'fail', status: 503, count: 1 });
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox));
    expect(outcome.kind).toBe('transient');
    expect(sim.requests(mailbox)).toHaveLength(1);
    sim.setBehaviour(mailbox, { mode: 'down' });
    expect((await adapter.deliver(sampleMessage(), contextFor(mailbox))).kind).toBe('transient');
    expect(sim.requests(mailbox)).toHaveLength(2);
  });

  it('ends the attempt as transient, quickly, when ctx.signal aborts', async () => {
    const mailbox = nextMailbox();
    sim.setBehaviour(mailbox, { mode: 'slow', delayMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('worker shutting down')), 100);
    const started = performance.now();
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox, { signal: controller.signal }));
    expect(outcome.kind).toBe('transient');
    expect(performance.now() - started).toBeLessThan(100 + MARGIN_MS);
  });

  it('does not send at all when ctx.signal is already aborted', async () => {
    const mailbox = nextMailbox();
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox, { signal: AbortSignal.abort() }));
    expect(outcome.kind).toBe('transient');
    expect(sim.requests(mailbox)).toHaveLength(0);
  });

  it('is transient when nothing listens (connection refused)', async () => {
    const closed = await adapter.startSimulator();
    const url = closed.url;
    await closed.close();
    const outcome = await adapter.deliver(sampleMessage(), contextFor(nextMailbox(), { simulatorUrl: url }));
    expect(outcome.kind).toBe('transient');
  });
});
