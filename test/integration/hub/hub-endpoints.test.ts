import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificatesFromPem } from '../../../src/crypto/hub-keys.js';
import { verifyJwsSignature } from '../../../src/crypto/jws.js';
import { verifyReceipt } from '../../../src/crypto/verify-receipt.js';
import { quiesce, send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';

/** The value of one Prometheus sample (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return 0;
}

describe.each(STORES)('hub endpoints: certificate, health, readiness, metrics, OpenAPI (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the certificate chain (no key needed) whose leaf verifies receipts', async () => {
    const response = await fetch(`${t.url}/v1/hub/certificate`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-pem-file');
    const pem = await response.text();
    const chain = certificatesFromPem(pem);
    expect(chain).toHaveLength(2);
    expect(chain[0]!.raw.equals(new X509Certificate(t.pki.hubCertPem).raw)).toBe(true);
    expect(chain[0]!.checkIssued(chain[1]!)).toBe(true);

    const accepted = await t.call('POST', '/v1/messages', { key: t.keys.g22, body: documentBody(G22, [H41]) });
    expect(verifyJwsSignature(accepted.json.receipt, chain[0]!.publicKey).payload).toMatchObject({ event: 'accepted', messageId: accepted.json.id });
    // The served chain's root is all a verifier needs as its trust anchor.
    expect(verifyReceipt(accepted.json.receipt, { trustAnchorsPem: chain[1]!.toString(), now: new Date() }).leaf.raw.equals(chain[0]!.raw)).toBe(true);
    // A receipt whose payload was altered no longer verifies.
    const [h, p, s] = accepted.json.receipt.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), recipients: ['000.00.00.H14'] })).toString('base64url');
    expect(() => verifyJwsSignature(`${h}.${forged}.${s}`, chain[0]!.publicKey)).toThrow();
  });

  it('marks every answer nosniff, and keeps the API\'s answers, refusals included, out of caches', async () => {
    const [api, refused, health] = await Promise.all([
      fetch(`${t.url}/v1/inbox`, { headers: { authorization: `Bearer ${t.keys.h41}` } }),
      fetch(`${t.url}/v1/inbox`),
      fetch(`${t.url}/healthz`),
    ]);
    expect([api.status, refused.status, health.status]).toEqual([200, 401, 200]);
    for (const r of [api, refused, health]) expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect([api.headers.get('cache-control'), refused.headers.get('cache-control')]).toEqual(['no-store', 'no-store']);
    expect(health.headers.get('cache-control')).toBeNull();
  });

  it('answers /healthz and /readyz (database, redis and the audit log ok) without a key', async () => {
    const health = await t.call('GET', '/healthz');
    expect(health).toMatchObject({ status: 200, json: { status: 'ok' } });
    const ready = await t.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok', audit: 'ok' } });
  });

  it('exposes Prometheus metrics whose counters go up with traffic', async () => {
    const read = async () => {
      const r = await fetch(`${t.url}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/plain');
      return r.text();
    };
    await quiesce(t); // earlier tests' deliveries must not land inside the window
    const before = await read();
    expect(before).toContain('# TYPE lienthong_messages_accepted_total counter');
    const accepted = sample(before, 'lienthong_messages_accepted_total', { kind: 'document' });
    const delivered = sample(before, 'lienthong_deliveries_finished_total', { endpoint: 'h41', state: 'delivered' });

    const ids = [await send(t, t.keys.g22, documentBody(G22, [H41])), await send(t, t.keys.g22, documentBody(G22, [H41]))];
    for (const id of ids) await viewWhen(t, id, t.keys.g22, (v) => v.deliveries[0].state === 'delivered');
    const after = await read();
    expect(sample(after, 'lienthong_messages_accepted_total', { kind: 'document' })).toBe(accepted + 2);
    expect(sample(after, 'lienthong_deliveries_finished_total', { endpoint: 'h41', state: 'delivered' })).toBe(delivered + 2);
    expect(sample(after, 'lienthong_delivery_attempts_total', { endpoint: 'h41', outcome: 'delivered' })).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'lienthong_accept_seconds_count', { route: 'messages' })).toBeGreaterThanOrEqual(2);
  });

  it('publishes an OpenAPI 3 document listing the API', async () => {
    const r = await t.call('GET', '/docs/json');
    expect(r.status).toBe(200);
    expect(r.json.openapi).toMatch(/^3\./);
    expect(Object.keys(r.json.paths)).toEqual(expect.arrayContaining([
      '/v1/messages', '/v1/messages/{id}', '/v1/messages/{id}/receipts', '/v1/messages/{id}/status',
      '/v1/inbox', '/v1/inbox/{id}', '/v1/inbox/{id}/ack', '/v1/admin/deliveries/{id}/replay', '/v1/hub/certificate',
    ]));
    expect(r.json.paths['/v1/messages'].post.responses).toHaveProperty('202');
  });

  it('unknown routes get the coded 404', async () => {
    const r = await t.call('GET', '/v1/nothing-here', { key: t.keys.g22 });
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_NOT_FOUND', errorId: expect.any(String) });
  });
});
