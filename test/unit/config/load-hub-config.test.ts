import { describe, expect, it } from 'vitest';
import { adapterIds, adapters } from '../../../adapters/index.js';
import type { IdentifiedSchema } from '../../../src/schema-catalogue.js';
import { createSchemaCatalogue } from '../../../src/schema-catalogue.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import { isHubError } from '../../../src/errors.js';

const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const base = () => ({
  agencies: [
    { code: '000.00.00.G22', name: 'Văn phòng Chính phủ', endpoint: 'vpcp' },
    { code: '000.00.00.H41', name: 'UBND tỉnh Nghệ An' },
  ],
  endpoints: [{ id: 'vpcp', adapter: 'http-endpoint', settings: { url: '${VPCP_URL}/inbox', headers: { Authorization: 'Bearer ${VPCP_TOKEN}' } } }],
  routes: [{ id: 'to-vpcp', match: { recipient: '000.00.00.G22', kind: 'status' }, endpoint: 'vpcp' }],
});
const env = { VPCP_URL: 'https://vpcp.example.vn', VPCP_TOKEN: 's3cret' };

function problemsOf(authored: unknown, e: NodeJS.ProcessEnv = env): string[] {
  try {
    parseHubConfig(authored, { catalogue, adapters, env: e });
  } catch (err) {
    if (isHubError(err) && err.code === 'HUB_ERR_CONFIG_INVALID') return (err.details as { problems: string[] }).problems;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('hub configuration pipeline', () => {
  it('substitutes ${ENV}, keeps the authored settings, applies defaults and freezes', () => {
    const config = parseHubConfig(base(), { catalogue, adapters, env });
    const endpoint = config.endpoints.get('vpcp')!;
    expect(endpoint.settings).toEqual({ url: 'https://vpcp.example.vn/inbox', headers: { Authorization: 'Bearer s3cret' } });
    expect(endpoint.authoredSettings).toEqual({ url: '${VPCP_URL}/inbox', headers: { Authorization: 'Bearer ${VPCP_TOKEN}' } });
    expect(endpoint.retry.scheduleMs).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(endpoint.timeoutMs).toBe(10_000);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(endpoint.settings)).toBe(true);
    expect(() => (config.agencies as Map<string, unknown>).set('x', {})).toThrow(/frozen/);
  });

  it('normalises durations of per-endpoint policies', () => {
    const authored = base();
    Object.assign(authored.endpoints[0]!, { retry: { schedule: ['0s', '500ms', '2m', 1000], giveUpAfter: '1h', jitter: 0 }, timeout: '3s', circuitBreaker: { openFor: '10s' } });
    const endpoint = parseHubConfig(authored, { catalogue, adapters, env }).endpoints.get('vpcp')!;
    expect(endpoint.retry).toEqual({ scheduleMs: [0, 500, 120_000, 1_000], jitter: 0, giveUpAfterMs: 3_600_000 });
    expect(endpoint.timeoutMs).toBe(3_000);
    expect(endpoint.circuitBreaker).toEqual({ failureThreshold: 5, openForMs: 10_000 });
  });

  it('names every missing environment variable with the JSON pointer that needs it', () => {
    const problems = problemsOf(base(), {});
    expect(problems.slice(0, 2)).toEqual([
      '/endpoints/0/settings/url needs environment variable VPCP_URL',
      '/endpoints/0/settings/headers/Authorization needs environment variable VPCP_TOKEN',
    ]);
  });

  it('marks an endpoint unavailable, not the revision invalid, when only its settings need unset variables (mark-unavailable)', () => {
    const authored = base() as Record<string, any>;
    authored.endpoints.push({ id: 'ok', adapter: 'http-endpoint', settings: { url: 'https://ok.example.vn/in' } });
    const config = parseHubConfig(authored, { catalogue, adapters, env: { VPCP_URL: 'https://vpcp.example.vn' }, unsetVariables: 'mark-unavailable' });
    const vpcp = config.endpoints.get('vpcp')!;
    expect(vpcp.unavailable).toEqual({ variables: ['VPCP_TOKEN'], reason: 'environment variable VPCP_TOKEN is not set in this process' });
    expect(vpcp.settings).toEqual({}); // nothing half-substituted reaches an adapter
    expect(vpcp.authoredSettings).toEqual(base().endpoints[0]!.settings);
    expect(config.endpoints.get('ok')!.unavailable).toBeUndefined();
    expect(config.routes.map((r) => r.endpoint)).toEqual(['vpcp']);
    // Both variables missing: the settings' own checks (the url left empty) are not held against it.
    expect(parseHubConfig(base(), { catalogue, adapters, env: {}, unsetVariables: 'mark-unavailable' }).endpoints.get('vpcp')!.unavailable?.variables).toEqual(['VPCP_TOKEN', 'VPCP_URL']);
    // Anywhere else an unset variable is a problem still; and by default everywhere.
    expect(() => parseHubConfig({ ...base(), hub: { name: '${HUB_NAME}' } }, { catalogue, adapters, env, unsetVariables: 'mark-unavailable' })).toThrow(/\/hub\/name needs environment variable HUB_NAME/);
    expect(problemsOf(base(), { VPCP_URL: 'https://vpcp.example.vn' })).toEqual(['/endpoints/0/settings/headers/Authorization needs environment variable VPCP_TOKEN']);
  });

  it('lists every schema, settings and reference error with its path, all at once', () => {
    const authored = base() as Record<string, any>;
    authored.agencies.push({ code: '000.00.00.G22', name: 'duplicate' }, { code: 'bad code!', name: 'x' });
    authored.endpoints.push({ id: 'other', adapter: 'no-such-adapter', settings: {} });
    authored.endpoints[0].settings.url = 'not a url';
    authored.routes.push({ id: 'r2', match: { sender: '000.00.00.H99' }, endpoint: 'missing' });
    authored.surprise = true;
    const problems = problemsOf(authored);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\/agencies\/3\/code must match pattern/),
      expect.stringMatching(/^\/ must NOT have additional properties \(surprise\)/),
    ]));
    // Schema errors stop before reference checks: fix them, and the next layer reports.
    delete authored.surprise;
    authored.agencies.pop();
    expect(problemsOf(authored)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\/endpoints\/0\/settings\/url must match format "uri"|^\/endpoints\/0\/settings\/url must match pattern/),
      `/endpoints/1/adapter unknown adapter "no-such-adapter" (known: ${adapterIds.join(', ')})`,
      '/agencies/2 duplicates "000.00.00.G22"',
      '/routes/1/endpoint unknown endpoint "missing"',
      '/routes/1/match/sender unknown agency "000.00.00.H99"',
    ]));
  });

  it('never puts a secret into an error message', () => {
    const authored = base() as Record<string, any>;
    authored.endpoints[0].settings.timeoutMs = 'soon';
    const problems = problemsOf(authored);
    expect(problems.join(' ')).not.toContain('s3cret');
  });
});
