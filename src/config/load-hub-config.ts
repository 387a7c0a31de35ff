import { readFile } from 'node:fs/promises';
import type { Adapter, AdapterId, AdapterTable } from '../adapters/adapter-contract.js';
import { hubError } from '../errors.js';
import { formatAjvErrors, type SchemaCatalogue } from '../schema-catalogue.js';
import { checkAgencyCodes, compileAgencyCodeSetting, type AuthoredAgencyCodes } from './check-agency-codes.js';
import { checkOutboundUrls } from './check-outbound-urls.js';
import { deepFreeze } from './deep-freeze.js';
import { durationMs, type Duration } from './duration.js';
import {
  DEFAULT_CIRCUIT_BREAKER, DEFAULT_MAX_CONCURRENCY, DEFAULT_RETRY, DEFAULT_TIMEOUT_MS,
  type AgencyConfig, type DossierTarget, type EndpointConfig, type HubConfig, type RetryPolicy, type RouteConfig, type ConfiguredApiKey,
  type ConfiguredClientCertificate, type EndpointUnavailable,
} from './hub-config.js';
import { describeMissing, substituteEnv, type MissingVariable } from './substitute-env.js';
import type { SignaturePolicy } from '../formats/xmldsig/index.js';
import { createOutboundGuard, type OutboundGuard } from '../net/outbound-guard.js';

interface AuthoredRetry { schedule?: Duration[]; jitter?: number; giveUpAfter?: Duration }
interface AuthoredBreaker { failureThreshold?: number; openFor?: Duration }
interface AuthoredEndpointPolicy { retry?: AuthoredRetry; timeout?: Duration; maxConcurrency?: number; circuitBreaker?: AuthoredBreaker }
interface AuthoredPoll { receiveEvery?: Duration; directoryEvery?: Duration; resultsEvery?: Duration }
interface AuthoredEndpoint extends AuthoredEndpointPolicy { id: string; adapter: string; settings: Record<string, unknown>; poll?: AuthoredPoll; disabled?: boolean }
interface AuthoredConfig {
  hub?: { name?: string; organId?: string };
  defaults?: AuthoredEndpointPolicy;
  agencies: AgencyConfig[];
  endpoints: AuthoredEndpoint[];
  routes: RouteConfig[];
  apiKeys?: ConfiguredApiKey[];
  clientCertificates?: ConfiguredClientCertificate[];
  agencyCodes?: AuthoredAgencyCodes;
  signatures?: { defaultPolicy?: SignaturePolicy };
  dossiers?: { portal?: { endpoint: string; agency: string }; targets?: DossierTarget[] };
}

export interface LoadHubConfigOptions {
  catalogue: SchemaCatalogue;
  adapters: AdapterTable;
  env: NodeJS.ProcessEnv;
  /**
   * Which endpoint URLs the process may reach (LIENTHONG_OUTBOUND_ALLOW): a URL setting whose host is
   * a literal refused address is a problem. Default: nothing internal allowed.
   */
  outbound?: OutboundGuard;
  /**
   * What an unset `${VAR}` in an endpoint's settings does. `refuse` (default): a problem, as any other
   * — for what is authored here (the file, an admin change). `mark-unavailable`: for a stored revision
   * validated where it was written: the endpoint is in effect but marked `unavailable` in this process
   * (empty settings, not checked further). An unset variable anywhere else is a problem either way.
   */
  unsetVariables?: 'refuse' | 'mark-unavailable';
}

