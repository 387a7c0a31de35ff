import { asText } from '../../src/adapters/json-values.js';
import type { DossierUpdate, ReturnedDocument } from '../../src/domain/dossier.js';
import { lltpDateToIso } from './lltp-dates.js';

/** The result part of a {@link DossierUpdate}, with what the certificate says about when and who. */
export interface CertificateResult {
  result: NonNullable<DossierUpdate['result']>;
  at?: string;
  officer?: NonNullable<DossierUpdate['officer']>;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const PDF_MAGIC = Buffer.from('%PDF-');

/**
 * Reads a `ketQuaXuLy` (docs/domain-vn.md §6.2): the certificate file `phieuLLTP` (base64 PDF) and a
 * revocation decision `quyetDinhThuHoi` (when it is a base64 PDF) become documents; every other
 * field is kept as the system returned it, in `data`. An empty `phieuLLTP` gives a result without
 * documents (a paper certificate). `problem` when the file is not base64 or not a PDF: the answer is
 * damaged, and the dossier is asked about again next run.
 */
export function certificateResult(ketQuaXuLy: unknown): CertificateResult | { problem: string } {
  if (typeof ketQuaXuLy !== 'object' || ketQuaXuLy === null || Array.isArray(ketQuaXuLy)) return { problem: 'ketQuaXuLy is not an object' };
  const data: Record<string, unknown> = { ...(ketQuaXuLy as Record<string, unknown>) };
  const documents: ReturnedDocument[] = [];
  const number = asText(data.soPhieuLLTP);

  const certificate = pdfOf(data.phieuLLTP);
  if (certificate === 'invalid') return { problem: 'phieuLLTP is not a base64 PDF' };
  if (certificate) documents.push({ name: `phieu-lltp-${fileSafe(number) ?? 'ket-qua'}.pdf`, contentType: 'application/pdf', bytes: certificate });
  delete data.phieuLLTP;

  const revocation = pdfOf(data.quyetDinhThuHoi);
  if (revocation instanceof Buffer) {
    documents.push({ name: `quyet-dinh-thu-hoi-${fileSafe(number) ?? 'phieu-lltp'}.pdf`, contentType: 'application/pdf', bytes: revocation });
    delete data.quyetDinhThuHoi;
  }

  const at = lltpDateToIso(asText(data.ngayCapPhieu));
  const name = asText(data.nguoiKy);
  const position = asText(data.chucVu);
  return {
    result: { data, documents },
    ...(at !== undefined && { at }),
    ...((name || position) && { officer: { ...(name && { name }), ...(position && { position }) } }),
  };
}

/** A base64 PDF's bytes; `undefined` when absent or empty; `invalid` when something else. */
function pdfOf(value: unknown): Buffer | undefined | 'invalid' {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return 'invalid';
  const compact = value.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return 'invalid';
  const bytes = Buffer.from(compact, 'base64');
  return bytes.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC) ? bytes : 'invalid';
}

function fileSafe(text: string | undefined): string | undefined {
  const safe = text?.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return safe ? safe : undefined;
}
