import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DispatcherPools } from '../../../src/adapters/dispatcher-pools.js';
import { failureVerdict } from '../../../src/adapters/http-failure.js';
import { networkError } from '../../../src/adapters/bounded-call.js';
import { parseOutboundAllowance } from '../../../src/net/outbound-allowance.js';
import { createOutboundGuard } from '../../../src/net/outbound-guard.js';
import { installOutboundGuard } from '../../../src/net/outbound-policy.js';

const install = (allow?: string) => installOutboundGuard(createOutboundGuard(parseOutboundAllowance(allow)));

describe('adapter connections go through the outbound guard', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  const pools = new DispatcherPools();
  beforeAll(async () => {
    server = createServer((_req, res) => { hits += 1; res.end('ok'); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await pools.close(); // new connections (and new pools) for the next case
  });
  afterAll(async () => {
    install(); // leave the strict default
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const post = async (origin: string): Promise<{ ok: true; body: string } | { ok: false; code?: string; message: string }> => {
    try {
      const response = await pools.poolFor(origin, 1).request({ method: 'POST', path: '/', body: 'x' });
      return { ok: true, body: await response.body.text() };
    } catch (err) {
      return { ok: false, code: (err as { code?: string }).code, message: (err as Error).message };
    }
  };

  it('refuses a literal loopback address before connecting, as a permanent failure', async () => {
    install();
    const before = hits;
    const result = await post(`http://127.0.0.1:${port}`);
    expect(result).toMatchObject({ ok: false, code: 'ERR_OUTBOUND_REFUSED', message: expect.stringMatching(/127\.0\.0\.1 \(loopback\) is refused unless LIENTHONG_OUTBOUND_ALLOW/) });
    expect(hits).toBe(before);
    const verdict = failureVerdict(networkError(Object.assign(new Error((result as { message: string }).message), { code: 'ERR_OUTBOUND_REFUSED' })));
    expect(verdict.kind).toBe('permanent');
  });

  it('refuses a host name that resolves only to refused addresses (judged after the lookup: DNS rebinding)', async () => {
    install();
    const before = hits;
    const result = await post(`http://localhost:${port}`);
    expect(result).toMatchObject({ ok: false, code: 'ERR_OUTBOUND_REFUSED', message: expect.stringMatching(/localhost refused by the hub: it resolves to .*loopback/) });
    expect(hits).toBe(before);
  });

  it('connects when the allowance covers the address, or names the host', async () => {
    install('127.0.0.0/8');
    expect(await post(`http://127.0.0.1:${port}`)).toEqual({ ok: true, body: 'ok' });
    expect(await post(`http://localhost:${port}`)).toEqual({ ok: true, body: 'ok' });
    await pools.close();
    install('localhost');
    expect(await post(`http://localhost:${port}`)).toEqual({ ok: true, body: 'ok' });
    expect(await post(`http://127.0.0.1:${port}`)).toMatchObject({ ok: false, code: 'ERR_OUTBOUND_REFUSED' });
  });

  it('judges every new connection by the guard in effect then', async () => {
    install('127.0.0.0/8');
    expect(await post(`http://127.0.0.1:${port}`)).toMatchObject({ ok: true });
    await pools.close();
    install();
    expect(await post(`http://127.0.0.1:${port}`)).toMatchObject({ ok: false, code: 'ERR_OUTBOUND_REFUSED' });
  });
});
