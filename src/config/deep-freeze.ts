/** Freezes a value and everything reachable from it (plain objects, arrays, Maps' values). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const item of value.values()) deepFreeze(item);
    // A frozen Map can still be mutated through set/delete: block them.
    const map = value as Map<unknown, unknown>;
    map.set = () => { throw new TypeError('Configuration is frozen'); };
    map.delete = () => { throw new TypeError('Configuration is frozen'); };
    map.clear = () => { throw new TypeError('Configuration is frozen'); };
  } else {
    for (const item of Object.values(value as object)) deepFreeze(item);
  }
  return Object.freeze(value);
}
