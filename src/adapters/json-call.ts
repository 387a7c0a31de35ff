import type { Dispatcher } from 'undici';
import { callOnce, type BoundedCallResult, type BoundedRequest, type BoundedCallLimits, type NoAnswer, type UnreadableAnswer } from './bounded-call.js';

/** How a system's answers are read: into `A`, or `undefined` when a text is not one. */
export interface AnswerReader<A> {
  read(text: string): A | undefined;
  /** What a 2xx must be, named in the reason of one that is not (`an axis answer`, `JSON`). */
  expected: string;
}

/** What one call came to, its body read as the system's answer. */
export type JsonCallResult<A> =
  /** A 2xx whose body reads as an answer (which may still be a refusal). */
  | { kind: 'answer'; httpStatus: number; answer: A }
  /** Any other HTTP status; `answer` when its body read as one too. */
  | { kind: 'http-error'; httpStatus: number; excerpt: string; answer?: A; retryAfterMs?: number }
  /** A 2xx that is not an answer, broke off, or exceeds `maxResponseBytes`. */
  | UnreadableAnswer
  | NoAnswer;

// Characters of a body quoted: from a 2xx that is not an answer, and as an error's excerpt.
const NOT_AN_ANSWER_QUOTE = 200;
const EXCERPT_CHARS = 400;

/** {@link callOnce}, its answer read with `reader`. Never throws, never retries. */
export async function jsonCall<A>(dispatcher: Dispatcher, request: BoundedRequest, limits: BoundedCallLimits, reader: AnswerReader<A>): Promise<JsonCallResult<A>> {
  return readAnswerWith(await callOnce(dispatcher, request, limits), reader);
}

/** A call's result with its body read as an answer: a 2xx that does not read is `unreadable`. */
function readAnswerWith<A>(result: BoundedCallResult, reader: AnswerReader<A>): JsonCallResult<A> {
  switch (result.kind) {
    case 'answer': {
      const { httpStatus, text } = result;
      const answer = reader.read(text);
      return answer !== undefined
        ? { kind: 'answer', httpStatus, answer }
        : { kind: 'unreadable', httpStatus, tooLarge: false, reason: `HTTP ${httpStatus} answer is not ${reader.expected}: ${text.slice(0, NOT_AN_ANSWER_QUOTE)}` };
    }
    case 'http-error': {
      const answer = reader.read(result.text);
      return {
        kind: 'http-error',
        httpStatus: result.httpStatus,
        excerpt: result.text.slice(0, EXCERPT_CHARS),
        ...(answer !== undefined && { answer }),
        ...(result.retryAfterMs !== undefined && { retryAfterMs: result.retryAfterMs }),
      };
    }
    default:
      return result;
  }
}
