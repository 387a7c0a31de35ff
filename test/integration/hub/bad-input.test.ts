import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { blobFiles, countRows, type RowCounts } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H56 = '000.00.00.H56';
const H41 = '000.00.00.H41';
const BODY_LIMIT = 32 * 1024;

// The worker is off: nothing changes the database behind the tests' back, so "nothing stored" is exact.
describe.each(STORES)('bad input is refused with its code and stores nothing (%s store)', (store) => {
  let t: TestHub;
  let before: RowCounts;
  let blobsBefore: string[];
  beforeAll(async () => {
    t = await startTestHub(store, { roles: { api: true, worker: false }, env: { LIENTHONG_BODY_LIMIT: String(BODY_LIMIT) } });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    before = await countRows(t.hub.db);
    blobsBefore = await blobFiles(t);
  });
  const expectNothingStored = async () => {
    expect(await countRows(t.hub.db)).toEqual(before);
    expect(await blobFiles(t)).toEqual(blobsBefore);
  };
  const post = (body: unknown, opts: { key?: string; headers?: Record<string, string> } = {}) =>
    t.call('POST', '/v1/messages', { key: opts.key ?? t.keys.g22, body, ...(opts.headers ? { headers: opts.headers } : {}) });

  it('malformed JSON → 400 HUB_ERR_MALFORMED_BODY', async () => {
    const r = await t.call('POST', '/v1/messages', { key: t.keys.g22, raw: '{"sender": "000.00.00.G22", ', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_MALFORMED_BODY', errorId: expect.any(String) });
    await expectNothingStored();
  });

  it('schema violations, unknown properties included → 400 HUB_ERR_VALIDATION with the paths', async () => {
    const body = documentBody(G22, [H56], { priority: 'high' });
    (body.document as Record<string, unknown>).urgency = 'whenever';
    delete (body.document as Record<string, unknown>).subject;
    const r = await post(body);
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('HUB_ERR_VALIDATION');
    const details = r.json.details as { path: string; params: Record<string, unknown> }[];
    expect(details).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'body', params: { additionalProperty: 'priority' } }),
      expect.objectContaining({ path: 'body/document', params: { missingProperty: 'subject' } }),
      expect.objectContaining({ path: 'body/document/urgency' }),
    ]));
    await expectNothingStored();
  });

  it('unknown recipient → 422 HUB_ERR_UNKNOWN_AGENCY', async () => {
    const r = await post(documentBody(G22, [H56, '000.00.99.X99']));
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_UNKNOWN_AGENCY', details: { agencies: ['000.00.99.X99'] } });
    await expectNothingStored();
  });

  it('a sender other than the calling agency → 403 HUB_ERR_SENDER_MISMATCH', async () => {
    const r = await post(documentBody(G22, [H56]), { key: t.keys.h41 });
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('HUB_ERR_SENDER_MISMATCH');
    await expectNothingStored();
  });

  it('a body over LIENTHONG_BODY_LIMIT → 413 HUB_ERR_BODY_TOO_LARGE', async () => {
    const body = documentBody(G22, [H56]);
    (body.attachments as { content: string }[])[0]!.content = Buffer.alloc(BODY_LIMIT, 7).toString('base64');
    const r = await post(body);
    expect(r.status).toBe(413);
    expect(r.json.code).toBe('HUB_ERR_BODY_TOO_LARGE');
    await expectNothingStored();
  });

  it.each([
    ['text/plain', JSON.stringify(documentBody(G22, [H56]))],
    ['application/soap+xml', '<message/>'],
    ['application/x-www-form-urlencoded', 'sender=000.00.00.G22'],
  ])('content type %s → 415 HUB_ERR_UNSUPPORTED_MEDIA_TYPE (edXML is application/xml: test/integration/hub/edxml-intake.test.ts)', async (contentType, raw) => {
    const r = await t.call('POST', '/v1/messages', { key: t.keys.g22, raw, headers: { 'content-type': contentType } });
    expect(r.status).toBe(415);
    expect(r.json.code).toBe('HUB_ERR_UNSUPPORTED_MEDIA_TYPE');
    await expectNothingStored();
  });

  it.each([
    ['not base64 at all', 'this is *not* base64!'],
    ['bad length', 'QUJD\nRA='],
    ['only padding', '===='],
  ])('an attachment with %s → 400 HUB_ERR_INVALID_ATTACHMENT', async (_label, content) => {
    const body = documentBody(G22, [H56]);
    (body.attachments as unknown[]).push({ name: 'x.pdf', contentType: 'application/pdf', content });
    const r = await post(body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_INVALID_ATTACHMENT', details: { index: 1, name: 'x.pdf' } });
    await expectNothingStored();
  });

  it('Idempotency-Key reused: same content → 409 HUB_ERR_DUPLICATE with the original id; other content → 422', async () => {
    const key = `idem-${Date.now()}`;
    const body = documentBody(G22, [H56]);
    const first = await post(body, { headers: { 'idempotency-key': key } });
    expect(first.status).toBe(202);
    before = await countRows(t.hub.db);
    blobsBefore = await blobFiles(t);

    const again = await post(body, { headers: { 'idempotency-key': key } });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'HUB_ERR_DUPLICATE', details: { messageId: first.json.id } });
    const other = await post(documentBody(G22, [H56]), { headers: { 'idempotency-key': key } });
    expect(other.status).toBe(422);
    expect(other.json).toMatchObject({ code: 'HUB_ERR_IDEMPOTENCY_KEY_REUSED', details: { messageId: first.json.id } });
    expect(await countRows(t.hub.db)).toEqual(before);
    // Another sender may use the same key for its own message.
    expect((await post(documentBody('000.00.00.H41', [H56]), { key: t.keys.h41, headers: { 'idempotency-key': key } })).status).toBe(202);
  });

  it('the same document id again without a key → 409 HUB_ERR_DUPLICATE', async () => {
    const body = documentBody(G22, [H56]);
    const first = await post(body);
    expect(first.status).toBe(202);
    before = await countRows(t.hub.db);
    const resent = await post({ ...body, recipients: [H56, '000.00.00.H41'] });
    expect(resent.status).toBe(409);
    expect(resent.json).toMatchObject({ code: 'HUB_ERR_DUPLICATE', details: { messageId: first.json.id, by: 'document-id' } });
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it.each([['a space inside', 'a b'], ['too long', 'k'.repeat(256)]])('an Idempotency-Key with %s → 400 HUB_ERR_VALIDATION', async (_label, key) => {
    const r = await post(documentBody(G22, [H56]), { headers: { 'idempotency-key': key } });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_VALIDATION', details: [expect.objectContaining({ path: 'headers/idempotency-key' })] });
    await expectNothingStored();
  });

  it('10 concurrent submissions with one Idempotency-Key → exactly one 202, the others 409 naming it', async () => {
    const key = `race-${Date.now()}`;
    const body = documentBody(G22, [H56]);
    const results = await Promise.all(Array.from({ length: 10 }, () => post(body, { headers: { 'idempotency-key': key } })));
    const accepted = results.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    const id = accepted[0]!.json.id as string;
    for (const r of results.filter((x) => x.status !== 202)) expect(r).toMatchObject({ status: 409, json: { code: 'HUB_ERR_DUPLICATE', details: { messageId: id } } });
    const { rows } = await t.hub.db.query('SELECT id FROM messages WHERE idempotency_key = $1', [key]);
    expect(rows).toEqual([{ id }]);
    const after = await countRows(t.hub.db);
    expect(after.messages - before.messages).toBe(1);
    expect(after.deliveries - before.deliveries).toBe(1);
    expect(after.receipts - before.receipts).toBe(1);
  });

  it('U+0000 in a string → 400 HUB_ERR_MALFORMED_BODY, and documents of other agencies sent at that moment are accepted', async () => {
    const poisoned = documentBody(G22, [H56]);
    (poisoned.document as Record<string, unknown>).subject = 'poison\u0000';
    const [refused, ...others] = await Promise.all([
      post(poisoned),
      ...Array.from({ length: 6 }, () => post(documentBody(H41, [H56]), { key: t.keys.h41 })),
    ]);
    expect(refused).toMatchObject({ status: 400, json: { code: 'HUB_ERR_MALFORMED_BODY' } });
    expect(refused!.json.message).toMatch(/U\+0000/);
    expect(others.map((r) => r.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect((await countRows(t.hub.db)).messages - before.messages).toBe(6);
  });

  it('a value the database refuses fails its own submission only, never the others written in the same group commit', async () => {
    // Past the HTTP checks (straight to the intake service), so the store itself refuses the NUL.
    const submission = (sender: string, subject?: string) => {
      const body = documentBody(sender, [H56]);
      const document = { ...(body.document as Record<string, unknown>), ...(subject !== undefined ? { subject } : {}) };
      return { sender, recipients: [H56], document, attachments: [] } as unknown as Parameters<typeof t.hub.intake.acceptDocument>[1];
    };
    const agency = (code: string) => ({ kind: 'agency' as const, keyId: 'test', agency: code });
    const settled = await Promise.allSettled([
      ...Array.from({ length: 3 }, () => t.hub.intake.acceptDocument(agency(H41), submission(H41))),
      t.hub.intake.acceptDocument(agency(G22), submission(G22, 'poison\u0000')),
      ...Array.from({ length: 3 }, () => t.hub.intake.acceptDocument(agency(H41), submission(H41))),
    ]);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    const after = await countRows(t.hub.db);
    expect(after.messages - before.messages).toBe(6);
    expect(after.deliveries - before.deliveries).toBe(6);
  });

  it('%00 in a URL → 400 HUB_ERR_VALIDATION naming the URL, before any query runs; so is a URL that does not percent-decode', async () => {
    for (const path of ['/v1/audit/events?number=a%00b', '/v1/audit/deliveries?dossier=a%00b', '/v1/admin/config/history?id=a%00b', '/v1/messages/%00']) {
      const r = await t.call('GET', path, { key: t.keys.auditor });
      expect({ path, status: r.status, code: r.json.code, at: r.json.details?.[0]?.path }).toEqual({ path, status: 400, code: 'HUB_ERR_VALIDATION', at: 'url' });
    }
    const bad = await t.call('GET', '/v1/messages/%E0%A4%A', { key: t.keys.g22 });
    expect(bad).toMatchObject({ status: 400, json: { code: 'HUB_ERR_VALIDATION', errorId: expect.any(String), details: [{ path: 'url' }] } });
    const login = await t.call('POST', '/v1/session', { body: { username: 'a\u0000b', password: 'x'.repeat(12) } });
    expect(login).toMatchObject({ status: 400, json: { code: 'HUB_ERR_MALFORMED_BODY' } });
    await expectNothingStored();
  });

  it('dates no store can hold (year 0000, an offset of +20:00, a leap second) → 400 HUB_ERR_VALIDATION naming the field; an export so asked writes no event', async () => {
    const cases: [string, string][] = [
      ['/v1/admin/deliveries?from=0000-01-01T00:00:00Z', 'querystring/from'],
      ['/v1/admin/deliveries?to=2026-01-01T00:00:00%2B20:00', 'querystring/to'],
      ['/v1/admin/deliveries/failed?from=0000-01-01T00:00:00Z', 'querystring/from'],
      ['/v1/audit/events?from=0000-01-01T00:00:00Z', 'querystring/from'],
      ['/v1/audit/deliveries?to=2026-06-30T23:59:60Z', 'querystring/to'],
      ['/v1/stats/overview?from=0000-01-01T00:00:00Z&to=0000-01-02T00:00:00Z', 'querystring/from'],
      ['/v1/audit/events?format=csv&from=0000-01-01T00:00:00Z', 'querystring/from'],
    ];
    for (const [path, field] of cases) {
      const r = await t.call('GET', path, { key: t.keys.auditor });
      expect({ path, status: r.status, code: r.json.code, fields: (r.json.details as { path: string }[]).map((d) => d.path) })
        .toEqual({ path, status: 400, code: 'HUB_ERR_VALIDATION', fields: expect.arrayContaining([field]) });
    }
    const accepted = await post(documentBody(G22, [H56]));
    expect(accepted.status).toBe(202);
    before = await countRows(t.hub.db);
    const status = await t.call('POST', `/v1/messages/${accepted.json.id}/status`, { key: t.keys.h56, body: { code: '03', at: '2026-06-30T23:59:60Z' } });
    expect(status).toMatchObject({ status: 400, json: { code: 'HUB_ERR_VALIDATION' } });
    await expectNothingStored();
  });
});
