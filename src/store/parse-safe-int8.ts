/** `int8` text → number; ids and sizes stay below 2^53, anything larger is a bug, not a rounding. */
export function parseSafeInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`int8 value ${text} is beyond Number.MAX_SAFE_INTEGER`);
  }
  return value;
}
