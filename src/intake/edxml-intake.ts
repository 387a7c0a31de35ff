import type { Logger } from 'pino';
import type { HubConfig } from '../config/hub-config.js';
import { enforceAgencyCode } from '../domain/agency-code-policy.js';
import { hubError } from '../errors.js';
import type { EdxmlMessageFields, EdxmlSource } from '../formats/edxml/index.js';
import type { CertificateVerifier } from '../crypto/pki/certificate-verifier.js';
import type { CertificateFailureKind } from '../crypto/pki/certificate-verification.js';
import { applySignaturePolicy, verifyXmlSignature, type InvalidSignatureReason, type SignatureAuditRecord, type TrustStore, type XmlSignatureResult } from '../formats/xmldsig/index.js';
import { resolveEndpoint } from '../routing/resolve-endpoint.js';
import { signaturePolicyFor } from '../routing/signature-policy-for.js';
import type { BlobStore } from '../store/blob-store.js';
import { acceptEdxml } from './accept-edxml.js';
import type { Accepted, EdxmlSubmitter, IntakeService, NotDeliveredRecipient } from './intake-service.js';
import { readEdxmlPacket, type ReadEdxml } from './read-edxml-packet.js';

export interface EdxmlIntakeDeps {
  intake: IntakeService;
  blobs: BlobStore;
  config: HubConfig;
  /** CA certificates incoming signatures must chain to. */
  trustStore: TrustStore;
  /** Checks a valid signature's signer certificate for revocation (CRL, OCSP), when revocation sources are configured. */
  signerVerifier?: CertificateVerifier;
  /** Attachments up to this size travel with the message's INSERT. */
  inlineMax: number;
  /** Largest attachment, decoded. */
  attachmentLimit: number;
  /** Packets up to this size are kept while read, to verify their signature; larger ones are `too-large`. */
  verifyMaxBytes: number;
  log: Logger;
  now(): Date;
}

export interface EdxmlIntakeOptions {
  /**
   * Identifies the submission: the API's `Idempotency-Key`, or the identity of a polled packet (see
   * `polledPacketKey`). The same key and content again is `HUB_ERR_DUPLICATE` with the original id.
   */
  idempotencyKey?: string;
}

/** Takes one edXML packet (an API body or a packet an axis served) into the hub. */
export type EdxmlIntake = (source: EdxmlSource, submitter: EdxmlSubmitter, opts?: EdxmlIntakeOptions) => Promise<Accepted & { kind: 'document' | 'status'; signature: SignatureAuditRecord }>;

/** The largest edXML body for an attachment limit: base64 is 4/3 of the bytes, plus the header. */
export function xmlBodyLimit(attachmentLimit: number): number {
  return Math.ceil(attachmentLimit * 4 / 3) + 1_048_576;
}

/**
 * The one edXML intake, for the API and the axis receive loop alike: read the packet as it streams
 * (attachments to the blob store), apply the signature policy of the routes it takes (the strictest),
 * check a polled sender's agency code, then accept it. A packet refused by its reading or by these
 * checks leaves nothing behind: no message, and none of the attachments staged while it was read.
 *
 * @throws HUB_ERR_XML_* / HUB_ERR_EDXML_INVALID (unreadable), HUB_ERR_SIGNATURE_INVALID /
 *   HUB_ERR_SIGNATURE_REQUIRED (policy `require`), HUB_ERR_INVALID_AGENCY_CODE (strict mode), and
 *   whatever acceptance throws (unknown agency, duplicate, …).
 */
