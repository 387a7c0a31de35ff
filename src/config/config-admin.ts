import { hubError, isHubError } from '../errors.js';
import type { MessageKind } from '../domain/message.js';
import { resolveEndpoint } from '../routing/resolve-endpoint.js';
import type { Db } from '../store/db.js';
import { mirrorConfig } from '../store/sync-config.js';
import { writeAudit } from '../store/write-new-messages.js';
import {
  applyEdit, diffItems, findItem, itemsOf, maskDocument, maskItem,
  type AuthoredDocument, type AuthoredItem, type ConfigChange, type ConfigEdit, type ConfigEntity, type SecretKeysOf,
} from './config-edits.js';
import { CONFIG_LOCK_SQL, insertRevision, readHistory, readRevision, type ConfigHistoryEntry, type HistoryQuery } from './config-revisions.js';
import type { HubConfig } from './hub-config.js';
import { unavailableEndpoints, type LiveConfig } from './live-config.js';

export interface ConfigAdminDeps {
  db: Db;
  live: LiveConfig;
  parse: (document: unknown) => HubConfig;
  secretKeysOf: SecretKeysOf;
  now: () => Date;
}

/** The outcome of a change: the new version (unchanged when the edit changed nothing), the item as shown, what changed. */
export interface ConfigChangeResult {
  version: number;
  item: AuthoredItem;
  changes: ConfigChange[];
}

export interface DryRunInput {
  sender: string;
  recipients: readonly string[];
  /** Default `document`, as for intake (the route's schema does not fill it in: bodies get no defaults). */
  kind?: MessageKind;
  documentType?: string;
}

/** The configuration as this process has it in effect. */
export interface ConfigStatus {
  version: number;
  /** Endpoints in effect this process cannot use: the environment variables their settings need (names, never values). */
  unavailableEndpoints: { endpoint: string; variables: readonly string[]; reason: string }[];
}

/** Where a message would go, per recipient, under the configuration in effect. */
export interface DryRunResult {
  version: number;
  recipients: {
    recipient: string;
    /** `endpoint`: delivered through it; `inbox`: pull mode; `refused`: intake would refuse (unknown agency). */
    outcome: 'endpoint' | 'inbox' | 'refused';
    /** `unavailable`: why this process could not use it (a worker that can delivers). */
    endpoint?: { id: string; adapter: string; unavailable?: string };
    /** The route that chose the endpoint (absent: the recipient's own endpoint, or none). */
    routeId?: string;
    reason?: string;
  }[];
}

export interface ConfigAdmin {
  /** The newest revision's document, secrets masked. */
  document(version?: number): Promise<{ version: number; at: Date; actor: string; document: AuthoredDocument }>;
  list(entity: ConfigEntity): Promise<{ version: number; items: AuthoredItem[] }>;
  get(entity: ConfigEntity, id: string): Promise<{ version: number; item: AuthoredItem }>;
  /**
   * Validates the edit against the whole document (schemas, the adapter's settings schema,
   * references), stores the revision, mirrors it, audits it — one transaction — and puts it into
   * effect in this process at once (the others within their poll interval).
   */
  change(actor: string, edit: ConfigEdit, expectedVersion?: number): Promise<ConfigChangeResult>;
  history(query: HistoryQuery): Promise<ConfigHistoryEntry[]>;
  dryRun(input: DryRunInput): DryRunResult;
  /** The version in effect in this process, and the endpoints it cannot use. */
  status(): ConfigStatus;
}

