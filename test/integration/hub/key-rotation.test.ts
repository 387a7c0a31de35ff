import { X509Certificate } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueDevCertificate, type DevPki } from '../../../src/crypto/dev-pki.js';
import { decodeJws } from '../../../src/crypto/jws.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import { verifyReceipt, type PublishedHubKey } from '../../../src/crypto/verify-receipt.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';

/** `GET /v1/hub/keys`, as a verifier fetches it: no API key. */
async function publishedKeys(hub: TestHub): Promise<{ text: string; keys: (PublishedHubKey & Record<string, string>)[] }> {
  const response = await fetch(`${hub.url}/v1/hub/keys`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, keys: (JSON.parse(text) as { keys: (PublishedHubKey & Record<string, string>)[] }).keys };
}

describe.each(STORES)('signing key rotation (%s store)', (store) => {
  it('a hub restarted with a new active key signs with it, lists the old one as retired, and both keys\' receipts verify', async () => {
    // 1. The hub runs with key 1 and issues a receipt.
    const first = await startTestHub(store);
    let firstOpen = true;
    let second: TestHub | undefined;
    try {
      const sent = await first.call('POST', '/v1/messages', { key: first.keys.g22, body: documentBody(G22, [H41]) });
      expect(sent.status).toBe(202);
      const kid1 = keyIdOf(new X509Certificate(first.pki.hubCertPem));
      expect(decodeJws(sent.json.receipt).header.kid).toBe(kid1);
      expect((await publishedKeys(first)).keys.map((k) => [k.kid, k.status])).toEqual([[kid1, 'active']]);

      // 2. Rotation: key 2 from the same CA becomes active; key 1's chain (no private key) is kept as retired.
      const retiredPath = join(first.shared.dataDir, 'retired-keys', 'hub-1-chain.pem');
      await mkdir(join(first.shared.dataDir, 'retired-keys'));
      await writeFile(retiredPath, first.pki.chainPem);
      const key2 = await issueDevCertificate(first.pki, { alg: 'ES256', commonName: 'lienthong hub (rotated)' });
      const pki2: DevPki = { ...first.pki, hubCertPem: key2.certPem, hubKeyPem: key2.keyPem, chainPem: key2.certPem + first.pki.caCertPem };
      await first.close({ keepData: true });
      firstOpen = false;
      second = await startTestHub(store, { shared: { ...first.shared, pki: pki2 }, env: { LIENTHONG_HUB_KEYS_RETIRED: retiredPath } });

      // 3. New receipts name key 2.
      const kid2 = keyIdOf(new X509Certificate(key2.certPem));
      const next = await second.call('POST', '/v1/messages', { key: second.keys.g22, body: documentBody(G22, [H41]) });
      expect(next.status).toBe(202);
      expect(decodeJws(next.json.receipt).header.kid).toBe(kid2);

      // 4. The keys endpoint lists both, certificates only; the certificate endpoint serves the active chain.
      const { text, keys } = await publishedKeys(second);
      expect(keys.map((k) => [k.kid, k.status, k.alg])).toEqual([[kid2, 'active', 'ES256'], [kid1, 'retired', 'ES256']]);
      expect(keys[1]!.chainPem).toBe(first.pki.chainPem);
      expect(keys[0]).toMatchObject({ subject: expect.stringContaining('CN=lienthong hub (rotated)'), notAfter: new Date(new X509Certificate(key2.certPem).validTo).toISOString() });
      expect(text).not.toContain('PRIVATE KEY');
      expect(await (await fetch(`${second.url}/v1/hub/certificate`)).text()).toBe(pki2.chainPem);

      // 5. The old message's receipt, read back from the restarted hub, and the new one both verify by kid.
      const stored = await second.call('GET', `/v1/messages/${sent.json.id}/receipts`, { key: second.keys.g22 });
      const oldReceipt = stored.json.receipts.find((r: { event: string }) => r.event === 'accepted').jws as string;
      expect(oldReceipt).toBe(sent.json.receipt);
      const verify = (jws: string) => verifyReceipt(jws, { trustAnchorsPem: first.pki.caCertPem, now: new Date(), hubKeys: keys });
      expect(verify(oldReceipt)).toMatchObject({ kid: kid1, payload: { event: 'accepted', messageId: sent.json.id } });
      expect(verify(next.json.receipt)).toMatchObject({ kid: kid2, payload: { event: 'accepted', messageId: next.json.id } });
      // Without key 1 in the list, its receipt is refused.
      expect(() => verifyReceipt(oldReceipt, { trustAnchorsPem: first.pki.caCertPem, now: new Date(), hubKeys: keys.slice(0, 1) })).toThrow(/is not one of the hub's keys/);
    } finally {
      // The second hub owns the shared state once it runs; until then the first does.
      if (firstOpen) await first.close();
      if (second) await second.close();
      else if (!firstOpen) await rm(first.shared.dataDir, { recursive: true, force: true });
    }
  });
});
