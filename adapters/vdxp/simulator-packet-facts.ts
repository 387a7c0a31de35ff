/**
 * What the simulated axis reads from a packet it relays, by light pattern matching (it is a test
 * double, not the hub's edXML codec): the document's `DocumentId` (outside `ResponseFor`, to
 * recognise a re-sent document), the `To/OrganId` codes (used when `to` is not sent), and the
 * subject and notation it lists in `getSentEdocList`.
 */
export interface PacketFacts {
  documentId?: string;
  to: string[];
  subject?: string;
  notation?: string;
}

export function packetFacts(bytes: Buffer): PacketFacts {
  // Comments and ResponseFor blocks carry ids of other documents: leave them out. Only the part
  // before the attachments is read: a 70 MB packet is not turned into a 70 MB string.
  const text = bytes
    .subarray(0, headerEnd(bytes))
    .toString('utf8')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(?:[\w-]+:)?ResponseFor\b[\s\S]*?<\/(?:[\w-]+:)?ResponseFor>/g, '');
  const first = (element: string, within = text): string | undefined => {
    const match = new RegExp(`<(?:[\\w-]+:)?${element}>([^<]*)</(?:[\\w-]+:)?${element}>`).exec(within);
    const value = match?.[1]?.trim();
    return value ? value : undefined;
  };
  const to: string[] = [];
  for (const block of text.matchAll(/<(?:[\w-]+:)?To>([\s\S]*?)<\/(?:[\w-]+:)?To>/g)) {
    const code = first('OrganId', block[1] ?? '');
    if (code) to.push(code);
  }
  const facts: PacketFacts = { to };
  const documentId = first('DocumentId');
  const subject = first('Subject');
  const notation = first('CodeNotation');
  if (documentId !== undefined) facts.documentId = documentId;
  if (subject !== undefined) facts.subject = subject;
  if (notation !== undefined) facts.notation = notation;
  return facts;
}

/**
 * Where the packet's header part ends: at the start tag of `edXMLBody` or `AttachmentEncoded`
 * (whatever its prefix), the first one found; the whole packet when there is neither. Text cannot
 * hold a `<`, so a name right after `<` or `<prefix:` is a tag.
 */
function headerEnd(bytes: Buffer): number {
  let end = bytes.length;
  for (const name of ['edXMLBody', 'AttachmentEncoded']) {
    for (let at = bytes.indexOf(name); at !== -1 && at < end; at = bytes.indexOf(name, at + 1)) {
      const before = bytes.subarray(Math.max(0, at - 64), at).toString('latin1');
      if (/<(?:[\w.-]+:)?$/.test(before)) {
        end = at;
        break;
      }
    }
  }
  return end;
}
