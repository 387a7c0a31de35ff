import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adapterIds, adapters, type AnyAdapter } from '../../adapters/index.js';
import { sampleBirthPayload, type CivilRecordedRequest, type CivilRegistrySettings, type CivilRegistrySimulatorHandle } from '../../adapters/civil-registry/index.js';
import type { DvcqgRecordedRequest, DvcqgSettings } from '../../adapters/dvcqg/index.js';
import { samplePayload, type JudicialRecordedRequest, type JudicialRecordsSettings, type JudicialRecordsSimulatorHandle } from '../../adapters/judicial-records/index.js';
import { sdkHashFile, verifySignedHeaders, type VdxpSettings } from '../../adapters/vdxp/index.js';
import type { AdapterId, BuiltPacket, DeliveryContext, RecordedRequest, SimulatorHandle } from '../../src/adapters/adapter-contract.js';
import { createDevPki } from '../../src/crypto/dev-pki.js';
import { hubKeysFromPem, type HubKeys } from '../../src/crypto/hub-keys.js';
import { signJws, verifyJwsSignature } from '../../src/crypto/jws.js';
import type { Message } from '../../src/domain/message.js';
import { allowLoopbackOutbound } from '../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

// Every `conformance.settingsFor` asks for a 2 s attempt timeout, so the timeout case stays quick.
const SETTINGS_TIMEOUT_MS = 2_000;
// How late an attempt may return after its timeout or abort (event loop, socket teardown).
const MARGIN_MS = 750;

const attachmentBytes = Buffer.from('%PDF-1.7\n… công văn số 123/UBND-VP …\n', 'utf8');
const attachmentSha = createHash('sha256').update(attachmentBytes).digest('hex');
const blobs = new Map([[attachmentSha, attachmentBytes]]);

function documentMessage(): Message {
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

// The packet `ctx.edxml()` serves: the vendor sample the real SDK sent in the captures (byte for byte).
const edxmlBytes = readFileSync(fileURLToPath(new URL('../fixtures/vdxp/edoc.edxml', import.meta.url)));
const edxmlPacket: BuiltPacket = {
  contentType: 'application/xml',
  size: edxmlBytes.length,
  sha256: createHash('sha256').update(edxmlBytes).digest(),
  open: () => Readable.from([edxmlBytes.subarray(0, 4096), edxmlBytes.subarray(4096)]),
};

let mailboxSeq = 0;
const nextMailbox = (): string => `mb-${++mailboxSeq}`;

/** Finds the hub's compact JWS among the request headers and verifies it with the leaf's key. */
function verifyHubSignature(request: RecordedRequest, keys: HubKeys): Record<string, unknown> {
  const jws = Object.values(request.headers).find((value) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value));
  expect(jws, 'a compact JWS header').toBeDefined();
  return verifyJwsSignature(jws as string, keys.leaf.publicKey).payload;
}

/**
 * How the hub proves itself to each system, in that system's own terms. An agency endpoint trusts
 * the hub's certificate (a JWS by its key); the national axis trusts a connected system's secret
 * (HMAC over signed headers) and never sees the hub's certificate.
 */
interface TrustTerms {
  /** `ctx` changed so that the receiver must refuse it: a key it does not trust, a secret it does not hold. */
  untrusted(ctx: DeliveryContext<unknown>, others: HubKeys): DeliveryContext<unknown>;
  /** Checks that `request` carries the hub's credentials and intact content; returns the recipient it names. */
  verifiedRecipient(request: RecordedRequest, ctx: DeliveryContext<unknown>, keys: HubKeys): string;
  /**
   * Where the receiver records its refusal of untrusted credentials, when not among the mailbox's
   * requests (default): an OAuth client shows its secret only to the token endpoint, so a hub it
   * refuses never makes a data call.
   */
  refusals?(sim: SimulatorHandle, mailbox: string): RecordedRequest[];
}

