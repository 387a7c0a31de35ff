import { isJsonObject } from '../../src/adapters/json-values.js';
import type { DossierStatus, DossierUpdate, PendingDossier, ReturnedDocument } from '../../src/domain/dossier.js';
import { CERTIFICATE_FIELDS, type CivilPayloadType } from './modules.js';
import { hubStatusOf } from './status-map.js';
import { parseVnDateTime } from './vn-time.js';

/** What a system says of one dossier, in its own terms. */
export interface SystemState {
  code: string;
  /** `dd/MM/yyyy HH:mm:ss`, Vietnam time. */
  at?: string;
  note?: string;
  officer?: { name?: string; position?: string; department?: string };
  /** `ketQuaXuLy` (btp) or the `ketQuaDangKyHS` value (lgsp), as the system returned it. */
  result?: unknown;
}

export type UpdateJudgement =
  | { kind: 'update'; update: DossierUpdate }
  /** The hub already holds this state: nothing to report. */
  | { kind: 'unchanged' }
  /** A code the status map does not know. */
  | { kind: 'unmapped' };

const BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}$/;

/**
 * The hub's update for a pending dossier, unless the hub already holds that state (same system code
 * and same hub state). A result (`ketQuaXuLy`) comes back as data, with the certificate — a base64
 * PDF in the module's field (`giayKhaiSinh` …) — taken out of the data into a document, as S3 does.
 */
export function judgeState(pending: PendingDossier, payloadType: CivilPayloadType, state: SystemState, statusMap: Readonly<Record<string, DossierStatus>>): UpdateJudgement {
  const status = hubStatusOf(statusMap, state.code);
  if (status === undefined) return { kind: 'unmapped' };
  if (state.code === pending.systemStatus && status === pending.status) return { kind: 'unchanged' };
  const at = state.at ? parseVnDateTime(state.at) : undefined;
  const officer = compact(state.officer ?? {});
  const result = isJsonObject(state.result) && Object.keys(state.result).length > 0 ? resultOf(state.result, payloadType, pending.number) : undefined;
  return {
    kind: 'update',
    update: {
      dossierId: pending.dossierId,
      status,
      systemStatus: state.code,
      ...(at && { at: at.toISOString() }),
      ...(state.note && { note: state.note }),
      ...(Object.keys(officer).length > 0 && { officer }),
      ...(result && { result }),
    },
  };
}

function resultOf(raw: Record<string, unknown>, payloadType: CivilPayloadType, number: string): { data: Record<string, unknown>; documents: ReturnedDocument[] } {
  const field = CERTIFICATE_FIELDS[payloadType];
  const { [field]: certificate, ...data } = raw;
  const documents: ReturnedDocument[] = [];
  if (typeof certificate === 'string' && certificate.length > 0 && BASE64.test(certificate)) {
    const bytes = Buffer.from(certificate, 'base64');
    const pdf = bytes.subarray(0, 5).toString('latin1') === '%PDF-';
    documents.push({ name: `${field}-${number}.${pdf ? 'pdf' : 'bin'}`, contentType: pdf ? 'application/pdf' : 'application/octet-stream', bytes });
  }
  return { data, documents };
}

function compact(officer: { name?: string; position?: string; department?: string }): { name?: string; position?: string; department?: string } {
  return Object.fromEntries(Object.entries(officer).filter(([, value]) => typeof value === 'string' && value.trim() !== ''));
}
