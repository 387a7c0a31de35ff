import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got. */
export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  /** The exact bytes, as the signature covers them. */
  body: Buffer;
  json: any;
  /** The status the receiver answered with. */
  status: number;
  at: Date;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  /** Answer the next `count` requests with `status` (then 204 again). */
  failNext(count: number, status: number): void;
  /** The received hooks of one alert kind, answered 2xx. */
  alerts(name: string): ReceivedHook[];
  close(): Promise<void>;
}

/** A small webhook endpoint for tests: records every request, answers 204 unless told to fail. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 503 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: unknown;
      try { json = JSON.parse(body.toString('utf8')); } catch { json = undefined; }
      const status = failures.count > 0 ? failures.status : 204;
      if (failures.count > 0) failures = { ...failures, count: failures.count - 1 };
      received.push({ path: req.url ?? '', headers: req.headers, body, json, status, at: new Date() });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failNext(count, status) { failures = { count, status }; },
    alerts: (name) => received.filter((r) => r.status < 300 && r.json?.alert === name),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
