import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** A file part's name, media type and bytes (a fresh stream per call). */
export interface MultipartFile {
  name: string;
  contentType: string;
  open(): Readable;
}

/**
 * A `multipart/form-data` body as `POST /v1/messages` takes it: the `message` field (the document's
 * JSON, first), then one part per file, each streamed as it is read (the body is never held whole).
 */
export function multipartDocument(message: unknown, files: readonly MultipartFile[]): { contentType: string; open(): Readable } {
  const boundary = `----lienthong-bench-${randomBytes(12).toString('hex')}`;
  const text = (s: string): Buffer => Buffer.from(s, 'utf8');
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    open: () => Readable.from((async function* () {
      // No Content-Type on the field: @fastify/multipart would hand the route a parsed object for
      // `application/json`, and the route reads the field as text (a 400; reported as a hub issue).
      yield text(`--${boundary}\r\nContent-Disposition: form-data; name="message"\r\n\r\n${JSON.stringify(message)}\r\n`);
      for (const file of files) {
        yield text(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.contentType}\r\n\r\n`);
        yield* file.open();
        yield text('\r\n');
      }
      yield text(`--${boundary}--\r\n`);
    })()),
  };
}
