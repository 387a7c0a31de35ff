import { describe, expect, it } from 'vitest';
import { sampleMessage, startJudicialRecordsSimulator } from '../../../adapters/judicial-records/index.js';
import { deliverJudicialRecord } from '../../../adapters/judicial-records/deliver.js';
import { deliveryContext, dossierNumbered, lgspSettings, nextMailbox, submitOf, CONSUMER, useJudicialRecordsSimulator } from '../../fixtures/judicial-records/contexts.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

const sim = useJudicialRecordsSimulator();

/** Delivers dossier `n` to a mailbox of the simulator, as endpoint `endpointId`. */
async function deliver(mailbox: string, n: number, options: { endpointId?: string; extra?: Parameters<typeof lgspSettings>[2]; signal?: AbortSignal } = {}) {
  const dossier = dossierNumbered(n);
  const ctx = deliveryContext(lgspSettings(sim().url, mailbox, options.extra), dossier, { endpointId: options.endpointId ?? `ep-${mailbox}`, ...(options.signal && { signal: options.signal }) });
  return deliverJudicialRecord(submitOf(dossier), ctx);
}

describe('judicial-records lgsp: nhanHoSoDangKy', () => {
  it('registers the declaration with a bearer token and returns the LLTP ID', async () => {
    const mailbox = nextMailbox();
    const outcome = await deliver(mailbox, 2);
    const [application] = sim().applications(mailbox);
    expect(outcome).toEqual({ kind: 'delivered', httpStatus: 200, remoteId: application?.id });
    expect(application).toMatchObject({ key: '000.00.00.H56-261206-0002', status: '3' });
    const [login] = sim().logins(mailbox);
    expect(login?.headers.authorization).toBe(`Basic ${Buffer.from(`${CONSUMER}:${lgspSettings('', '').consumerSecret}`).toString('base64')}`);
    expect(login?.body.toString()).toBe('grant_type=client_credentials');
    const [call] = sim().requests(mailbox);
    expect(call).toMatchObject({ operation: 'nhanHoSoDangKy', status: 200, client: CONSUMER });
    expect(call?.headers['content-type']).toBe('application/json');
  });

  it('answers a retry with the first ID: the LLTP says "already exists", no second application', async () => {
    const mailbox = nextMailbox();
    const first = await deliver(mailbox, 3);
    const second = await deliver(mailbox, 3);
    expect(second).toMatchObject({ kind: 'delivered', remoteId: first.kind === 'delivered' ? first.remoteId : 'none' });
    expect(second.kind === 'delivered' && second.detail).toMatch(/^already received: DATA_INCORRECT - Hồ sơ có số phiếu tiếp nhận .* đã tồn tại/);
    expect(sim().uniqueDeliveries(mailbox)).toBe(1);
    expect(sim().requests(mailbox)).toHaveLength(2);
  });

  it('keeps its token across attempts, and fetches a new one once when it expired mid-retry', async () => {
    const mailbox = nextMailbox();
    expect((await deliver(mailbox, 4)).kind).toBe('delivered');
    expect((await deliver(mailbox, 5)).kind).toBe('delivered');
    expect(sim().logins(mailbox)).toHaveLength(1);

    sim().expireTokens(mailbox);
    const outcome = await deliver(mailbox, 6);
    expect(outcome.kind).toBe('delivered');
    expect(sim().logins(mailbox)).toHaveLength(2);
    // The refused call, then the same call with the new token.
    expect(sim().requests(mailbox).slice(2).map((r) => [r.operation, r.status])).toEqual([
      ['nhanHoSoDangKy', 401],
      ['nhanHoSoDangKy', 200],
    ]);
    expect(sim().uniqueDeliveries(mailbox)).toBe(3);
  });

  it('re-authenticates on an AUTHEN_ERROR answer too, once, and gives up on a second refusal', async () => {
    const mailbox = nextMailbox();
    sim().setBehaviour(mailbox, { mode: 'status-error', code: '100', description: 'AUTHEN_ERROR - Mã xác thực không chính xác', count: 1 });
    expect((await deliver(mailbox, 7)).kind).toBe('delivered');
    expect(sim().logins(mailbox)).toHaveLength(2);

    sim().setBehaviour(mailbox, { mode: 'fail', status: 401 });
    const refused = await deliver(mailbox, 8);
    expect(refused).toMatchObject({ kind: 'permanent', httpStatus: 401 });
    expect(sim().requests(mailbox).slice(-2).map((r) => r.status)).toEqual([401, 401]);
  });

  it('shares one token fetch between concurrent attempts of an endpoint', async () => {
    const mailbox = nextMailbox();
    const outcomes = await Promise.all([9, 10, 11, 12].map((n) => deliver(mailbox, n)));
    expect(outcomes.map((o) => o.kind)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(sim().logins(mailbox)).toHaveLength(1);
  });

  it('is permanent 401 when the gateway refuses the consumer credentials, without a data call', async () => {
    const mailbox = nextMailbox();
    const outcome = await deliver(mailbox, 13, { extra: { consumerSecret: 'wrong' } });
    expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: 401 });
    expect(outcome.kind !== 'delivered' && outcome.reason).toContain('invalid_client');
    expect(outcome.kind !== 'delivered' && outcome.reason).not.toContain('wrong');
    expect(sim().requests(mailbox)).toHaveLength(0);
  });

  it.each([
    ['a 502 from the service', { mode: 'fail', status: 502 } as const, ['nhanHoSoDangKy'] as const, 502],
    ['a token endpoint answering 503', { mode: 'fail', status: 503 } as const, ['token'] as const, 503],
  ])('is transient on %s', async (_, behaviour, operations, httpStatus) => {
    const mailbox = nextMailbox();
    sim().setBehaviour(mailbox, behaviour, operations);
    expect(await deliver(mailbox, 14)).toMatchObject({ kind: 'transient', httpStatus });
  });

  it('is transient when the service is slower than timeoutMs, and returns on time', async () => {
    const mailbox = nextMailbox();
    sim().setBehaviour(mailbox, { mode: 'slow', delayMs: 3000 });
    const started = performance.now();
    const outcome = await deliver(mailbox, 15, { extra: { timeoutMs: 500 } });
    expect(outcome).toMatchObject({ kind: 'transient', reason: 'nhanHoSoDangKy: timed out after 500 ms' });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('is transient on a token answer without access_token', async () => {
    const mailbox = nextMailbox();
    sim().setBehaviour(mailbox, { mode: 'missing-fields' }, ['token']);
    expect(await deliver(mailbox, 16)).toMatchObject({ kind: 'transient', reason: 'LGSP token endpoint answered HTTP 200 without an access_token' });
  });

  it.each([
    ['not JSON (a proxy page)', { mode: 'malformed' } as const, /with something other than a JSON object: <html>/],
    ['JSON without STATUS', { mode: 'missing-fields' } as const, /answered without a STATUS/],
  ])('is transient on an answer that is %s: a retry is safe', async (_, behaviour, reason) => {
    const mailbox = nextMailbox();
    sim().setBehaviour(mailbox, { ...behaviour, count: 1 });
    const outcome = await deliver(mailbox, 17);
    expect(outcome.kind).toBe('transient');
    expect(outcome.kind !== 'delivered' && outcome.reason).toMatch(reason);
    // The retry is answered normally; nothing was registered twice.
    expect((await deliver(mailbox, 17)).kind).toBe('delivered');
    expect(sim().uniqueDeliveries(mailbox)).toBe(1);
  });

  it('is permanent on a STATUS error, transient when the endpoint lists its code', async () => {
    const mailbox = nextMailbox();
    sim().setBehaviour(mailbox, { mode: 'status-error', code: '101', description: 'IP_DISALLOWED - Địa chỉ IP không được phép truy cập' });
    expect(await deliver(mailbox, 18)).toMatchObject({ kind: 'permanent', reason: 'the LLTP refused the registration: STATUS 101: IP_DISALLOWED - Địa chỉ IP không được phép truy cập' });
    expect(await deliver(mailbox, 18, { extra: { transientErrorCodes: ['101'] } })).toMatchObject({ kind: 'transient' });
  });

  it('is permanent when the LLTP refuses the form (a date the schema lets through but the calendar does not)', async () => {
    const mailbox = nextMailbox();
    const dossier = dossierNumbered(19, (d) => {
      (d.target.payload.declarationWSForm as Record<string, unknown>).birthDateStr = '31/02/1990';
    });
    const outcome = await deliverJudicialRecord(submitOf(dossier), deliveryContext(lgspSettings(sim().url, mailbox), dossier));
    expect(outcome).toMatchObject({ kind: 'permanent', reason: 'the LLTP refused the registration: STATUS 500: DATA_INCORRECT - declarationWSForm.birthDateStr: is not a date dd/mm/yyyy, mm/yyyy or yyyy' });
    expect(sim().uniqueDeliveries(mailbox)).toBe(0);
  });

  it('speaks the other form names and receipt numbers when told to', async () => {
    const plain = await startJudicialRecordsSimulator({ enrolment: 'open', formKeys: 'plain' });
    try {
      const mailbox = nextMailbox();
      const dossier = dossierNumbered(20);
      const settings = lgspSettings(plain.url, mailbox, { formKeys: 'plain', receiptNumber: 'date-sequence', operationPaths: { nhanHoSoDangKy: 'LLTP-API-nhanHoSoDangKy' } });
      expect((await deliverJudicialRecord(submitOf(dossier), deliveryContext(settings, dossier))).kind).toBe('delivered');
      const body = JSON.parse(plain.requests(mailbox)[0]?.body.toString() ?? '{}') as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['idMinistryJustice', 'idReceivedDec', 'dateReceivedDec', 'datePromissoryDec', 'idMoneyReceipt', 'declarationForm', 'residenceForm']);
      expect(body.idReceivedDec).toBe('2612060020');
    } finally {
      await plain.close();
    }
  });

  it('sends nothing when the attempt is already aborted, and refuses messages it does not take', async () => {
    const mailbox = nextMailbox();
    expect(await deliver(mailbox, 21, { signal: AbortSignal.abort() })).toMatchObject({ kind: 'transient' });
    expect(sim().calls(mailbox)).toHaveLength(0);

    const dossier = dossierNumbered(22);
    const ctx = deliveryContext(lgspSettings(sim().url, mailbox), dossier);
    const sync = { ...sampleMessage(), dossier: { op: 'sync' as const, dossierId: dossier.id, number: dossier.number, step: { status: 4 as const, at: '2026-12-07T01:00:00Z', source: 'hub' as const } } };
    expect(await deliverJudicialRecord(sync, ctx)).toMatchObject({ kind: 'permanent', reason: 'judicial-records takes dossier submissions only, not a dossier sync message' });
    expect(await deliverJudicialRecord(submitOf(dossierNumbered(23)), ctx)).toMatchObject({ kind: 'permanent', reason: 'the message is about dossier 000.00.00.H56-261206-0023, the hub served 000.00.00.H56-261206-0022' });
    expect(sim().calls(mailbox)).toHaveLength(0);
  });

  it('is transient when the hub cannot read the dossier, permanent on unusable settings', async () => {
    const dossier = dossierNumbered(24);
    const ctx = { ...deliveryContext(lgspSettings(sim().url, nextMailbox()), dossier), dossier: () => Promise.reject(new Error('store down')) };
    expect(await deliverJudicialRecord(submitOf(dossier), ctx)).toMatchObject({ kind: 'transient', reason: 'hub could not read the dossier: store down' });
    const broken = deliveryContext({ variant: 'lgsp', baseUrl: 'http://x.invalid/' }, dossier);
    expect(await deliverJudicialRecord(submitOf(dossier), broken)).toMatchObject({ kind: 'permanent', reason: 'invalid endpoint settings: consumerKey is required' });
  });
});
