import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevPki } from '../../src/crypto/dev-pki.js';
import { hubKeysFromPem } from '../../src/crypto/hub-keys.js';
import { signJws } from '../../src/crypto/jws.js';
import { verifyReceipt, type PublishedHubKey } from '../../src/crypto/verify-receipt.js';
import { send } from '../helpers/hub-queries.js';
import { documentBody, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { documentPacket, statusPacket } from './hostile-packets.js';
import { rawRequest, type RawAnswer } from './raw-request.js';
import { expectRefused } from './refused-attack.js';

// Who may say what: an agency key sending as another agency (JSON, multipart, edXML `From`), statuses
// from agencies that are not a party, replayed statuses and packets, and receipts altered after the
// hub signed them (no route takes receipts back: they are checked by their verifiers).

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
const H56 = '000.00.00.H56';
const BOUNDARY = 'identity-b0undary';

describe('forged identities, replays and altered receipts: refused, nothing stored (postgres store)', () => {
  let t: TestHub;
  /** A JSON document G22 → H41 and an edXML one G22 → H41 (its document id, for status packets). */
  let jsonMessage: string;
  let edxmlDocumentId: string;
  let edxmlMessage: string;
  let receipt: string;
  let hubKeys: PublishedHubKey[];
  const auth = (key: string | undefined): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});
  const postJson = (path: string, body: unknown, key?: string, headers: Record<string, string> = {}): Promise<RawAnswer> =>
    rawRequest(t.url, { path, headers: { ...auth(key), 'content-type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(body)) });
  const postXml = (body: Buffer, key: string, headers: Record<string, string> = {}): Promise<RawAnswer> =>
    rawRequest(t.url, { path: '/v1/messages', headers: { ...auth(key), 'content-type': 'application/xml', ...headers }, body });

  beforeAll(async () => {
    t = await startTestHub('postgres', { roles: { api: true, worker: false } });
    jsonMessage = await send(t, t.keys.g22, documentBody(G22, [H41]));
    const packet = await documentPacket(G22, [H41]);
    const accepted = await postXml(packet, t.keys.g22);
    expect(accepted.status).toBe(202);
    edxmlMessage = accepted.json.id;
    receipt = accepted.json.receipt;
    edxmlDocumentId = (await t.hub.db.query<{ document_id: string }>('SELECT document_id FROM messages WHERE id = $1', [edxmlMessage])).rows[0]!.document_id;
    hubKeys = (await (await fetch(`${t.url}/v1/hub/keys`)).json() as { keys: PublishedHubKey[] }).keys;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('forged sender', () => {
    it('JSON: an agency key sending as another agency → 403 HUB_ERR_SENDER_MISMATCH', async () => {
      await expectRefused(t, () => postJson('/v1/messages', documentBody(H41, [H56]), t.keys.g22), { status: 403, code: 'HUB_ERR_SENDER_MISMATCH' });
    });

    it('multipart: the `message` field names another sender → 403 HUB_ERR_SENDER_MISMATCH (before any file is read)', async () => {
      const body = Buffer.concat([
        Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="message"\r\n\r\n${JSON.stringify(documentBody(H41, [H56]))}\r\n`),
        Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n${randomBytes(200_000).toString('base64')}\r\n--${BOUNDARY}--\r\n`),
      ]);
      await expectRefused(t, () => rawRequest(t.url, { path: '/v1/messages', headers: { ...auth(t.keys.g22), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body }), { status: 403, code: 'HUB_ERR_SENDER_MISMATCH' });
    });

    it('edXML document: `From` another agency, with a 300 kB attachment → 403 HUB_ERR_SENDER_MISMATCH; the attachment streamed in is not kept', async () => {
      const forged = await documentPacket(H41, [H56], { attachment: { name: 'gia-mao.pdf', bytes: randomBytes(300_000) } });
      await expectRefused(t, () => postXml(forged, t.keys.g22), { status: 403, code: 'HUB_ERR_SENDER_MISMATCH' });
    });

    it('edXML status packet: `From` another agency → 403 HUB_ERR_SENDER_MISMATCH', async () => {
      await expectRefused(t, async () => postXml(await statusPacket(H41, G22, edxmlDocumentId), t.keys.h14), { status: 403, code: 'HUB_ERR_SENDER_MISMATCH' });
    });

    it('a role key (admin) sending a document → 403 HUB_ERR_FORBIDDEN; no key or an unknown one → 401 HUB_ERR_UNAUTHENTICATED', async () => {
      await expectRefused(t, () => postJson('/v1/messages', documentBody(G22, [H41]), t.keys.admin), { status: 403, code: 'HUB_ERR_FORBIDDEN' });
      await expectRefused(t, async () => postXml(await documentPacket(G22, [H41]), t.keys.admin), { status: 403, code: 'HUB_ERR_FORBIDDEN' });
      await expectRefused(t, () => postJson('/v1/messages', documentBody(G22, [H41])), { status: 401, code: 'HUB_ERR_UNAUTHENTICATED' });
      await expectRefused(t, () => postJson('/v1/messages', documentBody(G22, [H41]), `lt_${randomBytes(24).toString('base64url')}`), { status: 401, code: 'HUB_ERR_UNAUTHENTICATED' });
    });
  });

  describe('statuses from agencies that are not a party', () => {
    it('a status on another agency\'s message (JSON) → 404 HUB_ERR_NOT_FOUND, as for a message that does not exist', async () => {
      await expectRefused(t, () => postJson(`/v1/messages/${jsonMessage}/status`, { code: '03' }, t.keys.h14), { status: 404, code: 'HUB_ERR_NOT_FOUND' });
    });

    it('a recall (13) from a recipient, not the sender → 403 HUB_ERR_FORBIDDEN', async () => {
      await expectRefused(t, () => postJson(`/v1/messages/${jsonMessage}/status`, { code: '13', description: 'not ours' }, t.keys.h41), { status: 403, code: 'HUB_ERR_FORBIDDEN' });
    });

    it('the sender reporting a business status on its own document (only 13, a recall, is the sender\'s) → 403 HUB_ERR_NOT_A_RECIPIENT', async () => {
      await expectRefused(t, () => postJson(`/v1/messages/${jsonMessage}/status`, { code: '06' }, t.keys.g22), { status: 403, code: 'HUB_ERR_NOT_A_RECIPIENT' });
    });

    it('an edXML status packet on a document sent to another agency → 404 HUB_ERR_NOT_FOUND (whether G22 sent that document is not told)', async () => {
      await expectRefused(t, async () => postXml(await statusPacket(H14, G22, edxmlDocumentId), t.keys.h14), { status: 404, code: 'HUB_ERR_NOT_FOUND' });
    });

    it('a status on a message or document that does not exist → 404 HUB_ERR_NOT_FOUND', async () => {
      await expectRefused(t, () => postJson(`/v1/messages/${randomUUID()}/status`, { code: '03' }, t.keys.h41), { status: 404, code: 'HUB_ERR_NOT_FOUND' });
      await expectRefused(t, async () => postXml(await statusPacket(H41, G22, `${G22},2026/11/20,404/KHONG-CO`), t.keys.h41), { status: 404, code: 'HUB_ERR_NOT_FOUND' });
    });
  });

  describe('replays', () => {
    it('the same status twice under one Idempotency-Key → 409 HUB_ERR_DUPLICATE the second time; other content under it → 422', async () => {
      const key = `status-${randomUUID()}`;
      const status = { code: '03', at: new Date().toISOString() };
      const first = await postJson(`/v1/messages/${jsonMessage}/status`, status, t.keys.h41, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      await expectRefused(t, () => postJson(`/v1/messages/${jsonMessage}/status`, status, t.keys.h41, { 'idempotency-key': key }), { status: 409, code: 'HUB_ERR_DUPLICATE' });
      await expectRefused(t, () => postJson(`/v1/messages/${jsonMessage}/status`, { ...status, code: '06' }, t.keys.h41, { 'idempotency-key': key }), { status: 422, code: 'HUB_ERR_IDEMPOTENCY_KEY_REUSED' });
    });

    it('an edXML status packet replayed under its Idempotency-Key → 409 HUB_ERR_DUPLICATE', async () => {
      const packet = await statusPacket(H41, G22, edxmlDocumentId, '01');
      const key = `packet-${randomUUID()}`;
      expect((await postXml(packet, t.keys.h41, { 'idempotency-key': key })).status).toBe(202);
      await expectRefused(t, () => postXml(packet, t.keys.h41, { 'idempotency-key': key }), { status: 409, code: 'HUB_ERR_DUPLICATE' });
    });

    it('a captured status packet replayed by another agency\'s key → 403 HUB_ERR_SENDER_MISMATCH', async () => {
      const packet = await statusPacket(H41, G22, edxmlDocumentId, '03');
      await expectRefused(t, () => postXml(packet, t.keys.g14), { status: 403, code: 'HUB_ERR_SENDER_MISMATCH' });
    });

    it('a captured document packet replayed: by its sender → 409 HUB_ERR_DUPLICATE (same document id); by another agency → 403', async () => {
      const packet = await documentPacket(G22, [H41]);
      expect((await postXml(packet, t.keys.g22)).status).toBe(202);
      await expectRefused(t, () => postXml(packet, t.keys.g22), { status: 409, code: 'HUB_ERR_DUPLICATE' });
      await expectRefused(t, () => postXml(packet, t.keys.h41), { status: 403, code: 'HUB_ERR_SENDER_MISMATCH' });
    });
  });

  describe('altered receipts', () => {
    const parts = (jws: string): [string, string, string] => jws.split('.') as [string, string, string];
    const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const json = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    const verify = (jws: string) => verifyReceipt(jws, { trustAnchorsPem: t.pki.caCertPem, now: new Date(), hubKeys });

    it('no route takes a receipt back: one posted where statuses are taken is refused as what it is not', async () => {
      await expectRefused(t, () => postJson(`/v1/messages/${edxmlMessage}/status`, { receipt }, t.keys.h41), { status: 400, code: 'HUB_ERR_VALIDATION' });
      await expectRefused(t, () => rawRequest(t.url, { path: `/v1/messages/${edxmlMessage}/status`, headers: { ...auth(t.keys.h41), 'content-type': 'application/jose' }, body: Buffer.from(receipt) }), { status: 415, code: 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE' });
      await expectRefused(t, () => postJson('/v1/receipts', { receipt }, t.keys.h41), { status: 404, code: 'HUB_ERR_NOT_FOUND' });
    });

    it('the genuine receipt verifies; every alteration is refused by verifyReceipt', async () => {
      expect(verify(receipt).payload).toMatchObject({ event: 'accepted', messageId: edxmlMessage, sender: G22 });
      const [h, p, s] = parts(receipt);
      const payload = json(p);
      const header = json(h);
      const other = (await postXml(await documentPacket(G22, [H41]), t.keys.g22)).json.receipt as string;
      const stranger = await createDevPki({ alg: 'ES256', hubCommonName: 'lienthong hub' });
      const forgedByStranger = await signJws(hubKeysFromPem({ certChainPem: stranger.chainPem, keyPem: stranger.hubKeyPem }).signer, { ...payload, recipient: [H14] }, 'lienthong-receipt+jws');
      const altered: [string, string][] = [
        ['recipient changed in the payload', `${h}.${b64({ ...payload, recipient: [H14] })}.${s}`],
        ['event changed to delivered', `${h}.${b64({ ...payload, event: 'delivered' })}.${s}`],
        ['the signature of another receipt', `${h}.${p}.${parts(other)[2]}`],
        ['alg none, no signature', `${b64({ ...header, alg: 'none' })}.${p}.`],
        ['the kid of no hub key', `${b64({ ...header, kid: 'a'.repeat(43) })}.${p}.${s}`],
        ['re-signed by a look-alike key and chain', forgedByStranger],
        ['truncated', receipt.slice(0, -10)],
      ];
      for (const [label, jws] of altered) expect(() => verify(jws), label).toThrow();
    });

    it('scripts/verify-receipt.sh (openssl only) verifies the genuine receipt and refuses an altered one', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'lienthong-hostile-receipts-'));
      try {
        const [h, p, s] = parts(receipt);
        await writeFile(join(dir, 'chain.pem'), t.pki.chainPem);
        await writeFile(join(dir, 'ca.pem'), t.pki.caCertPem);
        await writeFile(join(dir, 'good.jws'), receipt);
        await writeFile(join(dir, 'altered.jws'), `${h}.${b64({ ...json(p), sender: H14 })}.${s}`);
        const run = (name: string) => spawnSync('bash', ['scripts/verify-receipt.sh', join(dir, name), join(dir, 'chain.pem'), join(dir, 'ca.pem')], { encoding: 'utf8' });
        expect(run('good.jws')).toMatchObject({ status: 0, stdout: expect.stringContaining('Verified OK') });
        const altered = run('altered.jws');
        expect(altered.status).not.toBe(0);
        expect(altered.stdout).not.toContain('Verified OK');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
