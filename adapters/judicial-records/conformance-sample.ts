import { createHash } from 'node:crypto';
import type { Dossier } from '../../src/domain/dossier.js';
import type { Message } from '../../src/domain/message.js';
import type { JudicialRecordPayload } from './payload.js';

/** The sample dossier's number: Thanh Hóa (H56), received 06/12/2026, second of the day. */
export const SAMPLE_DOSSIER_NUMBER = '000.00.00.H56-261206-0002';

/** A request for criminal-record certificate no. 1 by a citizen of Thanh Hóa, filed in person. */
export function samplePayload(): JudicialRecordPayload {
  const home = 'Số 12 đường Lê Lợi, phường Điện Biên, thành phố Thanh Hóa, tỉnh Thanh Hóa';
  return {
    idMoneyReceipt: '0001234',
    declarationWSForm: {
      fullName: 'Lê Thị Hương',
      genderId: 0,
      birthDateStr: '12/05/1990',
      birthPlace: 'Xã Xuân Lập, huyện Thọ Xuân, tỉnh Thanh Hóa',
      nationalityId: 3106,
      ethnicId: 55305,
      residence: home,
      idTypeId: 3,
      identifyNo: '038190012345',
      idIssueDate: '15/08/2021',
      idIssuePlace: 'Cục Cảnh sát quản lý hành chính về trật tự xã hội',
      dadName: 'Lê Văn Thành',
      dadDob: '1962',
      momName: 'Nguyễn Thị Mai',
      momDob: '1965',
      phone: '0912345678',
      email: 'lethihuong@example.vn',
      declareDate: '06/12/2026',
      declareTypeId: 3846,
      requestQty: 1,
      requestQtyAdd: 0,
      objectRequestId: 72,
      formType: 1,
      isBanPosition: 0,
      delivery: 0,
      purpose: 'Bổ sung hồ sơ xin việc',
    },
    residenceWSForm: [{ fromDateStr: '05/2004', toDateStr: '12/2026', residencePlace: home, jobName: 'Giáo viên', workPlace: 'Trường THPT Đào Duy Từ, thành phố Thanh Hóa' }],
  };
}

/** The dossier `ctx.dossier()` serves for the sample (a fresh copy each call). */
export function sampleDossier(): Dossier {
  const payload = samplePayload();
  return {
    id: 'dos-h56-261206-0002',
    number: SAMPLE_DOSSIER_NUMBER,
    agency: '000.00.00.H56',
    procedure: {
      code: '2.000488.000.00.00.H56',
      name: 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam',
      field: { code: 'LLTP', name: 'Lý lịch tư pháp' },
    },
    applicant: {
      fullName: payload.declarationWSForm.fullName,
      kind: 1,
      identities: [{ type: 1, number: payload.declarationWSForm.identifyNo }],
      phone: payload.declarationWSForm.phone,
      address: payload.declarationWSForm.residence,
    },
    channel: 1,
    summary: 'Yêu cầu cấp Phiếu lý lịch tư pháp số 1 - Lê Thị Hương',
    // 08:45 and 17:00 in Vietnam: dateReceivedDec 06/12/2026, datePromissoryDec 16/12/2026.
    receivedAt: '2026-12-06T01:45:00.000Z',
    dueAt: '2026-12-16T10:00:00.000Z',
    fees: [{ name: 'Phí cung cấp thông tin lý lịch tư pháp', amount: 200_000 }],
    documents: [],
    target: { system: 'judicial-records', endpointId: 'ep-lltp-h56', payloadType: 'judicial-record', payload: payload as unknown as Record<string, unknown> },
    status: 2,
    createdAt: '2026-12-06T01:45:00.000Z',
    updatedAt: '2026-12-06T01:45:00.000Z',
  };
}

/** The `submit` message of the sample dossier, to the Department of Justice (H56.14 in S3's settings). */
export function sampleMessage(): Message {
  return {
    id: 'msg-lltp-h56-261206-0002',
    kind: 'dossier',
    sender: '000.00.00.H56',
    recipients: ['H56.14'],
    dossier: { op: 'submit', dossierId: 'dos-h56-261206-0002', number: SAMPLE_DOSSIER_NUMBER },
    attachments: [],
    contentSha256: createHash('sha256').update(`submit ${SAMPLE_DOSSIER_NUMBER}`).digest('hex'),
    createdAt: new Date('2026-12-06T01:45:00.000Z'),
  };
}
