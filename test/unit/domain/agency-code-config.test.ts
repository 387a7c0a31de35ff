import { describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import { isHubError } from '../../../src/errors.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';

// The `agencyCodes` hub setting, applied to the configuration's own codes at load time.
const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const env = {};
const config = (extra: Record<string, unknown> = {}) => ({
  hub: { name: 'test', organId: '000.00.00.LT1' },
  agencies: [
    { code: '000.00.00.G22', codeQd20: 'G22', name: 'Văn phòng Chính phủ' },
    { code: '01.02.G22', name: 'Đơn vị mã cũ' },
    { code: '000.00.00.H56', codeQd20: '000.00.00.H56', name: 'UBND tỉnh Thanh Hóa' },
    { code: 'vxp.saas.03', codeQd20: 'H56.14', name: 'Hệ thống thử nghiệm' },
  ],
  endpoints: [],
  routes: [],
  ...extra,
});

function problemsOf(authored: unknown): string[] {
  try {
    parseHubConfig(authored, { catalogue, adapters, env });
  } catch (err) {
    if (isHubError(err) && err.code === 'HUB_ERR_CONFIG_INVALID') return (err.details as { problems: string[] }).problems;
    throw err;
  }
  throw new Error('config was accepted');
}

const EXPECTED = [
  expect.stringMatching(/^\/agencies\/1\/code QCVN 102 code "01\.02\.G22" does not match the QCVN 102 form/),
  expect.stringMatching(/^\/agencies\/2\/codeQd20 Decision 20\/2020 code "000\.00\.00\.H56" is in the QCVN 102 form/),
  expect.stringMatching(/^\/agencies\/3\/code QCVN 102 code "vxp\.saas\.03" does not match/),
];

describe('hub setting agencyCodes', () => {
  it('warn (the default) accepts the codes and lists a warning per failing code, with its JSON pointer', () => {
    const loaded = parseHubConfig(config(), { catalogue, adapters, env });
    expect(loaded.agencyCodes.mode).toBe('warn');
    expect(loaded.warnings).toEqual(EXPECTED);
    expect(loaded.agencies.get('01.02.G22')).toBeDefined();
    // The compiled rules still work once the configuration is frozen.
    expect(Object.isFrozen(loaded.agencyCodes)).toBe(true);
    expect(loaded.agencyCodes.rules.qcvn102.test('000.00.00.G22')).toBe(true);
    expect(parseHubConfig(config({ agencyCodes: { mode: 'warn' } }), { catalogue, adapters, env }).warnings).toHaveLength(3);
  });

  it('strict makes each failing code a configuration error with its JSON pointer, all at once', () => {
    expect(problemsOf(config({ agencyCodes: { mode: 'strict' } }))).toEqual(EXPECTED);
    const clean = config({ agencyCodes: { mode: 'strict' } });
    clean.agencies = clean.agencies.filter((_, i) => i === 0);
    expect(parseHubConfig(clean, { catalogue, adapters, env }).warnings).toEqual([]);
  });

  it('checks the hub organId too', () => {
    expect(problemsOf(config({ hub: { organId: 'LT1' }, agencies: [], agencyCodes: { mode: 'strict' } })))
      .toEqual([expect.stringMatching(/^\/hub\/organId QCVN 102 code "LT1" does not match/)]);
  });

  it('qcvn102Pattern replaces the §2.1 pattern', () => {
    const loaded = parseHubConfig(config({ agencyCodes: { qcvn102Pattern: '^(\\d{3}\\.\\d{2}\\.\\d{2}\\.[A-Z][0-9A-Z]{2}|\\d{2}\\.\\d{2}\\.G22)$' } }), { catalogue, adapters, env });
    expect(loaded.warnings).toEqual([EXPECTED[1], EXPECTED[2]]);
    expect(problemsOf(config({ agencyCodes: { qcvn102Pattern: '([' } }))).toEqual([
      expect.stringMatching(/^\/agencyCodes\/qcvn102Pattern is not a valid regular expression: /),
    ]);
  });

  it('the schema refuses unknown modes and settings', () => {
    expect(problemsOf(config({ agencyCodes: { mode: 'lenient' } }))).toEqual([expect.stringMatching(/^\/agencyCodes\/mode must be equal to one of the allowed values/)]);
    expect(problemsOf(config({ agencyCodes: { level: 1 } }))).toEqual([expect.stringMatching(/^\/agencyCodes must NOT have additional properties \(level\)/)]);
  });
});
