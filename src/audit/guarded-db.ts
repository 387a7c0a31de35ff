import type { Db } from '../store/db.js';
import type { AuditChain } from './audit-chain.js';

/**
 * The store for services whose transactions write audit events (dossiers): each transaction is
 * refused while the audit log cannot be written, and an audit insert that fails is reported as
 * HUB_ERR_AUDIT_UNAVAILABLE. Plain queries pass through.
 */
export function guardedDb(db: Db, audit: Pick<AuditChain, 'guard'>): Db {
  return {
    kind: db.kind,
    query: (sql, params, options) => db.query(sql, params, options),
    transaction: (work) => audit.guard(() => db.transaction(work)),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
