/**
 * `JsonObject.toString()` of Gson (the SDK's JSON library) for an object of string values, in the
 * given key order: compact, no HTML escaping (Gson's plain `JsonWriter`), control characters as
 * `\b \t \n \f \r` or `\u00xx`, and — unlike `JSON.stringify` — U+2028 and U+2029 escaped too.
 * The signed header string must match the SDK byte for byte, so it is built here, not with
 * `JSON.stringify` of an object (whose key order and escaping are close but not the same).
 */
export function gsonObjectString(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([key, value]) => `${gsonString(key)}:${gsonString(value)}`).join(',')}}`;
}

/** One string as Gson writes it. */
export function gsonString(value: string): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16)}`);
}
