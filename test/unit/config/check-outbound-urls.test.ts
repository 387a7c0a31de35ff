import { describe, expect, it } from 'vitest';
import { adapterIds, adapters } from '../../../adapters/index.js';
import { checkOutboundUrls } from '../../../src/config/check-outbound-urls.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import { isHubError } from '../../../src/errors.js';
import { parseOutboundAllowance } from '../../../src/net/outbound-allowance.js';
import { createOutboundGuard } from '../../../src/net/outbound-guard.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';

const strict = createOutboundGuard();
const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const table = adapters as unknown as Record<string, (typeof adapters)[keyof typeof adapters]>;

/** The settings of adapter `id` as its conformance fixture makes them, all URLs on `base`. */
const settingsOn = (id: string, base: string): Record<string, unknown> => table[id]!.conformance.settingsFor(base, 'mb') as Record<string, unknown>;

describe('endpoint URL settings are checked against the outbound guard at configuration time', () => {
  it.each(adapterIds)('%s: every URL setting on a literal private address is a problem naming its JSON pointer', (id) => {
    const settings = settingsOn(id, 'http://10.1.2.3:8080');
    const urlKeys = Object.entries(settings).filter(([, v]) => typeof v === 'string' && v.startsWith('http://10.1.2.3')).map(([k]) => k);
    expect(urlKeys.length).toBeGreaterThan(0);
    const problems = checkOutboundUrls([{ adapter: id, settings }], table, strict);
    expect(problems.sort()).toEqual(urlKeys.map((k) => `/endpoints/0/settings/${k} host 10.1.2.3 (private) is refused unless LIENTHONG_OUTBOUND_ALLOW allows it`).sort());
    expect(checkOutboundUrls([{ adapter: id, settings: settingsOn(id, 'https://he-thong.example.gov.vn') }], table, strict)).toEqual([]);
    expect(checkOutboundUrls([{ adapter: id, settings }], table, createOutboundGuard(parseOutboundAllowance('10.1.0.0/16')))).toEqual([]);
  });

  it('catches loopback in every spelling, never quotes the URL (credentials), and leaves free-form maps alone', () => {
    const problems = (url: string, extra: Record<string, unknown> = {}) => checkOutboundUrls([{ adapter: 'http-endpoint', settings: { url, ...extra } }], table, strict);
    expect(problems('http://user:hunter2@127.0.0.1:6379/')).toEqual(['/endpoints/0/settings/url host 127.0.0.1 (loopback) is refused unless LIENTHONG_OUTBOUND_ALLOW allows it']);
    expect(problems('http://[::1]/')[0]).toMatch(/host ::1 \(loopback\)/);
    expect(problems('http://0177.0.0.1/')[0]).toMatch(/host 127\.0\.0\.1 \(loopback\)/);
    expect(problems('http://localhost:5432/')[0]).toMatch(/host localhost \(loopback\)/);
    expect(problems('http://169.254.169.254/latest/meta-data/')[0]).toMatch(/link-local/);
    expect(problems('http://[::ffff:7f00:1]/')[0]).toMatch(/loopback/);
    expect(problems('https://eoffice.example.gov.vn/in', { headers: { 'X-Callback-Url': 'http://127.0.0.1/' } })).toEqual([]);
  });

  it('parseHubConfig refuses such a configuration (HUB_ERR_CONFIG_INVALID at boot; the admin API answers 422 HUB_ERR_CONFIG_REJECTED)', () => {
    const authored = {
      agencies: [{ code: '000.00.00.G22', name: 'Văn phòng Chính phủ', endpoint: 'vpcp' }],
      endpoints: [{ id: 'vpcp', adapter: 'http-endpoint', settings: { url: '${VPCP_URL}/inbox' } }],
      routes: [],
    };
    const env = { VPCP_URL: 'http://192.168.10.5:8080' };
    let caught: unknown;
    try {
      parseHubConfig(authored, { catalogue, adapters, env });
    } catch (err) {
      caught = err;
    }
    expect(isHubError(caught) && caught.code).toBe('HUB_ERR_CONFIG_INVALID');
    expect((caught as { details: { problems: string[] } }).details.problems).toEqual(['/endpoints/0/settings/url host 192.168.10.5 (private) is refused unless LIENTHONG_OUTBOUND_ALLOW allows it']);
    const allowed = parseHubConfig(authored, { catalogue, adapters, env, outbound: createOutboundGuard(parseOutboundAllowance('192.168.10.0/24')) });
    expect(allowed.endpoints.get('vpcp')!.settings).toEqual({ url: 'http://192.168.10.5:8080/inbox' });
  });
});
