import { startBudget } from '../../src/adapters/call-budget.js';
import { asText } from '../../src/adapters/json-values.js';
import type { DossierStatus } from '../../src/domain/dossier.js';
import { resultItems } from './portal-answer.js';
import { PortalConversation } from './portal-conversation.js';
import { statusFromPortal } from './portal-status.js';
import { answerRules } from './portal-verdict.js';
import { sessionKey } from './session-cache.js';
import { resolveDvcqgSettings, type DvcqgSettings } from './settings.js';

/** What the portal says of one dossier number. */
export type DossierLookup =
  /** `message` quotes a refusal of the look-up, which reads as "not found" (as OpenCPS reads it). */
  | { found: false; message?: string }
  | {
      found: true;
      /** The hub state the portal's status maps to; absent for `interoperating`, `posting`, unknown values. */
      status?: DossierStatus;
      /** The portal's own status value (`lookupStatusField` of the first result item). */
      portalStatus?: string;
      /** The first result item as the portal returned it. */
      item: Record<string, unknown>;
    };

export interface LookupOptions {
  signal?: AbortSignal;
  /** Shares the session cache of this endpoint's deliveries. */
  endpointId?: string;
  now?: () => Date;
}

/** The portal could not answer a look-up; `transient` when asking again later may succeed. */
export class DvcqgLookupError extends Error {
  readonly code = 'DVCQG_LOOKUP_FAILED';
  constructor(
    readonly transient: boolean,
    reason: string,
    readonly httpStatus?: number,
  ) {
    super(`TraCuuHoSo failed (${transient ? 'transient' : 'permanent'}): ${reason}`);
    this.name = 'DvcqgLookupError';
  }
}

/**
 * `TraCuuHoSo` for `mahoso` (docs/domain-vn.md §4.2), in the endpoint's session (logging in, and
 * once more if the portal says the session expired), within `timeoutMs`. Found = a non-empty
 * `result`; its status is read from `lookupStatusField` and mapped onto the hub's states
 * (`statusFromPortal`). Throws {@link DvcqgLookupError} when the portal cannot answer.
 */
export async function lookupDossier(settings: DvcqgSettings, mahoso: string, options: LookupOptions = {}): Promise<DossierLookup> {
  const resolved = resolveDvcqgSettings(settings);
  const budget = startBudget(options.signal ?? new AbortController().signal, resolved.timeoutMs);
  try {
    const conversation = new PortalConversation({
      settings: resolved,
      rules: answerRules(resolved),
      sessionKey: sessionKey(options.endpointId ?? '', resolved),
      budget,
      now: options.now ?? (() => new Date()),
    });
    const verdict = await conversation.call({ service: 'TraCuuHoSo', mahoso });
    switch (verdict.kind) {
      case 'ok': {
        const item = resultItems(verdict.answer)?.[0];
        if (!item) return { found: false };
        const portalStatus = asText(item[resolved.lookupStatusField]);
        const status = statusFromPortal(item[resolved.lookupStatusField], resolved.portalStatuses);
        return { found: true, item, ...(portalStatus !== undefined && { portalStatus }), ...(status !== undefined && { status }) };
      }
      case 'refused':
        return { found: false, message: verdict.answer.message };
      case 'transient':
      case 'permanent':
        throw new DvcqgLookupError(verdict.kind === 'transient', verdict.reason, verdict.httpStatus);
      default: {
        const unknown: never = verdict;
        throw new Error(`Unknown verdict ${JSON.stringify(unknown)}`);
      }
    }
  } finally {
    budget.end();
  }
}
