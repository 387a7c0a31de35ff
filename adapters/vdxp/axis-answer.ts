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
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const body = parsed as Record<string, unknown>;
  const status = asText(body.status);
  const errorCode = asText(body.ErrorCode);
  if (status === undefined || errorCode === undefined) return undefined;
  return { status, errorCode, errorDesc: asText(body.ErrorDesc) ?? '', body };
}

/** Success as the SDK reads it: `ErrorCode` `"0"`, and not a `FAIL` status. */
export function isSuccessAnswer(answer: AxisAnswer): boolean {
  return answer.errorCode === '0' && answer.status.toUpperCase() !== 'FAIL';
}

/** A JSON string or number as text (Gson `getAsString`); anything else is absent. */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** `data` as an array of objects (non-objects dropped), or `undefined` when it is not an array. */
export function answerItems(answer: AxisAnswer): Record<string, unknown>[] | undefined {
  const data = answer.body.data;
  if (!Array.isArray(data)) return undefined;
  return data.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && !Array.isArray(item));
}
