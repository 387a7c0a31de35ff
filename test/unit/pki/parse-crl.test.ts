import { sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateFacts } from '../../../src/crypto/pki/certificate-facts.js';
import { crlIssuerProblem, parseCrl } from '../../../src/crypto/pki/parse-crl.js';
import { signingCryptoKey } from '../../../src/crypto/pki/signing-crypto-key.js';
import { createTestPki, type TestPki } from '../../helpers/test-pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

/** Minimal DER encoding, to build a CRL far larger than an ASN.1 library would in test time. */
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  return tlvOf(tag, contents);
}
function tlvOf(tag: number, contents: readonly Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}
const SHA256_RSA = tlv(0x30, Buffer.from('06092a864886f70d01010b0500', 'hex'));
const utc = (d: Date): Buffer => tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`, 'latin1'));

describe('parseCrl', () => {
  it('reads a CRL issued with pkijs: entries, reasons, number, dates, signature', async () => {
    const der = await pki.crl({ crlNumber: 4242, revoked: [{ serial: pki.leaves.revoked.serial, reason: 'cessationOfOperation' }, { serial: '0a' }] });
    const crl = await parseCrl(der);
    expect(crl.crlNumber).toBe('4242');
    expect(crl.revoked.get(pki.leaves.revoked.serial)).toMatchObject({ reason: 'cessationOfOperation' });
    expect(crl.revoked.get('a')).toMatchObject({ reason: 'unspecified' });
    expect(crl.thisUpdate.getTime()).toBe(pki.now.getTime() - 60_000);
    expect(crlIssuerProblem(crl, certificateFacts(pki.intermediate.cert))).toBeUndefined();
    expect(crlIssuerProblem(crl, certificateFacts(pki.root.cert))).toMatch(/not issued by/);
  });

  it('reads 200,000 entries in one pass, quickly, letting the event loop run in between', async () => {
    const thisUpdate = new Date(pki.now.getTime() - 60_000);
    const entries = Array.from({ length: 200_000 }, (_, i) => tlv(0x30, tlv(0x02, Buffer.from((0x40000000 + i).toString(16), 'hex')), utc(thisUpdate)));
    const tbs = tlv(0x30, tlv(0x02, Buffer.from([1])), SHA256_RSA, Buffer.from(certificateFacts(pki.intermediate.cert).subjectDer), utc(thisUpdate), utc(new Date(pki.now.getTime() + 86_400_000)), tlvOf(0x30, entries));
    const der = tlv(0x30, tbs, SHA256_RSA, tlv(0x03, Buffer.from([0]), sign('sha256', tbs, pki.intermediate.key)));
    expect(der.length).toBeGreaterThan(4_000_000);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const started = performance.now();
    const crl = await parseCrl(der);
    const elapsed = performance.now() - started;
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(3);
    expect(crl.revoked.size).toBe(200_000);
    expect(crl.revoked.has((0x40000000 + 199_999).toString(16))).toBe(true);
    expect(crlIssuerProblem(crl, certificateFacts(pki.intermediate.cert))).toBeUndefined();
    expect(elapsed).toBeLessThan(1_500); // ~400 ms on the development VM, in slices
  });

  it('refuses a CRL with a critical extension it cannot honour (issuing distribution point)', async () => {
    const crl = new pkijs.CertificateRevocationList();
    crl.version = 1;
    crl.issuer = pkijs.Certificate.fromBER(pki.intermediate.cert.raw).subject;
    crl.thisUpdate = new pkijs.Time({ type: 0, value: pki.now });
    crl.crlExtensions = new pkijs.Extensions({ extensions: [new pkijs.Extension({ extnID: '2.5.29.28', critical: true, extnValue: new asn1js.Sequence().toBER(false) })] });
    await crl.sign(await signingCryptoKey(pki.intermediate.key), 'SHA-256');
    await expect(parseCrl(Buffer.from(crl.toSchema(true).toBER(false)))).rejects.toThrow(/critical extension the hub does not support \(2\.5\.29\.28/);
  });

  it('refuses truncated and padded DER', async () => {
    const der = await pki.crl();
    await expect(parseCrl(der.subarray(0, der.length - 10))).rejects.toThrow(/runs past its container|truncated/);
    await expect(parseCrl(Buffer.concat([der, Buffer.from([0])]))).rejects.toThrow(/trailing bytes/);
  });
});
