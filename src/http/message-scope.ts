import type { Principal } from '../auth/principal.js';
import { hubError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { readMessage } from '../store/read-message-view.js';

/**
 * What of message `id` the caller may see: everything (roles, the sender) or one recipient's part
 * (`onlyRecipient`). Anyone else gets 404: the hub never confirms that someone else's message exists.
 */
export async function readScope(db: Queryable, principal: Principal, id: string): Promise<{ onlyRecipient?: string }> {
  const message = await readMessage(db, id);
  if (!message) throw hubError('HUB_ERR_NOT_FOUND', [`Message ${id}`]);
  if (principal.kind === 'role') return {};
  if (message.sender === principal.agency) return {};
  if (message.recipients.includes(principal.agency)) return { onlyRecipient: principal.agency };
  throw hubError('HUB_ERR_NOT_FOUND', [`Message ${id}`]);
}
