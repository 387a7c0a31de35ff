import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { actorOf, type Principal } from '../auth/principal.js';
import type { DossierTarget, EndpointConfig, HubConfig } from '../config/hub-config.js';
import type { JwsSigner } from '../crypto/jws.js';
import {
  FINAL_DOSSIER_STATUSES, PAYLOAD_TYPES_OF,
  type Applicant, type Dossier, type DossierDocument, type DossierFee, type DossierPayloadType, type DossierStatus,
  type DossierStep, type DossierSystem, type DossierUpdate, type PendingDossier,
} from '../domain/dossier.js';
import { storableJson } from '../adapters/json-values.js';
import type { AttachmentMeta } from '../domain/message.js';
import { hubError } from '../errors.js';
import type { DeliveryEnqueuer } from '../queue/delivery-enqueuer.js';
import { resolveEndpoint } from '../routing/resolve-endpoint.js';
import { formatAjvErrors, type SchemaCatalogue } from '../schema-catalogue.js';
import type { BlobStore } from '../store/blob-store.js';
import type { InlineBlob } from '../store/database-blobs.js';
import type { Db, Queryable } from '../store/db.js';
import type { NewMessageRecord } from '../store/records.js';
import { writeNewMessages } from '../store/write-new-messages.js';
import { storeInlineAttachments, type InlineAttachment } from '../intake/store-inline-attachments.js';
import { dossierMessageRecord, type DossierMessagePlan } from './dossier-messages.js';
import { isDossierNumberOf, nextDossierNumber } from './dossier-number.js';
import {
  appendDossierStep, findDossierByKey, findDossierByNumber, insertDossier, readDossier, readDossierExchanges,
  readDossierSteps, readPendingDossiers, updateDossierState, type DossierExchange,
} from './dossier-store.js';

/** `POST /v1/dossiers` (schemas/dossier-request.json). */
export interface DossierRequest {
  number?: string;
  procedure: Dossier['procedure'];
  applicant: Applicant;
  channel: Dossier['channel'];
  summary?: string;
  submittedAt?: string;
  receivedAt: string;
  dueAt?: string;
  fees?: DossierFee[];
  documents?: (InlineAttachment & { componentCode?: string })[];
  target: { system: DossierSystem; payloadType: DossierPayloadType; payload: Record<string, unknown> };
  /** 1 newly registered or 2 received (default) by the one-stop system. */
  status?: 1 | 2;
}

/** `POST /v1/dossiers/:id/progress` (schemas/dossier-progress-request.json). */
export interface ProgressRequest {
  status: DossierStatus;
  at?: string;
  officer?: DossierStep['officer'];
  content?: string;
}

export interface DossierView {
  dossier: Dossier;
  history: (DossierStep & { seq: number })[];
  /** What the hub sent about it (submission, portal syncs, result) and how each delivery went. */
  exchanges: DossierExchange[];
}

export interface DossierServiceDeps {
  db: Db;
  config: HubConfig;
  catalogue: SchemaCatalogue;
  blobs: BlobStore;
  blobInlineMax: number;
  signer: JwsSigner;
  issuer: string;
  enqueuer: DeliveryEnqueuer;
  log: Logger;
  now(): Date;
}

export interface DossierService {
  file(principal: Principal, request: DossierRequest, opts?: { idempotencyKey?: string }): Promise<{ id: string; number: string; status: DossierStatus; receipt: string }>;
  recordProgress(principal: Principal, dossierId: string, request: ProgressRequest): Promise<{ id: string; status: DossierStatus }>;
  view(principal: Principal, dossierId: string): Promise<DossierView>;
  read(dossierId: string): Promise<Dossier>;
  pending(endpointId: string, limit?: number): Promise<PendingDossier[]>;
  /**
   * Stores what a target system said of its dossiers, each update on its own: one that cannot be
   * stored (logged) does not keep the others out. `failed` names the dossiers whose update was not stored.
   */
  applyUpdates(endpoint: EndpointConfig, updates: readonly DossierUpdate[]): Promise<{ applied: number; unchanged: number; failed: string[] }>;
}

/**
 * Dossiers from filing to returned result. Every state change is one transaction writing the dossier,
 * its history step and the messages that carry the change out — the submission to the target system,
 * the sync to the National Public Service Portal, the result back to the one-stop system — which are
 * then delivered like any message (queue, retries, receipts, audit). The portal sync reads the dossier
 * when it is delivered, so syncs delivered late or out of order still leave the portal on the latest state.
 */
