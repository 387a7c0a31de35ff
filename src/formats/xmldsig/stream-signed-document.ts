import type { EnvelopedSigningInput } from './sign-enveloped.js';

/**
 * The signed document as a stream: `beforeSignature`, then `signatureXml` (from `signEnveloped`), then
 * a fresh pass over `afterSignature`. Wrap it in `Readable.from()` where a Node stream is wanted.
 */
export async function* streamSignedDocument(input: EnvelopedSigningInput, signatureXml: string): AsyncGenerator<Buffer, void, undefined> {
  yield Buffer.from(input.beforeSignature + signatureXml, 'utf8');
  yield* input.afterSignature();
}
