import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../../src/auth/console-accounts.js';
import { insertRevision, readRevision } from '../../../src/config/config-revisions.js';
import { startRevocationSimulator, type RevocationSimulator } from '../../../src/crypto/pki/revocation-simulator.js';
import { countRows } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, TEST_CONFIG, type TestHub } from '../../helpers/test-hub.js';
import { createTestPki, type TestLeaf, type TestPki } from '../../helpers/test-pki.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';

let sim: RevocationSimulator;
let pki: TestPki;
let dir: string;
let env: Record<string, string>;

/** `AA:BB:…` upper case: the config takes fingerprints as openssl prints them. */
const opensslFingerprint = (sha256: string): string => sha256.toUpperCase().match(/../g)!.join(':');

beforeAll(async () => {
  sim = await startRevocationSimulator();
  pki = await createTestPki();
  sim.publishCrl('issuing', await pki.crl());
  sim.publishCrl('root', await pki.crl({ issuer: pki.root, revoked: [] }));
  dir = await mkdtemp(join(tmpdir(), 'lienthong-mtls-'));
  const { leaves } = pki;
  const config = JSON.parse(await readFile(TEST_CONFIG, 'utf8')) as Record<string, unknown>;
  config.clientCertificates = [
    { id: 'g22-eoffice', agency: G22, sha256: opensslFingerprint(leaves.client.sha256) },
    { id: 'h41-signer', agency: H41, subject: leaves.signer.cert.subject.split('\n').join(', '), issuer: 'C=VN, O=lienthong (test PKI), CN=Test Issuing CA' },
    // Refused certificates are mapped too: what refuses them is their verification, not the mapping.
    ...(['expired', 'wrongUsage', 'revoked'] as const).map((name) => ({ id: `g22-${name.toLowerCase()}`, agency: G22, sha256: leaves[name].sha256 })),
    { id: 'g22-by-subject', agency: G22, subject: 'C=VN, O=lienthong (test PKI), CN=client.g22.test', issuer: 'C=VN, O=lienthong (test PKI), CN=Rogue Root CA' },
  ];
  const files: Record<string, string> = {
    'config.json': JSON.stringify(config), 'server-chain.pem': leaves.server.chainPem, 'server-key.pem': leaves.server.keyPem,
    'roots.pem': pki.anchorsPem, 'intermediates.pem': pki.intermediatesPem,
  };
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  env = {
    LIENTHONG_CONFIG: join(dir, 'config.json'),
    LIENTHONG_TLS_CERT: join(dir, 'server-chain.pem'), LIENTHONG_TLS_KEY: join(dir, 'server-key.pem'),
    LIENTHONG_TRUST_ANCHORS: join(dir, 'roots.pem'), LIENTHONG_TRUST_INTERMEDIATES: join(dir, 'intermediates.pem'),
    LIENTHONG_REVOCATION: 'require', LIENTHONG_CRL_SOURCES: `${sim.crlUrl('issuing')},${sim.crlUrl('root')}`,
  };
});
afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(STORES)('sender authentication by client certificate (%s store)', (store) => {
  let t: TestHub;
  const agents: Agent[] = [];
  /** An HTTPS client trusting the test root, presenting `leaf` (with its intermediate) when given. */
  const agentFor = (leaf?: TestLeaf): Agent => {
    const agent = new Agent({ connect: { ca: pki.anchorsPem, ...(leaf ? { cert: leaf.chainPem, key: leaf.keyPem } : {}) } });
    agents.push(agent);
    return agent;
  };
  const post = async (agent: Agent, body: unknown, headers: Record<string, string> = {}) => {
    const response = await request(`${t.url}/v1/messages`, {
      method: 'POST', dispatcher: agent, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers },
    });
    return { status: response.statusCode, json: (await response.body.json()) as Record<string, any> };
  };
  /** Any request through `agent` (so with its certificate, if it has one). */
  const call = async (agent: Agent, method: Dispatcher.HttpMethod, path: string, opts: { headers?: Record<string, string>; body?: string } = {}) => {
    const response = await request(`${t.url}${path}`, { method, dispatcher: agent, headers: opts.headers ?? {}, ...(opts.body !== undefined ? { body: opts.body } : {}) });
    const text = await response.body.text();
    return { status: response.statusCode, json: (text ? JSON.parse(text) : {}) as Record<string, any>, headers: response.headers };
  };

  beforeAll(async () => {
    t = await startTestHub(store, { env, roles: { api: true, worker: false } });
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await t?.close();
  });

  it('listens with TLS', () => {
    expect(t.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a valid, mapped client certificate sends as its agency (202) and reads what it sent', async () => {
    const agent = agentFor(pki.leaves.client);
    const sent = await post(agent, documentBody(G22, [H41]));
    expect(sent.status).toBe(202);
    const view = await request(`${t.url}/v1/messages/${sent.json.id}`, { dispatcher: agent });
    expect(view.statusCode).toBe(200);
    expect(await view.body.json()).toMatchObject({ sender: G22 });
    // The certificate acts for G22 only.
    expect((await post(agent, documentBody(H41, [G22]))).json.code).toBe('HUB_ERR_SENDER_MISMATCH');
  });

  it('a certificate mapped by subject and issuer sends as its agency', async () => {
    expect((await post(agentFor(pki.leaves.signer), documentBody(H41, [H14]))).status).toBe(202);
  });

  it.each([
    ['of an unknown issuer', 'unknownIssuer', 'HUB_ERR_CERT_UNKNOWN_ISSUER'],
    ['expired', 'expired', 'HUB_ERR_CERT_EXPIRED'],
    ['revoked (CRL)', 'revoked', 'HUB_ERR_CERT_REVOKED'],
    ['without clientAuth usage', 'wrongUsage', 'HUB_ERR_CERT_WRONG_USAGE'],
  ] as const)('a certificate %s is refused with 401 %s', async (_label, leaf, code) => {
    const refused = await post(agentFor(pki.leaves[leaf]), documentBody(G22, [H41]));
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ code, errorId: expect.any(String), details: { certificate: pki.leaves[leaf].sha256 } });
  });

  it('a valid certificate mapped to no agency is refused with 403 HUB_ERR_CERT_UNMAPPED', async () => {
    const refused = await post(agentFor(pki.leaves.otherClient), documentBody(G22, [H41]));
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ code: 'HUB_ERR_CERT_UNMAPPED', message: expect.stringContaining(pki.leaves.otherClient.sha256) });
  });

  it('bearer keys still work over TLS, with or without a client certificate (the key wins)', async () => {
    const bearer = { authorization: `Bearer ${t.keys.g22}` };
    expect((await post(agentFor(), documentBody(G22, [H41]), bearer)).status).toBe(202);
    expect((await post(agentFor(pki.leaves.unknownIssuer), documentBody(G22, [H41]), bearer)).status).toBe(202);
    const neither = await post(agentFor(), documentBody(G22, [H41]));
    expect([neither.status, neither.json.code]).toEqual([401, 'HUB_ERR_UNAUTHENTICATED']);
  });

  it("a browser's cross-site form post with the agency's certificate is refused (403 HUB_ERR_CSRF); agency systems and the hub's own pages still send", async () => {
    const agent = agentFor(pki.leaves.client);
    // What an HTML form on another site makes the browser send: multipart, its Origin, Sec-Fetch-Site.
    const boundary = 'lienthong-form-boundary';
    const form = `--${boundary}\r\nContent-Disposition: form-data; name="message"\r\n\r\n${JSON.stringify(documentBody(G22, [H41]))}\r\n--${boundary}--\r\n`;
    const formHeaders = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    const before = await countRows(t.hub.db);
    const attack = await call(agent, 'POST', '/v1/messages', { body: form, headers: { ...formHeaders, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } });
    expect([attack.status, attack.json.code]).toEqual([403, 'HUB_ERR_CSRF']);
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }, { origin: 'null' }] as Record<string, string>[]) {
      const refused = await post(agent, documentBody(G22, [H41]), headers);
      expect([refused.status, refused.json.code], JSON.stringify(headers)).toEqual([403, 'HUB_ERR_CSRF']);
    }
    expect(await countRows(t.hub.db)).toEqual(before);
    // The same form from an agency system (no Origin, no Sec-Fetch-*), and requests from the hub's own origin, send.
    expect((await call(agent, 'POST', '/v1/messages', { body: form, headers: formHeaders })).status).toBe(202);
    for (const headers of [{ origin: t.url }, { origin: t.url, 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }] as Record<string, string>[]) {
      expect((await post(agent, documentBody(G22, [H41]), headers)).status, JSON.stringify(headers)).toBe(202);
    }
    // Reading is not changing anything: a cross-site GET is answered as before.
    expect((await call(agent, 'GET', '/v1/inbox', { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
  });

  it('a console session cookie wins over the client certificate the browser presents, mapped or not', async () => {
    const admin = { username: 'quan.tri.tls', password: 'Mật khẩu quản trị qua TLS 2026' };
    await createAccount(t.hub.db, { ...admin, role: 'admin' });
    for (const leaf of [pki.leaves.client, pki.leaves.otherClient]) {
      const agent = agentFor(leaf);
      const login = await call(agent, 'POST', '/v1/session', { body: JSON.stringify(admin), headers: { 'content-type': 'application/json' } });
      expect(login.status).toBe(200);
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const me = await call(agent, 'GET', '/v1/session', { headers: { cookie } });
      expect([me.status, me.json.username, me.json.role]).toEqual([200, admin.username, 'admin']);
      expect((await call(agent, 'GET', '/v1/admin/deliveries/failed', { headers: { cookie } })).status).toBe(200);
      // The session's CSRF check applies: the certificate does not stand in for the token.
      const noToken = await call(agent, 'DELETE', '/v1/session', { headers: { cookie } });
      expect([noToken.status, noToken.json.code]).toEqual([403, 'HUB_ERR_CSRF']);
      expect((await call(agent, 'DELETE', '/v1/session', { headers: { cookie, 'x-csrf-token': login.json.csrfToken } })).status).toBe(204);
      // An ended session is 401, not the certificate's agency.
      const ended = await call(agent, 'GET', '/v1/inbox', { headers: { cookie } });
      expect([ended.status, ended.json.code]).toEqual([401, 'HUB_ERR_UNAUTHENTICATED']);
    }
    // Without a cookie the certificate authenticates as before.
    expect((await call(agentFor(pki.leaves.client), 'GET', '/v1/inbox')).status).toBe(200);
  });

  // Last: it changes the configuration.
  it('a certificate whose mapping a newer configuration revision removes is refused (403 HUB_ERR_CERT_UNMAPPED) at once', async () => {
    const agent = agentFor(pki.leaves.signer);
    expect((await post(agent, documentBody(H41, [H14]))).status).toBe(202);
    const latest = (await readRevision(t.hub.db))!;
    const document = { ...latest.document, clientCertificates: (latest.document.clientCertificates as { id: string }[]).filter((c) => c.id !== 'h41-signer') };
    await insertRevision(t.hub.db, { ...latest, version: latest.version + 1, at: new Date(), actor: 'test', document });
    expect(await t.hub.live.refresh()).toBe(true);
    const refused = await post(agent, documentBody(H41, [H14]));
    expect([refused.status, refused.json.code]).toEqual([403, 'HUB_ERR_CERT_UNMAPPED']);
    expect((await post(agentFor(pki.leaves.client), documentBody(G22, [H41]))).status).toBe(202);
  });
});
