import type {
  Dossier, DossierPayloadType, DossierStatus, DossierStep, DossierSystem, PendingDossier,
} from '../domain/dossier.js';
import type { Queryable } from '../store/db.js';

/** What `dossiers.data` holds: the dossier as filed, less what has a column of its own. */
type DossierData = Pick<Dossier, 'procedure' | 'applicant' | 'channel' | 'summary' | 'submittedAt' | 'receivedAt' | 'dueAt' | 'fees' | 'documents'>
  & { payload: Record<string, unknown> };

interface DossierRow {
  id: string;
  number: string;
  agency: string;
  status: number;
  target_system: DossierSystem;
  target_endpoint: string;
  payload_type: DossierPayloadType;
  submit_message: string;
  system_status: string | null;
  remote_id: string | null;
  data: DossierData;
  result: Dossier['result'] | null;
  created_at: Date;
  updated_at: Date;
}

/** A new dossier as written with the messages that carry it out. */
export interface NewDossierRecord {
  dossier: Dossier;
  submitMessageId: string;
  idempotencyKey?: string;
  firstStep: DossierStep;
}

const DOSSIER_SELECT = `SELECT d.id, d.number, d.agency, d.status, d.target_system, d.target_endpoint, d.payload_type,
    d.submit_message, d.system_status, d.data, d.result, d.created_at, d.updated_at,
    (SELECT dl.remote_id FROM deliveries dl WHERE dl.message_id = d.submit_message ORDER BY dl.created_at LIMIT 1) AS remote_id
  FROM dossiers d`;

