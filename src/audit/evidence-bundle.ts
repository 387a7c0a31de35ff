import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { decodeJws } from '../crypto/jws.js';
import { canonicalContent } from '../domain/content-digest.js';
import type { ForwardedEdxml } from '../forwarding/forwarded-edxml.js';
import { hubError } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { Queryable } from '../store/db.js';
import { readMessage } from '../store/read-message-view.js';
import type { AuditChain } from './audit-chain.js';
import { readCheckpointCovering, readSignerChain, type Checkpoint } from './audit-checkpoints.js';
import { canonicalAuditEvent, contentOfRow, EVENT_COLUMNS_SQL, type AuditEventRow } from './audit-digest.js';

export interface EvidenceDeps {
  db: Queryable;
  /** Seals and checkpoints the message's events; signs the manifest with the hub's key. */
  audit: Pick<AuditChain, 'checkpointNow' | 'signStatement'>;
  /** The hub's CA certificate(s), PEM: `certificates/ca.pem`, for convenience (verify.sh trusts only the auditor's own copy). */
  caPem: string;
  /** The signed edXML the hub forwarded for a message (included when it was forwarded as edXML). */
  forwardedEdxml?: ForwardedEdxml;
  /** PEM of the time-stamping authority's CA, when checkpoints are time-stamped (the TSA certificate is in each token); for convenience, as `caPem`. */
  tsaCaPem?: string;
  now(): Date;
}

interface EventRow extends AuditEventRow {
  seq: string | null;
}

interface ReceiptRow {
  id: string;
  event: string;
  recipient: string | null;
  created_at: Date;
  jws: string;
}

const VERIFY_SCRIPT = (): string => readFileSync(join(packageRoot(), 'src/audit/verify-evidence.sh'), 'utf8');
const VERIFY_DOC = (): string => readFileSync(join(packageRoot(), 'src/audit/VERIFY.md'), 'utf8');
const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
const pemOf = (der: Buffer): string => new X509Certificate(der).toString();
const SEAL_WAIT_MS = 100;
/** A forwarded edXML packet up to this size travels in the bundle; a larger one is named in the manifest. */
const EDXML_IN_BUNDLE_MAX = 4 * 1024 * 1024;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The forwarded edXML (xmlsec1 checks the hub's XML signature on it), or its size and digest when too large to bundle. */
async function forwardedPacket(deps: EvidenceDeps, messageId: string): Promise<{ bytes?: Buffer; size: number; sha256: string } | undefined> {
  if (!deps.forwardedEdxml) return undefined;
  const { rows } = await deps.db.query<{ size: string; sha256: string }>('SELECT size, sha256 FROM forwarded_packets WHERE message_id = $1', [messageId]);
  const row = rows[0];
  if (!row) return undefined;
  if (Number(row.size) > EDXML_IN_BUNDLE_MAX) return { size: Number(row.size), sha256: row.sha256 };
  const packet = await deps.forwardedEdxml(messageId);
  return { bytes: packet.bytes ?? await readAll(packet.open()), size: packet.size, sha256: packet.sha256.toString('hex') };
}
const SEAL_TRIES = 30;

/** DER INTEGER of an unsigned big-endian number. */
function derInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let value = bytes.subarray(i);
  if (value[0]! & 0x80) value = Buffer.concat([Buffer.from([0]), value]);
  return Buffer.concat([Buffer.from([0x02, value.length]), value]);
}

