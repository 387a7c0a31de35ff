import type { CertificateFacts } from './certificate-facts.js';
import type { CrlEvidence, NoRevocationEvidence, OcspEvidence, RevocationEvidence, RevocationPolicy } from './certificate-verification.js';
import type { CrlCache } from './crl-cache.js';
import type { OcspClient } from './ocsp-client.js';

/** Where revocation answers come from. */
export interface RevocationSources {
  policy: RevocationPolicy;
  crls: CrlCache;
  /** Also fetch the CRLs named in each certificate's CRL distribution points. */
  crlFromCertificates: boolean;
  /** OCSP, asked before the CRLs when set: a fixed responder and/or the certificates' AIA responders. */
  ocsp?: { client: OcspClient; responder?: string; fromCertificates: boolean };
}

/** Evidence for every certificate checked, and the first failure on the path, if any. */
export interface RevocationOutcome {
  evidence: RevocationEvidence[];
  failure?: { kind: 'revoked' | 'revocation-unknown'; detail: string };
}

async function askOcsp(cert: CertificateFacts, issuer: CertificateFacts, sources: RevocationSources, at: Date, problems: string[]): Promise<RevocationEvidence | undefined> {
  const ocsp = sources.ocsp;
  if (!ocsp) return undefined;
  const urls = [...new Set([...(ocsp.responder ? [ocsp.responder] : []), ...(ocsp.fromCertificates ? cert.ocspUrls : [])])];
  for (const url of urls) {
    const outcome = await ocsp.client.check(cert, issuer, url);
    if (!outcome.ok) {
      problems.push(outcome.problem);
      continue;
    }
    const { answer } = outcome;
    if (answer.status === 'unknown') {
      problems.push(`OCSP ${url}: the responder does not know the certificate`);
      continue;
    }
    // As with CRLs: revoked after the time checked means good then.
    const revoked = answer.status === 'revoked' && answer.revocation !== undefined && answer.revocation.revokedAt <= at;
    return {
      certificate: cert.sha256, method: 'ocsp', status: revoked ? 'revoked' : 'good', responder: url, responderSubject: answer.responderSubject,
      producedAt: answer.producedAt.toISOString(), thisUpdate: answer.thisUpdate.toISOString(), nonce: answer.nonce,
      ...(answer.nextUpdate ? { nextUpdate: answer.nextUpdate.toISOString() } : {}),
      ...(revoked ? { revocation: { revokedAt: answer.revocation!.revokedAt.toISOString(), reason: answer.revocation!.reason } } : {}),
    };
  }
  return undefined;
}

async function askCrl(cert: CertificateFacts, issuer: CertificateFacts, sources: RevocationSources, at: Date, problems: string[]): Promise<CrlEvidence | undefined> {
  const lookup = await sources.crls.find(issuer, sources.crlFromCertificates ? cert.crlUrls : []);
  problems.push(...lookup.problems);
  if (!lookup.found) return undefined;
  const { crl, source, stale } = lookup.found;
  const entry = crl.revoked.get(cert.serial);
  // Revoked after the time checked (a signature made before): the certificate was good then.
  const revoked = entry !== undefined && entry.reason !== 'removeFromCRL' && entry.revokedAt <= at;
  // A stale CRL still proves a revocation; it no longer proves the absence of one when revocation is required.
  if (!revoked && stale && sources.policy === 'require') return undefined;
  return {
    certificate: cert.sha256, method: 'crl', status: revoked ? 'revoked' : 'good', source, stale,
    thisUpdate: crl.thisUpdate.toISOString(),
    ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate.toISOString() } : {}),
    ...(crl.crlNumber !== undefined ? { crlNumber: crl.crlNumber } : {}),
    ...(revoked ? { revocation: { revokedAt: entry.revokedAt.toISOString(), reason: entry.reason } } : {}),
  };
}

/** One certificate's status: OCSP first when configured, then CRLs; `none` with the reasons when neither answers. */
async function statusOf(cert: CertificateFacts, issuer: CertificateFacts, sources: RevocationSources, at: Date): Promise<RevocationEvidence> {
  const problems: string[] = [];
  const answer = (await askOcsp(cert, issuer, sources, at, problems)) ?? (await askCrl(cert, issuer, sources, at, problems));
  if (answer) return answer;
  if (problems.length === 0) problems.push(`no CRL or OCSP source answers for certificates of "${issuer.subject}"`);
  return { certificate: cert.sha256, method: 'none', status: 'unknown', reasons: problems };
}

/**
 * Checks every certificate of `path` (leaf → anchor) except the anchor against its issuer, all at
 * once. `revoked` wins over everything; under policy `require` a certificate without a fresh answer
 * fails the path with `revocation-unknown`; under `prefer` it is recorded and accepted; `off` checks
 * nothing.
 */
export async function checkRevocation(path: readonly CertificateFacts[], sources: RevocationSources, at: Date): Promise<RevocationOutcome> {
  if (sources.policy === 'off') return { evidence: [] };
  const evidence = await Promise.all(path.slice(0, -1).map((cert, i) => statusOf(cert, path[i + 1]!, sources, at)));
  const subjectOf = (sha256: string): string => path.find((c) => c.sha256 === sha256)?.subject ?? sha256;
  const revoked = evidence.find((e): e is CrlEvidence | OcspEvidence => e.status === 'revoked');
  if (revoked?.revocation) {
    const by = revoked.method === 'crl' ? `CRL ${revoked.source}` : `OCSP ${revoked.responder}`;
    return { evidence, failure: { kind: 'revoked', detail: `"${subjectOf(revoked.certificate)}" revoked at ${revoked.revocation.revokedAt} (${revoked.revocation.reason}), per ${by}` } };
  }
  const unknown = evidence.find((e): e is NoRevocationEvidence => e.method === 'none');
  if (unknown && sources.policy === 'require') {
    return { evidence, failure: { kind: 'revocation-unknown', detail: `"${subjectOf(unknown.certificate)}": ${unknown.reasons.join('; ')}` } };
  }
  return { evidence };
}
