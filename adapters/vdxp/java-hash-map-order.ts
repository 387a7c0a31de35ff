/**
 * The iteration order of a `java.util.HashMap<String, String>` (Java 8+) holding `keys`, inserted in
 * the given order. The SDK builds its signed header map in such a map, so this is the order of its
 * `XroadVnpt-*` headers, of `XroadVnpt-sign-header-key` and of the keys in `XroadVnpt-sign-header`.
 *
 * HashMap iterates its table bucket by bucket; within a bucket, entries keep insertion order (a
 * resize splits each bucket preserving relative order, and new entries are appended). The bucket is
 * `spread(hashCode) & (capacity - 1)` with `spread(h) = h ^ (h >>> 16)`; the capacity starts at 16
 * and doubles whenever the size exceeds 0.75 × capacity. Buckets of 8+ entries in tables of 64+ turn
 * into trees in Java (ordered differently): never the case for the dozen keys the SDK uses.
 *
 * Duplicate keys keep their first position (a `put` of an existing key replaces the value in place).
 */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  const unique = [...new Set(keys)];
  let capacity = 16;
  while (unique.length > capacity * 0.75) capacity *= 2;
  const mask = capacity - 1;
  return unique
    .map((key, insertion) => ({ key, insertion, bucket: spread(javaStringHashCode(key)) & mask }))
    .sort((a, b) => a.bucket - b.bucket || a.insertion - b.insertion)
    .map((entry) => entry.key);
}

/** `String.hashCode()`: `s[0]·31^(n-1) + … + s[n-1]` over UTF-16 code units, in 32-bit arithmetic. */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  return hash;
}

// HashMap.hash(): mixes the high half into the low half, as an unsigned 32-bit value.
const spread = (hash: number): number => (hash ^ (hash >>> 16)) >>> 0;
