import { sentProgress, type VdxpSettings } from '../../adapters/vdxp/index.js';
import { createTrustStore, verifyXmlSignature } from '../formats/xmldsig/index.js';
import type { Hub } from '../hub.js';
import { buildDocumentPacket, buildStatusPacket, responseForOf, type PacketOrgan } from './axis-packets.js';
import { DEMO_AXIS, type DemoAxis } from './demo-axis.js';
import { samplePdf } from './demo-documents.js';
import { waitFor } from './wait-for.js';

export interface AxisExchangeOptions {
  hub: Hub;
  /** The hub's API. */
  url: string;
  /** API key of Văn phòng Chính phủ, the sender of the document that goes out through the axis. */
  senderKey: string;
  axis: DemoAxis;
  /** The development CA: what the other system trusts the hub's signature by. */
  caCertPem: string;
  print(line?: string): void;
}

const SENDER = '000.00.00.G22';
const RECIPIENT = '000.00.00.H41';
const short = (id: string): string => `${id.slice(0, 8)}…`;

/**
 * The demo's edXML exchange through the simulated national axis, printed as it happens:
 * the directory the hub synchronised at start; a document Văn phòng Chính phủ submits as edXML,
 * forwarded signed through the axis to another system, which checks the hub's signature and answers
 * with a status packet; a document that system sends to Nghệ An, taken in by the hub's scheduled
 * receive loop and delivered. Waits use the hub's own clock (receive every 2 s), nothing is forced.
 */
