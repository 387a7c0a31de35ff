import type { DocumentMetadata } from '../domain/message.js';

/**
 * The edXML DocumentId as the reference builder writes it: `<sender>,<yyyy/MM/dd>,<number>/<notation>`
 * (docs/domain-vn.md §1.2), e.g. `000.00.00.G22,2015/09/30,7816/VPCP-TTĐT`.
 */
export function defaultDocumentId(sender: string, document: DocumentMetadata): string {
  return `${sender},${document.promulgation.date.replaceAll('-', '/')},${document.number}/${document.notation}`;
}