export function createConfigAdmin(deps: ConfigAdminDeps): ConfigAdmin {
  const newest = async (): Promise<{ version: number; at: Date; actor: string; document: AuthoredDocument }> => {
    const revision = await readRevision(deps.db);
    if (!revision) throw hubError('HUB_ERR_NOT_FOUND', ['Configuration']);
    return revision;
  };

  /** The configuration the edit would make, or HUB_ERR_CONFIG_REJECTED with every problem. */
  const validated = (document: AuthoredDocument): HubConfig => {
    try {
      return deps.parse(document);
    } catch (err) {
      if (!isHubError(err) || err.code !== 'HUB_ERR_CONFIG_INVALID') throw err;
      const problems = (err.details as { problems?: string[] } | undefined)?.problems ?? [err.message];
      throw hubError('HUB_ERR_CONFIG_REJECTED', [problems.join('; ')], { problems });
    }
  };

  /** An endpoint with deliveries still to make cannot be switched off: they would fail. Pause it instead. */
  const assertIdle = async (tx: Pick<Db, 'query'>, endpointId: string): Promise<void> => {
    const { rows } = await tx.query<{ n: string | number }>('SELECT count(*) AS n FROM deliveries WHERE next_attempt_at IS NOT NULL AND endpoint_id = $1', [endpointId]);
    const pending = Number(rows[0]?.n ?? 0);
    if (pending > 0) throw hubError('HUB_ERR_CONFIG_CONFLICT', [`endpoint ${endpointId} has ${pending} unfinished deliveries: pause it, or wait until they are delivered or failed, before disabling it`]);
  };

  return {
    async document(version) {
      const revision = version === undefined ? await newest() : await readRevision(deps.db, version);
      if (!revision) throw hubError('HUB_ERR_NOT_FOUND', [`Configuration version ${version}`]);
      return { version: revision.version, at: revision.at, actor: revision.actor, document: maskDocument(revision.document, deps.secretKeysOf) };
    },
    async list(entity) {
      const { version, document } = await newest();
      return { version, items: itemsOf(document, entity).map((item) => maskItem(entity, item, deps.secretKeysOf)) };
    },
    async get(entity, id) {
      const { version, document } = await newest();
      return { version, item: maskItem(entity, findItem(document, entity, id).item, deps.secretKeysOf) };
    },
    async change(actor, edit, expectedVersion) {
      const at = deps.now();
      const outcome = await deps.db.transaction(async (tx) => {
        await tx.query(CONFIG_LOCK_SQL);
        const latest = await readRevision(tx);
        if (!latest) throw hubError('HUB_ERR_NOT_FOUND', ['Configuration']);
        if (expectedVersion !== undefined && expectedVersion !== latest.version) {
          throw hubError('HUB_ERR_CONFIG_CONFLICT', [`the configuration is at version ${latest.version}, not ${expectedVersion}: read it again and reapply the change`]);
        }
        const { document, before, after } = applyEdit(latest.document, edit, deps.secretKeysOf);
        const entityId = 'id' in edit ? edit.id : String(after[edit.entity === 'agency' ? 'code' : 'id']);
        const changes = diffItems(edit.entity, before, after, deps.secretKeysOf);
        const moved = before !== undefined && itemsOf(latest.document, edit.entity).indexOf(before) !== itemsOf(document, edit.entity).indexOf(after);
        if (changes.length === 0 && !moved) return { version: latest.version, after, changes };
        const config = validated(document);
        if (edit.entity === 'endpoint' && edit.action !== 'created' && after.disabled === true && before?.disabled !== true) await assertIdle(tx, entityId);
        const version = latest.version + 1;
        const recorded = moved ? [...changes, { path: '/position', before: itemsOf(latest.document, edit.entity).indexOf(before!), after: itemsOf(document, edit.entity).indexOf(after) }] : changes;
        await insertRevision(tx, {
          version, at, actor, source: 'api', fileSha256: latest.fileSha256,
          entity: edit.entity, entityId, action: edit.action, changes: recorded, document,
        });
        await mirrorConfig(tx, config, at);
        await writeAudit(tx, [{
          at, actor, kind: 'config.changed',
          data: { version, entity: edit.entity, entityId, action: edit.action, paths: recorded.map((c) => c.path) },
        }]);
        return { version, after, changes: recorded, config };
      });
      if (outcome.config) deps.live.applied(outcome.version, outcome.config);
      return { version: outcome.version, item: maskItem(edit.entity, outcome.after, deps.secretKeysOf), changes: outcome.changes };
    },
    history: (query) => readHistory(deps.db, query),
    dryRun(input) {
      const config = deps.live.current();
      const kind = input.kind ?? 'document';
      return {
        version: deps.live.version(),
        recipients: input.recipients.map((recipient) => {
          if (!config.agencies.has(input.sender)) return { recipient, outcome: 'refused' as const, reason: `unknown sender ${input.sender}` };
          if (!config.agencies.has(recipient)) return { recipient, outcome: 'refused' as const, reason: `unknown recipient ${recipient}` };
          const target = resolveEndpoint(config, { sender: input.sender, recipient, kind, ...(input.documentType !== undefined ? { documentType: input.documentType } : {}) });
          if (target.endpointId === null) return { recipient, outcome: 'inbox' as const };
          const endpoint = config.endpoints.get(target.endpointId)!;
          return {
            recipient, outcome: 'endpoint' as const,
            endpoint: { id: endpoint.id, adapter: endpoint.adapter, ...(endpoint.unavailable ? { unavailable: endpoint.unavailable.reason } : {}) },
            ...(target.routeId ? { routeId: target.routeId } : {}),
          };
        }),
      };
    },
    status() {
      return {
        version: deps.live.version(),
        unavailableEndpoints: unavailableEndpoints(deps.live.current()).map((e) => ({ endpoint: e.id, variables: e.unavailable.variables, reason: e.unavailable.reason })),
      };
    },
  };
}
