import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import { hubError } from '../errors.js';
import type { Db } from '../store/db.js';
import { writeAudit } from '../store/write-new-messages.js';
import { itemsOf, keyOf, type AuthoredDocument, type ConfigChange, type ConfigEntity } from './config-edits.js';
import { CONFIG_LOCK_SQL, insertRevision, readLatestVersion, readRevision, type ConfigRevision } from './config-revisions.js';
import type { EndpointConfig, HubConfig } from './hub-config.js';
import type { LoadHubConfigOptions } from './load-hub-config.js';

/** A stored revision was checked where it was written: here, an endpoint whose settings need a variable this process lacks is only unavailable. */
const STORED: Pick<LoadHubConfigOptions, 'unsetVariables'> = { unsetVariables: 'mark-unavailable' };

/** The endpoints in effect that this process cannot use (their settings need variables it does not have). */
export function unavailableEndpoints(config: HubConfig): (EndpointConfig & Required<Pick<EndpointConfig, 'unavailable'>>)[] {
  return [...config.endpoints.values()].filter((e): e is EndpointConfig & Required<Pick<EndpointConfig, 'unavailable'>> => e.unavailable !== undefined);
}

/**
 * The configuration in effect in this process, kept current without a restart: the newest stored
 * revision (migration 012), checked every `pollMs` and put into effect as soon as this process
 * commits one itself. Everything that reads configuration at run time reads `view`, whose fields
 * are always those of the current revision.
 */
export interface LiveConfig {
  /** Reads through to the current configuration on every property access. */
  readonly view: HubConfig;
  current(): HubConfig;
  version(): number;
  /** Called after each change this process puts into effect (from the poll or its own commit). */
  onChange(listener: (config: HubConfig, version: number) => void): void;
  /** Puts a revision this process has just committed into effect at once. */
  applied(version: number, config: HubConfig): void;
  /** Looks for a newer revision now; true when one was put into effect. */
  refresh(): Promise<boolean>;
  /**
   * Puts the newest revision into effect now if it is not yet (as the next poll would); true when the
   * one in effect is then the newest stored — what this process lacks, the whole hub lacks. False
   * when a newer one could not be put into effect here (or came in meanwhile).
   */
  catchUp(): Promise<boolean>;
  start(): void;
  stop(): void;
}

export interface OpenLiveConfigOptions {
  db: Db;
  /** The admin-authored config file: revision 1, and a new revision whenever its bytes change. */
  filePath: string;
  /**
   * The one configuration pipeline (`parseHubConfig` with the process's adapters and environment),
   * `unsetVariables` passed on: stored revisions are parsed with `mark-unavailable`, the file with `refuse`.
   */
  parse: (document: unknown, mode?: Pick<LoadHubConfigOptions, 'unsetVariables'>) => HubConfig;
  log: Logger;
  now: () => Date;
  /** How often the newest version is checked. */
  pollMs: number;
}

/** Items added, removed or changed between two documents, as pointers (`/endpoints/h30`): what a file import did. */
function changedItems(before: AuthoredDocument, after: AuthoredDocument): ConfigChange[] {
  const changes: ConfigChange[] = [];
  for (const [entity, collection] of [['agency', 'agencies'], ['endpoint', 'endpoints'], ['route', 'routes']] as const) {
    const old = new Map(itemsOf(before, entity as ConfigEntity).map((item) => [keyOf(entity, item), JSON.stringify(item)]));
    const now = new Map(itemsOf(after, entity as ConfigEntity).map((item) => [keyOf(entity, item), JSON.stringify(item)]));
    for (const id of new Set([...old.keys(), ...now.keys()])) {
      if (old.get(id) !== now.get(id)) changes.push({ path: `/${collection}/${id}`, ...(old.has(id) ? { before: 'present' } : {}), ...(now.has(id) ? { after: 'present' } : {}) });
    }
  }
  return changes;
}