export async function runAxisExchange(opts: AxisExchangeOptions): Promise<void> {
  const { hub, axis, print } = opts;
  const endpoint = hub.config.endpoints.get(DEMO_AXIS.endpointId)!;
  const peerName = DEMO_AXIS.peerAgency.name;
  print(`4. edXML through the national document axis (simulated at ${axis.sim.url}; the hub is system ${DEMO_AXIS.hubSystemId}, receive loop every ${DEMO_AXIS.receiveEvery})`);

  // 1. the directory the start-up sync stored
  const agencies = await waitFor('the axis directory', async () => {
    const { rows } = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM directory_agencies WHERE source = $1 AND NOT deleted', [DEMO_AXIS.endpointId]);
    return rows[0]!.n >= DEMO_AXIS.directorySize ? rows[0]!.n : undefined;
  });
  const lookup = await api(opts, 'GET', '/v1/directory/agencies/H01.0.0.5');
  print(`   directory: ${agencies} agencies synchronised from the axis (getAgenciesList + getAgenciesListQD20); H01.0.0.5 → ${String(lookup.code102)} ${String(lookup.name)}`);

  // 2. hub → axis → the other system, signed by the hub
  const organ = (code: string): PacketOrgan => ({ code, name: hub.config.agencies.get(code)?.name ?? code });
  const outgoing = await buildDocumentPacket({
    from: organ(SENDER), to: [DEMO_AXIS.peerAgency], number: '1008', notation: 'VPCP-TTĐT', date: today(), place: 'Hà Nội', typeName: 'Công văn',
    subject: 'Về việc thí điểm gửi, nhận văn bản điện tử qua Trục liên thông văn bản quốc gia',
    signer: { fullName: 'Trần Văn Sơn', position: 'Bộ trưởng, Chủ nhiệm', competence: 'KT.' },
    attachment: { name: '1008-VPCP-TTDT.pdf', contentType: 'application/pdf', bytes: samplePdf('Thi diem truc lien thong') },
  });
  const accepted = await api(opts, 'POST', '/v1/messages', outgoing);
  const messageId = String(accepted.id);
  print(`   hub → axis: Văn phòng Chính phủ posts 1008/VPCP-TTĐT as edXML for ${peerName}, accepted ${short(messageId)}`);
  const docId = await waitFor('the delivery through the axis', async () => {
    const { rows } = await hub.db.query<{ remote_id: string | null }>(
      `SELECT data->>'remoteId' AS remote_id FROM audit_events WHERE message_id = $1 AND kind = 'delivery.delivered'`, [messageId]);
    return rows[0]?.remote_id ?? undefined;
  });
  const taken = (await axis.peer.receive()).filter((p) => p.messageType === 'edoc');
  const packet = taken[0]?.bytes;
  if (!packet) throw new Error('the other system found nothing on the axis');
  const verdict = verifyXmlSignature(packet, { trustStore: createTrustStore([opts.caCertPem]), now: new Date() });
  const progress = await sentProgress(endpoint.settings as unknown as VdxpSettings, docId);
  print(`     sendEdoc → axis DocId ${docId}; ${DEMO_AXIS.peerSystemId} fetched it (${packet.length} bytes) and acknowledged: getSentEdocList says receiveStatus ${progress[0]?.receiveStatus ?? '?'}`);
  print(`     the hub's XML signature on the packet, checked by ${DEMO_AXIS.peerSystemId} against the development CA: ${verdict.status === 'valid' ? `valid (${verdict.algorithm}, ${verdict.signer.subject})` : verdict.status === 'absent' ? 'absent' : `${verdict.status} (${verdict.reason})`}`);

  // 3. its business status comes back as a status packet
  const status = await buildStatusPacket(DEMO_AXIS.peerAgency, await responseForOf(packet), {
    code: '03', description: 'Đã tiếp nhận, vào sổ văn bản đến', staff: { department: 'Văn thư', name: 'Lê Thị Hoa' }, at: new Date().toISOString(),
  });
  await axis.peer.send(SENDER, 'status', status);
  await waitFor('the status through the axis', async () => {
    const { rows } = await hub.db.query<{ business_status: string | null }>('SELECT business_status FROM deliveries WHERE message_id = $1', [messageId]);
    return rows[0]?.business_status === '03' ? true : undefined;
  });
  print(`     ${DEMO_AXIS.peerSystemId} answers with status packet 03 (messagetype=status) → business status 03 on the hub's message, passed on to Văn phòng Chính phủ`);

  // 4. axis → hub: taken in by the scheduled receive loop, delivered to the agency
  const incoming = await buildDocumentPacket({
    from: DEMO_AXIS.peerAgency, to: [organ(RECIPIENT)], number: '57', notation: 'TN-TRUC', date: today(), place: 'Hà Nội', typeName: 'Công văn',
    subject: 'Về việc phối hợp thử nghiệm kết nối trục liên thông',
    signer: { fullName: 'Phạm Văn Đông', position: 'Chánh Văn phòng' },
    attachment: { name: '57-TN-TRUC.pdf', contentType: 'application/pdf', bytes: samplePdf('Phoi hop thu nghiem') },
  });
  const sentDocId = await axis.peer.send(RECIPIENT, 'edoc', incoming);
  print(`   axis → hub: ${DEMO_AXIS.peerSystemId} sends 57/TN-TRUC to ${organ(RECIPIENT).name}, axis DocId ${sentDocId}`);
  const received = await waitFor('the document from the axis', async () => {
    const { rows } = await hub.db.query<{ id: string; state: string; endpoint_id: string | null }>(
      `SELECT m.id, d.state, d.endpoint_id FROM messages m JOIN deliveries d ON d.message_id = m.id WHERE m.sender = $1 AND m.kind = 'document'`, [DEMO_AXIS.peerAgency.code]);
    return rows[0]?.state === 'delivered' ? rows[0] : undefined;
  });
  const back = await sentProgress(axis.peer.settings, sentDocId);
  print(`     taken in by the scheduled receive run as message ${short(received.id)}, acknowledged on the axis (receiveStatus ${back[0]?.receiveStatus ?? '?'}), delivered to ${received.endpoint_id ?? 'the inbox'}`);
  print();
}

/** A JSON API call as Văn phòng Chính phủ (an edXML body when given bytes). */
async function api(opts: AxisExchangeOptions, method: string, path: string, xml?: Buffer): Promise<Record<string, unknown>> {
  const response = await fetch(`${opts.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${opts.senderKey}`, ...(xml ? { 'content-type': 'application/xml' } : {}) },
    ...(xml ? { body: new Uint8Array(xml) } : {}),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}
