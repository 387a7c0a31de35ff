import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyAxisCall, generateAgencies, sentProgress, startVdxpSimulator, type VdxpSettings, type VdxpSimulatorHandle,
} from '../../../adapters/vdxp/index.js';
import { sendEdoc } from '../../../adapters/vdxp/axis-operations.js';
import { resolveVdxpSettings } from '../../../adapters/vdxp/settings.js';
import { buildDocumentPacket, buildStatusPacket, responseForOf, type PacketOrgan } from '../../../src/demo/axis-packets.js';
import { axisPeer, type AxisPeer } from '../../../src/demo/axis-peer.js';
import { samplePdf } from '../../../src/demo/demo-documents.js';
import { parseEdxml } from '../../../src/formats/edxml/index.js';
import { createTrustStore, verifyXmlSignature } from '../../../src/formats/xmldsig/index.js';
import { polledPacketKey } from '../../../src/queue/polled-packet-intake.js';
import type { PollWorker } from '../../../src/queue/start-poll-worker.js';
import { countRows, getBytes, receiptPayload, send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

// The hub and the national document axis (simulated): the receive loop and the directory sync run as
// queue jobs (triggered here with runNow rather than waiting for the clock), packets travel both ways,
// statuses come back as status packets.

const LT1 = '000.00.00.LT1';
const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
/** On the axis (its directory), not configured in the hub. */
const STRANGER = '010.00.00.H01';
/** Configured in the hub, reached through the axis: another system serves it. */
const ON_AXIS = '011.00.00.H01';
const G13: PacketOrgan = { code: '000.00.00.G13', name: 'Cơ quan thử nghiệm trên trục liên thông' };
const HUB_SYSTEM = { systemId: 'lienthong.test', secret: 'test-axis-secret-of-the-hub', agencies: [LT1, G22, H41, '000.00.00.H14', '000.00.00.H30', '000.00.00.H56', '000.00.04.G14'] };
const PEER_SYSTEM = { systemId: 'vxp.peer.01', secret: 'test-axis-secret-of-the-peer', agencies: [G13.code] };
const DIRECTORY_SIZE = 250;
const silent = pino({ level: 'silent' });

describe.each(STORES)('exchanging edXML through the national axis (%s store)', (store) => {
  let axis: VdxpSimulatorHandle;
  let t: TestHub;
  let polls: PollWorker;
  let peer: AxisPeer;
  let hubSettings: VdxpSettings;
  let configDir: string;
  let serial = 0;

  /** A new document from G13 (on the axis) to Nghệ An, with a unique number. */
  const peerDocument = (subject: string) => buildDocumentPacket({
    from: G13, to: [{ code: H41, name: 'UBND tỉnh Nghệ An' }], number: String(100 + ++serial), notation: 'TN-TRUC',
    date: '2026-11-20', place: 'Hà Nội', typeName: 'Công văn', subject,
    signer: { fullName: 'Phạm Văn Đông', position: 'Chánh Văn phòng' },
    attachment: { name: `${serial}.pdf`, contentType: 'application/pdf', bytes: samplePdf(subject) },
  });
  /** The hub system's acknowledgements on the axis: docId → statuses sent, in order. */
  const acknowledgements = (): Map<string, string[]> => {
    const acks = new Map<string, string[]>();
    for (const r of axis.requests(HUB_SYSTEM.systemId).filter((q) => q.operation === 'updateStatus' && q.status === 200)) {
      const docId = r.headers['xroadvnpt-docid']!;
      acks.set(docId, [...(acks.get(docId) ?? []), r.headers['xroadvnpt-status']!]);
    }
    return acks;
  };
  /** One `sendEdoc` by the peer to several recipients (a JSON array `to`, as the SDK sends it). */
  const peerSend = async (to: string[], messageType: 'edoc' | 'status', bytes: Buffer): Promise<string> => {
    const packet = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest(), open: () => Readable.from([bytes]) };
    const verdict = classifyAxisCall(await sendEdoc(resolveVdxpSettings(peer.settings), { to, messageType, packet }, { signal: AbortSignal.timeout(5_000), now: () => new Date() }), []);
    if (verdict.kind !== 'ok') throw new Error(`sendEdoc refused: ${verdict.reason}`);
    return String(verdict.answer.body.DocId);
  };
  /** The hub's copy of a packet the peer sent (its doc id on the hub system's list). */
  const hubCopyOf = (senderDocId: string): string => axis.sent(PEER_SYSTEM.systemId).find((p) => p.senderDocId === senderDocId)!.copies[0]!;
  const messagesFrom = async (sender: string): Promise<{ id: string; document_id: string }[]> =>
    (await t.hub.db.query<{ id: string; document_id: string }>(`SELECT id, document_id FROM messages WHERE sender = $1 AND kind = 'document' ORDER BY created_at`, [sender])).rows;

  beforeAll(async () => {
    axis = await startVdxpSimulator({ systems: [HUB_SYSTEM, PEER_SYSTEM], directory: generateAgencies(DIRECTORY_SIZE) });
    configDir = await mkdtemp(join(tmpdir(), 'lienthong-axis-config-'));
    const configPath = join(configDir, 'hub.json');
    const fixture = await readFile(resolve('test/fixtures/config/test-hub-axis.json'), 'utf8');
    const authored = JSON.parse(fixture.replace('@AXIS_URL@', axis.url)) as { agencies: unknown[] };
    authored.agencies.push({ code: ON_AXIS, name: 'Đơn vị thử nghiệm số 12', endpoint: 'axis' });
    await writeFile(configPath, JSON.stringify(authored));
    t = await startTestHub(store, { env: { LIENTHONG_CONFIG: configPath } });
    polls = t.hub.polls!;
    hubSettings = t.hub.config.endpoints.get('axis')!.settings as unknown as VdxpSettings;
    peer = axisPeer({ endpoint: axis.url, systemId: PEER_SYSTEM.systemId, secret: PEER_SYSTEM.secret, from: G13.code, timeoutMs: 2_000 }, silent);
    // The schedulers' first runs are due at once (BullMQ `every`): let them finish before the tests.
    await polls.ready;
    await t.until(async () => {
      const counts = await polls.queue.getJobCounts('active', 'wait', 'completed', 'failed');
      return counts.active === 0 && counts.wait === 0 && (counts.completed ?? 0) + (counts.failed ?? 0) >= 2;
    }, 30_000);
  });

  afterAll(async () => {
    await t?.close(); // obliterates the poll queue too
    await axis?.close();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('schedules the endpoint\'s receive loop and directory sync at boot; the first sync stored the axis directory', async () => {
    const schedulers = await polls.queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.every]).sort()).toEqual([['receive-axis', 3_600_000], ['sync-directory-axis', 3_600_000]]);
    const { rows } = await t.hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM directory_agencies WHERE source = 'axis' AND NOT deleted`);
    expect(rows[0]!.n).toBe(DIRECTORY_SIZE);
  });

  describe('axis → hub', () => {
    let first: { senderDocId: string; messageId: string };

    it('a receive run takes in a document another system sent, the axis records done, the hub delivers it to the agency', async () => {
      const senderDocId = await peer.send(H41, 'edoc', await peerDocument('Về việc thử nghiệm liên thông qua trục'));
      const hubCopy = hubCopyOf(senderDocId);
      expect(axis.pending(H41).map((c) => c.docId)).toEqual([hubCopy]);

      expect(await polls.runNow('receive', 'axis')).toEqual({ fetched: 1, accepted: 1, duplicates: 0, rejected: 0, failed: 0 });
      expect(axis.pending(H41)).toEqual([]);
      expect(acknowledgements().get(hubCopy)).toEqual(['done']);
      // The sender sees its recipient's transport receipt through getSentEdocList.
      const progress = await sentProgress(peer.settings, senderDocId);
      expect(progress).toMatchObject([{ recipient: H41, receiverDocId: hubCopy, receiveStatus: 'done' }]);

      const [message] = await messagesFrom(G13.code);
      expect(message).toBeDefined();
      first = { senderDocId, messageId: message!.id };
      const view = await viewWhen(t, message!.id, t.keys.h41, (v) => v.deliveries[0]?.state === 'delivered');
      expect(view).toMatchObject({ kind: 'document', sender: G13.code, recipients: [H41], document: { subject: 'Về việc thử nghiệm liên thông qua trục' } });
      expect(view.attachments).toHaveLength(1);
      expect(t.sim.requests('h41').some((r) => r.status === 200 && r.headers['lienthong-message-id'] === message!.id)).toBe(true);
      const { rows } = await t.hub.db.query<{ actor: string }>(`SELECT actor FROM audit_events WHERE message_id = $1 AND kind = 'message.accepted'`, [message!.id]);
      expect(rows).toEqual([{ actor: 'endpoint:axis' }]);
    });

    it('a status Nghệ An reports on it travels back through the axis as a status packet (messagetype=status)', async () => {
      const reported = await t.call('POST', `/v1/messages/${first.messageId}/status`, { key: t.keys.h41, body: { code: '03', description: 'Đã tiếp nhận' } });
      expect(reported.status).toBe(202);
      await viewWhen(t, reported.json.id, t.keys.h41, (v) => v.deliveries[0]?.state === 'delivered');
      expect(axis.sent(HUB_SYSTEM.systemId).at(-1)).toMatchObject({ from: LT1, to: [G13.code], messageType: 'status' });
      const taken = await peer.receive();
      expect(taken.map((p) => p.messageType)).toEqual(['status']);
      const { packet } = await parseEdxml(taken[0]!.bytes);
      const [document] = await messagesFrom(G13.code);
      expect(packet).toMatchObject({ kind: 'status', header: { statusCode: '03', from: { organId: H41 }, responseFor: { organId: G13.code, documentId: document!.document_id } } });
    });

    it('the same packet offered again (the axis lost the acknowledgement) is a duplicate, acknowledged done, not a second message', async () => {
      const hubCopy = hubCopyOf(first.senderDocId);
      axis.redeliver(hubCopy);
      const before = await countRows(t.hub.db);
      expect(await polls.runNow('receive', 'axis')).toEqual({ fetched: 1, accepted: 0, duplicates: 1, rejected: 0, failed: 0 });
      expect(acknowledgements().get(hubCopy)).toEqual(['done', 'done']);
      expect((await messagesFrom(G13.code)).map((m) => m.id)).toEqual([first.messageId]);
      expect((await countRows(t.hub.db)).messages).toBe(before.messages);
      expect(axis.pending(H41)).toEqual([]);
    });

    it('a malformed packet is rejected and acknowledged fail, storing nothing', async () => {
      const hubCopy = axis.inject({ bytes: Buffer.from('<edXML><unclosed>'), from: G13.code, to: H41 });
      const before = await countRows(t.hub.db);
      expect(await polls.runNow('receive', 'axis')).toEqual({ fetched: 1, accepted: 0, duplicates: 0, rejected: 1, failed: 0 });
      expect(acknowledgements().get(hubCopy)).toEqual(['fail']);
      expect(axis.pending(H41)).toEqual([]);
      expect(await countRows(t.hub.db)).toEqual(before);
      const rejected = (await t.hub.metrics.receivedPackets.get()).values.find((v) => v.labels.endpoint === 'axis' && v.labels.outcome === 'rejected');
      expect(rejected?.value).toBe(1);
    });

    it('a 5xx on getEdoc leaves the packet pending; a later run takes it', async () => {
      const senderDocId = await peer.send(H41, 'edoc', await peerDocument('Về việc thử lại khi trục lỗi'));
      const hubCopy = hubCopyOf(senderDocId);
      axis.setBehaviour(HUB_SYSTEM.systemId, { mode: 'fail', status: 503, count: 1 }, ['getEdoc']);
      const countBefore = (await messagesFrom(G13.code)).length;
      expect(await polls.runNow('receive', 'axis')).toEqual({ fetched: 0, accepted: 0, duplicates: 0, rejected: 0, failed: 1 });
      expect(axis.pending(H41).map((c) => c.docId)).toEqual([hubCopy]);
      expect(acknowledgements().has(hubCopy)).toBe(false);
      expect(await messagesFrom(G13.code)).toHaveLength(countBefore);

      expect(await polls.runNow('receive', 'axis')).toEqual({ fetched: 1, accepted: 1, duplicates: 0, rejected: 0, failed: 0 });
      expect(acknowledgements().get(hubCopy)).toEqual(['done']);
      const latest = (await messagesFrom(G13.code)).at(-1)!;
      await viewWhen(t, latest.id, t.keys.h41, (v) => v.deliveries[0]?.state === 'delivered');
    });

    it('a packet for several agencies is taken in for those the hub serves; the others are recorded, not delivered', async () => {
      const to = [H41, H14, STRANGER, ON_AXIS];
      const bytes = await buildDocumentPacket({
        from: G13, to: to.map((code) => ({ code, name: code })), number: String(100 + ++serial), notation: 'TN-TRUC',
        date: '2026-11-20', place: 'Hà Nội', typeName: 'Công văn', subject: 'Về việc gửi nhiều nơi',
        signer: { fullName: 'Phạm Văn Đông', position: 'Chánh Văn phòng' },
        attachment: { name: `${serial}.pdf`, contentType: 'application/pdf', bytes: samplePdf('nhiều nơi') },
      });
      const senderDocId = await peerSend(to, 'edoc', bytes);
      // The axis gives each receiving system the whole packet, one copy per agency it serves.
      const copies = axis.sent(PEER_SYSTEM.systemId).find((p) => p.senderDocId === senderDocId)!.copies;
      const hubCopies = [...axis.pending(H41), ...axis.pending(H14)].map((c) => c.docId);
      expect(hubCopies).toHaveLength(2);

      // The first copy becomes the message; the second is the same packet: a duplicate.
      expect(await polls.runNow('receive', 'axis')).toEqual({ fetched: 2, accepted: 1, duplicates: 1, rejected: 0, failed: 0 });
      expect(hubCopies.map((c) => acknowledgements().get(c))).toEqual([['done'], ['done']]);
      // The other recipients' copies are for the other systems: the hub did not touch them.
      expect(axis.pending().filter((c) => copies.includes(c.docId)).map((c) => c.recipient).sort()).toEqual([ON_AXIS, STRANGER].sort());

      const message = (await messagesFrom(G13.code)).at(-1)!;
      const view = await viewWhen(t, message.id, t.keys.h41, (v) => v.deliveries[0]?.state === 'delivered');
      expect(view.recipients).toEqual([H41, H14]);
      await viewWhen(t, message.id, t.keys.h14, (v) => v.deliveries[0]?.state === 'delivered');
      const { rows } = await t.hub.db.query<{ recipient: string; endpoint_id: string | null }>(
        'SELECT recipient, endpoint_id FROM deliveries WHERE message_id = $1 ORDER BY recipient', [message.id]);
      expect(rows).toEqual([{ recipient: H14, endpoint_id: 'h14' }, { recipient: H41, endpoint_id: 'h41' }]);
      const audit = await t.hub.db.query<{ data: { notDelivered?: unknown } }>(`SELECT data FROM audit_events WHERE message_id = $1 AND kind = 'message.edxml'`, [message.id]);
      expect(audit.rows[0]!.data.notDelivered).toEqual([{ agency: STRANGER, reason: 'unknown-agency' }, { agency: ON_AXIS, reason: 'reached-by-source' }]);
      // The message keeps the packet's header as received: the whole To list.
      const header = await t.hub.db.query<{ edxml: { header: { to: { organId: string }[] } } }>('SELECT edxml FROM messages WHERE id = $1', [message.id]);
      expect(header.rows[0]!.edxml.header.to.map((o) => o.organId)).toEqual(to);
    });

    it('a packet for none of the hub\'s agencies is rejected (fail), storing nothing', async () => {
      const bytes = await buildDocumentPacket({
        from: G13, to: [{ code: STRANGER, name: STRANGER }, { code: ON_AXIS, name: ON_AXIS }], number: String(100 + ++serial), notation: 'TN-TRUC',
        date: '2026-11-20', place: 'Hà Nội', typeName: 'Công văn', subject: 'Về việc không gửi hub',
        signer: { fullName: 'Phạm Văn Đông', position: 'Chánh Văn phòng' },
        attachment: { name: `${serial}.pdf`, contentType: 'application/pdf', bytes: samplePdf('không gửi hub') },
      });
      // Misrouted to the hub's system (the axis would not do it; a packet listing none of the hub's agencies).
      const hubCopy = axis.inject({ bytes, from: G13.code, to: H41 });
      const before = await countRows(t.hub.db);
      expect(await polls.runNow('receive', 'axis')).toEqual({ fetched: 1, accepted: 0, duplicates: 0, rejected: 1, failed: 0 });
      expect(acknowledgements().get(hubCopy)).toEqual(['fail']);
      expect(await countRows(t.hub.db)).toEqual(before);
    });
  });

  describe('hub → axis → another system, and its status back', () => {
    let messageId: string;
    let packet: Buffer;

    it('a document for an agency routed to the axis reaches the other system, signed by the hub', async () => {
      messageId = await send(t, t.keys.g22, documentBody(G22, [G13.code]));
      await viewWhen(t, messageId, t.keys.g22, (v) => v.deliveries[0]?.state === 'delivered');
      const sent = axis.sent(HUB_SYSTEM.systemId).at(-1);
      expect(sent).toMatchObject({ from: LT1, to: [G13.code], messageType: 'edoc' });

      const taken = await peer.receive();
      expect(taken.map((p) => p.messageType)).toEqual(['edoc']);
      packet = taken[0]!.bytes;
      // Exactly what the hub serves as the message's edXML, and its signature chains to the hub's CA.
      expect(packet.equals((await getBytes(t, `/v1/messages/${messageId}/edxml`, t.keys.g22)).bytes)).toBe(true);
      const verdict = verifyXmlSignature(packet, { trustStore: createTrustStore([t.pki.caCertPem]), now: new Date() });
      expect(verdict).toMatchObject({ status: 'valid', algorithm: 'ecdsa-sha256' });
      expect(verifyXmlSignature(Buffer.from(packet.toString('utf8').replace('VPCP-TEST', 'VPCP-TESX')), { trustStore: createTrustStore([t.pki.caCertPem]), now: new Date() }).status).toBe('invalid');

      // The delivery's remote id is the axis DocId; getSentEdocList shows the other system's receipt.
      const { rows } = await t.hub.db.query<{ data: { remoteId?: string } }>(`SELECT data FROM audit_events WHERE message_id = $1 AND kind = 'delivery.delivered'`, [messageId]);
      expect(rows[0]!.data.remoteId).toBe(sent!.senderDocId);
      expect(await sentProgress(hubSettings, sent!.senderDocId)).toMatchObject([{ recipient: G13.code, receiveStatus: 'done' }]);
    });

    let status: Buffer;
    let statusSenderDocId: string;
    /** The status messages the hub made of statuses on `messageId`, oldest first. */
    const statusMessages = async (): Promise<{ id: string; code: string }[]> => (await t.hub.db.query<{ id: string; code: string }>(
      `SELECT id, status->>'code' AS code FROM messages WHERE kind = 'status' AND related_message_id = $1 ORDER BY created_at`, [messageId])).rows;
    const statusReceipts = async (): Promise<string[]> => (await t.hub.db.query<{ status_code: string }>(
      `SELECT status_code FROM receipts WHERE message_id = $1 AND event = 'status' ORDER BY created_at`, [messageId])).rows.map((r) => r.status_code);

    it('the other system\'s status packet (messagetype=status) becomes a business status on the hub\'s message', async () => {
      status = await buildStatusPacket(G13, await responseForOf(packet), {
        code: '03', description: 'Đã tiếp nhận văn bản', staff: { department: 'Văn thư', name: 'Lê Thị Hoa' }, at: new Date().toISOString(),
      });
      statusSenderDocId = await peer.send(G22, 'status', status);
      expect(await polls.runNow('receive', 'axis')).toEqual({ fetched: 1, accepted: 1, duplicates: 0, rejected: 0, failed: 0 });

      const view = await viewWhen(t, messageId, t.keys.g22, (v) => v.deliveries[0]?.businessStatus === '03');
      expect(view.deliveries[0]).toMatchObject({ recipient: G13.code, state: 'delivered', businessStatus: '03' });
      const { receipts } = (await t.call('GET', `/v1/messages/${messageId}/receipts`, { key: t.keys.g22 })).json as { receipts: { event: string; jws: string }[] };
      const statusReceipt = receiptPayload(t, receipts.find((r) => r.event === 'status')!.jws);
      expect(statusReceipt).toMatchObject({ event: 'status', statusCode: '03', recipient: G13.code, messageId });
      // The status travels on to the sender's own endpoint as a status message.
      await t.until(async () => t.sim.requests('g22').some((r) => r.status === 200 && r.body.toString().includes('"03"')));
    });

    it('the same status packet delivered again — the same axis copy, or another copy of the same bytes — is a duplicate; nothing new is stored', async () => {
      const [original] = await statusMessages();
      const hubCopy = hubCopyOf(statusSenderDocId);
      axis.redeliver(hubCopy); // the axis lost the acknowledgement
      const second = axis.inject({ bytes: status, from: G13.code, to: G22, messageType: 'status' }); // delivered twice, under another id
      const before = await countRows(t.hub.db);
      expect(await polls.runNow('receive', 'axis')).toEqual({ fetched: 2, accepted: 0, duplicates: 2, rejected: 0, failed: 0 });
      expect(acknowledgements().get(hubCopy)).toEqual(['done', 'done']);
      expect(acknowledgements().get(second)).toEqual(['done']);
      expect(await countRows(t.hub.db)).toEqual(before);
      expect(await statusMessages()).toEqual([original]);
      expect(await statusReceipts()).toEqual(['03']);
      // Intake answers with the original status message.
      await expect(t.hub.edxmlIntake(status, { kind: 'endpoint', endpointId: 'axis' }, { idempotencyKey: polledPacketKey('axis', status) }))
        .rejects.toMatchObject({ code: 'HUB_ERR_DUPLICATE', details: { messageId: original!.id } });
    });

    it('a status reported again later (03 with another time), then 04, are new statuses', async () => {
      const responseFor = await responseForOf(packet);
      const later = new Date(Date.now() + 60_000).toISOString();
      await peer.send(G22, 'status', await buildStatusPacket(G13, responseFor, {
        code: '03', description: 'Đã tiếp nhận văn bản', staff: { department: 'Văn thư', name: 'Lê Thị Hoa' }, at: later,
      }));
      await peer.send(G22, 'status', await buildStatusPacket(G13, responseFor, { code: '04', description: 'Đã phân công xử lý', at: later }));
      expect(await polls.runNow('receive', 'axis')).toEqual({ fetched: 2, accepted: 2, duplicates: 0, rejected: 0, failed: 0 });
      expect((await statusMessages()).map((m) => m.code)).toEqual(['03', '03', '04']);
      expect(await statusReceipts()).toEqual(['03', '03', '04']);
      await viewWhen(t, messageId, t.keys.g22, (v) => v.deliveries[0]?.businessStatus === '04');
    });
  });

  it('a directory sync job stores the axis directory as it changes', async () => {
    axis.loadDirectory(generateAgencies(DIRECTORY_SIZE + 40).slice(30));
    const counts = await polls.runNow('sync-directory', 'axis');
    expect(counts).toMatchObject({ agencies: DIRECTORY_SIZE + 10, inserted: 40, deleted: 30, unchanged: DIRECTORY_SIZE - 30 });
    const { rows } = await t.hub.db.query<{ live: number; deleted: number }>(
      `SELECT count(*) FILTER (WHERE NOT deleted)::int AS live, count(*) FILTER (WHERE deleted)::int AS deleted FROM directory_agencies WHERE source = 'axis'`);
    expect(rows[0]).toEqual({ live: DIRECTORY_SIZE + 10, deleted: 30 });
    const found = await t.call('GET', '/v1/directory/agencies/H01.0.0.259', { key: t.keys.g22 });
    expect(found.status).toBe(200);
    expect(found.json).toMatchObject({ source: 'axis', id: '260', code102: '259.00.00.H01', name: 'Đơn vị thử nghiệm số 260' });
    expect((await t.call('GET', '/v1/directory/agencies/H01.0.0.5', { key: t.keys.g22 })).status).toBe(404); // id 6: no longer listed
  });
});
