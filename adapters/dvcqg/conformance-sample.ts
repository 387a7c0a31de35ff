import { createHash } from 'node:crypto';
import type { Dossier, DossierStep } from '../../src/domain/dossier.js';
import type { Message } from '../../src/domain/message.js';

/** The NGSP provider id of the portal (G22 = the Government Office, which runs DVCQG; docs/domain-vn.md §2.3). */
export const DVCQG_PROVIDER_DSTCODE = 'VN:GOV:000.00.00.G22:vpcpdvcprovider';

const FORM = Buffer.from('%PDF-1.7\n… Tờ khai đăng ký khai sinh …\n', 'utf8');

/**
 * The conformance sample: a birth registration dossier filed at a one-stop of Thanh Hóa (H56),
 * received by the commune's justice officer, and the `sync` operation that reports that step.
 */
export function dvcqgConformanceSample(): { message: Message; dossier: Dossier } {
  const step: DossierStep = {
    status: 2,
    at: '2026-12-06T01:20:00.000Z',
    officer: { name: 'Nguyễn Văn Bình', position: 'Công chức Tư pháp - Hộ tịch', department: 'Bộ phận Một cửa UBND xã Quảng Phú' },
    content: 'Tiếp nhận hồ sơ đăng ký khai sinh',
    source: 'one-stop',
  };
  const dossier: Dossier = {
    id: 'dos-000.00.00.H56-261206-0001',
    number: '000.00.00.H56-261206-0001',
    agency: '000.00.00.H56',
    procedure: { code: '1.001193.000.00.00.H56', name: 'Đăng ký khai sinh', field: { code: 'HT', name: 'Hộ tịch' } },
    applicant: {
      fullName: 'Lê Thị Hoa',
      kind: 1,
      identities: [{ type: 1, number: '038190012345' }],
      phone: '0912345678',
      email: 'hoa.le@example.vn',
      address: 'Thôn 3, xã Quảng Phú, tỉnh Thanh Hóa',
    },
    channel: 2,
    summary: 'Đăng ký khai sinh cho cháu Lê Minh An, sinh ngày 01/12/2026',
    submittedAt: '2026-12-06T01:05:00.000Z',
    receivedAt: '2026-12-06T01:20:00.000Z',
    dueAt: '2026-12-07T10:00:00.000Z',
    fees: [{ name: 'Lệ phí đăng ký khai sinh (miễn)', amount: 0 }],
    documents: [
      { index: 0, name: 'to-khai-dang-ky-khai-sinh.pdf', contentType: 'application/pdf', size: FORM.length, sha256: createHash('sha256').update(FORM).digest('hex'), componentCode: 'TK01' },
    ],
    target: { system: 'civil-registry', endpointId: 'ep-civil-registry', payloadType: 'birth', payload: { nksHoTen: 'Lê Minh An', nksNgaySinh: '01/12/2026' } },
    status: 2,
    createdAt: '2026-12-06T01:20:00.000Z',
    updatedAt: '2026-12-06T01:20:00.000Z',
  };
  const message: Message = {
    id: 'msg-dvcqg-sample',
    kind: 'dossier',
    sender: dossier.agency,
    recipients: ['000.00.00.G22'],
    dossier: { op: 'sync', dossierId: dossier.id, number: dossier.number, step },
    attachments: [],
    contentSha256: createHash('sha256').update(`${dossier.id}:${step.status}:${step.at}`).digest('hex'),
    createdAt: new Date('2026-12-06T01:20:01.000Z'),
  };
  return { message, dossier };
}
