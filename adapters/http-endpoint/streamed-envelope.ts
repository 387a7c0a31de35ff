import { encodeBase64Stream } from '../../src/formats/edxml/base64-encode-stream.js';
import type { Message } from '../../src/domain/message.js';
import { attachmentHead, envelopeHead, readCheckedAttachment, type EnvelopeContext } from './delivery-envelope.js';

/**
 * The JSON envelope for `message` to `ctx.recipient` as a stream of exactly the bytes
 * `encodeDeliveryEnvelope(await buildDeliveryEnvelope(message, ctx))` gives, each attachment read
 * from the blob store and base64-encoded as it goes: a 50 MB attachment is never held whole, as
 * bytes, base64 or JSON text. `JSON.stringify` writes the fields in the order `envelopeHead` and
 * `attachmentHead` list them, `attachments` and `content` last, and leaves base64 unescaped, so the
 * JSON text is cut open there and the content streamed in. Fails like `buildDeliveryEnvelope`
 * (signal's reason, `AttachmentIntegrityError`, the blob store's error), after the bytes before it.
 */
export async function* streamDeliveryEnvelope(message: Message, ctx: EnvelopeContext): AsyncGenerator<Buffer> {
  const head = JSON.stringify(envelopeHead(message, ctx.recipient));
  yield Buffer.from(`${head.slice(0, -1)},"attachments":[`, 'utf8');
  for (const [i, meta] of message.attachments.entries()) {
    const fields = JSON.stringify(attachmentHead(meta));
    yield Buffer.from(`${i > 0 ? ',' : ''}${fields.slice(0, -1)},"content":"`, 'utf8');
    yield* encodeBase64Stream(readCheckedAttachment(meta, ctx));
    yield Buffer.from('"}', 'utf8');
  }
  yield Buffer.from(']}', 'utf8');
}
