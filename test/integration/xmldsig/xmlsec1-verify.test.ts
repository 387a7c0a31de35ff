import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { parseXmlStrictly } from '../../../src/formats/xmldsig/parse-xml-strictly.js';
import { verifyXmlSignature } from '../../../src/formats/xmldsig/verify-xml-signature.js';
import { canonicalEdoc, fixtureBytes, signDocument, signingPki, type SigningPki } from '../../unit/formats/xmldsig/xmldsig-fixture.js';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const INSTALL_HINT = 'xmlsec1 is required for this test and was not found: install it with `apt-get install xmlsec1` (CI installs it; xmlsec1 1.2.37 or later)';

/** Runs xmlsec1; throws (the test fails, never skips) when it is not installed. */
function xmlsec1(args: string[]): { status: number | null; output: string } {
  const run = spawnSync('xmlsec1', args, { encoding: 'utf8' });
  if (run.error) throw new Error(`${INSTALL_HINT} (${run.error.message})`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/**
 * The verification the hub's signatures must pass: only URI="" references, keys only from X509
 * certificates, which must chain to `caPath`.
 */
const verifyArgs = (caPath: string, file: string): string[] => ['--verify', '--enabled-reference-uris', 'empty', '--enabled-key-data', 'x509', '--trusted-pem', caPath, file];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lienthong-xmldsig-'));
});
afterAll(() => dir && rm(dir, { recursive: true, force: true }));

// Every test that needs xmlsec1 runs it itself, so each one fails (none is skipped) without it.
it('xmlsec1 is installed', () => {
  expect(xmlsec1(['--version']).output).toMatch(/^xmlsec1 \d+\.\d+\.\d+/);
});

it('the fixture is already in exclusive c14n form (xml-crypto agrees byte for byte)', () => {
  const bytes = fixtureBytes('edoc-canonical.edxml');
  const parsed = parseXmlStrictly(bytes);
  if (!parsed.ok) throw new Error(parsed.detail);
  const canonical = String(new ExclusiveCanonicalization().process(parsed.root as never, {}));
  expect(Buffer.from(canonical, 'utf8').equals(bytes)).toBe(true);
});

describe.each(['ES256', 'RS256'] as const)('xmlsec1 verifies the hub signature, %s', (alg) => {
  let hub: SigningPki;
  let other: SigningPki;
  let signed: string;
  let caPath: string;
  const write = async (name: string, content: string): Promise<string> => {
    const path = join(dir, `${alg}-${name}`);
    await writeFile(path, content);
    return path;
  };
  const ours = (xml: Buffer | string) => verifyXmlSignature(xml, { trustStore: hub.trustStore, now: new Date() });

  beforeAll(async () => {
    [hub, other] = await Promise.all([signingPki({ alg }), signingPki({ alg })]);
    signed = await signDocument(canonicalEdoc(), hub.key);
    caPath = await write('ca.pem', hub.pki.caCertPem);
  });

  it('accepts the signed document: exit 0 and OK, one reference of one', async () => {
    const { status, output } = xmlsec1(verifyArgs(caPath, await write('signed.edxml', signed)));
    expect(output).toMatch(/^OK$/m);
    expect(output).toContain('SignedInfo References (ok/all): 1/1');
    expect(status).toBe(0);
    expect(ours(signed)).toMatchObject({ status: 'valid' });
  });

  it.each([
    ['a byte of the body', (xml: string) => xml.replace('Q8OUTkcg', 'Q8OUTkcG'), 'digest-mismatch'],
    ['a byte of the header', (xml: string) => xml.replace('<edXML:Priority>1<', '<edXML:Priority>3<'), 'digest-mismatch'],
    ['a byte of the DigestValue in SignedInfo', (xml: string) => xml.replace(/<DigestValue>(.)/, (_m, c: string) => `<DigestValue>${c === 'A' ? 'B' : 'A'}`), 'digest-mismatch'],
    ['a byte of SignedInfo markup', (xml: string) => xml.replace('<SignedInfo><', '<SignedInfo> <'), 'signature-mismatch'],
  ])('fails when %s changes', async (_what, tamper, reason) => {
    const tampered = tamper(signed);
    expect(tampered).not.toBe(signed);
    const { status, output } = xmlsec1(verifyArgs(caPath, await write('tampered.edxml', tampered)));
    expect(status).not.toBe(0);
    expect(output).not.toMatch(/^OK$/m);
    expect(ours(tampered)).toMatchObject({ status: 'invalid', reason });
  });

  it('fails against another trust anchor', async () => {
    const otherCa = await write('other-ca.pem', other.pki.caCertPem);
    const { status } = xmlsec1(verifyArgs(otherCa, await write('signed.edxml', signed)));
    expect(status).not.toBe(0);
    expect(verifyXmlSignature(signed, { trustStore: other.trustStore, now: new Date() })).toMatchObject({ status: 'invalid', reason: 'untrusted-signer' });
  });

  it.each([
    ['exclusive c14n, as the hub signs', EXC_C14N, [ENVELOPED, EXC_C14N]],
    ['inclusive c14n and the enveloped transform alone, as the vendor samples declare', C14N, [ENVELOPED]],
  ])('and the other way round: a packet xmlsec1 signed (%s) verifies with verifyXmlSignature', async (_what, c14n, transforms) => {
    const method = alg === 'ES256' ? 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' : 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
    const template =
      `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="${c14n}"/>` +
      `<SignatureMethod Algorithm="${method}"/><Reference URI=""><Transforms>` +
      transforms.map((t) => `<Transform Algorithm="${t}"/>`).join('') +
      '</Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo>' +
      '<SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature>';
    // Not canonical on purpose: an XML declaration and indentation, as agencies' systems send.
    const packet = `<?xml version="1.0" encoding="UTF-8"?>\n${canonicalEdoc().replace('</edXML:edXMLHeader>', `  ${template}\n    </edXML:edXMLHeader>`)}\n`;
    const templatePath = await write('template.edxml', packet);
    const keyAndCert = `${await write('hub-key.pem', hub.pki.hubKeyPem)},${await write('hub-cert.pem', hub.pki.hubCertPem)}`;
    const outPath = join(dir, `${alg}-xmlsec1-signed.edxml`);
    const { status, output } = xmlsec1(['--sign', '--enabled-reference-uris', 'empty', '--privkey-pem', keyAndCert, '--output', outPath, templatePath]);
    expect(status, output).toBe(0);
    const xmlsecSigned = await readFile(outPath);
    expect(ours(xmlsecSigned)).toMatchObject({ status: 'valid', algorithm: alg === 'ES256' ? 'ecdsa-sha256' : 'rsa-sha256' });
    expect(ours(xmlsecSigned.toString('utf8').replace('Nghệ An</edXML:Place>', 'Nghe An</edXML:Place>'))).toMatchObject({ status: 'invalid', reason: 'digest-mismatch' });
  });
});