const trustTerms: Record<AdapterId, TrustTerms> = {
  'http-endpoint': {
    untrusted: (ctx, others) => ({ ...ctx, signJws: (payload, typ) => signJws(others.signer, payload, typ) }),
    verifiedRecipient: (request, _ctx, keys) => String(verifyHubSignature(request, keys).recipient),
  },
  vdxp: {
    untrusted: (ctx) => ({ ...ctx, endpoint: { ...ctx.endpoint, settings: { ...(ctx.endpoint.settings as VdxpSettings), secret: 'a-secret-the-axis-does-not-hold' } } }),
    verifiedRecipient: (request, ctx) => {
      const settings = ctx.endpoint.settings as VdxpSettings;
      const check = verifySignedHeaders(request.headers, (id) => (id === settings.systemId ? settings.secret : undefined));
      expect(check.ok, 'HMAC with the system secret').toBe(true);
      // The body is the packet the hub built, plus the SDK's CRLF, and hash-file covers it.
      expect(request.body.equals(Buffer.concat([edxmlBytes, Buffer.from('\r\n')]))).toBe(true);
      expect(request.headers['xroadvnpt-hash-file']).toBe(sdkHashFile(edxmlPacket.sha256));
      return JSON.parse(request.headers['xroadvnpt-to'] as string) as string;
    },
  },
  // The portal authenticates a unit's account: a password at mapi/login, then the session in the
  // body of every data call. The recorded request is the call that ended the sync (its progress
  // call); the simulator files it under the account whose live session it carried.
  dvcqg: {
    untrusted: (ctx) => ({ ...ctx, endpoint: { ...ctx.endpoint, settings: { ...(ctx.endpoint.settings as DvcqgSettings), password: 'a-password-the-portal-does-not-hold' } } }),
    verifiedRecipient: (request, ctx) => {
      const settings = ctx.endpoint.settings as DvcqgSettings;
      const call = request as DvcqgRecordedRequest;
      expect(call.account, 'a session issued to the hub’s account').toBe(settings.username);
      expect(call.call).toBe('CapNhatTienDoHoSoMC');
      expect(request.headers.dstcode).toBe(settings.dstcode);
      const body = JSON.parse(request.body.toString('utf8')) as { session?: unknown; madonvi?: unknown };
      expect(typeof body.session).toBe('string');
      expect(body.madonvi).toBe(settings.madonvi ?? settings.username);
      // The portal is the recipient: the request names no agency, the endpoint does.
      return ctx.recipient;
    },
  },
  // The civil registry's gateway authenticates an OAuth client (consumer key and secret at /token,
  // then a bearer token on each call); the simulator files each data call under the client its
  // token was issued to. The registry is the recipient: the request names the registering office.
  'civil-registry': {
    untrusted: (ctx) => ({ ...ctx, endpoint: { ...ctx.endpoint, settings: { ...(ctx.endpoint.settings as CivilRegistrySettings), consumerSecret: 'a-secret-the-gateway-does-not-hold' } } }),
    refusals: (sim, mailbox) => (sim as CivilRegistrySimulatorHandle).logins(mailbox),
    verifiedRecipient: (request, ctx) => {
      const settings = ctx.endpoint.settings as CivilRegistrySettings;
      expect((request as CivilRecordedRequest).client, 'a token issued to the hub’s client').toBe(settings.consumerKey);
      expect(request.headers.authorization).toMatch(/^Bearer \S+$/);
      const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
      expect(body).toMatchObject({ maDonVi: '14755', module: 'LTKS', maHoSoMCDT: '000.00.00.H56-261206-0001', ngayTiepNhan: '06/12/2026 08:30:00', fileDinhKem: [] });
      expect(JSON.parse(body.data as string)).toEqual(sampleBirthPayload());
      return ctx.recipient;
    },
  },
  // The judicial-records LGSP authenticates an OAuth client the same way (consumer key and secret at
  // /token, a bearer token on each call, each data call filed under its token's client). The LLTP is
  // the recipient: the registration names the receiving unit (idMinistryJustice), not an agency code.
  'judicial-records': {
    untrusted: (ctx) => ({ ...ctx, endpoint: { ...ctx.endpoint, settings: { ...(ctx.endpoint.settings as JudicialRecordsSettings), consumerSecret: 'a-secret-the-gateway-does-not-hold' } } }),
    refusals: (sim, mailbox) => (sim as JudicialRecordsSimulatorHandle).logins(mailbox),
    verifiedRecipient: (request, ctx) => {
      const settings = ctx.endpoint.settings as JudicialRecordsSettings;
      expect((request as JudicialRecordedRequest).client, 'a token issued to the hub’s client').toBe(settings.consumerKey);
      expect((request as JudicialRecordedRequest).operation).toBe('nhanHoSoDangKy');
      expect(request.headers.authorization).toMatch(/^Bearer \S+$/);
      const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
      const { declarationWSForm, residenceWSForm, idMoneyReceipt } = samplePayload();
      expect(body).toEqual({
        idMinistryJustice: settings.idMinistryJustice,
        idReceivedDec: '000.00.00.H56-261206-0002',
        dateReceivedDec: '06/12/2026',
        datePromissoryDec: '16/12/2026',
        idMoneyReceipt,
        declarationWSForm,
        residenceWSForm,
      });
      return ctx.recipient;
    },
  },
};