function rowToDossier(row: DossierRow): Dossier {
  const { payload, ...data } = row.data;
  return {
    id: row.id,
    number: row.number,
    agency: row.agency,
    ...data,
    target: { system: row.target_system, endpointId: row.target_endpoint, payloadType: row.payload_type, payload },
    status: row.status as DossierStatus,
    ...(row.remote_id ? { remoteId: row.remote_id } : {}),
    ...(row.system_status ? { systemStatus: row.system_status } : {}),
    ...(row.result ? { result: row.result } : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Inserts a dossier and its first history step. */
export async function insertDossier(db: Queryable, record: NewDossierRecord & { actor: string }): Promise<void> {
  const { dossier: d } = record;
  const data: DossierData = {
    procedure: d.procedure, applicant: d.applicant, channel: d.channel, fees: d.fees, documents: d.documents, receivedAt: d.receivedAt,
    ...(d.summary !== undefined ? { summary: d.summary } : {}),
    ...(d.submittedAt !== undefined ? { submittedAt: d.submittedAt } : {}),
    ...(d.dueAt !== undefined ? { dueAt: d.dueAt } : {}),
    payload: d.target.payload,
  };
  await db.query(
    `INSERT INTO dossiers (id, number, agency, procedure_code, status, target_system, target_endpoint, payload_type, submit_message, data, idempotency_key, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
    [d.id, d.number, d.agency, d.procedure.code, d.status, d.target.system, d.target.endpointId, d.target.payloadType, record.submitMessageId,
      JSON.stringify(data), record.idempotencyKey ?? null, new Date(d.createdAt)]);
  await appendDossierStep(db, d.id, record.firstStep, { actor: record.actor, at: new Date(d.createdAt), number: d.number });
}

/**
 * Appends a step to a dossier's history (the next sequence number) and its audit event
 * (`dossier.filed` for the first, `dossier.status` after), in one statement.
 */
export async function appendDossierStep(db: Queryable, dossierId: string, step: DossierStep, audit: { actor: string; at: Date; number: string }): Promise<void> {
  await db.query(
    `WITH s AS (INSERT INTO dossier_events (dossier_id, seq, at, status, source, step)
       VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM dossier_events WHERE dossier_id = $1), $2, $3, $4, $5) RETURNING seq)
     INSERT INTO audit_events (at, actor, kind, data)
       SELECT $6, $7, CASE WHEN s.seq = 1 THEN 'dossier.filed' ELSE 'dossier.status' END,
              jsonb_build_object('dossierId', $1::text, 'number', $8::text, 'seq', s.seq, 'status', $3::int, 'source', $4::text, 'systemStatus', $9::text)
         FROM s`,
    [dossierId, new Date(step.at), step.status, step.source, JSON.stringify(step), audit.at, audit.actor, audit.number, step.systemStatus ?? null]);
}

/** The dossier as stored now, or `undefined`. `forUpdate` locks its row until the transaction ends. */
export async function readDossier(db: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<Dossier | undefined> {
  const { rows } = await db.query<DossierRow>(`${DOSSIER_SELECT} WHERE d.id = $1${opts.forUpdate ? ' FOR UPDATE OF d' : ''}`, [id]);
  return rows[0] ? rowToDossier(rows[0]) : undefined;
}

/** The dossier that an agency filed under an idempotency key, if any. */
export async function findDossierByKey(db: Queryable, agency: string, idempotencyKey: string): Promise<{ id: string; number: string } | undefined> {
  const { rows } = await db.query<{ id: string; number: string }>('SELECT id, number FROM dossiers WHERE agency = $1 AND idempotency_key = $2', [agency, idempotencyKey]);
  return rows[0];
}

export async function findDossierByNumber(db: Queryable, number: string): Promise<{ id: string; agency: string } | undefined> {
  const { rows } = await db.query<{ id: string; agency: string }>('SELECT id, agency FROM dossiers WHERE number = $1', [number]);
  return rows[0];
}

/** Writes a dossier's new state (and the target system's code and result, when given). */
export async function updateDossierState(
  db: Queryable, id: string, change: { status: DossierStatus; at: Date; systemStatus?: string; result?: Dossier['result'] },
): Promise<void> {
  await db.query(
    `UPDATE dossiers SET status = $2, updated_at = $3, system_status = coalesce($4, system_status), result = coalesce($5::jsonb, result) WHERE id = $1`,
    [id, change.status, change.at, change.systemStatus ?? null, change.result ? JSON.stringify(change.result) : null]);
}

/** The history of a dossier, oldest first. */
export async function readDossierSteps(db: Queryable, id: string): Promise<(DossierStep & { seq: number })[]> {
  const { rows } = await db.query<{ seq: number; step: DossierStep }>('SELECT seq, step FROM dossier_events WHERE dossier_id = $1 ORDER BY seq', [id]);
  return rows.map((r) => ({ seq: r.seq, ...r.step }));
}

/**
 * The dossiers an endpoint took and has not finished with — its submission delivered, the state not
 * final nor processed — oldest first, at most `limit`.
 */
export async function readPendingDossiers(db: Queryable, endpointId: string, limit: number): Promise<PendingDossier[]> {
  const { rows } = await db.query<{ id: string; number: string; agency: string; payload_type: DossierPayloadType; status: number; system_status: string | null; remote_id: string | null; delivered_at: Date }>(
    `SELECT d.id, d.number, d.agency, d.payload_type, d.status, d.system_status, dl.remote_id, dl.updated_at AS delivered_at
       FROM dossiers d JOIN deliveries dl ON dl.message_id = d.submit_message AND dl.state = 'delivered'
      WHERE d.target_endpoint = $1 AND d.status NOT IN (3, 7, 8, 9, 10)
      ORDER BY d.created_at LIMIT $2`,
    [endpointId, limit]);
  return rows.map((r) => ({
    dossierId: r.id, number: r.number, agency: r.agency, payloadType: r.payload_type, status: r.status as DossierStatus,
    ...(r.system_status ? { systemStatus: r.system_status } : {}),
    ...(r.remote_id ? { remoteId: r.remote_id } : {}),
    submittedAt: r.delivered_at.toISOString(),
  }));
}

/** Per message the hub sent about a dossier: the operation and how each delivery of it went. */
export interface DossierExchange {
  messageId: string;
  op: string;
  createdAt: string;
  deliveries: { id: string; recipient: string; endpointId: string | null; state: string; attempts: number; remoteId?: string; lastError?: string; updatedAt: string }[];
}

export async function readDossierExchanges(db: Queryable, dossierId: string): Promise<DossierExchange[]> {
  const { rows } = await db.query<{ message_id: string; op: string; created_at: Date; id: string; recipient: string; endpoint_id: string | null; state: string; attempts: number; remote_id: string | null; last_error: string | null; updated_at: Date }>(
    `SELECT m.id AS message_id, m.dossier ->> 'op' AS op, m.created_at, dl.id, dl.recipient, dl.endpoint_id, dl.state, dl.attempts, dl.remote_id, dl.last_error, dl.updated_at
       FROM messages m JOIN deliveries dl ON dl.message_id = m.id
      WHERE m.dossier IS NOT NULL AND (m.dossier ->> 'dossierId')::uuid = $1
      ORDER BY m.created_at, CASE m.dossier ->> 'op' WHEN 'submit' THEN 0 WHEN 'sync' THEN 1 ELSE 2 END, dl.recipient`,
    [dossierId]);
  const byMessage = new Map<string, DossierExchange>();
  for (const r of rows) {
    let exchange = byMessage.get(r.message_id);
    if (!exchange) {
      exchange = { messageId: r.message_id, op: r.op, createdAt: r.created_at.toISOString(), deliveries: [] };
      byMessage.set(r.message_id, exchange);
    }
    exchange.deliveries.push({
      id: r.id, recipient: r.recipient, endpointId: r.endpoint_id, state: r.state, attempts: r.attempts,
      ...(r.remote_id ? { remoteId: r.remote_id } : {}), ...(r.last_error ? { lastError: r.last_error } : {}), updatedAt: r.updated_at.toISOString(),
    });
  }
  return [...byMessage.values()];
}
