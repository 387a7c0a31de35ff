import { hubError } from '../errors.js';
import type { DeliveryEnqueuer } from '../queue/delivery-enqueuer.js';
import type { Db } from '../store/db.js';
import { writeAudit } from '../store/write-new-messages.js';
import { endpointsInEffect } from './endpoints-in-effect.js';

/**
 * Gives a failed delivery a fresh retry cycle: back to `queued` with a new job generation (so the old
 * failed job cannot collide), attempts counted from zero and a new give-up window. The earlier
 * attempts stay in the log. A delivery whose endpoint is disabled or no longer configured is refused
 * (409 HUB_ERR_ENDPOINT_UNAVAILABLE): it would only fail again.
 */
export async function replayDelivery(db: Db, enqueuer: DeliveryEnqueuer, deliveryId: string, actor: string, now = new Date()): Promise<{ generation: number }> {
  const updated = await db.transaction(async (tx) => {
    const { rows: found } = await tx.query<{ state: string; endpoint_id: string | null }>('SELECT state, endpoint_id FROM deliveries WHERE id = $1', [deliveryId]);
    if (!found[0]) throw hubError('HUB_ERR_NOT_FOUND', [`Delivery ${deliveryId}`]);
    const endpointId = found[0].endpoint_id;
    if (found[0].state === 'failed' && endpointId !== null) {
      const presence = (await endpointsInEffect(tx))(endpointId);
      if (presence !== 'enabled') {
        throw hubError('HUB_ERR_ENDPOINT_UNAVAILABLE', [endpointId, presence === 'disabled' ? 'disabled' : 'not configured', 'replaying its deliveries'], { endpoint: endpointId, presence });
      }
    }
    const { rows } = await tx.query<{ generation: number; message_id: string; endpoint_id: string }>(
      `UPDATE deliveries SET state = 'queued', generation = generation + 1, attempts = 0, cycle_started_at = $2,
              next_attempt_at = $2, last_error = NULL, failed_at = NULL, updated_at = $2
        WHERE id = $1 AND state = 'failed' AND endpoint_id IS NOT NULL
        RETURNING generation, message_id, endpoint_id`, [deliveryId, now]);
    const row = rows[0];
    if (!row) throw hubError('HUB_ERR_INVALID_STATE', [`Delivery ${deliveryId} is ${found[0].state}; only failed push deliveries can be replayed`]);
    await writeAudit(tx, [{ at: now, actor, kind: 'delivery.replayed', messageId: row.message_id, deliveryId, data: { generation: row.generation } }]);
    return row;
  });
  await enqueuer.enqueue([{ deliveryId, endpointId: updated.endpoint_id, generation: updated.generation, delayMs: 0 }]);
  return { generation: updated.generation };
}
