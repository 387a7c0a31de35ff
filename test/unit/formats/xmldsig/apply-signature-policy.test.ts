import { describe, expect, it, vi } from 'vitest';
import { applySignaturePolicy, type SignaturePolicy } from '../../../../src/formats/xmldsig/apply-signature-policy.js';
import type { XmlSignatureResult } from '../../../../src/formats/xmldsig/xml-signature-result.js';
import { outcomeOfRefusal } from '../../../../src/queue/polled-packet-intake.js';

const signer = {
  subject: 'C=VN, O=UBND Tỉnh Nghệ An, CN=vanthu',
  issuer: 'C=VN, CN=Test CA',
  serial: '0A1B',
  notAfter: '2026-01-01T00:00:00.000Z',
  fingerprint256: 'AA:BB',
};
const RESULTS = {
  absent: { status: 'absent' },
  valid: { status: 'valid', signer, algorithm: 'ecdsa-sha256' },
  invalid: { status: 'invalid', reason: 'digest-mismatch', detail: 'x'.repeat(500) },
  unverifiable: { status: 'unverifiable', reason: 'vendor-namespace', detail: 'Signature is in namespace http://www.mic.gov.vn/TBT/QCVN_102_2016' },
} as const satisfies Record<string, XmlSignatureResult>;

type Status = keyof typeof RESULTS;
const run = (policy: SignaturePolicy, status: Status) => {
  const verify = vi.fn(() => RESULTS[status] as XmlSignatureResult);
  return { outcome: applySignaturePolicy(policy, verify), verify };
};

describe('applySignaturePolicy', () => {
  it.each(Object.keys(RESULTS) as Status[])('off: never verifies (%s)', (status) => {
    const { outcome, verify } = run('off', status);
    expect(verify).not.toHaveBeenCalled();
    expect(outcome).toEqual({ accepted: true, record: { policy: 'off', status: 'not-checked' } });
  });

  it.each(Object.keys(RESULTS) as Status[])('report: verifies once, records, accepts (%s)', (status) => {
    const { outcome, verify } = run('report', status);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(outcome.accepted).toBe(true);
    expect(outcome.record).toMatchObject({ policy: 'report', status });
  });

  it.each([
    ['absent', 'HUB_ERR_SIGNATURE_REQUIRED'],
    ['unverifiable', 'HUB_ERR_SIGNATURE_REQUIRED'],
    ['invalid', 'HUB_ERR_SIGNATURE_INVALID'],
  ] as const)('require: rejects %s with %s, still returning the record', (status, code) => {
    const { outcome } = run('require', status);
    expect(outcome.accepted).toBe(false);
    if (outcome.accepted) return;
    expect(outcome.error).toMatchObject({ code, statusCode: 422, details: { signatureStatus: status } });
    expect(outcome.record).toMatchObject({ policy: 'require', status });
  });

  it('require: a signer whose revocation status could not be had is a 503 to try again, and a polled packet stays pending', () => {
    const outcome = applySignaturePolicy('require', () => ({ status: 'invalid', reason: 'revocation-unknown', detail: 'no CRL or OCSP source answers' }));
    expect(outcome.accepted).toBe(false);
    if (outcome.accepted) return;
    expect(outcome.error).toMatchObject({ code: 'HUB_ERR_REVOCATION_UNAVAILABLE', statusCode: 503, details: { signatureStatus: 'invalid', reason: 'revocation-unknown' } });
    // Not the packet's fault: the receive loop must not acknowledge it `fail`.
    expect(outcomeOfRefusal(outcome.error)).toBeUndefined();
  });

  it('require: accepts valid', () => {
    expect(run('require', 'valid').outcome).toEqual({ accepted: true, record: { policy: 'require', status: 'valid', algorithm: 'ecdsa-sha256', signer } });
  });

  it('records a small JSON-able summary: reason, detail cut to 200 characters, signer without certificate', () => {
    const invalid = run('report', 'invalid').outcome.record;
    expect(invalid).toEqual({ policy: 'report', status: 'invalid', reason: 'digest-mismatch', detail: 'x'.repeat(200) });
    const unverifiable = run('require', 'unverifiable').outcome;
    expect(unverifiable.record.reason).toBe('vendor-namespace');
    expect(!unverifiable.accepted && unverifiable.error.message).toContain('vendor-namespace');
    const valid = run('report', 'valid').outcome.record;
    expect(JSON.parse(JSON.stringify(valid))).toEqual(valid);
    expect(Object.keys(valid.signer!).sort()).toEqual(['fingerprint256', 'issuer', 'notAfter', 'serial', 'subject']);
  });
});
