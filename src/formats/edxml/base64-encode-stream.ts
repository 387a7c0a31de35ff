/**
 * Base64-encodes a byte stream piece by piece, carrying the 0–2 bytes that do not fill a 3-byte
 * group to the next piece. The output is one unbroken line (no line breaks, `=` padding only at
 * the very end), the same whatever the input chunking: the canonical form the builder writes.
 */
export async function* encodeBase64Stream(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  let carry = Buffer.alloc(0);
  for await (const piece of source) {
    const bytes = typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    const all = carry.length === 0 ? bytes : Buffer.concat([carry, bytes]);
    const whole = all.length - (all.length % 3);
    // Copy the carry: `all` may be the caller's buffer, which it is free to reuse.
    carry = Buffer.from(all.subarray(whole));
    if (whole > 0) yield Buffer.from(all.subarray(0, whole).toString('base64'), 'latin1');
  }
  if (carry.length > 0) yield Buffer.from(carry.toString('base64'), 'latin1');
}
