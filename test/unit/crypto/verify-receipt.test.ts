import { X509Certificate } from 'node:crypto';
import { compactVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { issueDevCertificate } from '../../../src/crypto/dev-pki.js';
import { hubKeysFromPem, retiredChainFromPem, type HubKeys } from '../../../src/crypto/hub-keys.js';
import { decodeJws, signJws, type JwsSigner } from '../../../src/crypto/jws.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import { verifyReceipt, type PublishedHubKey } from '../../../src/crypto/verify-receipt.js';
import { makeHubPki, type HubPki } from './pki-fixture.js';

const TYP = 'lienthong-receipt+jws';
const payload = { event: 'delivered', messageId: 'msg-0001', recipient: 'bo-noi-vu', note: 'Đã nhận' };

/** The signer with another `x5c` (the hub's signer is frozen and keeps its private key out of spreads). */
const withX5c = (signer: JwsSigner, x5c: readonly string[]): JwsSigner => ({ alg: signer.alg, kid: signer.kid, privateKey: signer.privateKey, x5c });

/** Replaces the payload of a compact JWS, keeping header and signature. */
function withPayload(jws: string, body: Record<string, unknown>): string {
  const [h, , s] = jws.split('.');
  return `${h}.${Buffer.from(JSON.stringify(body)).toString('base64url')}.${s}`;
}

describe.each(['ES256', 'RS256'] as const)('signJws → verifyReceipt %s', (alg) => {
  const now = new Date('2030-06-01T00:00:00Z');
  let hub: HubPki;
  let other: HubPki;
  let jws: string;
  beforeAll(async () => {
    [hub, other] = await Promise.all([makeHubPki({ alg, now, validDays: 30 }), makeHubPki({ alg, now, validDays: 30 })]);
    jws = await signJws(hub.keys.signer, payload, TYP);
  });
  const verify = (token: string, at = now, anchors = hub.pki.caCertPem) => verifyReceipt(token, { trustAnchorsPem: anchors, now: at });

  it('verifies a freshly signed receipt', () => {
    const result = verify(jws);
    expect(result.payload).toEqual(payload);
    expect(result.header).toMatchObject({ alg, typ: TYP, kid: hub.keys.kid });
    expect(result.leaf.fingerprint256).toBe(hub.keys.fingerprintSha256);
    expect(result.kid).toBe(hub.keys.kid);
  });

  it('accepts a chain of just the leaf when the CA is a trust anchor, among others', async () => {
    const signer = withX5c(hub.keys.signer, hub.keys.signer.x5c.slice(0, 1));
    const leafOnly = await signJws(signer, payload, TYP);
    expect(verify(leafOnly, now, other.pki.caCertPem + hub.pki.caCertPem).payload).toEqual(payload);
  });

  it('rejects a tampered payload', () => {
    expect(() => verify(withPayload(jws, { ...payload, event: 'failed' }))).toThrow('JWS signature does not verify');
  });

  it('rejects a certificate from another CA', () => {
    expect(() => verify(jws, now, other.pki.caCertPem)).toThrow(/does not lead to a trust anchor/);
  });

  it('rejects a chain whose links do not sign each other', async () => {
    const signer = withX5c(hub.keys.signer, [hub.keys.signer.x5c[0]!, other.keys.signer.x5c[1]!]);
    const broken = await signJws(signer, payload, TYP);
    expect(() => verify(broken, now, other.pki.caCertPem)).toThrow(/x5c\[0\] .* is not signed by x5c\[1\]/);
  });

  it('rejects certificates outside their validity period', () => {
    expect(() => verify(jws, new Date('2030-07-02T00:00:00Z'))).toThrow(/x5c\[0\] .* expired at 2030-07-01T00:00:00.000Z/);
    expect(() => verify(jws, new Date('2030-05-31T23:59:59Z'))).toThrow(/is not valid until 2030-06-01T00:00:00.000Z/);
  });

  it('rejects a receipt without x5c, and no trust anchors', async () => {
    const bare = await signJws(withX5c(hub.keys.signer, []), payload, TYP);
    expect(() => verify(bare)).toThrow('Receipt header has no x5c certificate chain');
    expect(() => verify(jws, now, '')).toThrow('No trust anchor certificate in trustAnchorsPem');
  });

  it('refuses another JWS the hub signs with the same key (a push delivery signature), and an unknown event', async () => {
    const push = await signJws(hub.keys.signer, payload, 'lienthong-delivery+jws');
    expect(() => verify(push)).toThrow('JWS typ "lienthong-delivery+jws" is not a receipt\'s (lienthong-receipt+jws)');
    const forged = await signJws(hub.keys.signer, { ...payload, event: 'forged' }, TYP);
    expect(() => verify(forged)).toThrow(/Receipt event "forged" is not one of accepted, delivered, status, failed/);
    const { event: _event, ...noEvent } = payload;
    const eventless = await signJws(hub.keys.signer, noEvent, TYP);
    expect(() => verify(eventless)).toThrow(/Receipt event null is not one of/);
  });

  it('refuses a leaf from the same CA that may not sign receipts (time-stamping only), and the CA itself as leaf', async () => {
    const tsa = await issueDevCertificate(hub.pki, { alg, commonName: 'a time-stamping authority', now, validDays: 30, extendedKeyUsage: 'timeStamping' });
    const tsaLeaf = new X509Certificate(tsa.certPem);
    const byTsa = await signJws({ alg, kid: keyIdOf(tsaLeaf), privateKey: createPrivateKey(tsa.keyPem), x5c: [tsaLeaf.raw.toString('base64'), hub.keys.signer.x5c[1]!] }, payload, TYP);
    expect(() => verify(byTsa)).toThrow(/Receipt signer may not sign receipts: receipt-signing: extKeyUsage 1\.3\.6\.1\.5\.5\.7\.3\.8 allows none of/);
    // The CA key signs RS256 (the development CA is RSA).
    const caLeaf = new X509Certificate(hub.pki.caCertPem);
    const byCa = await signJws({ alg: 'RS256', kid: keyIdOf(caLeaf), privateKey: createPrivateKey(hub.pki.caKeyPem), x5c: [caLeaf.raw.toString('base64')] }, payload, TYP);
    expect(() => verify(byCa)).toThrow(/Receipt signer may not sign receipts: .* is a CA certificate/);
  });

  it('agrees with an independent verifier (jose compactVerify with the leaf key)', async () => {
    const leaf = new X509Certificate(hub.pki.hubCertPem);
    const { payload: bytes, protectedHeader } = await compactVerify(jws, leaf.publicKey, { algorithms: [alg] });
    expect(protectedHeader.alg).toBe(alg);
    expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toEqual(payload);
    await expect(compactVerify(withPayload(jws, { ...payload, event: 'failed' }), leaf.publicKey)).rejects.toThrow(/signature verification failed/);
  });
});

describe('verifyReceipt with the hub\'s published keys (key rotation)', () => {
  const now = new Date('2030-06-01T00:00:00Z');
  let first: HubKeys; // key 1, later retired
  let second: HubKeys; // key 2, active, with key 1 retired
  let stranger: HubKeys; // same CA, never one of the hub's keys
  let caPem: string;
  let published: PublishedHubKey[];
  beforeAll(async () => {
    const { pki, keys } = await makeHubPki({ alg: 'ES256', now, validDays: 30 });
    caPem = pki.caCertPem;
    first = keys;
    const [two, three] = await Promise.all([
      issueDevCertificate(pki, { alg: 'RS256', commonName: 'lienthong hub 2', now, validDays: 30 }),
      issueDevCertificate(pki, { alg: 'ES256', commonName: 'not the hub', now, validDays: 30 }),
    ]);
    second = hubKeysFromPem({ certChainPem: two.certPem + caPem, keyPem: two.keyPem, retired: [retiredChainFromPem(pki.chainPem)] });
    stranger = hubKeysFromPem({ certChainPem: three.certPem + caPem, keyPem: three.keyPem });
    published = second.all.map((key) => ({ kid: key.kid, chainPem: key.chainPem }));
  });
  // null: verify with the CA alone, as before key ids.
  const verify = (jws: string, hubKeys: readonly PublishedHubKey[] | null = published) =>
    verifyReceipt(jws, { trustAnchorsPem: caPem, now, ...(hubKeys ? { hubKeys } : {}) });

  it('verifies receipts of the retired and the active key, each by its kid', async () => {
    const old = await signJws(first.signer, payload, TYP);
    const current = await signJws(second.signer, payload, TYP);
    expect(decodeJws(old).header.kid).toBe(first.kid);
    expect(decodeJws(current).header.kid).toBe(second.kid);
    expect(second.kid).not.toBe(first.kid);
    expect(verify(old)).toMatchObject({ kid: first.kid, payload });
    expect(verify(current)).toMatchObject({ kid: second.kid, payload, header: { alg: 'RS256' } });
  });

  it('refuses a receipt whose kid is not one of the hub\'s keys, though its x5c chains to the same CA', async () => {
    const foreign = await signJws(stranger.signer, payload, TYP);
    expect(verify(foreign, null).payload).toEqual(payload); // the CA alone cannot tell
    expect(() => verify(foreign)).toThrow(`Receipt kid "${stranger.kid}" is not one of the hub's keys`);
  });

  it('verifies a receipt without x5c by its kid, and one from before key ids by its x5c[0]', async () => {
    const kidOnly = await signJws(withX5c(second.signer, []), payload, TYP);
    expect(verify(kidOnly).leaf.raw.equals(second.leaf.raw)).toBe(true);
    // A receipt signed before key ids existed: JSON leaves the undefined kid out of the header.
    const legacy = await signJws({ alg: first.signer.alg, privateKey: first.signer.privateKey, x5c: first.signer.x5c } as unknown as JwsSigner, payload, TYP);
    expect(decodeJws(legacy).header).not.toHaveProperty('kid');
    expect(verify(legacy).kid).toBe(first.kid);
    expect(verify(legacy, null).kid).toBe(first.kid);
  });

  it('refuses a kid that contradicts x5c[0], and a published list that puts a certificate under another kid', async () => {
    const mixed = await signJws({ alg: first.signer.alg, kid: second.kid, privateKey: first.signer.privateKey, x5c: first.signer.x5c }, payload, TYP);
    expect(() => verify(mixed, null)).toThrow(`Receipt kid "${second.kid}" is not the id of its x5c[0] certificate`);
    expect(() => verify(mixed)).toThrow(`Receipt x5c[0] is not the certificate of its kid "${second.kid}"`);
    const current = await signJws(second.signer, payload, TYP);
    const lying = [{ kid: second.kid, chainPem: first.chainPem }];
    expect(() => verify(current, lying)).toThrow(`The hub key listed as "${second.kid}" does not have that certificate`);
  });
});
