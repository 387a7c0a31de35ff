import { request } from 'undici';

/** Limits of one CRL download or OCSP exchange. */
export interface FetchLimits {
  /** Whole exchange, connection to last byte, ms. */
  timeoutMs: number;
  /** Largest body accepted, bytes. */
  maxBytes: number;
}

export interface FetchBoundedRequest {
  url: string;
  method?: 'GET' | 'POST';
  body?: Uint8Array;
  contentType?: string;
}

/**
 * One HTTP exchange with a hard deadline and a body size cap (undici). Resolves to the body of a 2xx
 * answer; anything else (status, timeout, oversized body, connection error) rejects with a message fit
 * for the verification record.
 */
export async function fetchBounded(req: FetchBoundedRequest, limits: FetchLimits): Promise<Buffer> {
  if (!/^https?:\/\//i.test(req.url)) throw new Error(`${req.url}: only http and https URLs are fetched`);
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const response = await request(req.url, {
      method: req.method ?? 'GET',
      signal,
      headersTimeout: limits.timeoutMs,
      bodyTimeout: limits.timeoutMs,
      ...(req.body ? { body: req.body } : {}),
      ...(req.contentType ? { headers: { 'content-type': req.contentType } } : {}),
    });
    if (response.statusCode < 200 || response.statusCode > 299) {
      await response.body.dump();
      throw new Error(`${req.url} answered HTTP ${response.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > limits.maxBytes) {
        response.body.destroy();
        throw new Error(`${req.url} sent more than ${limits.maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  } catch (err) {
    if (signal.aborted) throw new Error(`${req.url} did not answer within ${limits.timeoutMs} ms`);
    throw err instanceof Error && err.message.startsWith(req.url) ? err : new Error(`${req.url}: ${(err as Error).message}`);
  }
}