/** A JWS signature as `openssl dgst -verify` reads it: ES256's r‖s becomes DER; RS256 is already PKCS#1. */
export function opensslSignature(alg: string, signature: Buffer): Buffer {
  if (alg !== 'ES256') return signature;
  const half = signature.length / 2;
  const body = Buffer.concat([derInteger(signature.subarray(0, half)), derInteger(signature.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

async function readEvents(db: Queryable, messageId: string, onlyRecipient: string | undefined): Promise<EventRow[]> {
  const { rows } = await db.query<EventRow>(
    `SELECT c.seq, e.* FROM (SELECT ${EVENT_COLUMNS_SQL} FROM audit_events
      WHERE message_id = $1 AND kind <> 'audit.probe'
        AND ($2::text IS NULL OR delivery_id IS NULL OR delivery_id IN (SELECT id FROM deliveries WHERE message_id = $1 AND recipient = $2))) e
      LEFT JOIN audit_chain c ON c.event_id = e.id ORDER BY e.id`, [messageId, onlyRecipient ?? null]);
  return rows;
}

/**
 * The message's events once all are sealed and vouched for by a checkpoint: asks the chain for a
 * checkpoint now, and waits briefly when another process holds the chain.
 */
async function sealedEvents(deps: EvidenceDeps, messageId: string, onlyRecipient: string | undefined): Promise<{ events: EventRow[]; covering: Map<string, Checkpoint> }> {
  for (let attempt = 0; attempt < SEAL_TRIES; attempt++) {
    const events = await readEvents(deps.db, messageId, onlyRecipient);
    const last = Math.max(0, ...events.map((e) => (e.seq === null ? Infinity : Number(e.seq))));
    const newest = Number.isFinite(last) ? await readCheckpointCovering(deps.db, last) : undefined;
    if (newest) {
      const covering = new Map<string, Checkpoint>();
      for (const event of events) covering.set(event.id, (await readCheckpointCovering(deps.db, Number(event.seq)))!);
      return { events, covering };
    }
    // Another process (or this one's sealing loop) may hold the chain: then try again shortly.
    await deps.audit.checkpointNow();
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, SEAL_WAIT_MS));
  }
  throw hubError('HUB_ERR_NOT_READY', ['the audit chain has not yet sealed and checkpointed this message\'s events; try again shortly']);
}

/** `prev <hex>` then `<seq> <digest> <hash>` for every event from `from` to `to`. */
async function chainSegment(db: Queryable, from: number, to: number): Promise<string> {
  const { rows } = await db.query<{ seq: string; digest: Buffer; prev_hash: Buffer; hash: Buffer }>(
    'SELECT seq, digest, prev_hash, hash FROM audit_chain WHERE seq BETWEEN $1 AND $2 ORDER BY seq', [from, to]);
  if (rows.length !== to - from + 1) throw hubError('HUB_ERR_INTERNAL');
  const lines = [
    `# lienthong audit chain, events ${from}–${to}, up to checkpoint ${to}`,
    '# prev: the chain hash before the first event; then per event: seq, SHA-256 of the event, chain hash = SHA-256(previous hash ‖ digest), hex',
    `prev ${Buffer.from(rows[0]!.prev_hash).toString('hex')}`,
    ...rows.map((r) => `${r.seq} ${Buffer.from(r.digest).toString('hex')} ${Buffer.from(r.hash).toString('hex')}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** What a bundle holds besides the files its manifest lists: the manifest, its signature and the signer's chain. */
export const MANIFEST_FILES = { manifest: 'manifest.json', signature: 'manifest.sig', signer: 'certificates/manifest-signer.pem' } as const;

/**
 * Builds the evidence bundle of a message (ZIP): its canonical content, every receipt (with the
 * signing input and an openssl-ready signature), its audit events as the chain hashed them, the chain
 * links from each event to a signed checkpoint, the checkpoints (and their RFC 3161 timestamps), the
 * certificates, `verify.sh`, `VERIFY.md`, and a manifest listing every other file with its SHA-256,
 * signed by the hub's key (`manifest.sig`, signer chain in `certificates/manifest-signer.pem`): a
 * file removed, added or changed is seen. Everything checks with openssl alone.
 * A recipient's bundle holds its own delivery's part only.
 */
export async function buildEvidenceBundle(deps: EvidenceDeps, messageId: string, scope: { onlyRecipient?: string }): Promise<Buffer> {
  const message = await readMessage(deps.db, messageId);
  if (!message) throw hubError('HUB_ERR_NOT_FOUND', [`Message ${messageId}`]);
  const files: Record<string, Uint8Array> = {};
  const put = (path: string, content: string | Buffer): void => { files[path] = typeof content === 'string' ? Buffer.from(content, 'utf8') : content; };

  // 1. the message, as its content digest covers it
  put('message/content.json', canonicalContent(message));
  const edxml = await forwardedPacket(deps, messageId);
  if (edxml?.bytes) put('message/forwarded.edxml', edxml.bytes);

  // 2. receipts, with what openssl needs to check each
  const receipts = (await deps.db.query<ReceiptRow>(
    `SELECT r.id, r.event, d.recipient, r.created_at, r.jws FROM receipts r LEFT JOIN deliveries d ON d.id = r.delivery_id
      WHERE r.message_id = $1 AND ($2::text IS NULL OR d.recipient IS NULL OR d.recipient = $2) ORDER BY r.created_at, r.id`,
    [messageId, scope.onlyRecipient ?? null])).rows;
  receipts.forEach((r, i) => {
    const base = `receipts/${String(i + 1).padStart(2, '0')}-${r.event}`;
    const decoded = decodeJws(r.jws);
    put(`${base}.jws`, r.jws);
    put(`${base}.input`, decoded.signingInput);
    put(`${base}.sig`, opensslSignature(decoded.header.alg, decoded.signature));
    put(`${base}.signer.pem`, (decoded.header.x5c ?? []).map((der) => pemOf(Buffer.from(der, 'base64'))).join(''));
  });

  // 3. audit events, chain segments up to their checkpoints, the checkpoints
  const { events, covering } = await sealedEvents(deps, messageId, scope.onlyRecipient);
  const segments = new Map<number, { from: number; checkpoint: Checkpoint }>();
  for (const event of events) {
    const seq = Number(event.seq);
    put(`audit/events/${seq}.json`, canonicalAuditEvent(contentOfRow(event)));
    const checkpoint = covering.get(event.id)!;
    const segment = segments.get(checkpoint.seq);
    segments.set(checkpoint.seq, { from: Math.min(seq, segment?.from ?? seq), checkpoint });
  }
  const signers = new Set<string>();
  for (const { from, checkpoint } of segments.values()) {
    put(`audit/chain/${checkpoint.seq}.txt`, await chainSegment(deps.db, from, checkpoint.seq));
    put(`audit/checkpoints/${checkpoint.seq}.json`, checkpoint.statement);
    put(`audit/checkpoints/${checkpoint.seq}.sig`, checkpoint.signature);
    if (checkpoint.tsaToken) put(`audit/checkpoints/${checkpoint.seq}.tsr`, checkpoint.tsaToken);
    signers.add(checkpoint.kid);
  }

  // 4. certificates
  for (const kid of signers) {
    const chain = await readSignerChain(deps.db, kid);
    if (chain) put(`certificates/checkpoint-signer-${kid}.pem`, chain);
  }
  put('certificates/ca.pem', deps.caPem);
  if (deps.tsaCaPem) put('certificates/tsa-ca.pem', deps.tsaCaPem);

  // 5. script, instructions, then the manifest of all of it, signed
  put('verify.sh', VERIFY_SCRIPT());
  put('VERIFY.md', VERIFY_DOC());
  const manifest = {
    type: 'lienthong-evidence', version: 1, createdAt: deps.now().toISOString(),
    message: { id: message.id, kind: message.kind, sender: message.sender, recipients: message.recipients, createdAt: message.createdAt.toISOString(), contentSha256: message.contentSha256, ...(scope.onlyRecipient ? { scope: scope.onlyRecipient } : {}),
      ...(edxml ? { forwardedEdxml: { size: edxml.size, sha256: edxml.sha256, ...(edxml.bytes ? { file: 'message/forwarded.edxml' } : { file: null, get: `GET /v1/messages/${message.id}/edxml` }) } } : {}) },
    receipts: receipts.map((r, i) => ({ file: `receipts/${String(i + 1).padStart(2, '0')}-${r.event}.jws`, id: r.id, event: r.event, recipient: r.recipient, createdAt: r.created_at.toISOString() })),
    events: events.map((e) => ({ seq: Number(e.seq), kind: e.kind, at: e.at, checkpoint: covering.get(e.id)!.seq })),
    checkpoints: [...segments.values()].map(({ from, checkpoint }) => ({ seq: checkpoint.seq, at: checkpoint.at.toISOString(), kid: checkpoint.kid, chainFrom: from, timestamped: checkpoint.tsaToken !== null })),
    files: Object.fromEntries(Object.entries(files).map(([path, bytes]) => [path, sha256Hex(bytes)])),
  };
  // verify.sh reads `files` line by line: JSON.stringify puts each entry on its own line, `    "<path>": "<hex>"`.
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  const signed = deps.audit.signStatement(manifestBytes);
  put(MANIFEST_FILES.manifest, manifestBytes);
  put(MANIFEST_FILES.signature, signed.signature);
  put(MANIFEST_FILES.signer, signed.chainPem);
  const root = `evidence-${message.id}`;
  return Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([path, bytes]) => [`${root}/${path}`, [bytes, { os: 3, attrs: ((path.endsWith('.sh') ? 0o100755 : 0o100644) << 16) >>> 0 }]]))));
}
