import { X509Certificate } from 'node:crypto';
import { compactVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { signJws, type JwsSigner } from '../../../src/crypto/jws.js';
import { verifyReceipt } from '../../../src/crypto/verify-receipt.js';
import { makeHubPki, type HubPki } from './pki-fixture.js';

const TYP = 'lienthong-receipt+jws';
const payload = { messageId: 'msg-0001', recipient: 'bo-noi-vu', status: 'delivered', note: 'Đã nhận' };

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
    expect(result.header).toMatchObject({ alg, typ: TYP });
    expect(result.leaf.fingerprint256).toBe(hub.keys.fingerprintSha256);
  });

  it('accepts a chain of just the leaf when the CA is a trust anchor, among others', async () => {
    const signer: JwsSigner = { ...hub.keys.signer, x5c: hub.keys.signer.x5c.slice(0, 1) };
    const leafOnly = await signJws(signer, payload, TYP);
    expect(verify(leafOnly, now, other.pki.caCertPem + hub.pki.caCertPem).payload).toEqual(payload);
  });

  it('rejects a tampered payload', () => {
    expect(() => verify(withPayload(jws, { ...payload, status: 'rejected' }))).toThrow('JWS signature does not verify');
  });

  it('rejects a certificate from another CA', () => {
    expect(() => verify(jws, now, other.pki.caCertPem)).toThrow(/does not lead to a trust anchor/);
  });

  it('rejects a chain whose links do not sign each other', async () => {
    const signer: JwsSigner = { ...hub.keys.signer, x5c: [hub.keys.signer.x5c[0]!, other.keys.signer.x5c[1]!] };
    const broken = await signJws(signer, payload, TYP);
    expect(() => verify(broken, now, other.pki.caCertPem)).toThrow(/x5c\[0\] .* is not signed by x5c\[1\]/);
  });

  it('rejects certificates outside their validity period', () => {
    expect(() => verify(jws, new Date('2030-07-02T00:00:00Z'))).toThrow(/x5c\[0\] .* expired at 2030-07-01T00:00:00.000Z/);
    expect(() => verify(jws, new Date('2030-05-31T23:59:59Z'))).toThrow(/is not valid until 2030-06-01T00:00:00.000Z/);
  });

  it('rejects a receipt without x5c, and no trust anchors', async () => {
    const bare = await signJws({ ...hub.keys.signer, x5c: [] }, payload, TYP);
    expect(() => verify(bare)).toThrow('Receipt header has no x5c certificate chain');
    expect(() => verify(jws, now, '')).toThrow('No trust anchor certificate in trustAnchorsPem');
  });

  it('agrees with an independent verifier (jose compactVerify with the leaf key)', async () => {
    const leaf = new X509Certificate(hub.pki.hubCertPem);
    const { payload: bytes, protectedHeader } = await compactVerify(jws, leaf.publicKey, { algorithms: [alg] });
    expect(protectedHeader.alg).toBe(alg);
    expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toEqual(payload);
    await expect(compactVerify(withPayload(jws, { ...payload, status: 'rejected' }), leaf.publicKey)).rejects.toThrow(/signature verification failed/);
  });
});