// Closes the pools adapters keep between attempts.
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

  // Adapters of dossier systems take `dossier` messages: their own sample, and the dossier behind it.
  const sample = adapter.conformance.sample;
  const sampleMessage = (): Message => (sample ? { ...sample().message, id: `msg-${randomUUID()}` } : documentMessage());

  function contextFor(
    mailbox: string,
    overrides: { signal?: AbortSignal; idempotencyKey?: string; attempt?: number; untrusted?: boolean; simulatorUrl?: string } = {},
  ): DeliveryContext<unknown> {
    const ctx: DeliveryContext<unknown> = {
      deliveryId: `dlv-${randomUUID()}`,
      attempt: overrides.attempt ?? 1,
      idempotencyKey: overrides.idempotencyKey ?? `idem-${randomUUID()}`,
      recipient: '000.00.02.H29',
      endpoint: { id: `ep-${mailbox}`, settings: adapter.conformance.settingsFor(overrides.simulatorUrl ?? sim.url, mailbox) },
      signal: overrides.signal ?? new AbortController().signal,
      signJws: (payload, typ) => signJws(keys.signer, payload, typ),
      openAttachment: (sha256) => {
        const bytes = blobs.get(sha256);
        if (!bytes) throw new Error(`no blob ${sha256}`);
        return Readable.from(bytes);
      },
      edxml: () => Promise.resolve(edxmlPacket),
      dossier: () => (sample ? Promise.resolve(sample().dossier) : Promise.reject(new Error('not a dossier message'))),
      log: pino({ level: 'silent' }),
      now: () => new Date(),
    };
    return overrides.untrusted ? trustTerms[adapter.id].untrusted(ctx, otherKeys) : ctx;
  }

  it('delivers on ok: one request, authenticated as the hub', async () => {
    const mailbox = nextMailbox();
    const ctx = contextFor(mailbox);
    const outcome = await adapter.deliver(sampleMessage(), ctx);
    expect(outcome.kind).toBe('delivered');
    if (outcome.kind === 'delivered') expect(outcome.remoteId).toBeTruthy();
    const received = sim.requests(mailbox);
    expect(received).toHaveLength(1);
    expect(received[0]?.status).toBe(200);
    expect(trustTerms[adapter.id].verifiedRecipient(received[0] as RecordedRequest, ctx, keys)).toBe('000.00.02.H29');
  });

  it('is refused (permanent) with credentials the receiver does not trust', async () => {
    const mailbox = nextMailbox();
    const outcome = await adapter.deliver(sampleMessage(), contextFor(mailbox, { untrusted: true }));
    expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: 401 });
    expect((trustTerms[adapter.id].refusals?.(sim, mailbox) ?? sim.requests(mailbox))[0]?.status).toBe(401);
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