export function createEdxmlIntake(deps: EdxmlIntakeDeps): EdxmlIntake {
  const maxBytes = xmlBodyLimit(deps.attachmentLimit);
  return async (source, submitter, opts = {}) => {
    // 1. read, keeping the bytes (up to a limit) for the signature check
    const spool = spoolOf(source, deps.verifyMaxBytes);
    const read = await readEdxmlPacket(spool.source, { blobs: deps.blobs, inlineMax: deps.inlineMax, maxAttachmentBytes: deps.attachmentLimit, maxUnzippedBytes: deps.attachmentLimit, limits: { maxBytes } });

    // 2. check: the recipients a polled document is for; the signature per route policy; a sender
    //    the hub does not configure, by its code; who may send it. Refused here, the attachments
    //    staged while reading are dropped; past here they are stored, then the message written.
    let checked: Checked;
    try {
      checked = await check(read, spool.result(), submitter, deps);
      await read.commit();
    } catch (err) {
      await read.discard();
      throw err;
    }
    const { fields, outcome, polled, warnings } = checked;
    if (polled && polled.notDelivered.length > 0) {
      deps.log.info({ sender: fields.sender, documentId: fields.document?.documentId, notDelivered: polled.notDelivered }, 'polled document: To agencies the hub does not deliver to');
    }

    // 3. accept
    const accepted = await acceptEdxml(deps.intake, submitter, { ...read, fields, warnings }, {
      ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
      signatureCheck: outcome.record,
      ...(polled && polled.notDelivered.length > 0 ? { notDelivered: polled.notDelivered } : {}),
    });
    return { ...accepted, signature: outcome.record };
  };
}

/** What the checks made of a read packet. */
interface Checked {
  fields: EdxmlMessageFields;
  outcome: Extract<ReturnType<typeof applySignaturePolicy>, { accepted: true }>;
  polled: ReturnType<typeof polledRecipients> | undefined;
  warnings: string[];
}

/**
 * Everything that may refuse a read packet before its attachments are stored: polled recipients,
 * the signature policy, the sender's agency code, and — for an agency calling the API with a
 * document — that it sends as itself to known agencies (acceptance checks that again).
 */
async function check(read: ReadEdxml, spooled: Spooled, submitter: EdxmlSubmitter, deps: EdxmlIntakeDeps): Promise<Checked> {
  const polled = submitter.kind === 'endpoint' && read.fields.kind === 'document' ? polledRecipients(deps.config, submitter.endpointId, read.fields) : undefined;
  const fields = polled ? { ...read.fields, recipients: polled.delivered } : read.fields;
  const policy = signaturePolicyFor(deps.config, {
    kind: fields.kind, sender: fields.sender, recipients: fields.recipients,
    ...(fields.document ? { documentType: fields.document.documentType.name } : {}),
  });
  const checked = policy === 'off' ? undefined : await checkSigner(verifySpooled(spooled, read, deps), deps);
  const outcome = applySignaturePolicy(policy, () => checked!.result, checked?.revocation);
  if (!outcome.accepted) {
    deps.log.warn({ sender: fields.sender, signature: outcome.record }, 'edXML refused by its signature policy');
    throw outcome.error;
  }
  const warnings = [...read.warnings];
  if (!deps.config.agencies.has(fields.sender)) {
    const issue = enforceAgencyCode(deps.config.agencyCodes, fields.sender, 'qcvn102');
    if (issue) warnings.push(`From/OrganId ${JSON.stringify(issue.code)} ${issue.problem}`);
  }
  if (submitter.kind === 'api' && fields.kind === 'document') deps.intake.checkParties(submitter.principal, fields.sender, fields.recipients);
  return { fields, outcome, polled, warnings };
}

/**
 * The `To` agencies of a document an endpoint's system served (the axis gives each receiving system
 * the packet with its whole `To` list) that the hub delivers to: the configured agencies, except
 * those the hub would route back to that same endpoint (the system already carried the packet to
 * them; sending it again would deliver it twice). The others are returned to be recorded.
 *
 * @throws HUB_ERR_UNKNOWN_AGENCY when no `To` agency is the hub's to deliver to.
 */
export function polledRecipients(config: HubConfig, endpointId: string, fields: EdxmlMessageFields): { delivered: string[]; notDelivered: NotDeliveredRecipient[] } {
  const delivered: string[] = [];
  const notDelivered: NotDeliveredRecipient[] = [];
  for (const agency of fields.recipients) {
    if (!config.agencies.has(agency)) {
      notDelivered.push({ agency, reason: 'unknown-agency' });
      continue;
    }
    const target = resolveEndpoint(config, {
      kind: fields.kind, sender: fields.sender, recipient: agency, ...(fields.document ? { documentType: fields.document.documentType.name } : {}),
    });
    if (target.endpointId === endpointId) notDelivered.push({ agency, reason: 'reached-by-source' });
    else delivered.push(agency);
  }
  if (delivered.length === 0) {
    const named = notDelivered.map((n) => (n.reason === 'unknown-agency' ? n.agency : `${n.agency} (routed back to endpoint ${endpointId})`));
    throw hubError('HUB_ERR_UNKNOWN_AGENCY', [named.join(', ')], { agencies: notDelivered.filter((n) => n.reason === 'unknown-agency').map((n) => n.agency), notDelivered });
  }
  return { delivered, notDelivered };
}

