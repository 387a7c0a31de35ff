import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { documentBody } from '../../helpers/test-hub.js';

/** One document the load generator sends, and what became of it. */
export interface SentDocument {
  /** The Idempotency-Key, fixed for every try of this document. */
  key: string;
  recipients: string[];
  /** The hub's message id, once a try was answered 202 (or 409 naming the stored message). */
  id?: string;
  /** Client clock, ms: first try, and the answer that settled it. */
  firstTryAt: number;
  acceptedAt?: number;
  tries: number;
  /** The tries that did not settle it: HTTP status (0 = no answer: connection refused or cut) and error code. */
  refusals: { status: number; code?: string }[];
}

export interface LoadOptions {
  /** The API's base URL (read before every try: a restarted API may be elsewhere). */
  url: () => string;
  apiKey: string;
  sender: string;
  total: number;
  /** Documents started per second (open loop); tries of a document that was not accepted are retried with backoff. */
  rate: number;
  recipients: (i: number) => string[];
  /** Give up on a document after this long (the scenario then fails: an accepted document is never given up). */
  patienceMs?: number;
}

export interface LoadRun {
  documents: SentDocument[];
  /** Resolves when every document was accepted (or its patience ran out). */
  done: Promise<void>;
  /** Documents accepted so far. */
  accepted(): number;
}

/**
 * Sends `total` documents at `rate` per second, each with an Idempotency-Key of its own, retrying
 * every try that got no answer or a 5xx — the same body under the same key, as a careful agency
 * system does — until it is accepted. A 409 HUB_ERR_DUPLICATE by this idempotency key, naming the
 * stored message, is the hub saying an earlier try did go through.
 */
export function driveLoad(o: LoadOptions): LoadRun {
  const documents: SentDocument[] = [];
  let accepted = 0;
  const patience = o.patienceMs ?? 120_000;
  const sendOne = async (i: number): Promise<void> => {
    const body = JSON.stringify(documentBody(o.sender, o.recipients(i)));
    const doc: SentDocument = { key: randomUUID(), recipients: o.recipients(i), firstTryAt: Date.now(), tries: 0, refusals: [] };
    documents.push(doc);
    for (let backoff = 50; Date.now() - doc.firstTryAt < patience; backoff = Math.min(backoff * 2, 1_000)) {
      doc.tries += 1;
      let status = 0;
      let code: string | undefined;
      try {
        const response = await fetch(`${o.url()}/v1/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json', 'idempotency-key': doc.key },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        status = response.status;
        const answer = (await response.json().catch(() => ({}))) as { id?: string; code?: string; details?: { messageId?: string; by?: string } };
        code = answer.code;
        if (status === 202 && answer.id) doc.id = answer.id;
        // Only a duplicate of this document's own key is an earlier try of it; another document's is a refusal.
        else if (status === 409 && answer.code === 'HUB_ERR_DUPLICATE' && answer.details?.by === 'idempotency-key' && answer.details.messageId) doc.id = answer.details.messageId;
        else if (status < 500) throw new Error(`document ${i} refused for good: ${status} ${JSON.stringify(answer)}`);
      } catch (err) {
        if (status >= 400 && status < 500) throw err;
        // No answer: say why (refused, reset, timed out) in place of a code.
        if (status === 0) code = String((err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).name);
      }
      if (doc.id) {
        doc.acceptedAt = Date.now();
        accepted += 1;
        return;
      }
      doc.refusals.push(code ? { status, code } : { status });
      await sleep(backoff);
    }
  };
  const done = (async () => {
    const t0 = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < o.total; i++) {
      const due = t0 + (i * 1000) / o.rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      inFlight.push(sendOne(i));
    }
    await Promise.all(inFlight);
  })();
  return { documents, done, accepted: () => accepted };
}

/** How the tries that were not accepted were answered: `"<status> <code>"` → count. */
export function refusalsOf(documents: SentDocument[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of documents) for (const r of d.refusals) {
    const key = `${r.status}${r.code ? ` ${r.code}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Resolves once `n` documents were accepted. */
export async function whenAccepted(run: LoadRun, n: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (run.accepted() < n) {
    if (Date.now() > deadline) throw new Error(`only ${run.accepted()} of ${n} documents accepted within ${timeoutMs} ms`);
    await sleep(20);
  }
}
