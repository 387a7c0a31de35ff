import { createHash } from 'node:crypto';
import type { DeliveryContext } from '../../src/adapters/adapter-contract.js';
import type { AttachmentMeta } from '../../src/domain/message.js';

/** A document as `NhanDKHT` takes it in `fileDinhKem[]` (docs/domain-vn.md §5.2; field types as S3 sends them). */
export interface FileDinhKem {
  /** A number unique within the request: the attachment's position, from 1. */
  id: number;
  /** Kind of paper; S3 sends 1 for every file it forwards, and the hub does too. */
  loaiGiayTo: number;
  /** Name of the paper (tên giấy tờ): the attachment's description, else its file name. */
  tenGiayTo: string;
  /** File name (tên tệp đính kèm). */
  tenTepDinhKem: string;
  /** 0 = valid (1 would mark a cancelled paper, which the hub never sends). */
  huyGiayTo: 0;
  /** The bytes, base64. */
  duLieuTepDinhKem: string;
}

/** A blob whose bytes do not match its recorded SHA-256 or size: the same on every attempt. */
export class DamagedAttachmentError extends Error {
  constructor(readonly attachment: AttachmentMeta) {
    super(`attachment ${attachment.index} (${attachment.name}) does not match its recorded digest or size`);
    this.name = 'DamagedAttachmentError';
  }
}

/**
 * Reads every attachment of the message from the blob store, checks it against its recorded
 * SHA-256 and size, and encodes it for `fileDinhKem`. The whole request is one JSON body, so the
 * bytes are held in memory: civil-registry papers are scans of a few hundred kilobytes.
 */
export async function filesForRegistry(attachments: readonly AttachmentMeta[], ctx: Pick<DeliveryContext<unknown>, 'openAttachment'>, signal: AbortSignal): Promise<FileDinhKem[]> {
  const files: FileDinhKem[] = [];
  for (const [position, meta] of [...attachments].sort((a, b) => a.index - b.index).entries()) {
    const bytes = await readChecked(meta, ctx, signal);
    files.push({
      id: position + 1,
      loaiGiayTo: 1,
      tenGiayTo: meta.description?.trim() || meta.name,
      tenTepDinhKem: meta.name,
      huyGiayTo: 0,
      duLieuTepDinhKem: bytes.toString('base64'),
    });
  }
  return files;
}

async function readChecked(meta: AttachmentMeta, ctx: Pick<DeliveryContext<unknown>, 'openAttachment'>, signal: AbortSignal): Promise<Buffer> {
  signal.throwIfAborted();
  const stream = ctx.openAttachment(meta.sha256);
  const onAbort = (): void => {
    stream.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      hash.update(buffer);
      chunks.push(buffer);
      size += buffer.length;
      if (size > meta.size) throw new DamagedAttachmentError(meta);
    }
    if (size !== meta.size || hash.digest('hex') !== meta.sha256) throw new DamagedAttachmentError(meta);
    return Buffer.concat(chunks, size);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
