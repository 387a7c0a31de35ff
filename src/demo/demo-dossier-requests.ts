import { sampleBirthPayload } from '../../adapters/civil-registry/index.js';
import { samplePayload } from '../../adapters/judicial-records/index.js';
import type { DossierSystem } from '../domain/dossier.js';
import { samplePdf } from './demo-documents.js';

/** One dossier the demo's one-stop system files: a label for the output and the `POST /v1/dossiers` body. */
export interface DemoDossier {
  /** `(a)`, `(b)`: how the output refers to it. */
  tag: string;
  /** What the output calls the dossier: the one-stop's summary and the applicant. */
  title: string;
  /** What the output calls the target system. */
  systemLabel: string;
  system: DossierSystem;
  request: Record<string, unknown>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const pdfDocument = (name: string, title: string, componentCode: string) =>
  ({ name, contentType: 'application/pdf', content: samplePdf(title).toString('base64'), componentCode });

/**
 * Thanh Hóa's two dossiers, as its one-stop system would file them (the procedures of the simulated
 * portal's catalogue, the payloads of the adapters' samples): (a) a birth registration for the civil
 * registry, filed online by the mother; (b) a criminal-record certificate request for LLTP, filed in
 * person with its fee.
 */
export function demoDossiers(now: Date): DemoDossier[] {
  const receivedAt = now.toISOString();
  const birth = sampleBirthPayload();
  const judicial = samplePayload();
  return [
    {
      tag: '(a)', title: `Đăng ký khai sinh cho ${String(birth.nksHoTen)} (người nộp: mẹ, ${String(birth.meHoTen)}, trực tuyến)`, systemLabel: 'hộ tịch', system: 'civil-registry',
      request: {
        procedure: { code: '1.001193.000.00.00.H56', name: 'Đăng ký khai sinh', field: { code: 'HT', name: 'Hộ tịch' } },
        applicant: { fullName: String(birth.meHoTen), kind: 1, identities: [{ type: 1, number: String(birth.meSoDDCN) }], phone: '0987654321' },
        channel: 2,
        summary: `Đăng ký khai sinh cho ${String(birth.nksHoTen)}`,
        submittedAt: receivedAt, receivedAt, dueAt: new Date(now.getTime() + DAY_MS).toISOString(),
        documents: [pdfDocument('giay-chung-sinh.pdf', 'Giay chung sinh', 'GCS')],
        target: { system: 'civil-registry', payloadType: 'birth', payload: birth },
      },
    },
    {
      tag: '(b)', title: `Cấp Phiếu lý lịch tư pháp số 1 cho ${judicial.declarationWSForm.fullName} (trực tiếp, phí 200.000 đ)`, systemLabel: 'LLTP', system: 'judicial-records',
      request: {
        procedure: { code: '2.000488.000.00.00.H56', name: 'Cấp Phiếu lý lịch tư pháp', field: { code: 'LLTP', name: 'Lý lịch tư pháp' } },
        applicant: { fullName: judicial.declarationWSForm.fullName, kind: 1, identities: [{ type: 1, number: judicial.declarationWSForm.identifyNo }], phone: judicial.declarationWSForm.phone },
        channel: 1,
        summary: `Yêu cầu cấp Phiếu lý lịch tư pháp số 1 - ${judicial.declarationWSForm.fullName}`,
        receivedAt, dueAt: new Date(now.getTime() + 10 * DAY_MS).toISOString(),
        fees: [{ name: 'Phí cung cấp thông tin lý lịch tư pháp', amount: 200000 }],
        documents: [pdfDocument('to-khai-lltp.pdf', 'To khai yeu cau cap Phieu ly lich tu phap', 'TK01')],
        target: { system: 'judicial-records', payloadType: 'judicial-record', payload: judicial },
      },
    },
  ];
}
