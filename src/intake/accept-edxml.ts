import type { Principal } from '../auth/principal.js';
import { hubError } from '../errors.js';
import type { Accepted, EdxmlSubmitter, IntakeService, NotDeliveredRecipient } from './intake-service.js';
import type { ReadEdxml } from './read-edxml-packet.js';

export interface AcceptEdxmlOptions {
  /** The API's `Idempotency-Key`, or a polled packet's identity; applies to documents and status packets. */
  idempotencyKey?: string;
  /** What the route's signature policy recorded about the packet's XML signature. */
  signatureCheck?: unknown;
  /** `To` agencies of a polled document the hub does not deliver to (recorded with the message). */
  notDelivered?: readonly NotDeliveredRecipient[];
}

/**
 * Takes a read edXML packet into the hub: a document becomes a message (linked to the earlier one for
 * a revoke, update or replace); a status packet becomes a business status on the document it names,
 * reported by `From` to `ResponseFor/OrganId`. The same path serves the API and the axis receive loop.
 */
export async function acceptEdxml(intake: IntakeService, submitter: EdxmlSubmitter, read: ReadEdxml, opts: AcceptEdxmlOptions = {}): Promise<Accepted & { kind: 'document' | 'status' }> {
  const { fields, packet } = read;
  // The header as received, without attachment payload facts (the message's attachments say that).
  const header = packet.kind === 'edoc' ? { ...packet, attachments: undefined } : packet;
  const provenance = {
    header, warnings: read.warnings,
    ...(opts.signatureCheck !== undefined ? { signatureCheck: opts.signatureCheck } : {}),
    ...(opts.notDelivered?.length ? { notDelivered: opts.notDelivered } : {}),
  };

  if (fields.kind === 'document') {
    const accepted = await intake.acceptEdxmlDocument(submitter, {
      sender: fields.sender,
      recipients: fields.recipients,
      document: fields.document!,
      attachments: fields.attachments,
      inlineBlobs: read.inlineBlobs,
      business: {
        type: BUSINESS_TYPE[fields.business?.kind ?? 'new'],
        relatedDocumentIds: fields.business?.relatedDocumentIds ?? [],
        ...(fields.business?.reason ? { reason: fields.business.reason } : {}),
      },
      provenance,
      ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
    });
    return { ...accepted, kind: 'document' };
  }

  // A status packet: From reports on the document ResponseFor/DocumentId to ResponseFor/OrganId.
  const reporter = principalFor(submitter, fields.sender);
  const addressee = fields.recipients[0];
  const documentId = fields.responseForDocumentIds[0];
  if (!documentId) throw hubError('HUB_ERR_EDXML_INVALID', ['MessageHeader/ResponseFor/DocumentId is required in a status packet']);
  const messageId = await intake.findDocument(documentId, [fields.sender, ...(addressee ? [addressee] : [])]);
  if (!messageId) throw hubError('HUB_ERR_NOT_FOUND', [`Document ${documentId}`]);
  const accepted = await intake.reportStatus(reporter, messageId, fields.status!, {
    ...(addressee ? { addressee } : {}), provenance, ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
  });
  return { ...accepted, kind: 'status' };
}

const BUSINESS_TYPE = { new: 0, revoke: 1, update: 2, replace: 3 } as const;

/** The API caller must be the packet's `From`; a polled endpoint speaks for whoever its system says. */
function principalFor(submitter: EdxmlSubmitter, from: string): Principal {
  if (submitter.kind === 'api') {
    const { principal } = submitter;
    if (principal.kind !== 'agency') throw hubError('HUB_ERR_FORBIDDEN', ['report statuses (only agency keys can)']);
    if (principal.agency !== from) throw hubError('HUB_ERR_SENDER_MISMATCH', [from, principal.agency]);
    return principal;
  }
  return { kind: 'agency', keyId: `endpoint:${submitter.endpointId}`, agency: from };
}