/** Reads a config file and runs it through `parseHubConfig`. */
export async function loadHubConfig(path: string, options: LoadHubConfigOptions): Promise<HubConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw hubError('HUB_ERR_CONFIG_INVALID', [`cannot read ${path}: ${(err as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw hubError('HUB_ERR_CONFIG_INVALID', [`${path} is not JSON: ${(err as Error).message}`]);
  }
  return parseHubConfig(json, options);
}

/**
 * The one configuration pipeline: substitute `${ENV}` → validate the whole document (every error with
 * its JSON pointer) → validate each endpoint's settings with its adapter's schema, and their URLs
 * against the outbound guard (no literal private or loopback address unless allowed) → check references →
 * check agency codes (`agencyCodes` setting: problems in `strict` mode, `warnings` in `warn` mode) →
 * normalise → freeze. Any problem stops here, listed in one HUB_ERR_CONFIG_INVALID error.
 */
export function parseHubConfig(authored: unknown, options: LoadHubConfigOptions): HubConfig {
  const { value, missing } = substituteEnv(authored, options.env);
  const { unavailable, rest } = options.unsetVariables === 'mark-unavailable' ? splitBySettings(missing) : { unavailable: new Map<number, EndpointUnavailable>(), rest: missing };
  const problems = rest.map(describeMissing);

  const validate = options.catalogue.validator<AuthoredConfig>('hub-config');
  if (!validate(value)) fail([...problems, ...formatAjvErrors(validate.errors)]);
  const config = value as AuthoredConfig;
  const original = authored as AuthoredConfig;

  // The settings of an endpoint this process cannot fill in are not checked here: they were where the revision was written.
  const settingsChecked = (problem: string): boolean => ![...unavailable.keys()].some((i) => new RegExp(`^/endpoints/${i}/settings[/ ]`).test(problem));
  problems.push(
    ...[...checkEndpoints(config, options), ...checkOutboundUrls(config.endpoints, options.adapters, options.outbound ?? STRICT_GUARD)].filter(settingsChecked),
    ...checkReferences(config),
  );
  const setting = compileAgencyCodeSetting(config.agencyCodes);
  if ('problem' in setting) fail([...problems, setting.problem]);
  const codes = checkAgencyCodes(config, setting.policy);
  problems.push(...codes.problems);
  if (problems.length > 0) fail(problems);

  // Disabled agencies, endpoints and routes stay in the document (and its history), not in effect.
  const endpoints = new Map<string, EndpointConfig>();
  config.endpoints.forEach((endpoint, i) => {
    if (endpoint.disabled) return;
    const normalised = normaliseEndpoint(endpoint, original.endpoints[i]!.settings, config.defaults ?? {});
    const why = unavailable.get(i);
    endpoints.set(endpoint.id, why ? { ...normalised, settings: {}, unavailable: why } : normalised);
  });
  return deepFreeze({
    hub: { name: config.hub?.name ?? 'lienthong', ...(config.hub?.organId ? { organId: config.hub.organId } : {}) },
    agencies: new Map(config.agencies.filter((a) => !a.disabled).map((a) => [a.code, a])),
    endpoints,
    routes: config.routes.filter((r) => !r.disabled),
    apiKeys: config.apiKeys ?? [],
    // Fingerprints compare as lowercase hex without colons (what `certificateFacts` computes).
    clientCertificates: (config.clientCertificates ?? []).map((c) => (c.sha256 ? { ...c, sha256: c.sha256.replaceAll(':', '').toLowerCase() } : c)),
    signatures: { defaultPolicy: config.signatures?.defaultPolicy ?? 'report' },
    ...(config.dossiers ? { dossiers: { ...(config.dossiers.portal ? { portal: config.dossiers.portal } : {}), targets: config.dossiers.targets ?? [] } } : {}),
    agencyCodes: setting.policy,
    warnings: codes.warnings,
  });
}

/**
 * Unset variables in an endpoint's settings (`/endpoints/<i>/settings/…`), by endpoint index, apart
 * from the others.
 */
function splitBySettings(missing: readonly MissingVariable[]): { unavailable: Map<number, EndpointUnavailable>; rest: MissingVariable[] } {
  const variables = new Map<number, Set<string>>();
  const rest: MissingVariable[] = [];
  for (const m of missing) {
    const match = /^\/endpoints\/(\d+)\/settings(?:\/|$)/.exec(m.pointer);
    if (!match) {
      rest.push(m);
      continue;
    }
    const index = Number(match[1]);
    variables.set(index, (variables.get(index) ?? new Set()).add(m.variable));
  }
  const unavailable = new Map([...variables].map(([i, names]) => {
    const list = [...names].sort();
    const reason = `environment variable${list.length > 1 ? 's' : ''} ${list.join(', ')} ${list.length > 1 ? 'are' : 'is'} not set in this process`;
    return [i, { variables: list, reason }] as const;
  }));
  return { unavailable, rest };
}

// Nothing internal allowed: what a caller that names no guard gets.
const STRICT_GUARD = createOutboundGuard();

function fail(problems: string[]): never {
  throw hubError('HUB_ERR_CONFIG_INVALID', [problems.join('; ')], { problems });
}

function checkEndpoints(config: AuthoredConfig, { adapters, catalogue }: LoadHubConfigOptions): string[] {
  const problems: string[] = [];
  config.endpoints.forEach((endpoint, i) => {
    const adapter = (adapters as Record<string, Adapter<unknown> | undefined>)[endpoint.adapter];
    if (!adapter) {
      problems.push(`/endpoints/${i}/adapter unknown adapter "${endpoint.adapter}" (known: ${Object.keys(adapters).join(', ')})`);
      return;
    }
    const validate = catalogue.strict.getSchema(String(adapter.settingsSchema.$id)) ?? catalogue.strict.compile(adapter.settingsSchema);
    if (!validate(endpoint.settings)) problems.push(...formatAjvErrors(validate.errors, `/endpoints/${i}/settings`));
    problems.push(...checkPoll(endpoint.poll, adapter, `/endpoints/${i}/poll`));
  });
  return problems;
}

/** Shortest poll interval: a tighter clock only loads the remote system and the queue. */
const MIN_POLL_MS = 1_000;

/** A poll job needs the adapter operation it runs, and a sane interval. */
function checkPoll(poll: AuthoredPoll | undefined, adapter: Adapter<unknown>, pointer: string): string[] {
  if (!poll) return [];
  const problems: string[] = [];
  const needs = [
    ['receiveEvery', adapter.receive, 'has no receive loop'],
    ['directoryEvery', adapter.fetchDirectory, 'serves no agency directory'],
    ['resultsEvery', adapter.pollDossiers, 'has no dossier results to poll'],
  ] as const;
  for (const [key, operation, missing] of needs) {
    const every = poll[key];
    if (every === undefined) continue;
    if (!operation) problems.push(`${pointer}/${key} adapter "${adapter.id}" ${missing}`);
    else if (durationMs(every) < MIN_POLL_MS) problems.push(`${pointer}/${key} must be at least 1s`);
  }
  return problems;
}

function checkReferences(config: AuthoredConfig): string[] {
  const problems: string[] = [];
  const duplicates = (ids: string[], where: string): void => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) problems.push(`/${where}/${i} duplicates "${id}"`);
      seen.add(id);
    });
  };
  duplicates(config.agencies.map((a) => a.code), 'agencies');
  duplicates(config.endpoints.map((e) => e.id), 'endpoints');
  duplicates(config.routes.map((r) => r.id), 'routes');
  duplicates((config.apiKeys ?? []).map((k) => k.id), 'apiKeys');
  const endpointIds = new Set(config.endpoints.map((e) => e.id));
  const disabledEndpoints = new Set(config.endpoints.filter((e) => e.disabled).map((e) => e.id));
  const agencyCodes = new Set(config.agencies.map((a) => a.code));
  /** What an enabled agency or route may point at: an endpoint that exists and is enabled. */
  const endpointProblem = (id: string, pointer: string): void => {
    if (!endpointIds.has(id)) problems.push(`${pointer} unknown endpoint "${id}"`);
    else if (disabledEndpoints.has(id)) problems.push(`${pointer} endpoint "${id}" is disabled`);
  };
  config.agencies.forEach((a, i) => {
    if (a.endpoint && !a.disabled) endpointProblem(a.endpoint, `/agencies/${i}/endpoint`);
  });
  config.routes.forEach((r, i) => {
    if (!r.disabled) endpointProblem(r.endpoint, `/routes/${i}/endpoint`);
    for (const field of ['sender', 'recipient'] as const) {
      const code = r.match[field];
      if (code && !agencyCodes.has(code)) problems.push(`/routes/${i}/match/${field} unknown agency "${code}"`);
    }
  });
  (config.apiKeys ?? []).forEach((k, i) => {
    if (k.agency && !agencyCodes.has(k.agency)) problems.push(`/apiKeys/${i}/agency unknown agency "${k.agency}"`);
  });
  duplicates((config.clientCertificates ?? []).map((c) => c.id), 'clientCertificates');
  (config.clientCertificates ?? []).forEach((c, i) => {
    if (!agencyCodes.has(c.agency)) problems.push(`/clientCertificates/${i}/agency unknown agency "${c.agency}"`);
  });
  problems.push(...checkDossierReferences(config, agencyCodes));
  return problems;
}

/** The dossier portal and targets name endpoints of the right adapter and known agencies. */
function checkDossierReferences(config: AuthoredConfig, agencyCodes: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const adapterOf = new Map(config.endpoints.map((e) => [e.id, e.adapter]));
  const endpointOf = (endpoint: string, adapter: string, pointer: string): void => {
    const actual = adapterOf.get(endpoint);
    if (actual === undefined) problems.push(`${pointer}/endpoint unknown endpoint "${endpoint}"`);
    else if (config.endpoints.some((e) => e.id === endpoint && e.disabled)) problems.push(`${pointer}/endpoint endpoint "${endpoint}" is disabled`);
    else if (actual !== adapter) problems.push(`${pointer}/endpoint endpoint "${endpoint}" uses adapter "${actual}", not "${adapter}"`);
  };
  const agency = (code: string, pointer: string): void => {
    if (!agencyCodes.has(code)) problems.push(`${pointer} unknown agency "${code}"`);
  };
  const { portal, targets = [] } = config.dossiers ?? {};
  if (portal) {
    endpointOf(portal.endpoint, 'dvcqg', '/dossiers/portal');
    agency(portal.agency, '/dossiers/portal/agency');
  }
  targets.forEach((t, i) => {
    endpointOf(t.endpoint, t.system, `/dossiers/targets/${i}`);
    agency(t.agency, `/dossiers/targets/${i}/agency`);
    (t.submitters ?? []).forEach((code, j) => agency(code, `/dossiers/targets/${i}/submitters/${j}`));
  });
  return problems;
}

function normaliseEndpoint(endpoint: AuthoredEndpoint, authoredSettings: Record<string, unknown>, defaults: AuthoredEndpointPolicy): EndpointConfig {
  const retry = { ...defaults.retry, ...endpoint.retry };
  const breaker = { ...defaults.circuitBreaker, ...endpoint.circuitBreaker };
  const policy: RetryPolicy = {
    scheduleMs: retry.schedule ? retry.schedule.map(durationMs) : DEFAULT_RETRY.scheduleMs,
    jitter: retry.jitter ?? DEFAULT_RETRY.jitter,
    giveUpAfterMs: retry.giveUpAfter !== undefined ? durationMs(retry.giveUpAfter) : DEFAULT_RETRY.giveUpAfterMs,
  };
  const timeout = endpoint.timeout ?? defaults.timeout;
  const poll = endpoint.poll && {
    ...(endpoint.poll.receiveEvery !== undefined ? { receiveEveryMs: durationMs(endpoint.poll.receiveEvery) } : {}),
    ...(endpoint.poll.directoryEvery !== undefined ? { directoryEveryMs: durationMs(endpoint.poll.directoryEvery) } : {}),
    ...(endpoint.poll.resultsEvery !== undefined ? { resultsEveryMs: durationMs(endpoint.poll.resultsEvery) } : {}),
  };
  return {
    id: endpoint.id,
    adapter: endpoint.adapter as AdapterId,
    settings: endpoint.settings,
    authoredSettings,
    retry: policy,
    timeoutMs: timeout !== undefined ? durationMs(timeout) : DEFAULT_TIMEOUT_MS,
    maxConcurrency: endpoint.maxConcurrency ?? defaults.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    circuitBreaker: {
      failureThreshold: breaker.failureThreshold ?? DEFAULT_CIRCUIT_BREAKER.failureThreshold,
      openForMs: breaker.openFor !== undefined ? durationMs(breaker.openFor) : DEFAULT_CIRCUIT_BREAKER.openForMs,
    },
    ...(poll && Object.keys(poll).length > 0 ? { poll } : {}),
  };
}
