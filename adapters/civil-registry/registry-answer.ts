import { asText, isJsonObject } from '../../src/adapters/json-values.js';

/**
 * The JSON answer of the civil-registry services (docs/domain-vn.md §5): `status` ("1" OK, "0"
 * refused; for LGSP `traTrangThaiHoSo` the dossier's state 1–4), `statusDescription`, and on a
 * refusal `errorCode` / `errorDescription`; `LayKetQua` adds `value[]`. Numbers are accepted where
 * text is expected (S3 reads `status` as a number in one class and as text in another).
 */
export interface RegistryAnswer {
  status: string;
  statusDescription: string;
  errorCode: string;
  errorDescription: string;
  /** The whole parsed object, for `value` … */
  body: Record<string, unknown>;
}

/** Reads an answer; `undefined` when it is not a JSON object with a `status`. */
export function parseRegistryAnswer(body: unknown): RegistryAnswer | undefined {
  if (!isJsonObject(body)) return undefined;
  const status = asText(body.status);
  if (status === undefined || status === '') return undefined;
  return {
    status,
    statusDescription: asText(body.statusDescription) ?? '',
    errorCode: asText(body.errorCode) ?? '',
    errorDescription: asText(body.errorDescription) ?? '',
    body,
  };
}

/** The answer's texts, for the "already received" classifier and for reasons. */
export function answerText(answer: RegistryAnswer): string {
  return [answer.errorDescription, answer.statusDescription].filter((text) => text !== '').join(' — ');
}
