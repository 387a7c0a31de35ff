import { asText, objectItems, parseJsonObject } from '../../src/adapters/json-values.js';

// The axis answer's fields are read with it, here and by code outside the adapter (`DocId` …).
export { asText } from '../../src/adapters/json-values.js';

/**
 * The JSON answer of every axis call (docs/domain-vn.md §3.3; the SDK reads these fields with
 * `getAsString`, so numbers are accepted where strings are expected): `status` (`OK`/`FAIL`),
 * `ErrorCode` (`"0"` = success), `ErrorDesc`, plus per operation `data` or `DocId`.
 */
export interface AxisAnswer {
  status: string;
  errorCode: string;
  errorDesc: string;
  /** The whole parsed object, for `data`, `DocId` … */
  body: Record<string, unknown>;
}

/** Reads an answer body; `undefined` when it is not a JSON object with `status` and `ErrorCode`. */
export function parseAxisAnswer(text: string): AxisAnswer | undefined {
  const body = parseJsonObject(text);
  if (!body) return undefined;
  const status = asText(body.status);
  const errorCode = asText(body.ErrorCode);
  if (status === undefined || errorCode === undefined) return undefined;
  return { status, errorCode, errorDesc: asText(body.ErrorDesc) ?? '', body };
}

/** Success as the SDK reads it: `ErrorCode` `"0"`, and not a `FAIL` status. */
export function isSuccessAnswer(answer: AxisAnswer): boolean {
  return answer.errorCode === '0' && answer.status.toUpperCase() !== 'FAIL';
}

/** `data` as an array of objects (non-objects dropped), or `undefined` when it is not an array. */
export function answerItems(answer: AxisAnswer): Record<string, unknown>[] | undefined {
  return objectItems(answer.body.data);
}
