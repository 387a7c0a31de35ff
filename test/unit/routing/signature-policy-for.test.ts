import { describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import { isHubError } from '../../../src/errors.js';
import { signaturePolicyFor } from '../../../src/routing/signature-policy-for.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';

const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';

function config(extra: Record<string, unknown>, routes: unknown[]) {
  return parseHubConfig({
    agencies: [{ code: G22, name: 'VPCP' }, { code: H41, name: 'Nghệ An' }, { code: H14, name: 'Cao Bằng' }],
    endpoints: [{ id: 'e', adapter: 'http-endpoint', settings: { url: 'https://e.example.vn/' } }],
    routes,
    ...extra,
  }, { catalogue, adapters, env: {} });
}

describe('signature policy of an incoming packet', () => {
  it('defaults to report, or to signatures.defaultPolicy', () => {
    expect(signaturePolicyFor(config({}, []), { kind: 'document', sender: G22, recipients: [H41] })).toBe('report');
    expect(signaturePolicyFor(config({ signatures: { defaultPolicy: 'off' } }, []), { kind: 'document', sender: G22, recipients: [H41] })).toBe('off');
  });

  it('takes each recipient\'s first matching route, then the strictest over the recipients', () => {
    const c = config({ signatures: { defaultPolicy: 'off' } }, [
      { id: 'status-free', match: { kind: 'status' }, endpoint: 'e', signaturePolicy: 'off' },
      { id: 'to-h41', match: { recipient: H41 }, endpoint: 'e', signaturePolicy: 'require' },
      { id: 'to-h14', match: { recipient: H14 }, endpoint: 'e', signaturePolicy: 'report' },
      { id: 'h41-again', match: { recipient: H41 }, endpoint: 'e', signaturePolicy: 'off' },
    ]);
    expect(signaturePolicyFor(c, { kind: 'document', sender: G22, recipients: [H14] })).toBe('report');
    expect(signaturePolicyFor(c, { kind: 'document', sender: G22, recipients: [H14, H41] })).toBe('require');
    expect(signaturePolicyFor(c, { kind: 'status', sender: G22, recipients: [H41] })).toBe('off'); // first match wins
    expect(signaturePolicyFor(c, { kind: 'document', sender: H41, recipients: [G22] })).toBe('off'); // no route: default
  });

  it('refuses an unknown policy with its JSON pointer', () => {
    try {
      config({ signatures: { defaultPolicy: 'sometimes' } }, [{ id: 'r', match: {}, endpoint: 'e', signaturePolicy: 'always' }]);
      throw new Error('accepted');
    } catch (err) {
      if (!isHubError(err)) throw err;
      const problems = (err.details as { problems: string[] }).problems.join('\n');
      expect(problems).toContain('/signatures/defaultPolicy');
      expect(problems).toContain('/routes/0/signaturePolicy');
    }
  });
});
