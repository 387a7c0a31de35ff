import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../../src/domain/message.js';
import { appendTraceHeader } from '../../../../src/formats/edxml/append-trace-header.js';
import type { EdocPacket, StatusPacket } from '../../../../src/formats/edxml/edxml-packet.js';
import { edxmlToMessage } from '../../../../src/formats/edxml/edxml-to-message.js';
import { messageToEdxml } from '../../../../src/formats/edxml/message-to-edxml.js';
import { parseEdxml } from '../../../../src/formats/edxml/parse-edxml.js';
import { BUILT_DIR, expectHubError, vendorSample } from './edxml-test-support.js';
import { EARLIER, FIXTURE_ATTACHMENTS, FIXTURE_DOCUMENT, NOTE_BYTES, organ, STAFF } from './own-packets.js';

const fields = async (bytes: Buffer) => edxmlToMessage((await parseEdxml(bytes)).packet);
const INNER_SHA256 = '8385739ec4a4ed36d71eabcaead629641ffc5ffff3d487ff5c34d2f821c9f36e';
const VENDOR_STAFF = { department: 'Văn thư văn phòng', name: 'Nguyễn Thị Ngọc Trâm', email: 'vanthuvanphong@gov.vn', mobile: '84912000001' };

describe('edxmlToMessage: vendor documents', () => {
  it('edoc_update.edxml → document metadata, recipients, the unzipped attachment, an update of 7806', async () => {
    const m = await fields(vendorSample('edoc_update.edxml'));
    expect(m.kind).toBe('document');
    expect(m.sender).toBe('000.00.00.G22');
    expect(m.recipients).toEqual(['000.00.00.H41', '000.00.00.H14', '000.00.00.G17']);
    expect(m.document).toEqual({
      documentId: '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT',
      number: '7816',
      notation: 'VPCP-TTĐT',
      promulgation: { place: 'Hà Nội', date: '2018-09-28' },
      documentType: { name: 'Công văn', code: 1, detail: 0 },
      subject: 'V/v kết nối, liên thông phần mềm quản lý văn bản',
      content: 'V/v kết nối, liên thông phần mềm quản lý văn bản',
      signer: { fullName: 'Nguyen Thanh Phuc', position: 'Cuc truong cuc ung dung cong nghe thong tin', competence: 'TL. BO TRUONG' },
      urgency: 'normal',
      dueDate: '2018-09-28',
      toPlaces: ['Cac bo va co quan ngang bo', 'Uy ban nhan dan cac tinh, TP'],
      pageCount: 22,
      copies: 2,
      sphere: 'Liên thông văn bản quốc gia',
      steeringType: 1,
    });
    // Zipped by the SDK and labelled application/zip: the entry's type comes from its name.
    expect(m.attachments).toEqual([
      { index: 0, name: '1896_QD-TTg_m_294779.doc', contentType: 'application/msword', description: '1896_QD-TTg_m_294779.doc', size: 388_347, sha256: INNER_SHA256 },
    ]);
    expect(m.business).toEqual({
      kind: 'update',
      declared: true,
      relatedDocumentIds: ['000.00.00.G22,2014/02/30,7806/VPCP-TTĐT'],
      reason: 'Cập nhật văn bản điện tử',
      paper: false,
      changes: { metadata: true, receivers: true, receiverList: [{ organId: '000.00.00.H41', receiverType: '0' }, { organId: '000.00.00.H14', receiverType: '1' }] },
      staff: [VENDOR_STAFF],
    });
    expect(m.responseForDocumentIds).toEqual([]);
  });

  it('edoc_revocation.edxml → a revoke whose target comes from ResponseFor', async () => {
    const m = await fields(vendorSample('edoc_revocation.edxml'));
    expect(m.business).toEqual({ kind: 'revoke', declared: true, relatedDocumentIds: ['000.00.04.G14,2012/08/06,267/VPCP-TTĐT'], reason: 'Thu hồi văn bản điện tử', paper: false, staff: [VENDOR_STAFF] });
    expect(m.responseForDocumentIds).toEqual(['000.00.04.G14,2012/08/06,267/VPCP-TTĐT']);
  });

  it('edoc_replacement.edxml → a replace of 7806 (listed twice, linked once)', async () => {
    const m = await fields(vendorSample('edoc_replacement.edxml'));
    const replaced = { documentId: '000.00.00.G22,2014/01/30,7806/VPCP-TTĐT', organIds: ['000.00.00.H41', '000.00.00.H14'] };
    expect(m.business).toMatchObject({ kind: 'replace', relatedDocumentIds: [replaced.documentId], replacements: [replaced, replaced] });
  });

  it('edoc.edxml → a new document (no Bussiness), empty ResponseFor ignored, raw PDF attachment', async () => {
    const m = await fields(vendorSample('edoc.edxml'));
    expect(m.business).toEqual({ kind: 'new', declared: false, relatedDocumentIds: [], staff: [] });
    expect(m.responseForDocumentIds).toEqual([]);
    expect(m.document).toMatchObject({ documentType: { name: 'Thông tư', code: 1 }, urgency: 'normal', promulgation: { date: '2019-01-17' } });
    expect(m.attachments).toEqual([{ index: 0, name: 'GUIDE_INSTALL OPENVPN.SIGNED.PDF', contentType: 'application/pdf', description: 'Description 1', size: 15, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });
});

describe('edxmlToMessage: status packets', () => {
  it.each([
    ['status_inbox_01.edxml', '01'],
    ['status_rejection_02.edxml', '02'],
    ['status_acceptance_03.edxml', '03'],
    ['status_assignment_04.edxml', '04'],
    ['status_processing_05.edxml', '05'],
    ['status_finish_06.edxml', '06'],
    ['status_cancellation_13.edxml', '13'],
    ['status_change-acceptance_15.edxml', '15'],
    ['status_change-rejection_16.edxml', '16'],
  ])('%s → status %s at 11:08:36 Hà Nội time, back to the original sender', async (name, code) => {
    const m = await fields(vendorSample(name));
    expect(m).toMatchObject({ kind: 'status', attachments: [], responseForDocumentIds: ['000.00.00.G22,2015/09/30,7816/VPCP-TTĐT'] });
    expect(m.status).toMatchObject({ code, at: '2015-09-20T11:08:36+07:00', staff: { name: expect.any(String), mobile: '84912000001' } });
    expect(new Date(m.status!.at).toISOString()).toBe('2015-09-20T04:08:36.000Z');
    expect(m.recipients).toEqual([code === '13' ? '000.00.00.H41' : '000.00.00.G22']);
  });

  it('refuses a status code the hub does not know, a Priority outside 0–4, a sender `null`', async () => {
    const status = vendorSample('status.edxml').toString('utf8');
    await expectHubError(fields(Buffer.from(status.replace('<edXML:StatusCode>01<', '<edXML:StatusCode>07<'))), 'HUB_ERR_EDXML_INVALID', /StatusCode "07"/);
    await expectHubError(fields(Buffer.from(status.replace('<edXML:OrganId>000.00.00.H41<', '<edXML:OrganId>null<'))), 'HUB_ERR_EDXML_INVALID', /From\/OrganId "null"/);
    const update = vendorSample('edoc_update.edxml').toString('utf8');
    await expectHubError(fields(Buffer.from(update.replace('<edXML:Priority>0<', '<edXML:Priority>9<'))), 'HUB_ERR_EDXML_INVALID', /Priority 9 is out of range 0–4/);
    await expectHubError(fields(Buffer.from(update.replace('<edXML:PageAmount>22<', '<edXML:PageAmount>hai<'))), 'HUB_ERR_EDXML_INVALID', /PageAmount "hai"/);
  });
});

describe('messageToEdxml ⇄ edxmlToMessage', () => {
  const base = { contentSha256: '0'.repeat(64), createdAt: new Date('2025-03-04T02:05:06Z') };

  it('a document survives message → packet → bytes → packet → message', async () => {
    const { packet } = await parseEdxml(readFileSync(`${BUILT_DIR}edoc-new.edxml`));
    const m = edxmlToMessage(packet);
    expect(m.document).toEqual({ ...FIXTURE_DOCUMENT, documentId: '000.00.00.G22,2025/03/03,125/VPCP-KSTT' });
    expect(m.attachments).toEqual(FIXTURE_ATTACHMENTS);
    expect(m.recipients).toEqual(['000.00.00.H41', '000.00.00.H14']);
    expect(m.business).toEqual({ kind: 'new', declared: true, relatedDocumentIds: [], reason: 'Văn bản điện tử mới', paper: false, staff: [STAFF] });
  });

  it.each([
    ['edoc-update.edxml', 'update'],
    ['edoc-revoke.edxml', 'revoke'],
    ['edoc-replace.edxml', 'replace'],
  ] as const)('%s links back to the earlier document (%s)', async (file, kind) => {
    const m = edxmlToMessage((await parseEdxml(readFileSync(BUILT_DIR + file))).packet);
    expect(m.business).toMatchObject({ kind, declared: true, relatedDocumentIds: [EARLIER] });
  });

  it('a status message becomes a status packet with a +07:00 local timestamp', () => {
    const message: Message = {
      id: 's1', kind: 'status', sender: '000.00.00.H41', recipients: ['000.00.00.G22'], attachments: [], ...base,
      status: { code: '03', description: 'Tiếp nhận', at: '2025-03-03T17:30:00Z', staff: { name: 'Lê Văn C' } },
    };
    const packet = messageToEdxml(message, { organ, responseFor: [{ documentId: EARLIER }] }) as StatusPacket;
    expect(packet.header).toMatchObject({ statusCode: '03', timestamp: '2025/03/04 00:30:00', staffInfo: { staff: 'Lê Văn C' }, responseFor: { documentId: EARLIER } });
    expect(edxmlToMessage(packet).status).toEqual({ code: '03', description: 'Tiếp nhận', staff: { name: 'Lê Văn C' }, at: '2025-03-04T00:30:00+07:00' });
  });

  it('needs every agency in the directory (HUB_ERR_UNKNOWN_AGENCY), and a real promulgation date', async () => {
    const message: Message = { id: 'd1', kind: 'document', sender: '000.00.00.G22', recipients: ['000.00.00.X99'], attachments: [], document: FIXTURE_DOCUMENT, ...base };
    await expectHubError(() => messageToEdxml(message, { organ }), 'HUB_ERR_UNKNOWN_AGENCY', /000\.00\.00\.X99/);
    const bad = { ...message, recipients: ['000.00.00.H41'], document: { ...FIXTURE_DOCUMENT, promulgation: { place: 'Hà Nội', date: '2025-02-30' } } };
    await expectHubError(() => messageToEdxml(bad, { organ }), 'HUB_ERR_EDXML_INVALID', /promulgation.date "2025-02-30"/);
  });

  it('appendTraceHeader adds the hub at Hà Nội local time and leaves the input alone', async () => {
    const { packet } = await parseEdxml(vendorSample('edoc_update.edxml'));
    const before = structuredClone(packet);
    const traced = appendTraceHeader(packet as EdocPacket, '000.00.00.LT1', new Date('2025-12-31T16:59:59Z'));
    expect(traced.traceHeaderList?.traceHeaders).toEqual([
      { organId: '000.00.00.G22', timestamp: '2018/09/28 00:00:00' },
      { organId: '000.00.00.LT1', timestamp: '2025/12/31 23:59:59' },
    ]);
    expect(traced.traceHeaderList?.bussiness).toEqual(packet.traceHeaderList?.bussiness);
    expect(packet).toEqual(before);
    const status = (await parseEdxml(vendorSample('status.edxml'))).packet;
    expect(appendTraceHeader(status, 'X', '2025-01-01T00:00:00+07:00').traceHeaderList).toEqual({ traceHeaders: [{ organId: 'X', timestamp: '2025/01/01 00:00:00' }] });
  });

  it('a ZIP payload kept by a custom sink must be resolved before mapping', async () => {
    const { packet } = await parseEdxml(readFileSync(`${BUILT_DIR}edoc-zipped-attachment.edxml`), { attachmentSink: () => ({ write() {}, end: () => undefined }) });
    expect(packet.kind === 'edoc' && packet.attachments[0]!.content).toBeUndefined();
    await expectHubError(() => edxmlToMessage(packet), 'HUB_ERR_INVALID_ATTACHMENT', /resolveAttachmentContent/);
    const resolved = edxmlToMessage((await parseEdxml(readFileSync(`${BUILT_DIR}edoc-zipped-attachment.edxml`))).packet);
    expect(resolved.attachments).toEqual([{ index: 0, name: 'ghi-chu.txt', contentType: 'text/plain', size: NOTE_BYTES.length, sha256: expect.any(String) }]);
  });
});
