import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDigest } from '../../../src/domain/content-digest.js';
import { blobFiles, countRows, getBytes, postForm, receiptPayload, sha256Hex } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H56 = '000.00.00.H56';
const ATTACHMENT_LIMIT = 16 * 1024;

/** A multipart form: the `message` field, then file parts. */
function form(message: Record<string, unknown> | undefined, files: { name: string; type: string; bytes: Buffer }[], fileFirst = false): FormData {
  const data = new FormData();
  const addFiles = () => files.forEach((f) => data.append('file', new Blob([new Uint8Array(f.bytes)], { type: f.type }), f.name));
  if (fileFirst) addFiles();
  if (message) data.append('message', JSON.stringify(message));
  if (!fileFirst) addFiles();
  return data;
}

describe.each(STORES)('intake of documents (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store, { env: { LIENTHONG_ATTACHMENT_LIMIT: String(ATTACHMENT_LIMIT) } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts JSON with 202 and Location; the receipt verifies and carries the digest of the stored message', async () => {
    // Past LIENTHONG_BLOB_INLINE_MAX (64 KiB by default): this one goes to the blob folder, the small one to the database.
    const binary = randomBytes(70_000);
    const body = documentBody(G22, [H41, H56]);
    (body.attachments as unknown[]).push({ name: 'bảng-kê.bin', contentType: 'application/octet-stream', description: 'Phụ lục', content: binary.toString('base64') });
    const r = await t.call('POST', '/v1/messages', { key: t.keys.g22, body });
    expect(r.status).toBe(202);
    const id = r.json.id as string;
    expect(r.headers.get('location')).toBe(`/v1/messages/${id}`);

    const payload = receiptPayload(t, r.json.receipt);
    expect(payload).toMatchObject({ event: 'accepted', messageId: id, sender: G22, recipients: [H41, H56] });

    const view = (await t.call('GET', `/v1/messages/${id}`, { key: t.keys.g22 })).json;
    expect(payload.contentSha256).toBe(contentDigest({
      kind: view.kind, sender: view.sender, recipients: view.recipients, document: view.document,
      status: view.status, relatedMessageId: view.relatedMessageId, attachments: view.attachments,
    }));
    expect(view.contentSha256).toBe(payload.contentSha256);
    expect(payload.documentId).toBe(view.document.documentId);

    const first = Buffer.from((body.attachments as { content: string }[])[0]!.content, 'base64');
    expect(view.attachments).toEqual([
      { index: 0, name: expect.any(String), contentType: 'application/pdf', size: first.length, sha256: sha256Hex(first) },
      { index: 1, name: 'bảng-kê.bin', contentType: 'application/octet-stream', description: 'Phụ lục', size: binary.length, sha256: sha256Hex(binary) },
    ]);
    for (const a of view.attachments) expect(await t.hub.blobs.has(a.sha256)).toBe(true);

    // The pull recipient streams the exact bytes; a push recipient has no inbox copy.
    const fetched = await getBytes(t, `/v1/inbox/${id}/attachments/1`, t.keys.h56);
    expect(fetched.status).toBe(200);
    expect(fetched.bytes.equals(binary)).toBe(true);
    expect(fetched.headers.get('content-type')).toBe('application/octet-stream');
    expect(fetched.headers.get('digest')).toBe(`sha-256=${Buffer.from(sha256Hex(binary), 'hex').toString('base64')}`);
    expect((await getBytes(t, `/v1/inbox/${id}/attachments/0`, t.keys.h56)).bytes.equals(first)).toBe(true);
    expect((await getBytes(t, `/v1/inbox/${id}/attachments/2`, t.keys.h56)).status).toBe(404);
    expect((await getBytes(t, `/v1/inbox/${id}/attachments/1`, t.keys.h41)).status).toBe(404);
  });

  it('accepts multipart: a message field then file parts, stored with their sha256 and size after inline ones', async () => {
    const scan = randomBytes(ATTACHMENT_LIMIT - 100);
    const sheet = Buffer.from('a,b\n1,2\n');
    const message = documentBody(G22, [H56]);
    const r = await postForm(t, '/v1/messages', t.keys.g22, form(message, [
      { name: 'scan.pdf', type: 'application/pdf', bytes: scan },
      { name: 'sheet.csv', type: 'text/csv', bytes: sheet },
    ]));
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    const payload = receiptPayload(t, r.json.receipt);
    const view = (await t.call('GET', `/v1/messages/${r.json.id}`, { key: t.keys.g22 })).json;
    expect(payload.contentSha256).toBe(view.contentSha256);
    const inline = Buffer.from((message.attachments as { content: string }[])[0]!.content, 'base64');
    expect(view.attachments).toEqual([
      expect.objectContaining({ index: 0, size: inline.length, sha256: sha256Hex(inline) }),
      { index: 1, name: 'scan.pdf', contentType: 'application/pdf', size: scan.length, sha256: sha256Hex(scan) },
      { index: 2, name: 'sheet.csv', contentType: 'text/csv', size: sheet.length, sha256: sha256Hex(sheet) },
    ]);
    expect(await t.hub.blobs.has(sha256Hex(scan))).toBe(true);
    expect((await getBytes(t, `/v1/inbox/${r.json.id}/attachments/1`, t.keys.h56)).bytes.equals(scan)).toBe(true);
  });

  it('digests content the same whichever way it arrived: multipart resending a JSON message is its duplicate', async () => {
    const bytes = randomBytes(1_500);
    const json = documentBody(G22, [H56], { attachments: [{ name: 'qd.pdf', contentType: 'application/pdf', content: bytes.toString('base64') }] });
    const key = `same-${Date.now()}`;
    const first = await t.call('POST', '/v1/messages', { key: t.keys.g22, body: json, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(202);
    const { attachments: _inline, ...message } = json;
    const again = await postForm(t, '/v1/messages', t.keys.g22, form(message, [{ name: 'qd.pdf', type: 'application/pdf', bytes }]), { 'idempotency-key': key });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'HUB_ERR_DUPLICATE', details: { messageId: first.json.id, by: 'idempotency-key' } });
    const changed = await postForm(t, '/v1/messages', t.keys.g22, form(message, [{ name: 'qd.pdf', type: 'application/pdf', bytes: randomBytes(1_500) }]), { 'idempotency-key': key });
    expect(changed.status).toBe(422);
    expect(changed.json.code).toBe('HUB_ERR_IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses a file part that comes before the message field, storing nothing', async () => {
    const before = await countRows(t.hub.db);
    const message = documentBody(G22, [H56]);
    const r = await postForm(t, '/v1/messages', t.keys.g22, form(message, [{ name: 'early.pdf', type: 'application/pdf', bytes: randomBytes(500) }], true));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_VALIDATION', details: [expect.objectContaining({ path: 'multipart' })] });
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it('refuses a multipart file over LIENTHONG_ATTACHMENT_LIMIT with 413, storing neither the message nor the file', async () => {
    const before = await countRows(t.hub.db);
    const filesBefore = await blobFiles(t);
    const big = randomBytes(ATTACHMENT_LIMIT + 1);
    const message = documentBody(G22, [H56]);
    const r = await postForm(t, '/v1/messages', t.keys.g22, form(message, [{ name: 'big.pdf', type: 'application/pdf', bytes: big }]));
    expect(r.status).toBe(413);
    expect(r.json.code).toBe('HUB_ERR_BODY_TOO_LARGE');
    expect(await countRows(t.hub.db)).toEqual(before);
    expect(await t.hub.blobs.has(sha256Hex(big))).toBe(false);
    // No temp file left behind (the inline attachment of the refused message may be stored: content-addressed, harmless).
    expect((await blobFiles(t)).filter((f) => !filesBefore.includes(f) && f.includes('.tmp-'))).toEqual([]);
  });

  it('a message field whose own base64 attachment is invalid → 400 HUB_ERR_INVALID_ATTACHMENT, and the file parts read before it are not kept', async () => {
    const before = await countRows(t.hub.db);
    const file = randomBytes(ATTACHMENT_LIMIT - 1);
    const message = documentBody(G22, [H56]);
    (message.attachments as { content: string }[])[0]!.content = '!!!!';
    const r = await postForm(t, '/v1/messages', t.keys.g22, form(message, [{ name: 'phu-luc.pdf', type: 'application/pdf', bytes: file }]));
    expect(r).toMatchObject({ status: 400, json: { code: 'HUB_ERR_INVALID_ATTACHMENT' } });
    expect(await t.hub.blobs.has(sha256Hex(file))).toBe(false);
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it('checks the parties before streaming any file: a sender mismatch stores neither message nor file', async () => {
    const before = await countRows(t.hub.db);
    const file = randomBytes(2_000);
    const r = await postForm(t, '/v1/messages', t.keys.h41, form(documentBody(G22, [H56]), [{ name: 'a.pdf', type: 'application/pdf', bytes: file }]));
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('HUB_ERR_SENDER_MISMATCH');
    expect(await t.hub.blobs.has(sha256Hex(file))).toBe(false);
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it('refuses a multipart request without a message field and a message that fails its schema', async () => {
    const before = await countRows(t.hub.db);
    const none = await postForm(t, '/v1/messages', t.keys.g22, form(undefined, [{ name: 'a.pdf', type: 'application/pdf', bytes: randomBytes(10) }]));
    expect(none.status).toBe(400);
    expect(none.json.code).toBe('HUB_ERR_VALIDATION');
    const bad = await postForm(t, '/v1/messages', t.keys.g22, form({ ...documentBody(G22, [H56]), extra: true }, []));
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'HUB_ERR_VALIDATION' });
    expect(JSON.stringify(bad.json.details)).toContain('extra');
    expect(await countRows(t.hub.db)).toEqual(before);
  });
});
