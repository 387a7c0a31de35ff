/**
 * What the parser knows about an attachment when its payload starts. The fields are those of the
 * `Attachment` children seen *before* `ContentTransferEncoded` (all of them in vendor packets,
 * where the payload comes last); a field written after the payload is undefined here.
 */
export interface AttachmentSinkMeta {
  /** 0-based position among the packet's attachments. */
  index: number;
  contentId?: string;
  attachmentName?: string;
  contentType?: string;
}

/**
 * Receives one attachment's payload: the base64-decoded bytes exactly as carried on the wire, in
 * order, in pieces of well under 128 KiB. The parser awaits each `write`, so a sink that spools to a
 * file or a blob store gets back-pressure for free.
 *
 * The sink never sees unzipped bytes. "ZIP single entry, else raw" (docs/domain-vn.md §1.5) needs
 * the whole payload (the entry count lives in the ZIP's central directory, at its end), so it is a
 * second step after the parse: see `resolveAttachmentContent`. The parser itself computes the
 * payload's size and SHA-256 whatever the sink does.
 *
 * @typeParam R what the sink hands back (a blob key, a file path, the bytes …).
 */
export interface AttachmentSink<R> {
  write(chunk: Uint8Array): void | Promise<void>;
  /** After the last chunk; its result lands in `ParsedEdxml.attachmentResults`. */
  end(): R | Promise<R>;
  /** The parse failed after this sink was opened: drop whatever was stored. */
  abort?(reason: Error): void | Promise<void>;
}

/** Opens a sink for each attachment payload, in document order. */
export type AttachmentSinkFactory<R> = (meta: AttachmentSinkMeta) => AttachmentSink<R>;

/** The default sink: collects the payload in memory. For small packets and tests. */
export function memorySink(): AttachmentSink<Buffer> {
  const chunks: Uint8Array[] = [];
  return {
    write(chunk) {
      chunks.push(chunk);
    },
    end() {
      return Buffer.concat(chunks);
    },
  };
}
