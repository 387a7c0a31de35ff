/**
 * `npx tsx bench/xml-sign.ts` — XML-DSig signing throughput for a ~20 KB canonical edXML packet:
 *   - signEnveloped (digest of the canonical bytes, no canonicalisation), closed loop at --concurrency,
 *     and one at a time;
 *   - xml-crypto's generic SignedXml.computeSignature (parse + c14n + serialise) on the same document,
 *     for comparison.
 * ES256 and RS256, each for --seconds. Prints signs/s and CPU µs per signature (user + system, all
 * threads: RSA signs on the libuv pool). Every signer's output is checked with verifyXmlSignature first.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { SignedXml } from 'xml-crypto';
import { createDevPki } from '../src/crypto/dev-pki.js';
import { certificatesFromPem } from '../src/crypto/hub-keys.js';
import { signEnveloped, type EnvelopedSigningInput, type XmlSigningKey } from '../src/formats/xmldsig/sign-enveloped.js';
import { createTrustStore, type TrustStore } from '../src/formats/xmldsig/trust-store.js';
import { verifyXmlSignature } from '../src/formats/xmldsig/verify-xml-signature.js';
import { xmlCryptoSignatureAlgorithms } from '../src/formats/xmldsig/xml-crypto-algorithms.js';
import { ECDSA_SHA256, EXC_C14N, ENVELOPED_SIGNATURE, RSA_SHA256, SHA256 } from '../src/formats/xmldsig/xmldsig-uris.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    size: { type: 'string', default: '20480' },
  },
});
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const SLOT = '</edXML:edXMLHeader>';

/** The test fixture packet, its attachment padded with base64 so that the document is `size` bytes. */
function canonicalDocument(size: number): string {
  const fixture = readFileSync(new URL('../test/fixtures/xmldsig/edoc-canonical.edxml', import.meta.url), 'utf8');
  const [open, close] = ['<edXML:ContentTransferEncoded>', '</edXML:ContentTransferEncoded>'];
  const head = fixture.slice(0, fixture.indexOf(open) + open.length);
  const tail = fixture.slice(fixture.indexOf(close));
  const room = Math.max(0, size - Buffer.byteLength(head + tail));
  return head + randomBytes(Math.ceil((room * 3) / 4)).toString('base64').slice(0, room - (room % 4)) + tail;
}

function splitInput(doc: string): EnvelopedSigningInput {
  const at = doc.indexOf(SLOT);
  const after = Buffer.from(doc.slice(at));
  return { beforeSignature: doc.slice(0, at), afterSignature: async function* () { yield after; } };
}

/** Runs `once` in a closed loop with `parallel` in flight for `seconds`; returns signs/s and CPU µs/sign. */
async function measure(once: () => Promise<unknown>, parallel: number): Promise<{ perSecond: number; cpuMicros: number }> {
  for (let i = 0; i < 200; i++) await once(); // warm-up
  const deadline = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let done = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (performance.now() < deadline) {
      await once();
      done++;
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: done / elapsed, cpuMicros: (cpu.user + cpu.system) / done };
}

function xmlCryptoSigner(doc: string, key: XmlSigningKey, method: string): () => Promise<string> {
  const privateKey = key.privateKey.export({ type: 'pkcs8', format: 'pem' });
  const publicCert = key.chain.map((cert) => cert.toString()).join('');
  return async () => {
    const sig = new SignedXml({ privateKey, publicCert, signatureAlgorithm: method, canonicalizationAlgorithm: EXC_C14N });
    sig.SignatureAlgorithms = xmlCryptoSignatureAlgorithms();
    sig.addReference({ xpath: '/*', isEmptyUri: true, transforms: [ENVELOPED_SIGNATURE, EXC_C14N], digestAlgorithm: SHA256 });
    sig.computeSignature(doc, { location: { reference: "//*[local-name(.)='edXMLHeader']", action: 'append' } });
    return sig.getSignedXml();
  };
}

function mustVerify(label: string, xml: string, trustStore: TrustStore): void {
  const result = verifyXmlSignature(xml, { trustStore, now: new Date() });
  if (result.status !== 'valid') throw new Error(`${label}: the signed document does not verify: ${JSON.stringify(result)}`);
}

const doc = canonicalDocument(Number(args.size));
const input = splitInput(doc);
console.log(`document ${Buffer.byteLength(doc)} bytes; ${availableParallelism()} CPUs; ${seconds} s per run; concurrency ${concurrency}`);
const rows: Record<string, string | number>[] = [];
for (const alg of ['ES256', 'RS256'] as const) {
  const pki = await createDevPki({ alg });
  const key: XmlSigningKey = { privateKey: createPrivateKey(pki.hubKeyPem), chain: certificatesFromPem(pki.chainPem) };
  const trustStore = createTrustStore([pki.caCertPem]);
  const ours = (): Promise<unknown> => signEnveloped(input, key);
  const generic = xmlCryptoSigner(doc, key, alg === 'ES256' ? ECDSA_SHA256 : RSA_SHA256);
  mustVerify(`${alg} signEnveloped`, doc.replace(SLOT, (await signEnveloped(input, key)).signatureXml + SLOT), trustStore);
  mustVerify(`${alg} xml-crypto`, await generic(), trustStore);
  for (const [name, once, parallel] of [
    ['signEnveloped', ours, concurrency],
    ['signEnveloped, one at a time', ours, 1],
    ['xml-crypto computeSignature', generic, 1],
  ] as const) {
    const { perSecond, cpuMicros } = await measure(once, parallel);
    rows.push({ alg, signer: name, 'signs/s': Math.round(perSecond), 'CPU µs/sign': Math.round(cpuMicros) });
  }
}
console.table(rows);
