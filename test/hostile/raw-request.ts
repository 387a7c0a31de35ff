import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';

/** What the hub answered. */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON, or its text when it is not JSON. */
  json: any;
}

export interface RawRequest {
  method?: string;
  path: string;
  /** Sent exactly as given: no content type or length is added (a `Buffer` body gets its length). */
  headers?: Record<string, string>;
  /** A buffer (sent with its Content-Length), or chunks sent with chunked transfer encoding. */
  body?: Buffer | (() => AsyncIterable<Buffer>);
  timeoutMs?: number;
}

/**
 * One request on its own connection, for bodies `fetch` will not send or cannot stop sending: the
 * answer is taken as soon as it arrives, also while the body is still being written (the hub
 * answers a refused stream early and closes the connection), and a write failing after that is
 * ignored. Rejects when no answer came.
 */
export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers = { ...req.headers, ...(Buffer.isBuffer(req.body) ? { 'content-length': String(req.body.length) } : {}) };
    const client = httpRequest(`${baseUrl}${req.path}`, { method: req.method ?? 'POST', headers, agent: false, timeout: req.timeoutMs ?? 60_000 });
    client.on('timeout', () => client.destroy(new Error(`no answer within ${req.timeoutMs ?? 60_000} ms`)));
    client.on('error', (err) => {
      if (!answered) reject(err);
    });
    client.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = text;
        try { json = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        client.destroy();
      });
    });
    if (req.body === undefined) {
      client.end();
    } else if (Buffer.isBuffer(req.body)) {
      client.end(req.body);
    } else {
      const chunks = req.body();
      void (async () => {
        try {
          for await (const chunk of chunks) {
            if (answered || client.destroyed) return;
            if (!client.write(chunk)) await drainedOrClosed(client);
          }
          if (!answered && !client.destroyed) client.end();
        } catch {
          // the connection went away while writing: the answer (or its absence) decides
        }
      })();
    }
  });
}

/** `total` bytes in chunks of `chunkSize` taken from `source` (repeated): a body generated as it is sent. */
export function chunksOf(source: Buffer, total: number, chunkSize = 64 * 1024): () => AsyncIterable<Buffer> {
  return async function* () {
    let sent = 0;
    while (sent < total) {
      const n = Math.min(chunkSize, total - sent);
      const offset = sent % Math.max(1, source.length - n);
      yield source.subarray(offset, offset + n);
      sent += n;
    }
  };
}

/** Resolves at the request's next `drain` or its `close`, whichever comes first, leaving no listener behind. */
function drainedOrClosed(client: ClientRequest): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      client.off('drain', done);
      client.off('close', done);
      resolve();
    };
    client.once('drain', done);
    client.once('close', done);
  });
}
