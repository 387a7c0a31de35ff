import { createHash, type KeyObject, type X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { issueCertificate, keyIdentifier, names, newKeyPair } from '../../src/crypto/dev-pki.js';
import { normaliseSerial } from '../../src/crypto/pki/certificate-facts.js';
import type { RevocationReason } from '../../src/crypto/pki/certificate-verification.js';
import { issueCrl } from '../../src/crypto/pki/issue-crl.js';

const { asn1 } = forge;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const ORG = 'lienthong (test PKI)';

/** A CA of the test PKI: certificate, key, and its name as forge fields (to issue with). */
export interface TestCa {
  cert: X509Certificate;
  key: KeyObject;
  name: forge.pki.CertificateField[];
  pem: string;
}

/** An end-entity certificate of the test PKI with its key, PEM for TLS. */
export interface TestLeaf {
  cert: X509Certificate;
  key: KeyObject;
  certPem: string;
  keyPem: string;
  /** The leaf, then its issuing CA when that is an intermediate (what a TLS client sends). */
  chainPem: string;
  /** Serial, normalised hex (as CRLs and OCSP name it). */
  serial: string;
  sha256: string;
  /** The subject as forge fields. */
  name: forge.pki.CertificateField[];
}

/** Where the PKI's certificates point for revocation (usually the revocation simulator). */
export interface TestPkiUrls {
  /** CRL distribution point of the certificates the intermediate issues. */
  intermediateCrl?: string;
  /** CRL distribution point of the intermediate (a CRL of the root). */
  rootCrl?: string;
  /** OCSP responder (AIA) of the certificates the intermediate issues. */
  ocsp?: string;
}

export interface IssueOptions {
  commonName: string;
  /** forge extension descriptors (key identifiers are added). */
  extensions: object[];
  notBefore?: Date;
  notAfter?: Date;
  keyType?: 'rsa' | 'ec';
}

/** Root → intermediate (pathLen 0) → leaves for every failure kind, and a rogue root nobody trusts. */
export interface TestPki {
  now: Date;
  root: TestCa;
  intermediate: TestCa;
  /** A root outside the trust store (unknown issuer). */
  rogueRoot: TestCa;
  leaves: {
    /** digitalSignature, extKeyUsage clientAuth. */
    client: TestLeaf;
    /** Another good client certificate (mapped to no agency in the integration test). */
    otherClient: TestLeaf;
    /** digitalSignature + nonRepudiation, extKeyUsage emailProtection + clientAuth (as Vietnamese signing tokens). */
    signer: TestLeaf;
    expired: TestLeaf;
    notYetValid: TestLeaf;
    /** keyEncipherment only, extKeyUsage serverAuth. */
    wrongUsage: TestLeaf;
    /** A client certificate listed on the intermediate's CRL (`crl()`). */
    revoked: TestLeaf;
    /** A client certificate issued by the rogue root. */
    unknownIssuer: TestLeaf;
    /** TLS server certificate for 127.0.0.1 / localhost. */
    server: TestLeaf;
    /** Delegated OCSP responder of the intermediate (extKeyUsage OCSPSigning). */
    ocspResponder: TestLeaf;
  };
  /** The root, PEM (the trust anchor bundle). */
  anchorsPem: string;
  /** The intermediate, PEM. */
  intermediatesPem: string;
  /** Issues a CA certificate under `parent`. */
  issueCa(parent: TestCa, commonName: string, opts?: { pathLen?: number; notBefore?: Date; notAfter?: Date }): Promise<TestCa>;
  /** Issues an end-entity certificate under `parent`. */
  issueLeaf(parent: TestCa, opts: IssueOptions): Promise<TestLeaf>;
  /** A leaf (with an RSA key) as an issuer, to build a path through a certificate that is not a CA. */
  asIssuer(leaf: TestLeaf): TestCa;
  /** A CRL of `issuer` (default: the intermediate, listing `leaves.revoked`), signed by `signWith` (default: the issuer's key). */
  crl(opts?: { issuer?: TestCa; signWith?: KeyObject; revoked?: { serial: string; revokedAt?: Date; reason?: RevocationReason }[]; thisUpdate?: Date; nextUpdate?: Date; crlNumber?: number }): Promise<Buffer>;
}

const pemOf = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;
const spkiId = (key: KeyObject | X509Certificate['publicKey']): Buffer => keyIdentifier(key.export({ type: 'spki', format: 'der' }));

/** Authority information access with one OCSP responder (forge has no builder for it). */
function ocspAccess(url: string): object {
  const uri = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 6, false, url);
  const oid = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer('1.3.6.1.5.5.7.48.1').getBytes());
  return { id: '1.3.6.1.5.5.7.1.1', value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [oid, uri])]) };
}

