import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EDXML_NS, XMLDSIG_NS } from '../../../../src/formats/edxml/edxml-namespaces.js';
import type { EdocPacket, StatusPacket } from '../../../../src/formats/edxml/edxml-packet.js';
import { parseEdxml } from '../../../../src/formats/edxml/parse-edxml.js';
import { expectHubError, MALFORMED_VENDOR_SAMPLE, VENDOR_SHA256, vendorSample } from './edxml-test-support.js';

async function edoc(name: string) {
  const parsed = await parseEdxml(vendorSample(name));
  expect(parsed.packet.kind).toBe('edoc');
  return { ...parsed, packet: parsed.packet as EdocPacket };
}

async function status(name: string): Promise<StatusPacket> {
  const { packet } = await parseEdxml(vendorSample(name));
  expect(packet.kind).toBe('status');
  return packet as StatusPacket;
}

// The zipped file all three SDK samples (update, revoke, replace) carry: an .edxml of 388,347 bytes.
const INNER_FILE = { size: 388_347, sha256: '8385739ec4a4ed36d71eabcaead629641ffc5ffff3d487ff5c34d2f821c9f36e' };
const TRANSFORMS_SDK = ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/TR/xml-exc-c14n#'];

describe('vendor samples (docs/domain-vn.md §1, fixtures copied byte for byte)', () => {
  it('are the published bytes, unedited', () => {
    for (const [name, sha256] of Object.entries(VENDOR_SHA256)) {
      expect(createHash('sha256').update(vendorSample(name)).digest('hex'), name).toBe(sha256);
    }
  });

  it('refuses edoc_new.edxml (4 stray bytes before the declaration) as malformed, opening no sink', async () => {
    expect(vendorSample(MALFORMED_VENDOR_SAMPLE).subarray(0, 9).toString('latin1')).toBe('1212<?xml');
    let sinks = 0;
    const sink = () => (sinks++, { write() {}, end: () => undefined });
    await expectHubError(parseEdxml(vendorSample(MALFORMED_VENDOR_SAMPLE), { attachmentSink: sink }), 'HUB_ERR_XML_MALFORMED', /before first tag/);
    expect(sinks).toBe(0);
  });

  it('edoc_update.edxml: an update (BussinessDocType 2) of 7806 to three agencies, zipped attachment unwrapped', async () => {
    const { packet, warnings } = await edoc('edoc_update.edxml');
    const h = packet.header;
    expect(h.from).toEqual({
      organId: '000.00.00.G22',
      organizationInCharge: 'Văn phòng Chính phủ',
      organName: 'Văn phòng Chính phủ',
      organAdd: 'Số 1 Hoàng Hoa Thám, Quận Ba Đình, Hà Nội',
      email: 'vpcp@gov.vn',
      telephone: '8043100',
      fax: '048989898789',
      website: 'vpcp.vn',
    });
    expect(h.to.map((t) => t.organId)).toEqual(['000.00.00.H41', '000.00.00.H14', '000.00.00.G17']);
    expect(h.documentId).toBe('000.00.00.G22,2015/09/30,7816/VPCP-TTĐT');
    expect(h.code).toEqual({ codeNumber: '7816', codeNotation: 'VPCP-TTĐT' });
    expect(h.promulgationInfo).toEqual({ place: 'Hà Nội', promulgationDate: '2018/09/28' });
    expect(h.documentType).toEqual({ type: '1', typeDetail: '0', typeName: 'Công văn' });
    expect(h.signerInfo).toEqual({ competence: 'TL. BO TRUONG', position: 'Cuc truong cuc ung dung cong nghe thong tin', fullName: 'Nguyen Thanh Phuc' });
    expect(h.otherInfo).toEqual({
      priority: '0',
      sphereOfPromulgation: 'Liên thông văn bản quốc gia',
      typerNotation: 'TVC',
      promulgationAmount: '2',
      pageAmount: '22',
      direction: 'false',
      appendixes: ['Công văn về việc kết nối, liên thông phần mềm quản lý văn bản'],
    });
    expect(h.steeringType).toBe('1');
    expect(h.toPlaces).toEqual(['Cac bo va co quan ngang bo', 'Uy ban nhan dan cac tinh, TP']);
    expect(h.responseFor).toEqual([]);
    expect(packet.traceHeaderList?.traceHeaders).toEqual([{ organId: '000.00.00.G22', timestamp: '2018/09/28 00:00:00' }]);
    expect(packet.traceHeaderList?.bussiness).toEqual({
      documentId: '000.00.00.G22,2014/02/30,7806/VPCP-TTĐT',
      bussinessDocType: '2',
      bussinessDocReason: 'Cập nhật văn bản điện tử',
      paper: '0',
      bussinessDocumentInfo: {
        documentInfo: '1',
        documentReceiver: '1',
        receiverList: [
          { organId: '000.00.00.H41', receiverType: '0' },
          { organId: '000.00.00.H14', receiverType: '1' },
        ],
      },
      staffInfo: [{ department: 'Văn thư văn phòng', staff: 'Nguyễn Thị Ngọc Trâm', email: 'vanthuvanphong@gov.vn', mobile: '84912000001' }],
    });
    expect(packet.manifest).toEqual({
      version: '1.0',
      references: [{ contentId: 'cid:209', contentType: 'application/zip', description: '1896_QD-TTg_m_294779.doc', attachmentName: '1896_QD-TTg_m_294779.doc' }],
    });
    expect(packet.attachments).toEqual([
      {
        contentId: 'cid:209',
        attachmentName: '1896_QD-TTg_m_294779.doc',
        description: '1896_QD-TTg_m_294779.doc',
        contentType: 'application/zip',
        payload: { size: 270_823, sha256: '51653b9613f7f0275b43f80704033299740c702f354f44a06f55770cfbb0b135' },
        content: { ...INNER_FILE, zipped: true, entryName: '3ed3cc90-1dcb-4382-9725-1de9cd899790.edxml' },
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it('edoc_update.edxml: the signature is summarised as found, in the edXML namespace, placeholder values', async () => {
    const { packet } = await edoc('edoc_update.edxml');
    expect(packet.signature).toMatchObject({
      namespace: EDXML_NS,
      canonicalizationMethod: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
      signatureMethod: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
      references: [{ uri: '', transforms: TRANSFORMS_SDK, digestMethod: 'http://www.w3.org/2000/09/xmldsig#sha1', digestValue: 'FwgIqsSYJshUS2+wlOM61L+q7Aw=' }],
      x509SubjectName: 'CN=user05',
      x509Certificates: ['MIIFqTCCBJG'],
      vendorPlaceholder: true,
    });
  });

  it('edoc_revocation.edxml: a revocation (1) answering 267/VPCP-TTĐT, no Bussiness/DocumentId', async () => {
    const { packet } = await edoc('edoc_revocation.edxml');
    expect(packet.traceHeaderList?.bussiness).toMatchObject({ bussinessDocType: '1', bussinessDocReason: 'Thu hồi văn bản điện tử', paper: '0' });
    expect(packet.traceHeaderList?.bussiness?.documentId).toBeUndefined();
    expect(packet.header.responseFor).toEqual([
      { organId: '000.00.00.H14', code: '267/VPCP-TTĐT', documentId: '000.00.04.G14,2012/08/06,267/VPCP-TTĐT', promulgationDate: '2018/09/28' },
    ]);
    expect(packet.attachments[0]!.content).toEqual({ ...INNER_FILE, zipped: true, entryName: 'a3661564-bcbb-4406-a6a9-ceddbc8f4e17.edxml' });
  });

  it('edoc_replacement.edxml: a replacement (3) of 7806 for H41 and H14', async () => {
    const { packet } = await edoc('edoc_replacement.edxml');
    const replaced = { documentId: '000.00.00.G22,2014/01/30,7806/VPCP-TTĐT', organIdList: ['000.00.00.H41', '000.00.00.H14'] };
    expect(packet.traceHeaderList?.bussiness).toMatchObject({ bussinessDocType: '3', bussinessDocReason: 'Văn bản thay thế', replacementInfoList: [replaced, replaced] });
    expect(packet.attachments[0]!.content).toEqual({ ...INNER_FILE, zipped: true, entryName: '30d190ec-60e3-41b6-bda7-50b17d98b35d.edxml' });
  });

  it('edoc.edxml (hand-made template): tolerated quirks are read and reported', async () => {
    const { packet, warnings } = await edoc('edoc.edxml');
    expect(packet.header.from.organId).toBe('002.00.20.H13');
    expect(packet.header.to).toEqual([
      {
        organId: '000.00.15.H51',
        organName: 'Trung tâm test production 02323232323',
        organAdd: '185 Giảng Võ - Đống Đa - Hà Nội',
        email: 'sotttt@ict-hanoi.gov.vn',
        telephone: '(04)35123536',
        fax: '(04)37366617',
        website: 'http://www.ict-hanoi.gov.vn',
      },
    ]);
    expect(packet.header.documentId).toBe('9fbfbad2-f1f8-4256-a2eb-50fb1061cddb');
    expect(packet.header.documentType).toEqual({ type: '1', typeName: 'Thông tư' });
    // An empty ResponseFor (every child empty) and no Bussiness block.
    expect(packet.header.responseFor).toEqual([{ organId: '', code: '', promulgationDate: '', documentId: '' }]);
    expect(packet.traceHeaderList).toEqual({ traceHeaders: [{ organId: '01.02.G22', timestamp: '2018/06/20 16:35:56' }] });
    // The one sample whose signature is in the XML-DSig namespace.
    expect(packet.signature).toMatchObject({ namespace: XMLDSIG_NS, references: [{ uri: '', transforms: [TRANSFORMS_SDK[0]] }], x509SubjectName: '', vendorPlaceholder: true });
    expect(packet.signature?.x509Certificates[0]).toMatch(/^MIIGADCCA\+igAwIBAgIQVAH4uWORyglxBTvoeSDvJTAN/);
    // `edXML:AttachmentEncoded` outside the scope of its prefix, read by local name; the payload is a JMeter placeholder.
    expect(packet.attachments).toHaveLength(1);
    expect(packet.attachments[0]).toMatchObject({ contentId: 'cid:36b8a92e-f054-11e7-842b-005056b672fc', contentType: 'application/pdf', payload: { size: 15 }, content: { zipped: false, size: 15 } });
    expect(warnings).toEqual([
      expect.stringMatching(/prefix "xlink" \(first on attribute xlink:href of <edXML:Reference>\)/),
      expect.stringMatching(/prefix "edXML" \(first on <edXML:AttachmentEncoded>\)/),
      'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded: 12 characters outside the base64 alphabet ignored',
    ]);
  });

  const statuses = [
    ['status_inbox_01.edxml', '01', 'Văn thư - Phòng Văn thư - Lưu trữ: Đã đến - Phần mềm QLVB đã nhận nhưng văn thư chưa xử lý'],
    ['status_rejection_02.edxml', '02', 'Văn thư - Phòng Văn thư - Lưu trữ: Từ chối không tiếp nhận văn bản điện tử'],
    ['status_acceptance_03.edxml', '03', 'Văn thư cơ - Phòng Văn thư - Lưu trữ: Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị'],
    ['status_assignment_04.edxml', '04', 'Lãnh đạo: Phân công xử lý'],
    ['status_processing_05.edxml', '05', 'Đang xử lý văn bản đến'],
    ['status_finish_06.edxml', '06', 'Văn thư: Ban hành văn bản đến, hoàn thành xử lý'],
    ['status_cancellation_13.edxml', '13', 'Văn thư yêu cầu lấy lại văn bản điện tử kèm lý do'],
    ['status_change-acceptance_15.edxml', '15', 'Văn thư đồng ý yêu cầu cập nhật, lấy lại'],
    ['status_change-rejection_16.edxml', '16', 'Văn thư từ chối yêu cầu cập nhật, lấy lại'],
  ] as const;

  it.each(statuses)('%s: status %s on 7816/VPCP-TTĐT', async (name, code, description) => {
    const packet = await status(name);
    const reporter = code === '13' ? '000.00.00.G22' : '000.00.00.H41'; // 13 is the sender asking for it back
    expect(packet.header).toMatchObject({ statusCode: code, description, timestamp: '2015/09/20 11:08:36', from: { organId: reporter } });
    expect(packet.header.responseFor).toEqual({
      organId: code === '13' ? '000.00.00.H41' : '000.00.00.G22',
      code: '7816/VPCP-TTĐT',
      promulgationDate: '2015/09/30',
      documentId: '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT',
    });
    expect(packet.header.staffInfo?.mobile).toBe('84912000001');
  });

  it('status.edxml: staff, ResponseFor children in another order, no trace list or signature', async () => {
    const packet = await status('status.edxml');
    expect(packet).toEqual({
      kind: 'status',
      header: {
        from: expect.objectContaining({ organId: '000.00.00.H41', organName: 'UBND Tỉnh Nghệ An', website: 'www.nghean.vn' }),
        responseFor: { organId: '000.00.00.G22', code: '7816/VPCP-TTĐT', documentId: '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT', promulgationDate: '2018/09/28' },
        staffInfo: { department: 'Văn thư văn phòng', staff: 'Nguyễn Thị Ngọc Trâm', email: 'vanthuvanphong@gov.vn', mobile: '84912000001' },
        statusCode: '01',
        description: 'Văn thư - Phòng Văn thư - Lưu trữ: Đã đến - Phần mềm QLVB đã nhận nhưng văn thư chưa xử lý',
        timestamp: '2018/09/28 17:25:11',
      },
    });
  });
});
