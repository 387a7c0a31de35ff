import type { AdapterId } from '../adapters/adapter-contract.js';
import type { AgencyCodePolicy } from '../domain/agency-code-policy.js';
import type { DossierSystem } from '../domain/dossier.js';
import type { MessageKind } from '../domain/message.js';
import type { SignaturePolicy } from '../formats/xmldsig/index.js';

/** When to try a delivery again, in milliseconds (normalised from `schemas/retry-policy.json`). */
export interface RetryPolicy {
  /** Delay before attempt n+1 is `scheduleMs[n]`; its length is the number of attempts. */
  scheduleMs: readonly number[];
  /** ±fraction of random spread per delay. */
  jitter: number;
  giveUpAfterMs: number;
}

export interface CircuitBreakerPolicy {
  failureThreshold: number;
  openForMs: number;
}

export interface EndpointConfig {
  id: string;
  adapter: AdapterId;
  /** Settings with `${ENV}` placeholders resolved: never log or store these. */
  settings: Readonly<Record<string, unknown>>;
  /** Settings as authored (placeholders kept): safe to store; mask secret keys before showing. */
  authoredSettings: Readonly<Record<string, unknown>>;
  retry: RetryPolicy;
  timeoutMs: number;
  maxConcurrency: number;
  circuitBreaker: CircuitBreakerPolicy;
  /** Clocked work for a system the hub must poll (absent: none). Each interval ≥ 1 s. */
  poll?: PollPolicy;
  /**
   * Present when this process cannot use the endpoint: its settings need environment variables this
   * process does not have (the revision was valid where it was written). `settings` is then empty;
   * deliveries to it are transient failures here (another process may have the variables).
   */
  unavailable?: EndpointUnavailable;
}

/** Why an endpoint in effect cannot be used by this process. Names variables, never values. */
export interface EndpointUnavailable {
  /** The unset environment variables its settings name, each once. */
  variables: readonly string[];
  /** One line for logs, attempt rows and the operator: `environment variable TOKEN_X is not set in this process`. */
  reason: string;
}

/** How often the workers poll an endpoint's system (normalised from the endpoint's `poll`). */
export interface PollPolicy {
  /** Receive loop (adapter `receive`) every this many milliseconds. */
  receiveEveryMs?: number;
  /** Directory sync (adapter `fetchDirectory`) every this many milliseconds. */
  directoryEveryMs?: number;
  /** Dossier result polling (adapter `pollDossiers`) every this many milliseconds. */
  resultsEveryMs?: number;
}

/** Where a one-stop agency's dossiers for one target system go. */
export interface DossierTarget {
  system: DossierSystem;
  endpoint: string;
  /** The agency that runs the system (the submission's recipient). */
  agency: string;
  /** One-stop agencies served; absent: every one. */
  submitters?: readonly string[];
}

/** The `dossiers` section: targets (first match per system and submitter) and the portal kept in sync. */
export interface DossierConfig {
  portal?: { endpoint: string; agency: string };
  targets: readonly DossierTarget[];
}

export interface AgencyConfig {
  code: string;
  name: string;
  codeQd20?: string;
  endpoint?: string;
  /** In the document, not in effect (parseHubConfig leaves it out). */
  disabled?: boolean;
}

export interface RouteMatch {
  sender?: string;
  recipient?: string;
  kind?: MessageKind;
  documentType?: string;
}

export interface RouteConfig {
  id: string;
  match: RouteMatch;
  endpoint: string;
  /** What incoming edXML on this route needs by way of XML signature (default: `signatures.defaultPolicy`). */
  signaturePolicy?: SignaturePolicy;
  /** In the document, not in effect (parseHubConfig leaves it out). */
  disabled?: boolean;
}

export interface ConfiguredApiKey {
  id: string;
  sha256: string;
  agency?: string;
  role?: 'admin' | 'operator' | 'auditor';
  label?: string;
}

/**
 * A client certificate (mTLS) that authenticates as an agency: pinned by SHA-256 fingerprint
 * (lowercase hex, no colons, once loaded), or matched by subject and issuer DN.
 */
export interface ConfiguredClientCertificate {
  id: string;
  agency: string;
  sha256?: string;
  subject?: string;
  issuer?: string;
  label?: string;
}

/** The loaded, validated, frozen hub configuration. */
export interface HubConfig {
  hub: { name: string; organId?: string };
  agencies: ReadonlyMap<string, AgencyConfig>;
  endpoints: ReadonlyMap<string, EndpointConfig>;
  routes: readonly RouteConfig[];
  apiKeys: readonly ConfiguredApiKey[];
  /** Client certificates mapped to agencies (mTLS senders); empty when none is configured. */
  clientCertificates: readonly ConfiguredClientCertificate[];
  /** Verification of incoming XML signatures: the policy where no matching route sets one (default `report`). */
  signatures: { defaultPolicy: SignaturePolicy };
  /** Administrative-procedure dossiers (absent: the hub takes none). */
  dossiers?: DossierConfig;
  /** The `agencyCodes` setting (mode and QCVN 102 pattern), compiled; default mode `warn`. */
  agencyCodes: AgencyCodePolicy;
  /**
   * What the pipeline accepted but the operator should see, each with its JSON pointer, e.g. agency
   * codes that fail their check in `warn` mode: for the process to log at boot.
   */
  warnings: readonly string[];
}

/** Retry defaults in the spirit of the national axis practice: 0 s, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  scheduleMs: Object.freeze([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]),
  jitter: 0.2,
  giveUpAfterMs: 48 * 3_600_000,
});

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_CONCURRENCY = 16;
export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerPolicy = Object.freeze({ failureThreshold: 5, openForMs: 30_000 });
