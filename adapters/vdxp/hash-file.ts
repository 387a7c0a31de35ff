/**
 * The SDK's `XroadVnpt-hash-file`: the SHA-256 of the file written as hex with **each byte's leading
 * zero dropped** (Java `Integer.toHexString(b & 0xFF)`), so `0x05` becomes `5` and the value can be
 * shorter than 64 characters. Confirmed by the captures: the vendor sample whose SHA-256 is
 * `7e4a746b898d9b05…` travels as `7e4a746b898d9b5…`. The digest covers the file only, not the
 * `\r\n` the SDK appends to the body.
 */
export function sdkHashFile(sha256: Uint8Array): string {
  let hex = '';
  for (const byte of sha256) hex += byte.toString(16);
  return hex;
}