const crlPoint = (url: string): object => ({ name: 'cRLDistributionPoints', altNames: [{ type: 6, value: url }] });

/**
 * Builds a fresh test PKI valid around `now` (default: the current time), CAs RSA-2048, leaves EC
 * P-256 (node:crypto keys, certificates assembled with node-forge through `src/crypto/dev-pki.ts`).
 */
export async function createTestPki(opts: { now?: Date; urls?: TestPkiUrls } = {}): Promise<TestPki> {
  const now = new Date(Math.floor((opts.now ?? new Date()).getTime() / 1000) * 1000);
  const urls = opts.urls ?? {};

  const selfSigned = async (commonName: string): Promise<TestCa> => {
    const pair = await newKeyPair('rsa');
    const name = names(ORG, commonName);
    const cert = issueCertificate({
      subject: name, issuer: name, publicKey: pair.publicKey, authorityKeyId: spkiId(pair.publicKey), isCa: true,
      notBefore: new Date(now.getTime() - 60 * DAY), notAfter: new Date(now.getTime() + 3650 * DAY),
    }, pair.privateKey);
    return { cert, key: pair.privateKey, name, pem: cert.toString() };
  };

  const issueCa: TestPki['issueCa'] = async (parent, commonName, caOpts = {}) => {
    const pair = await newKeyPair('rsa');
    const name = names(ORG, commonName);
    const cert = issueCertificate({
      subject: name, issuer: parent.name, publicKey: pair.publicKey, authorityKeyId: spkiId(parent.cert.publicKey), isCa: true,
      notBefore: caOpts.notBefore ?? new Date(now.getTime() - 60 * DAY), notAfter: caOpts.notAfter ?? new Date(now.getTime() + 1825 * DAY),
      extensions: [
        { name: 'basicConstraints', critical: true, cA: true, ...(caOpts.pathLen !== undefined ? { pathLenConstraint: caOpts.pathLen } : {}) },
        { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
        ...(urls.rootCrl && parent.cert.subject === parent.cert.issuer ? [crlPoint(urls.rootCrl)] : []),
      ],
    }, parent.key);
    return { cert, key: pair.privateKey, name, pem: cert.toString() };
  };

  const issueLeaf: TestPki['issueLeaf'] = async (parent, leafOpts) => {
    const pair = await newKeyPair(leafOpts.keyType ?? 'ec');
    const name = names(ORG, leafOpts.commonName);
    const cert = issueCertificate({
      subject: name, issuer: parent.name, publicKey: pair.publicKey, authorityKeyId: spkiId(parent.cert.publicKey), isCa: false,
      notBefore: leafOpts.notBefore ?? new Date(now.getTime() - HOUR), notAfter: leafOpts.notAfter ?? new Date(now.getTime() + 365 * DAY),
      extensions: [{ name: 'basicConstraints', critical: true, cA: false }, ...leafOpts.extensions],
    }, parent.key);
    const issuedByIntermediate = parent.cert.subject !== parent.cert.issuer;
    return {
      cert, key: pair.privateKey, certPem: cert.toString(), keyPem: pemOf(pair.privateKey),
      chainPem: cert.toString() + (issuedByIntermediate ? parent.pem : ''),
      // Not through certificateFacts: tests issue certificates it cannot read, too.
      serial: normaliseSerial(cert.serialNumber), sha256: createHash('sha256').update(cert.raw).digest('hex'), name,
    };
  };

  const [root, rogueRoot] = await Promise.all([selfSigned('Test Root CA'), selfSigned('Rogue Root CA')]);
  const intermediate = await issueCa(root, 'Test Issuing CA', { pathLen: 0 });
  const revocationPointers = [...(urls.intermediateCrl ? [crlPoint(urls.intermediateCrl)] : []), ...(urls.ocsp ? [ocspAccess(urls.ocsp)] : [])];
  const clientExtensions = [{ name: 'keyUsage', critical: true, digitalSignature: true }, { name: 'extKeyUsage', clientAuth: true }, ...revocationPointers];
  const leaf = (commonName: string, extensions: object[], extra: Partial<IssueOptions> = {}): Promise<TestLeaf> =>
    issueLeaf(intermediate, { commonName, extensions, ...extra });

  const [client, otherClient, signer, expired, notYetValid, wrongUsage, revoked, unknownIssuer, server, ocspResponder] = await Promise.all([
    leaf('client.g22.test', clientExtensions),
    leaf('client.h41.test', clientExtensions),
    leaf('Nguyễn Văn A (signer)', [{ name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true }, { name: 'extKeyUsage', emailProtection: true, clientAuth: true }, ...revocationPointers]),
    leaf('expired.test', clientExtensions, { notBefore: new Date(now.getTime() - 30 * DAY), notAfter: new Date(now.getTime() - DAY) }),
    leaf('not-yet-valid.test', clientExtensions, { notBefore: new Date(now.getTime() + DAY), notAfter: new Date(now.getTime() + 30 * DAY) }),
    leaf('wrong-usage.test', [{ name: 'keyUsage', critical: true, keyEncipherment: true }, { name: 'extKeyUsage', serverAuth: true }, ...revocationPointers]),
    leaf('revoked.test', clientExtensions),
    issueLeaf(rogueRoot, { commonName: 'client.g22.test', extensions: [{ name: 'keyUsage', critical: true, digitalSignature: true }, { name: 'extKeyUsage', clientAuth: true }] }),
    leaf('localhost', [
      { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true }, { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ]),
    leaf('Test Issuing CA OCSP responder', [{ name: 'keyUsage', critical: true, digitalSignature: true }, { name: 'extKeyUsage', '1.3.6.1.5.5.7.3.9': true }]),
  ]);

  return {
    now, root, intermediate, rogueRoot,
    leaves: { client, otherClient, signer, expired, notYetValid, wrongUsage, revoked, unknownIssuer, server, ocspResponder },
    anchorsPem: root.pem,
    intermediatesPem: intermediate.pem,
    issueCa,
    issueLeaf,
    asIssuer: (l) => ({ cert: l.cert, key: l.key, name: l.name, pem: l.certPem }),
    crl: (crlOpts = {}) => {
      const issuer = crlOpts.issuer ?? intermediate;
      return issueCrl({
        issuer: issuer.cert,
        key: crlOpts.signWith ?? issuer.key,
        revoked: (crlOpts.revoked ?? (issuer === intermediate ? [{ serial: revoked.serial, reason: 'keyCompromise' as const }] : []))
          .map((r) => ({ serial: r.serial, revokedAt: r.revokedAt ?? new Date(now.getTime() - HOUR), ...(r.reason ? { reason: r.reason } : {}) })),
        thisUpdate: crlOpts.thisUpdate ?? new Date(now.getTime() - 60_000),
        nextUpdate: crlOpts.nextUpdate ?? new Date(now.getTime() + DAY),
        ...(crlOpts.crlNumber !== undefined ? { crlNumber: crlOpts.crlNumber } : {}),
      });
    },
  };
}
