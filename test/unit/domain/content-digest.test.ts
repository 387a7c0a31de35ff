import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/domain/canonical-json.js';
import { contentDigest } from '../../../src/domain/content-digest.js';

describe('canonical JSON and content digest', () => {
  it('sorts keys at every depth, drops undefined, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'ă' }, u: undefined })).toBe('{"a":{"c":"ă","d":[3,1]},"b":1}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
  });

  it('digests what the message says, not how it was written', () => {
    const attachments = [{ index: 0, name: 'a.pdf', contentType: 'application/pdf', size: 3, sha256: 'ab'.repeat(32), description: 'ignored' }];
    const a = contentDigest({ kind: 'document', sender: 'S', recipients: ['R'], attachments, document: { subject: 'x', number: '1' } as never });
    const b = contentDigest({ attachments: [{ ...attachments[0]!, index: 5 }], document: { number: '1', subject: 'x' } as never, recipients: ['R'], sender: 'S', kind: 'document' });
    expect(a).toBe(b);
    expect(a).toBe(createHash('sha256').update('{"attachments":[{"contentType":"application/pdf","name":"a.pdf","sha256":"' + 'ab'.repeat(32) + '","size":3}],"document":{"number":"1","subject":"x"},"kind":"document","recipients":["R"],"sender":"S"}').digest('hex'));
    expect(contentDigest({ kind: 'document', sender: 'S', recipients: ['R', 'Q'], attachments, document: { subject: 'x', number: '1' } as never })).not.toBe(a);
  });
});