/** What reading kept of the packet's bytes. */
export type Spooled = { kind: 'bytes'; bytes: Buffer; mentionsSignature: boolean } | { kind: 'too-large'; mentionsSignature: boolean };

const SIGNATURE = Buffer.from('Signature');

/**
 * Passes the source through unchanged while keeping its bytes up to `maxBytes` and noting whether
 * the word `Signature` occurs anywhere (a packet without it is `absent` without a second parse).
 */
export function spoolOf(source: EdxmlSource, maxBytes: number): { source: EdxmlSource; result(): Spooled } {
  if (source instanceof Uint8Array) {
    const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    const mentionsSignature = bytes.includes(SIGNATURE);
    return { source, result: () => (bytes.length <= maxBytes ? { kind: 'bytes', bytes, mentionsSignature } : { kind: 'too-large', mentionsSignature }) };
  }
  let chunks: Buffer[] | undefined = [];
  let size = 0;
  let mentionsSignature = false;
  let tail = Buffer.alloc(0);
  async function* pass(): AsyncGenerator<Uint8Array | string> {
    for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (!mentionsSignature) {
        // The word may straddle two chunks: look at the previous chunk's last bytes with this one.
        mentionsSignature = Buffer.concat([tail, bytes.subarray(0, SIGNATURE.length - 1)]).includes(SIGNATURE) || bytes.includes(SIGNATURE);
        const keep = SIGNATURE.length - 1;
        tail = bytes.length >= keep ? Buffer.from(bytes.subarray(bytes.length - keep)) : Buffer.concat([tail, bytes]).subarray(-keep);
      }
      size += bytes.length;
      if (chunks && size <= maxBytes) chunks.push(bytes);
      else chunks = undefined;
      yield chunk;
    }
  }
  return {
    source: pass(),
    result: () => (chunks ? { kind: 'bytes', bytes: Buffer.concat(chunks, size), mentionsSignature } : { kind: 'too-large', mentionsSignature }),
  };
}

/** How a signer certificate's verification failure reads as a signature verdict. */
const SIGNER_FAILURE: Record<CertificateFailureKind, InvalidSignatureReason> = {
  'unknown-issuer': 'untrusted-signer',
  expired: 'certificate-not-valid',
  revoked: 'certificate-revoked',
  'wrong-usage': 'untrusted-signer',
  'revocation-unknown': 'revocation-unknown',
};

/**
 * A valid signature's signer, checked once more with the hub's certificate verifier for revocation
 * (every certificate below the anchor, per LIENTHONG_REVOCATION): a revoked signer makes the
 * signature invalid. The revocation evidence goes into the signature's audit record.
 */
async function checkSigner(result: XmlSignatureResult, deps: EdxmlIntakeDeps): Promise<{ result: XmlSignatureResult; revocation?: unknown }> {
  if (result.status !== 'valid' || !deps.signerVerifier || !result.certificates?.[0]) return { result };
  const [leaf, ...others] = result.certificates;
  const verification = await deps.signerVerifier.verify(leaf, { purpose: 'document-signing', extraCertificates: others, at: deps.now() });
  if (verification.ok) return { result, revocation: verification.revocation };
  return {
    result: { status: 'invalid', reason: SIGNER_FAILURE[verification.failure.kind], detail: verification.failure.detail },
    revocation: verification.revocation,
  };
}

function verifySpooled(spooled: Spooled, read: ReadEdxml, deps: EdxmlIntakeDeps): XmlSignatureResult {
  if (!spooled.mentionsSignature && !read.packet.signature) return { status: 'absent' };
  if (spooled.kind === 'too-large') {
    return { status: 'unverifiable', reason: 'too-large', detail: `the packet is larger than ${deps.verifyMaxBytes} bytes (LIENTHONG_XML_VERIFY_MAX_BYTES)` };
  }
  return verifyXmlSignature(spooled.bytes, { trustStore: deps.trustStore, now: deps.now() });
}
