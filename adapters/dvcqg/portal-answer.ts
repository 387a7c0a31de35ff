import { asText, objectItems, parseJsonObject } from '../../src/adapters/json-values.js';

/**
 * The JSON answer of every portal call (docs/domain-vn.md §4.1): `error_code` (0, `"0"` or `"00"` =
 * success, a number or text), `message`, and per call `session` (login) or `result[]` (look-ups).
 */
export interface PortalAnswer {
  /** `error_code` as text (`0` → `"0"`). */
  errorCode: string;
  message: string;
  /** The whole parsed object, for `session`, `result` … */
  body: Record<string, unknown>;
}

/** Reads an answer body; `undefined` when it is not a JSON object with an `error_code`. */
export function parsePortalAnswer(text: string): PortalAnswer | undefined {
  const body = parseJsonObject(text);
  if (!body) return undefined;
  const errorCode = asText(body.error_code);
  if (errorCode === undefined || errorCode.trim() === '') return undefined;
  return { errorCode: errorCode.trim(), message: asText(body.message) ?? '', body };
}

/** Success: `error_code` 0 written as a number or as one or more zeros (`"0"`, `"00"`). */
export function isSuccessCode(errorCode: string): boolean {
  return /^0+$/.test(errorCode);
}

/** `result` as an array of objects (non-objects dropped), or `undefined` when it is not an array. */
export function resultItems(answer: PortalAnswer): Record<string, unknown>[] | undefined {
  return objectItems(answer.body.result);
}
