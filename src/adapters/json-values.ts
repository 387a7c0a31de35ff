/**
 * Loose reading of the JSON the external systems answer, as their own clients read it: an answer is a
 * JSON object, a text field may come as a string or a number (Gson's `getAsString`, .NET's binders),
 * a list keeps only its objects.
 */

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text` parsed, when it is a JSON object; `undefined` otherwise (not JSON, an array, a number …). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isJsonObject(parsed) ? parsed : undefined;
}

/**
 * A JSON string or finite number as text; anything else (null, objects, arrays) is absent. Text is
 * made storable on the way in: U+0000 dropped and a lone surrogate replaced with U+FFFD (a remote
 * system's `"\u0000"` would otherwise fail the database write of whatever the hub records from it).
 */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return storableText(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** `value` as an array of objects (other items dropped), or `undefined` when it is not an array. */
export function objectItems(value: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isJsonObject);
}

/** `text` without U+0000 and with any lone surrogate replaced by U+FFFD: what PostgreSQL text and jsonb can hold. */
export function storableText(text: string): string {
  const whole = (text as string & { toWellFormed(): string }).toWellFormed();
  return whole.includes('\0') ? whole.replaceAll('\0', '') : whole;
}

/**
 * A JSON value as PostgreSQL's jsonb can hold it: every string and object key made storable
 * ({@link storableText}), recursively. What a remote system returned as data (a result's
 * `ketQuaXuLy` …) is kept whole, but one `"\u0000"` in it must not make the hub's write fail.
 */
export function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (isJsonObject(value)) {
    const clean: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) clean[storableText(key)] = storableJson(item);
    return clean;
  }
  return value;
}