async function readConfigFile(path: string): Promise<{ document: AuthoredDocument; sha256: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw hubError('HUB_ERR_CONFIG_INVALID', [`cannot read ${path}: ${(err as Error).message}`]);
  }
  try {
    return { document: JSON.parse(bytes.toString('utf8')) as AuthoredDocument, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (err) {
    throw hubError('HUB_ERR_CONFIG_INVALID', [`${path} is not JSON: ${(err as Error).message}`]);
  }
}

/**
 * Opens the live configuration: imports the config file as a new revision when it is new or its
 * bytes changed since the revision in effect descends from it (validated first: a bad file stops
 * the boot, as before), otherwise takes the newest revision — the file plus the changes made
 * through the admin API since.
 */
export async function openLiveConfig(opts: OpenLiveConfigOptions): Promise<LiveConfig> {
  const file = await readConfigFile(opts.filePath);
  // The file's configuration when it is imported now (checked before it is stored, and not parsed again).
  let imported: HubConfig | undefined;
  const revision = await opts.db.transaction(async (tx): Promise<ConfigRevision> => {
    await tx.query(CONFIG_LOCK_SQL);
    const latest = await readRevision(tx);
    if (latest && latest.fileSha256 === file.sha256) return latest;
    imported = opts.parse(file.document, { unsetVariables: 'refuse' });
    const stored: ConfigRevision = {
      version: (latest?.version ?? 0) + 1, at: opts.now(), actor: 'config-file', source: 'file', fileSha256: file.sha256,
      entity: 'file', entityId: basename(opts.filePath), action: 'imported', changes: latest ? changedItems(latest.document, file.document) : [], document: file.document,
    };
    await insertRevision(tx, stored);
    await writeAudit(tx, [{
      at: stored.at, actor: 'config', kind: 'config.changed',
      data: { version: stored.version, entity: 'file', entityId: stored.entityId, action: 'imported', sha256: file.sha256, items: stored.changes.length },
    }]);
    if (latest) opts.log.warn({ version: stored.version, changedItems: stored.changes.length }, 'the config file changed: imported as a new revision, replacing changes made through the admin API');
    return stored;
  });
  let config: HubConfig;
  try {
    config = imported ?? opts.parse(revision.document, STORED);
  } catch (err) {
    throw hubError('HUB_ERR_CONFIG_INVALID', [`revision ${revision.version}: ${(err as Error).message}`]);
  }
  let version = revision.version;
  let failedVersion = 0;
  const listeners: ((config: HubConfig, version: number) => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  /** Each endpoint this process cannot use, at error level: the variables it needs, never a value. */
  const reportUnavailable = (next: HubConfig, at: number): void => {
    for (const endpoint of unavailableEndpoints(next)) {
      opts.log.error({ version: at, endpoint: endpoint.id, variables: endpoint.unavailable.variables },
        `endpoint ${endpoint.id} cannot be used by this process: ${endpoint.unavailable.reason}; its deliveries wait for a process that has them (set the variables here and restart)`);
    }
  };
  reportUnavailable(config, revision.version);

  const putIntoEffect = (next: HubConfig, nextVersion: number): void => {
    config = next;
    version = nextVersion;
    for (const warning of next.warnings) opts.log.warn({ warning, version }, 'hub configuration');
    reportUnavailable(next, nextVersion);
    for (const listener of listeners) {
      try {
        listener(next, nextVersion);
      } catch (err) {
        opts.log.error({ err, version }, 'a configuration listener failed');
      }
    }
  };

  const refresh = async (): Promise<boolean> => {
    const newest = await readLatestVersion(opts.db);
    if (newest <= version || newest === failedVersion) return false;
    const stored = await readRevision(opts.db, newest);
    // While the read was out, this process may have put as new a revision into effect itself (its own
    // admin change, or a refresh that overlapped this one): never go back to an older one.
    if (!stored || stored.version <= version) return false;
    try {
      putIntoEffect(opts.parse(stored.document, STORED), stored.version);
    } catch (err) {
      // Valid where it was written (it was checked there), not here: e.g. a placeholder this process has no value for.
      failedVersion = stored.version;
      opts.log.error({ err: (err as Error).message, version: stored.version }, 'configuration revision cannot be put into effect in this process; keeping the one before');
      return false;
    }
    opts.log.info({ version, actor: stored.actor, entity: stored.entity, entityId: stored.entityId, action: stored.action }, 'configuration changed');
    return true;
  };

  const view = {
    get hub() { return config.hub; },
    get agencies() { return config.agencies; },
    get endpoints() { return config.endpoints; },
    get routes() { return config.routes; },
    get apiKeys() { return config.apiKeys; },
    get clientCertificates() { return config.clientCertificates; },
    get signatures() { return config.signatures; },
    get dossiers() { return config.dossiers; },
    get agencyCodes() { return config.agencyCodes; },
    get warnings() { return config.warnings; },
  } satisfies Record<keyof HubConfig, unknown>;

  return {
    view: view as HubConfig,
    current: () => config,
    version: () => version,
    onChange(listener) {
      listeners.push(listener);
    },
    applied(nextVersion, next) {
      if (nextVersion > version) putIntoEffect(next, nextVersion);
    },
    refresh,
    async catchUp() {
      await refresh();
      return (await readLatestVersion(opts.db)) <= version;
    },
    start() {
      stopped = false;
      const tick = (): void => {
        if (stopped) return;
        timer = setTimeout(() => {
          void refresh().catch((err: unknown) => opts.log.warn({ err: (err as Error).message }, 'could not check the configuration version')).finally(tick);
        }, opts.pollMs);
        timer.unref();
      };
      tick();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
