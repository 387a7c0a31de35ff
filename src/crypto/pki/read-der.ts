/** One DER element: its tag octet and where its header and contents lie in the buffer. */
export interface DerNode {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  tag: number;
  start: number;
  /** First octet of the contents. */
  contents: number;
  end: number;
}

/** Universal and context tags this module's callers read. */
export const DER = {
  boolean: 0x01, integer: 0x02, bitString: 0x03, octetString: 0x04, oid: 0x06, enumerated: 0x0a,
  utcTime: 0x17, generalizedTime: 0x18, sequence: 0x30, context0: 0xa0,
} as const;

/**
 * Reads the element at `offset` (DER: definite lengths only, low tag numbers). Throws on anything
 * truncated or malformed. Meant for large structures (CRLs of hundreds of thousands of entries) that
 * a schema-matching parser would be too slow for, or refuse.
 */
export function readDer(buf: Uint8Array, offset: number, limit = buf.length): DerNode {
  if (offset + 2 > limit) throw new Error(`DER element truncated at ${offset}`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error(`high tag number at ${offset}`);
  let length = buf[offset + 1]!;
  let contents = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new Error(`unsupported DER length at ${offset}`);
    if (contents + octets > limit) throw new Error(`DER length truncated at ${offset}`);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + buf[contents + i]!;
    contents += octets;
  }
  const end = contents + length;
  if (end > limit) throw new Error(`DER element at ${offset} runs past its container`);
  return { tag, start: offset, contents, end };
}

/** The elements inside a constructed element, in order. */
export function derChildren(buf: Uint8Array, node: DerNode): DerNode[] {
  const children: DerNode[] = [];
  for (let at = node.contents; at < node.end; ) {
    const child = readDer(buf, at, node.end);
    children.push(child);
    at = child.end;
  }
  return children;
}

/** Asserts the tag of an element (`what` names it in the error). */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) throw new Error(`${what}: expected tag 0x${tag.toString(16)}, found ${node ? `0x${node.tag.toString(16)}` : 'nothing'}`);
  return node;
}

/** The contents octets of an element. */
export const derContents = (buf: Uint8Array, node: DerNode): Uint8Array => buf.subarray(node.contents, node.end);

/** A dotted OID from an OBJECT IDENTIFIER element. */
export function derOid(buf: Uint8Array, node: DerNode): string {
  const bytes = derContents(buf, node);
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join('.');
}

/**
 * A UTCTime (years 1950–2049) or GeneralizedTime element in UTC (RFC 5280 §4.1.2.5), as epoch
 * milliseconds. Digits are read in place: a CRL holds one time per entry.
 */
export function derTimeMs(buf: Uint8Array, node: DerNode): number {
  const utc = node.tag === DER.utcTime;
  const digits = (utc ? 12 : 14);
  const size = node.end - node.contents;
  const fractional = !utc && size > 15 && buf[node.contents + 14] === 0x2e; // GeneralizedTime "….fffZ"
  if ((!utc && node.tag !== DER.generalizedTime) || buf[node.end - 1] !== 0x5a || (size !== digits + 1 && !fractional)) {
    throw new Error(`not a DER time: ${JSON.stringify(Buffer.from(derContents(buf, node)).toString('latin1'))}`);
  }
  const field = (at: number, count: number): number => {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const digit = buf[node.contents + at + i]! - 0x30;
      if (digit < 0 || digit > 9) throw new Error('not a DER time: a non-digit');
      value = value * 10 + digit;
    }
    return value;
  };
  const y = utc ? field(0, 2) : field(0, 4);
  const o = utc ? 2 : 4;
  const year = utc ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return Date.UTC(year, field(o, 2) - 1, field(o + 2, 2), field(o + 4, 2), field(o + 6, 2), field(o + 8, 2));
}
