import { randomUUID } from 'node:crypto';
import { signJws, type JwsSigner } from '../crypto/jws.js';
import type { StatusCode } from '../domain/message.js';
import type { ReceiptEvent, ReceiptRecord } from '../store/records.js';

export const RECEIPT_TYP = 'lienthong-receipt+jws';

export interface ReceiptFacts {
  event: ReceiptEvent;
  messageId: string;
  sender: string;
  /** The recipient this receipt is about; for `accepted`, every recipient. */
  recipient: string | readonly string[];
  contentSha256: string;
  deliveryId?: string;
  documentId?: string;
  statusCode?: StatusCode;
  /** Free text: the failure reason, the status description. Never secrets. */
  detail?: string;
  at: Date;
}

/** The JSON payload a receipt signs. Field names are part of the public contract (README). */
export function receiptPayload(id: string, issuer: string, facts: ReceiptFacts): Record<string, unknown> {
  return {
    iss: issuer,
    jti: id,
    iat: Math.floor(facts.at.getTime() / 1000),
    event: facts.event,
    messageId: facts.messageId,
    sender: facts.sender,
    ...(Array.isArray(facts.recipient) ? { recipients: facts.recipient } : { recipient: facts.recipient }),
    ...(facts.deliveryId ? { deliveryId: facts.deliveryId } : {}),
    ...(facts.documentId ? { documentId: facts.documentId } : {}),
    ...(facts.statusCode ? { statusCode: facts.statusCode } : {}),
    ...(facts.detail ? { detail: facts.detail.slice(0, 500) } : {}),
    contentSha256: facts.contentSha256,
    at: facts.at.toISOString(),
  };
}

/** Signs a receipt (JWS compact, x5c chain in the header) and returns it ready to store. */
export async function issueReceipt(signer: JwsSigner, issuer: string, facts: ReceiptFacts): Promise<ReceiptRecord> {
  const id = randomUUID();
  const jws = await signJws(signer, receiptPayload(id, issuer, facts), RECEIPT_TYP);
  return {
    id,
    messageId: facts.messageId,
    ...(facts.deliveryId ? { deliveryId: facts.deliveryId } : {}),
    event: facts.event,
    ...(facts.statusCode ? { statusCode: facts.statusCode } : {}),
    jws,
    createdAt: facts.at,
  };
}
