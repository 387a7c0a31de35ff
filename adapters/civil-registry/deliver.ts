import type { DeliveryContext, DeliveryOutcome } from '../../src/adapters/adapter-contract.js';
import { attemptSettings } from '../../src/adapters/attempt-settings.js';
import { raceAbort, startBudget, type CallBudget } from '../../src/adapters/call-budget.js';
import { duplicateClassifier } from '../../src/adapters/duplicate-phrases.js';
import { clipReason, errorText } from '../../src/adapters/reason-text.js';
import type { Dossier } from '../../src/domain/dossier.js';
import type { Message } from '../../src/domain/message.js';
import { DamagedAttachmentError, filesForRegistry } from './attachments.js';
import { authorizedPost, type CallerContext } from './authorized-call.js';
import { dangKyHoTichRequest, lgspServiceUrl, nhanDkhtRequest, registrationParts, registrationRemoteId, type RegistrationParts } from './registration-request.js';
import { resolveCivilRegistrySettings, type CivilRegistrySettings, type ResolvedCivilRegistrySettings } from './settings.js';
import { submissionOutcome } from './submission-outcome.js';

/**
 * One delivery attempt of a `submit` to the civil registry: reads the dossier, builds the variant's
 * request (btp `NhanDKHT` with the documents in base64; lgsp `dangKyHoTich` with the registration
 * as XML), sends it once with a bearer token (a refused token is renewed once, README.md) and
 * classifies the answer. Everything within `timeoutMs` and `ctx.signal`; always resolves.
 */
export async function deliverToCivilRegistry(message: Message, ctx: DeliveryContext<CivilRegistrySettings>): Promise<DeliveryOutcome> {
  const resolved = attemptSettings(ctx, resolveCivilRegistrySettings);
  if ('outcome' in resolved) return resolved.outcome;
  const { settings } = resolved;
  if (ctx.signal.aborted) return { kind: 'transient', reason: 'attempt aborted before sending' };
  if (message.kind !== 'dossier' || message.dossier?.op !== 'submit') {
    return { kind: 'permanent', reason: `the civil registry takes dossier submissions only, not ${message.kind}${message.dossier ? ` ${message.dossier.op}` : ''}` };
  }

  const budget = startBudget(ctx.signal, settings.timeoutMs);
  try {
    // 1. The dossier as the hub holds it now, and the registration it carries.
    const loaded = await loadParts(ctx, settings, budget);
    if ('kind' in loaded) return loaded;
    // 2. The variant's request (the btp one with the documents).
    const request = await buildRequest(message, ctx, settings, loaded, budget);
    if ('kind' in request) return request;
    // 3. Send it once and classify the answer.
    const caller: CallerContext = { endpointId: ctx.endpoint.id, settings, log: ctx.log, now: () => ctx.now() };
    const verdict = await authorizedPost(caller, budget, request.url, request.body);
    const outcome = submissionOutcome(verdict, {
      isDuplicate: duplicateClassifier(settings),
      transientErrorCodes: settings.transientErrorCodes,
      remoteId: registrationRemoteId(loaded),
    });
    if (outcome.kind !== 'delivered') ctx.log.debug({ adapter: 'civil-registry', deliveryId: ctx.deliveryId, reason: outcome.reason }, 'civil registry did not take the registration');
    return outcome;
  } finally {
    budget.end();
  }
}

async function loadParts(ctx: DeliveryContext<CivilRegistrySettings>, settings: ResolvedCivilRegistrySettings, budget: CallBudget): Promise<RegistrationParts | DeliveryOutcome> {
  let dossier: Dossier;
  try {
    dossier = await raceAbort(ctx.dossier(), budget.signal);
  } catch (err) {
    if (budget.signal.aborted) return stopped(budget, settings);
    ctx.log.error({ err, adapter: 'civil-registry', deliveryId: ctx.deliveryId }, 'could not read the dossier');
    return { kind: 'transient', reason: clipReason(`hub could not read the dossier: ${errorText(err)}`) };
  }
  const parts = registrationParts(dossier, settings);
  return typeof parts === 'string' ? { kind: 'permanent', reason: parts } : parts;
}

async function buildRequest(
  message: Message,
  ctx: DeliveryContext<CivilRegistrySettings>,
  settings: ResolvedCivilRegistrySettings,
  parts: RegistrationParts,
  budget: CallBudget,
): Promise<{ url: string; body: unknown } | DeliveryOutcome> {
  if (settings.variant === 'lgsp') {
    // The LGSP service takes no documents (§5.1): the registration alone, as XML.
    try {
      return { url: lgspServiceUrl(settings.baseUrl, 'dangKyHoTich'), body: dangKyHoTichRequest(parts) };
    } catch (err) {
      // A character XML 1.0 cannot carry (U+0001–U+001F other than tab and line breaks, U+FFFE …) in
      // a field: the same payload fails the same way on every attempt.
      return { kind: 'permanent', reason: clipReason(`the registration cannot be written as XML: ${errorText(err)}`) };
    }
  }
  try {
    const files = await raceAbort(filesForRegistry(message.attachments, ctx, budget.signal), budget.signal);
    return { url: settings.nhanDkhtUrl, body: nhanDkhtRequest(parts, files) };
  } catch (err) {
    if (budget.signal.aborted) return stopped(budget, settings);
    if (err instanceof DamagedAttachmentError) return { kind: 'permanent', reason: err.message };
    ctx.log.error({ err, adapter: 'civil-registry', deliveryId: ctx.deliveryId }, 'could not read an attachment');
    return { kind: 'transient', reason: clipReason(`hub could not read an attachment: ${errorText(err)}`) };
  }
}

function stopped(budget: CallBudget, settings: ResolvedCivilRegistrySettings): DeliveryOutcome {
  return { kind: 'transient', reason: budget.cause() === 'timeout' ? `timed out after ${settings.timeoutMs} ms` : 'attempt aborted' };
}
