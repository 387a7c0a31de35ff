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
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const body = parsed as Record<string, unknown>;
  const errorCode = asText(body.error_code);
  if (errorCode === undefined || errorCode.trim() === '') return undefined;
  return { errorCode: errorCode.trim(), message: asText(body.message) ?? '', body };
}

/** Success: `error_code` 0 written as a number or as one or more zeros (`"0"`, `"00"`). */
export function isSuccessCode(errorCode: string): boolean {
  return /^0+$/.test(errorCode);
}

/** A JSON string or finite number as text; anything else is absent. */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** `result` as an array of objects (non-objects dropped), or `undefined` when it is not an array. */
export function resultItems(answer: PortalAnswer): Record<string, unknown>[] | undefined {
  const result = answer.body.result;
  if (!Array.isArray(result)) return undefined;
  return result.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && !Array.isArray(item));
}