export function createDossierService(deps: DossierServiceDeps): DossierService {
  const dossiers = () => deps.config.dossiers;

  const targetFor = (system: DossierSystem, agency: string): DossierTarget => {
    const target = dossiers()?.targets.find((t) => t.system === system && (!t.submitters || t.submitters.includes(agency)));
    if (!target) throw hubError('HUB_ERR_NO_DOSSIER_TARGET', [system, agency]);
    return target;
  };

  /** The portal sync of `step`, when a portal is configured. */
  const portalSync = (dossier: Pick<Dossier, 'id' | 'number' | 'agency'>, step: DossierStep): DossierMessagePlan[] => {
    const portal = dossiers()?.portal;
    return portal
      ? [{ operation: { op: 'sync', dossierId: dossier.id, number: dossier.number, step }, sender: dossier.agency, recipient: portal.agency, endpointId: portal.endpoint }]
      : [];
  };

  /** Writes the messages of `plans` in `tx`; after commit, `enqueue` hands their deliveries to the queue. */
  const writeMessages = async (tx: Queryable, plans: readonly DossierMessagePlan[], actor: string, at: Date): Promise<NewMessageRecord[]> => {
    const records = await Promise.all(plans.map((plan) => dossierMessageRecord(plan, { signer: deps.signer, issuer: deps.issuer, actor, at })));
    const results = await writeNewMessages(tx, records);
    if (results.some((r) => r.kind !== 'inserted')) throw new Error('a dossier message collided with an existing one');
    return records;
  };
  const enqueue = (records: readonly NewMessageRecord[]): void => {
    const push = records.flatMap((r) => r.deliveries.flatMap((d) => (d.endpointId !== null ? [{ deliveryId: d.id, endpointId: d.endpointId, generation: 0, delayMs: 0 }] : [])));
    if (push.length === 0) return;
    deps.enqueuer.enqueue(push).catch((err: unknown) => deps.log.warn({ err }, 'enqueue failed; the sweeper will pick the deliveries up'));
  };

  const checkPayload = (request: DossierRequest): void => {
    const { system, payloadType, payload } = request.target;
    if (!PAYLOAD_TYPES_OF[system].includes(payloadType)) {
      throw hubError('HUB_ERR_VALIDATION', [], [{ path: 'target/payloadType', message: `must be one of ${PAYLOAD_TYPES_OF[system].join(', ')} for ${system}` }]);
    }
    const validate = deps.catalogue.validator(`dossier-payload-${payloadType}`);
    if (!validate(payload)) {
      throw hubError('HUB_ERR_VALIDATION', [], formatAjvErrors(validate.errors, '/target/payload').map((line) => {
        const [path, ...message] = line.split(' ');
        return { path: path!.slice(1), message: message.join(' ') };
      }));
    }
  };

  const readOwn = async (principal: Principal, dossierId: string): Promise<Dossier> => {
    const dossier = await readDossier(deps.db, dossierId);
    // Never confirm that another agency's dossier exists.
    if (!dossier || (principal.kind === 'agency' && principal.agency !== dossier.agency)) throw hubError('HUB_ERR_NOT_FOUND', [`Dossier ${dossierId}`]);
    return dossier;
  };

  return {
    async file(principal, request, opts = {}) {
      // 1. check: a one-stop agency files its own dossier, for a configured target, with a valid payload
      if (principal.kind !== 'agency') throw hubError('HUB_ERR_FORBIDDEN', ['file dossiers (only agency keys can)']);
      const agency = principal.agency;
      const target = targetFor(request.target.system, agency);
      checkPayload(request);
      if (request.number !== undefined && !isDossierNumberOf(agency, request.number)) throw hubError('HUB_ERR_INVALID_DOSSIER_NUMBER', [request.number, agency]);
      const refuseDuplicate = (existing: { id: string } | undefined): void => {
        if (existing) throw hubError('HUB_ERR_DUPLICATE_DOSSIER', [existing.id], { dossierId: existing.id });
      };
      if (opts.idempotencyKey) refuseDuplicate(await findDossierByKey(deps.db, agency, opts.idempotencyKey));
      if (request.number) refuseDuplicate(await findDossierByNumber(deps.db, request.number));

      // 2. store the documents (content-addressed: a refused request leaves only unreferenced blobs)
      const stored = await storeInlineAttachments(deps.blobs, request.documents ?? [], deps.blobInlineMax);
      const documents: DossierDocument[] = stored.attachments.map((a, i) => {
        const componentCode = request.documents?.[i]?.componentCode;
        return { index: a.index, name: a.name, contentType: a.contentType, size: a.size, sha256: a.sha256, ...(componentCode ? { componentCode } : {}) };
      });

      // 3. commit the dossier, its first step, the submission and the portal sync together
      const at = deps.now();
      const actor = actorOf(principal);
      const status: DossierStatus = request.status ?? 2;
      const { dossier, records } = await deps.db.transaction(async (tx) => {
        const number = request.number ?? await freeNumber(tx, agency, at);
        const dossier: Dossier = {
          id: randomUUID(), number, agency, procedure: request.procedure, applicant: request.applicant, channel: request.channel,
          ...(request.summary !== undefined ? { summary: request.summary } : {}),
          ...(request.submittedAt !== undefined ? { submittedAt: request.submittedAt } : {}),
          receivedAt: request.receivedAt,
          ...(request.dueAt !== undefined ? { dueAt: request.dueAt } : {}),
          fees: request.fees ?? [], documents,
          target: { system: target.system, endpointId: target.endpoint, payloadType: request.target.payloadType, payload: request.target.payload },
          status, createdAt: at.toISOString(), updatedAt: at.toISOString(),
        };
        const step: DossierStep = { status, at: request.receivedAt, source: 'one-stop', content: 'Tiếp nhận hồ sơ' };
        const submit: DossierMessagePlan = {
          operation: { op: 'submit', dossierId: dossier.id, number }, sender: agency, recipient: target.agency, endpointId: target.endpoint,
          attachments: stored.attachments, inlineBlobs: stored.inlineBlobs,
        };
        const records = await writeMessages(tx, [submit, ...portalSync(dossier, step)], actor, at);
        await insertDossier(tx, { dossier, submitMessageId: records[0]!.message.id, firstStep: step, actor, ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}) });
        return { dossier, records };
      }).catch(async (err: unknown) => {
        if (!isUniqueViolation(err)) throw err;
        // A concurrent request with the same number or key won the race.
        refuseDuplicate((opts.idempotencyKey && await findDossierByKey(deps.db, agency, opts.idempotencyKey)) || (request.number && await findDossierByNumber(deps.db, request.number)) || undefined);
        throw err;
      });
      enqueue(records);
      deps.log.info({ dossierId: dossier.id, number: dossier.number, target: target.endpoint }, 'dossier filed');
      return { id: dossier.id, number: dossier.number, status, receipt: records[0]!.receipts[0]!.jws };
    },

    async recordProgress(principal, dossierId, request) {
      if (principal.kind !== 'agency') throw hubError('HUB_ERR_FORBIDDEN', ['record dossier progress (only the one-stop agency\'s key can)']);
      await readOwn(principal, dossierId);
      const at = deps.now();
      const step: DossierStep = {
        status: request.status, at: request.at ?? at.toISOString(), source: 'one-stop',
        ...(request.officer ? { officer: request.officer } : {}), ...(request.content ? { content: request.content } : {}),
      };
      const records = await deps.db.transaction(async (tx) => {
        const dossier = (await readDossier(tx, dossierId, { forUpdate: true }))!;
        if (FINAL_DOSSIER_STATUSES.has(dossier.status)) {
          throw hubError('HUB_ERR_INVALID_STATE', [`dossier ${dossier.number} is in final state ${dossier.status}`], { status: dossier.status });
        }
        await updateDossierState(tx, dossierId, { status: request.status, at });
        await appendDossierStep(tx, dossierId, step, { actor: actorOf(principal), at, number: dossier.number });
        return writeMessages(tx, portalSync(dossier, step), actorOf(principal), at);
      });
      enqueue(records);
      return { id: dossierId, status: request.status };
    },

    async view(principal, dossierId) {
      await readOwn(principal, dossierId);
      const [history, exchanges] = await Promise.all([readDossierSteps(deps.db, dossierId), readDossierExchanges(deps.db, dossierId)]);
      // Read after its exchanges, so the dossier is at least as recent as they are (e.g. the remote id
      // of a submission they show delivered).
      return { dossier: await readOwn(principal, dossierId), history, exchanges };
    },

    async read(dossierId) {
      const dossier = await readDossier(deps.db, dossierId);
      if (!dossier) throw hubError('HUB_ERR_NOT_FOUND', [`Dossier ${dossierId}`]);
      return dossier;
    },

    pending: (endpointId, limit = 200) => readPendingDossiers(deps.db, endpointId, limit),

    async applyUpdates(endpoint, updates) {
      let applied = 0;
      const failed: string[] = [];
      for (const update of updates) {
        try {
          if (await applyUpdate(endpoint, storableUpdate(update))) applied++;
        } catch (err) {
          failed.push(update.dossierId);
          deps.log.error({ err, dossierId: update.dossierId, endpointId: endpoint.id }, 'could not store what the target system said of a dossier; it is asked again next run');
        }
      }
      return { applied, unchanged: updates.length - applied - failed.length, failed };
    },
  };

  /** The next generated number that no dossier holds yet (one may have been filed with it explicitly). */
  async function freeNumber(tx: Queryable, agency: string, at: Date): Promise<string> {
    for (let tries = 0; tries < 1_000; tries++) {
      const number = await nextDossierNumber(tx, agency, at);
      if (!(await findDossierByNumber(tx, number))) return number;
    }
    throw new Error(`no free dossier number for ${agency}`);
  }

  /** One system's report on one dossier: a new state (and result) → history, portal sync, result to the one-stop. */
  async function applyUpdate(endpoint: EndpointConfig, update: DossierUpdate): Promise<boolean> {
    // Result documents first: content-addressed, harmless if the transaction below changes nothing.
    const resultDocuments = await storeResultDocuments(update);
    const at = deps.now();
    const outcome = await deps.db.transaction(async (tx) => {
      const dossier = await readDossier(tx, update.dossierId, { forUpdate: true });
      if (!dossier || dossier.target.endpointId !== endpoint.id || FINAL_DOSSIER_STATUSES.has(dossier.status)) return undefined;
      const newResult = update.result && !dossier.result;
      const newState = dossier.status !== update.status;
      // Nothing new: the same state, code and (no new) result — the system repeats itself.
      if (!newState && !newResult && dossier.systemStatus === update.systemStatus) return undefined;
      // History runs forward: a system time before the dossier's last change is kept, but not as `at`.
      const systemAt = update.at && new Date(update.at) >= new Date(dossier.updatedAt) ? undefined : update.at;
      const step: DossierStep = {
        status: update.status, at: systemAt === undefined && update.at ? update.at : at.toISOString(), source: 'target', systemStatus: update.systemStatus,
        ...(systemAt ? { systemAt } : {}),
        ...(update.officer ? { officer: update.officer } : {}), ...(update.note ? { content: update.note } : {}),
      };
      const result = newResult ? { data: update.result!.data, documents: resultDocuments.documents } : undefined;
      await updateDossierState(tx, dossier.id, { status: update.status, at, systemStatus: update.systemStatus, ...(result ? { result } : {}) });
      await appendDossierStep(tx, dossier.id, step, { actor: `endpoint:${endpoint.id}`, at, number: dossier.number });
      // A new code for the same state is history only; the portal hears of new states and results.
      const plans = newState || newResult ? [...portalSync(dossier, step)] : [];
      if (result) {
        const systemAgency = dossiers()?.targets.find((t) => t.endpoint === endpoint.id)?.agency ?? deps.config.hub.organId ?? deps.config.hub.name;
        plans.push({
          operation: { op: 'result', dossierId: dossier.id, number: dossier.number, status: update.status, data: result.data },
          sender: systemAgency, recipient: dossier.agency,
          endpointId: resolveEndpoint(deps.config, { kind: 'dossier', sender: systemAgency, recipient: dossier.agency }).endpointId,
          attachments: resultDocuments.attachments, inlineBlobs: resultDocuments.inlineBlobs,
        });
      }
      return writeMessages(tx, plans, `endpoint:${endpoint.id}`, at);
    });
    if (!outcome) return false;
    enqueue(outcome);
    deps.log.info({ dossierId: update.dossierId, status: update.status, systemStatus: update.systemStatus, endpointId: endpoint.id }, 'dossier updated by its target system');
    return true;
  }

  /** A system's result documents into the blob store (small ones travel inline with their message). */
  async function storeResultDocuments(update: DossierUpdate): Promise<{ documents: DossierDocument[]; attachments: AttachmentMeta[]; inlineBlobs: InlineBlob[] }> {
    const inlineBlobs: InlineBlob[] = [];
    const attachments = await Promise.all((update.result?.documents ?? []).map(async (d, index): Promise<AttachmentMeta> => {
      if (d.bytes.length === 0) throw hubError('HUB_ERR_INVALID_ATTACHMENT', [d.name, 'the system returned an empty document']);
      let facts: { sha256: string; size: number };
      if (d.bytes.length <= deps.blobInlineMax) {
        facts = { sha256: createHash('sha256').update(d.bytes).digest('hex'), size: d.bytes.length };
        inlineBlobs.push({ ...facts, data: d.bytes });
      } else {
        facts = await deps.blobs.put(d.bytes);
      }
      return { index, name: d.name, contentType: d.contentType, ...facts };
    }));
    return { documents: attachments.map((a) => ({ ...a })), attachments, inlineBlobs };
  }

}

/** PostgreSQL's unique_violation, from either driver. */
function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}

/**
 * An update as the database can hold it: the system's texts and result data made storable
 * ({@link storableJson}: no U+0000, no lone surrogate, in keys too); the documents' bytes untouched.
 */
function storableUpdate(update: DossierUpdate): DossierUpdate {
  const { result, ...rest } = update;
  const clean = storableJson(rest) as Omit<DossierUpdate, 'result'>;
  return result ? { ...clean, result: { data: storableJson(result.data) as Record<string, unknown>, documents: result.documents } } : clean;
}
