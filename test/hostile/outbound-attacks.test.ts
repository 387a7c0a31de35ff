import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpEndpointSimulator, type HttpEndpointSimulatorHandle } from '../../adapters/http-endpoint/simulator.js';
import { createOutboundGuard } from '../../src/net/outbound-guard.js';
import { viewWhen } from '../helpers/hub-queries.js';
import { documentBody, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { rawRequest, type RawAnswer } from './raw-request.js';
import { expectRefused, storedState } from './refused-attack.js';

// What the hub sends out: header injection from message fields and endpoint settings, and SSRF
// through endpoint URLs set by an administrator. This hub allows loopback by one name only
// (LIENTHONG_OUTBOUND_ALLOW=localhost): its endpoints reach the simulator as http://localhost:…,
// while every private, loopback, link-local … address — literal, or what another name resolves
// to — is refused.

const G22 = '000.00.00.G22';
const G14 = '000.00.04.G14';
const H41 = '000.00.00.H41';
const H30 = '000.00.00.H30';
const H56 = '000.00.00.H56';
// No slash: attachment names may not hold one (they are names, not paths).
const INJECTED = '\r\nX-Injected: 1\r\nContent-Length: 0\r\n\r\nHTTP-1.1 200 OK';

describe('outbound: no injected header reaches a receiver, no endpoint URL reaches an internal address (postgres store)', () => {
  let t: TestHub;
  let sim: HttpEndpointSimulatorHandle;
  let simPort: string;
  const admin = (method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> =>
    rawRequest(t.url, { method, path, headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(body)) });
  const sendJson = (key: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> =>
    rawRequest(t.url, { path: '/v1/messages', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(body)) });
  /** Every header the simulator recorded for `mailbox`, with no CR, LF or NUL in any value and no injected name. */
  const expectCleanHeaders = (mailbox: string, messageId: string): void => {
    const requests = sim.requests(mailbox).filter((r) => r.headers['lienthong-message-id'] === messageId);
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect(Object.keys(request.headers)).not.toContain('x-injected');
      for (const value of Object.values(request.headers)) expect(value).not.toMatch(/[\r\n\0]/);
    }
  };

  beforeAll(async () => {
    sim = await startHttpEndpointSimulator();
    simPort = new URL(sim.url).port;
    t = await startTestHub('postgres', {
      env: { LIENTHONG_OUTBOUND_ALLOW: 'localhost' },
      configEnv: { SIM_URL: `http://localhost:${simPort}` },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  describe('header injection into outbound requests', () => {
    const hostile = (sender: string, recipients: string[]) => {
      const body = documentBody(sender, recipients, {
        attachments: [{ name: `phu-luc${INJECTED}.pdf`, contentType: 'application/pdf', description: `mô tả${INJECTED}`, content: Buffer.from(randomUUID()).toString('base64') }],
      });
      const document = body.document as Record<string, unknown>;
      document.subject = `Về việc${INJECTED}`;
      document.notation = 'VPCP\r\nX-Injected: 1';
      document.signer = { fullName: `Trần Văn Sơn${INJECTED}`, position: 'Bộ trưởng\nX-Injected: 1' };
      return body;
    };

    it('CR/LF in subject, notation, signer and attachment name and description, to a JSON endpoint: delivered, no injected header, the text intact in the body', async () => {
      const r = await sendJson(t.keys.g22, hostile(G22, [H41]));
      expect(r.status, JSON.stringify(r.json)).toBe(202);
      await viewWhen(t, r.json.id, t.keys.g22, (v) => v.deliveries[0].state === 'delivered');
      expectCleanHeaders('h41', r.json.id);
      const [request] = sim.requests('h41').filter((q) => q.headers['lienthong-message-id'] === r.json.id);
      const envelope = JSON.parse(request!.body.toString('utf8'));
      expect(JSON.stringify(envelope)).toContain(JSON.stringify(`Về việc${INJECTED}`).slice(1, -1));
    });

    it('the same fields to an edXML endpoint (G14 → H30 is routed to one): delivered, no injected header', async () => {
      const r = await sendJson(t.keys.g14, hostile(G14, [H30]));
      expect(r.status).toBe(202);
      await viewWhen(t, r.json.id, t.keys.g14, (v) => v.deliveries[0].state === 'delivered');
      expectCleanHeaders('h30-edxml', r.json.id);
    });

    it('a status description with CR/LF, returned to an edXML endpoint: no injected header', async () => {
      const doc = await sendJson(t.keys.g14, documentBody(G14, [H41]));
      const status = await rawRequest(t.url, {
        path: `/v1/messages/${doc.json.id}/status`,
        headers: { authorization: `Bearer ${t.keys.h41}`, 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ code: '03', description: `Đã nhận${INJECTED}`, staff: { name: `Văn thư${INJECTED}` } })),
      });
      expect(status.status).toBe(202);
      await t.until(async () => sim.requests('g14-edxml').some((q) => q.headers['lienthong-message-id'] === status.json.id && q.status === 200));
      expectCleanHeaders('g14-edxml', status.json.id);
    });

    it('an Idempotency-Key carrying CR/LF cannot even arrive (400, coded, nothing stored); one with a space or over 255 characters → 400 HUB_ERR_VALIDATION', async () => {
      const before = await storedState(t);
      const body = JSON.stringify(documentBody(G22, [H56]));
      const raw = await new Promise<string>((resolve) => {
        const socket = connect(Number(new URL(t.url).port), '127.0.0.1', () => socket.end([
          'POST /v1/messages HTTP/1.1', 'Host: hub', `Authorization: Bearer ${t.keys.g22}`, 'Content-Type: application/json',
          `Idempotency-Key: abc\rX-Injected: 1`, `Content-Length: ${Buffer.byteLength(body)}`, '', body,
        ].join('\r\n')));
        let answer = '';
        socket.on('data', (d) => { answer += d.toString('utf8'); });
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'HUB_ERR_MALFORMED_BODY', errorId: expect.any(String) });
      expect(await storedState(t)).toEqual(before);
      await expectRefused(t, () => sendJson(t.keys.g22, documentBody(G22, [H56]), { 'idempotency-key': 'abc X-Injected: 1' }), { status: 400, code: 'HUB_ERR_VALIDATION' });
      await expectRefused(t, () => sendJson(t.keys.g22, documentBody(G22, [H56]), { 'idempotency-key': 'k'.repeat(256) }), { status: 400, code: 'HUB_ERR_VALIDATION' });
    });

    it.each([
      ['a header value with CR/LF', { 'X-Token': `abc${INJECTED}` }],
      ['a header name with a colon', { 'X-Token: 1\r\nX-Injected': 'x' }],
      ['a header name with a space', { 'X Token': 'x' }],
    ])('endpoint settings: %s → 422 HUB_ERR_CONFIG_REJECTED, nothing changed', async (_label, headers) => {
      const r = await expectRefused(t, () => admin('PUT', '/v1/admin/endpoints/h41', { id: 'h41', adapter: 'http-endpoint', settings: { url: `http://localhost:${simPort}/inbox/h41`, headers } }), { status: 422, code: 'HUB_ERR_CONFIG_REJECTED' });
      expect(r.json.details.problems.join('\n')).toMatch(/\/endpoints\/\d+\/settings\/headers/);
    });

    it('endpoint settings: a header value with a NUL → 400 HUB_ERR_MALFORMED_BODY (U+0000 is refused anywhere in a JSON body), nothing changed', async () => {
      await expectRefused(t, () => admin('PUT', '/v1/admin/endpoints/h41', { id: 'h41', adapter: 'http-endpoint', settings: { url: `http://localhost:${simPort}/inbox/h41`, headers: { 'X-Token': 'abc\u0000def' } } }), { status: 400, code: 'HUB_ERR_MALFORMED_BODY' });
    });
  });

  describe('SSRF through endpoint URLs set by an administrator', () => {
    it.each([
      ['Redis on loopback', 'http://127.0.0.1:6379/'],
      ['another loopback address', 'http://127.0.0.2/inbox'],
      ['loopback in decimal', 'http://2130706433/'],
      ['loopback in hex and octal', 'http://0x7f.0.0.01/'],
      ['IPv6 loopback', 'http://[::1]:8080/'],
      ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/'],
      ['a name under .localhost', 'http://hub.localhost/'],
      ['the unspecified address', 'http://0.0.0.0:5432/'],
      ['private 10/8', 'http://10.0.0.5/inbox'],
      ['private 172.16/12', 'https://172.16.0.1/inbox'],
      ['private 192.168/16', 'http://192.168.1.1/'],
      ['carrier-grade NAT', 'http://100.64.0.1/'],
      ['the cloud metadata service (link-local)', 'http://169.254.169.254/latest/meta-data/'],
      ['multicast', 'http://224.0.0.1/'],
      ['IPv6 unique local', 'http://[fd00::1]/'],
      ['IPv6 link-local', 'http://[fe80::1]/'],
      ['IPv4-mapped private', 'http://[::ffff:10.0.0.1]/'],
      ['NAT64 to a private address', 'http://[64:ff9b::a00:1]/'],
    ])('a new endpoint on %s (%s) → 422 HUB_ERR_CONFIG_REJECTED naming /endpoints/N/settings/url', async (_label, url) => {
      const r = await expectRefused(t, () => admin('POST', '/v1/admin/endpoints', { id: `ssrf-${randomUUID().slice(0, 8)}`, adapter: 'http-endpoint', settings: { url } }), { status: 422, code: 'HUB_ERR_CONFIG_REJECTED' });
      expect(r.json.details.problems).toEqual([expect.stringMatching(/^\/endpoints\/\d+\/settings\/url host .* is refused unless LIENTHONG_OUTBOUND_ALLOW allows it$/)]);
    });

    it('an existing endpoint moved onto an internal address → 422, and it keeps its URL', async () => {
      await expectRefused(t, () => admin('PUT', '/v1/admin/endpoints/h41', { id: 'h41', adapter: 'http-endpoint', settings: { url: 'http://169.254.169.254/latest/meta-data/iam/' } }), { status: 422, code: 'HUB_ERR_CONFIG_REJECTED' });
      const item = await rawRequest(t.url, { method: 'GET', path: '/v1/admin/endpoints/h41', headers: { authorization: `Bearer ${t.keys.admin}` } });
      expect(item.json.item.settings.url).toBe('${SIM_URL}/inbox/h41'); // as authored
    });

    it.each([
      ['vdxp', 'endpoint', { endpoint: 'http://10.1.2.3/vxp', systemId: 'x', secret: 'secret-of-x', from: G22 }],
      ['dvcqg', 'baseUrl', { baseUrl: 'http://169.254.169.254/mapi', username: 'u', password: 'p' }],
      ['civil-registry', 'tokenUrl', { variant: 'lgsp', tokenUrl: 'http://[::1]/token', baseUrl: 'https://lgsp.example.gov.vn/apiHoTichTuPhap/', consumerKey: 'k', consumerSecret: 's' }],
      ['judicial-records', 'submitUrl', { variant: 'national', submitUrl: 'http://192.168.0.10/submit', resultUrl: 'https://lltp.example.gov.vn/result', authKey: 'k', maTinh: '38' }],
    ])('%s: its URL setting `%s` on an internal address → 422 naming it (settings found from the adapter\'s schema)', async (adapter, setting, settings) => {
      const r = await expectRefused(t, () => admin('POST', '/v1/admin/endpoints', { id: `ssrf-${adapter}`, adapter, settings }), { status: 422, code: 'HUB_ERR_CONFIG_REJECTED' });
      expect(r.json.details.problems).toContainEqual(expect.stringMatching(new RegExp(`^/endpoints/\\d+/settings/${setting} host `)));
    });

    it('a host name resolving to an internal address (DNS rebinding) passes configuration but is refused at connect time: the delivery fails for good, nothing reaches the address', async () => {
      // This machine's own name resolves to an internal address (loopback here, a private one in a container).
      const name = hostname();
      const resolved = await lookup(name, { all: true });
      expect(resolved.every((a) => createOutboundGuard().refusal(a.address) !== undefined), `${name} resolves to ${JSON.stringify(resolved)}`).toBe(true);

      const created = await admin('POST', '/v1/admin/endpoints', { id: 'rebind', adapter: 'http-endpoint', settings: { url: `http://${name}:${simPort}/inbox/rebind` } });
      expect(created.status).toBe(201);
      const route = await admin('POST', '/v1/admin/routes?position=0', { id: 'to-rebind', match: { sender: G22, recipient: H56 }, endpoint: 'rebind' });
      expect(route.status).toBe(201);
      const r = await sendJson(t.keys.g22, documentBody(G22, [H56]));
      expect(r.status).toBe(202);
      const view = await viewWhen(t, r.json.id, t.keys.g22, (v) => v.deliveries[0].state === 'failed');
      expect(view.deliveries[0]).toMatchObject({ attempts: 1, lastError: expect.stringMatching(new RegExp(`ERR_OUTBOUND_REFUSED.*${name} refused by the hub: it resolves to .*is refused unless LIENTHONG_OUTBOUND_ALLOW allows it`)) });
      expect(sim.requests('rebind')).toEqual([]);
    });
  });
});
