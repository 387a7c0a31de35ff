import type { DeliveryOutcome } from './adapter-contract.js';

/** Longest remote id the hub keeps, in characters: systems' ids are far shorter; this bounds a hostile one. */
export const REMOTE_ID_CHARS = 256;
/** Longest reason or detail the hub keeps, in characters: adapters clip theirs to a few hundred; this bounds a careless one. */
export const OUTCOME_TEXT_CHARS = 2_000;

/**
 * An outcome as the hub can store it. Its texts may quote what a remote system answered, and
 * PostgreSQL (and PGlite) refuse U+0000 in text and jsonb, and an unpaired surrogate in jsonb: a
 * refused outcome write leaves the delivery `sending`, and the queue sends it again and again. Runs of
 * control characters become one space, as in `clipReason`, unpaired surrogates U+FFFD; each text is
 * trimmed and bounded, and an id or detail left empty is dropped.
 */
export function storableOutcome(outcome: DeliveryOutcome): DeliveryOutcome {
  switch (outcome.kind) {
    case 'delivered': {
      const { remoteId, detail, ...rest } = outcome;
      const id = remoteId === undefined ? '' : storableLine(remoteId, REMOTE_ID_CHARS);
      const said = detail === undefined ? '' : storableLine(detail, OUTCOME_TEXT_CHARS);
      return { ...rest, ...(id ? { remoteId: id } : {}), ...(said ? { detail: said } : {}) };
    }
    case 'transient':
    case 'permanent':
      return { ...outcome, reason: storableLine(outcome.reason, OUTCOME_TEXT_CHARS) };
    default: {
      const never: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(never)}`);
    }
  }
}

/** One line, bounded, and well-formed (last: the cut may have split a surrogate pair). */
function storableLine(text: string, maxChars: number): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  const bounded = line.length > maxChars ? `${line.slice(0, maxChars)}…` : line;
  return (bounded as string & { toWellFormed(): string }).toWellFormed();
}
