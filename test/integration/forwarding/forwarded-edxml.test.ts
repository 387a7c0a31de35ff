import { buffer } from 'node:stream/consumers';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificatesFromPem } from '../../../src/crypto/hub-keys.js';
import { parseEdxml } from '../../../src/formats/edxml/index.js';
import { createForwardedEdxml, type ForwardedEdxml, type LoadedMessage } from '../../../src/forwarding/forwarded-edxml.js';
import { readInlineBlobs } from '../../../src/store/database-blobs.js';
import { readMessage } from '../../../src/store/read-message-view.js';
import { send } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H56 = '000.00.00.H56'; // pull mode: the worker never forwards its messages, the test builds them first

/** The bytes of a built packet, checked against the facts it announces. */
async function bytesOf(forwarded: ForwardedEdxml, id: string, loaded?: LoadedMessage): Promise<Buffer> {
  const packet = await forwarded(id, loaded);
  const bytes = await buffer(packet.open());
  expect(bytes.length).toBe(packet.size);
  expect(createHash('sha256').update(bytes).digest().equals(packet.sha256)).toBe(true);
  return bytes;
}

describe.each(STORES)('forwarded edXML, built once, batched reads and signature (%s store)', (store) => {
  let t: TestHub;
  let forwarded: ForwardedEdxml;
  const loadedOf = async (id: string): Promise<LoadedMessage> => {
    const message = (await readMessage(t.hub.db, id))!;
    return { message, inlineBlobs: await readInlineBlobs(t.hub.db, message.attachments.map((a) => a.sha256)) };
  };
  beforeAll(async () => {
    t = await startTestHub(store);
    // A second instance on the same store, as another worker process would have.
    forwarded = createForwardedEdxml({
      db: t.hub.db, blobs: t.hub.blobs, config: t.hub.config,
      signingKey: { privateKey: t.hub.keys.signer.privateKey, chain: certificatesFromPem(t.hub.keys.chainPem) },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('concurrent first builds of one message agree on one signature, kept for every later build', async () => {
    const id = await send(t, t.keys.g22, documentBody(G22, [H56]));
    const loaded = await loadedOf(id);
    // One batch: several candidates for the same message, with and without the message handed over.
    const first = await Promise.all([bytesOf(forwarded, id, loaded), bytesOf(forwarded, id), bytesOf(forwarded, id, loaded), bytesOf(forwarded, id)]);
    for (const bytes of first) expect(bytes.equals(first[0]!)).toBe(true);
    expect((await bytesOf(forwarded, id)).equals(first[0]!)).toBe(true);
    const { packet } = await parseEdxml(first[0]!);
    expect(packet.signature).toBeDefined();
    const { rows } = await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM forwarded_packets WHERE message_id = $1', [id]);
    expect(rows[0]!.n).toBe(1);
  });

  it('a message handed over by the caller builds the same bytes as one read from the store', async () => {
    const ids = await Promise.all([1, 2, 3].map(() => send(t, t.keys.g22, documentBody(G22, [H56]))));
    const read = await Promise.all(ids.map((id) => bytesOf(forwarded, id)));
    const handed = await Promise.all(ids.map(async (id) => bytesOf(forwarded, id, await loadedOf(id))));
    ids.forEach((_, i) => expect(handed[i]!.equals(read[i]!)).toBe(true));
    expect(new Set(read.map((b) => b.toString('base64'))).size).toBe(3);
  });

  it('an unknown message is HUB_ERR_NOT_FOUND, without failing the others of its batch', async () => {
    const id = await send(t, t.keys.g22, documentBody(G22, [H56]));
    const [unknown, known] = await Promise.allSettled([forwarded('00000000-0000-4000-8000-000000000000'), forwarded(id)]);
    expect(unknown.status).toBe('rejected');
    expect((unknown as PromiseRejectedResult).reason).toMatchObject({ code: 'HUB_ERR_NOT_FOUND' });
    expect(known.status).toBe('fulfilled');
  });
});
