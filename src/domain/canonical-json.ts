/**
 * JSON with object keys sorted by UTF-16 code units and no whitespace: the RFC 8785 (JCS) form for
 * the values the hub hashes (strings, integers, booleans, null, arrays, plain objects). Numbers are
 * written as JSON.stringify writes them, which matches JCS for integers and for most decimals.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) throw new TypeError('undefined has no JSON form');
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
