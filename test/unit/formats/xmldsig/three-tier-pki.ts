import { createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** Root CA → intermediate CA → RSA leaf, plus a non-CA certificate that pretends to be an intermediate. */
export interface ThreeTierPki {
  rootPem: string;
  intermediate: X509Certificate;
  leaf: X509Certificate;
  leafKey: KeyObject;
  /** Issued by the root with cA=FALSE; it "issues" `fakeLeaf`. */
  notCa: X509Certificate;
  fakeLeaf: X509Certificate;
  fakeLeafKey: KeyObject;
}

interface Party {
  key: forge.pki.rsa.PrivateKey;
  pub: forge.pki.rsa.PublicKey;
  pem: string;
}

function party(): Party {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }); // node:crypto: fast key generation
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { key, pub: forge.pki.setRsaPublicKey(key.n, key.e), pem };
}

// UTF8String, so that Vietnamese names survive (forge encodes the value for that tag).
const name = (cn: string): forge.pki.CertificateField[] => [
  { shortName: 'C', value: 'VN' },
  { shortName: 'CN', value: cn, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class },
];

let serial = 1;
function issue(subject: Party, cn: string, issuer: Party, issuerCn: string, isCa: boolean, validFrom: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = subject.pub;
  cert.serialNumber = (0x1000 + serial++).toString(16);
  cert.validity.notBefore = validFrom;
  cert.validity.notAfter = new Date(validFrom.getTime() + 365 * 86_400_000);
  cert.setSubject(name(cn));
  cert.setIssuer(name(issuerCn));
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: isCa },
    isCa ? { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true } : { name: 'keyUsage', critical: true, digitalSignature: true },
  ]);
  cert.sign(issuer.key, forge.md.sha256.create());
  return cert;
}

const x509 = (cert: forge.pki.Certificate): X509Certificate => new X509Certificate(forge.pki.certificateToPem(cert));

/** Builds the PKI with RSA-2048 keys everywhere, valid for a year from `validFrom` (forge signs the certificates). */
export function threeTierPki(validFrom: Date): ThreeTierPki {
  const [root, inter, leaf, notCa, fake] = [party(), party(), party(), party(), party()];
  const issue_ = (subject: Party, cn: string, issuer: Party, issuerCn: string, isCa: boolean): forge.pki.Certificate => issue(subject, cn, issuer, issuerCn, isCa, validFrom);
  return {
    rootPem: forge.pki.certificateToPem(issue_(root, 'Test Root CA', root, 'Test Root CA', true)),
    intermediate: x509(issue_(inter, 'Test Intermediate CA', root, 'Test Root CA', true)),
    leaf: x509(issue_(leaf, 'Sở Nội vụ tỉnh Nghệ An', inter, 'Test Intermediate CA', false)),
    leafKey: createPrivateKey(leaf.pem),
    notCa: x509(issue_(notCa, 'Not A CA', root, 'Test Root CA', false)),
    fakeLeaf: x509(issue_(fake, 'Fake Leaf', notCa, 'Not A CA', false)),
    fakeLeafKey: createPrivateKey(fake.pem),
  };
}
