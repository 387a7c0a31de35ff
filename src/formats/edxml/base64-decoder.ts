const NOT_ALPHABET = /[^A-Za-z0-9+/]/g;
const IGNORABLE = /[\s=]/g;
const ALPHABET_ONLY = /^[A-Za-z0-9+/]*$/;

/**
 * Incremental base64 decoder for `ContentTransferEncoded` text that arrives in pieces: whole
 * 4-character quanta are decoded at once, the remainder (0–3 characters) is carried to the next
 * piece, so no piece boundary ever changes the result.
 *
 * Lenient like Java's MIME decoder (which the VNPT SDK's readers tolerate): whitespace and `=` are
 * skipped, other characters outside the alphabet are skipped and counted in {@link skipped} so the
 * caller can report them (one vendor template carries a JMeter placeholder instead of base64).
 */
export class Base64Decoder {
  private carry = '';
  /** Characters outside the base64 alphabet, whitespace and `=` padding not counted. */
  skipped = 0;

  /** Decodes what can be decoded of `text` now. */
  push(text: string): Buffer {
    return this.pushClean(text) ?? this.pushLenient(text);
  }

  /**
   * The common case, ~10× faster than scanning with a regular expression: `text` is nothing but the
   * alphabet. Node's decoder skips characters outside its alphabet, so whole quanta decoding to exactly
   * 3 bytes per 4 characters had none — once the characters it also takes (`-` `_` of base64url, and
   * anything beyond ASCII, which it reads by the low byte) are ruled out. Whitespace around the text
   * and `=` padding at its end are skipped first, as the lenient path skips them. `undefined` otherwise.
   */
  private pushClean(text: string): Buffer | undefined {
    let body = text.trim();
    let end = body.length;
    while (end > 0 && body.charCodeAt(end - 1) === 0x3d /* = */) end -= 1;
    if (end < body.length) body = body.slice(0, end);
    if (body.includes('-') || body.includes('_')) return undefined;
    const all = this.carry + body;
    if (Buffer.byteLength(all, 'utf8') !== all.length) return undefined; // not ASCII
    const whole = all.length - (all.length % 4);
    const rest = all.slice(whole);
    if (!ALPHABET_ONLY.test(rest)) return undefined; // the carry must stay clean (0–3 characters)
    const bytes = whole === 0 ? Buffer.alloc(0) : Buffer.from(all.slice(0, whole), 'base64');
    if (bytes.length !== (whole / 4) * 3) return undefined;
    this.carry = rest;
    return bytes;
  }

  /** Skips and counts what is not base64 (whitespace, `=`, anything else). */
  private pushLenient(text: string): Buffer {
    const clean = text.replace(NOT_ALPHABET, '');
    if (clean.length !== text.length) this.skipped += text.replace(IGNORABLE, '').length - clean.length;
    const all = this.carry + clean;
    const whole = all.length - (all.length % 4);
    this.carry = all.slice(whole);
    return whole === 0 ? Buffer.alloc(0) : Buffer.from(all.slice(0, whole), 'base64');
  }

  /**
   * Decodes the carried remainder: 2 or 3 characters give 1 or 2 bytes (padding is optional);
   * a lone character cannot encode a byte and is counted as skipped.
   */
  end(): Buffer {
    const rest = this.carry;
    this.carry = '';
    if (rest.length === 1) {
      this.skipped += 1;
      return Buffer.alloc(0);
    }
    return Buffer.from(rest, 'base64');
  }
}
