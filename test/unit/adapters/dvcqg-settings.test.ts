import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AdapterSettings } from '../../../adapters/index.js';
import { dvcqgAdapter, dvcqgSettingsSchema, DVCQG_DEFAULTS, resolveDvcqgSettings, type DvcqgSettings } from '../../../adapters/dvcqg/index.js';

// ajv-formats is CommonJS with a default export; NodeNext sees the module object (as in src/schema-catalogue.ts).
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

describe('dvcqg settings schema', () => {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, removeAdditional: false });
  addFormats(ajv);
  const validate = ajv.compile(dvcqgSettingsSchema);
  const base = { baseUrl: 'https://lgsp.thanhhoa.gov.vn/XrdAdapter/RestService/forward/dvcqg', username: '000.00.00.H56', password: 'p' };

  it('has a description on every property, and the password is the secret', () => {
    for (const [name, property] of Object.entries(dvcqgSettingsSchema.properties)) expect((property as { description?: string }).description, name).toBeTruthy();
    expect(dvcqgAdapter.secretSettings).toEqual(['password']);
    expectTypeOf<AdapterSettings<'dvcqg'>>().toEqualTypeOf<DvcqgSettings>();
  });

  it.each<[string, boolean, unknown]>([
    ['the three required', true, base],
    [
      'all settings',
      true,
      {
        ...base,
        madonvi: '000.00.00.H56',
        loginPath: '/mapi/login',
        servicePath: 'api/mapi/g',
        dstcode: 'VN:GOV:000.00.00.G22:vpcpdvcprovider',
        dstcodeIn: 'query',
        providerurl: 'https://dichvucong.gov.vn/api',
        procedureCodes: { 'KS-01': '1.001193.000.00.00.H56' },
        unitNames: { '000.00.00.H56': 'UBND tỉnh Thanh Hóa' },
        documentUrlBase: 'https://hub.example.vn/dvcqg/files',
        defaultOfficerName: 'Chuyên viên',
        timeoutMs: 500,
        maxConnections: 2,
        maxResponseBytes: 4096,
        transientErrorCodes: ['-99'],
        sessionErrorCodes: ['-2', '401'],
        sessionErrorPhrases: ['hết phiên'],
        lookupStatusField: 'TRANGTHAI',
        portalStatuses: { posting: 9 },
        extraDuplicatePhrases: ['trùng mã hồ sơ'],
      },
    ],
    ['no password', false, { ...base, password: undefined }],
    ['an empty password', false, { ...base, password: '' }],
    ['no username', false, { ...base, username: undefined }],
    ['a base URL with a query', false, { ...base, baseUrl: 'https://ngsp.example.vn/forward?dstcode=x' }],
    ['an ftp base URL', false, { ...base, baseUrl: 'ftp://ngsp.example.vn/' }],
    ['dstcode with a space', false, { ...base, dstcode: 'VN:GOV:000.00.00.G22: x' }],
    ['dstcode in a cookie', false, { ...base, dstcodeIn: 'cookie' }],
    ['a path with a query', false, { ...base, servicePath: 'mapi/g?x=1' }],
    ['a portal status outside 1–10', false, { ...base, portalStatuses: { posting: 11 } }],
    ['an empty procedure code', false, { ...base, procedureCodes: { 'KS-01': '' } }],
    ['an unknown property', false, { ...base, retries: 3 }],
  ])('%s → valid %s', (_name, valid, settings) => {
    expect(validate(settings), JSON.stringify(validate.errors)).toBe(valid);
  });

  it('resolves the defaults: madonvi = username, OpenCPS paths, dstcode as a header', () => {
    const resolved = resolveDvcqgSettings(base);
    expect(resolved).toMatchObject({
      madonvi: '000.00.00.H56',
      loginPath: 'mapi/login',
      servicePath: 'mapi/g',
      dstcodeIn: 'header',
      defaultOfficerName: 'Cán bộ một cửa',
      timeoutMs: DVCQG_DEFAULTS.timeoutMs,
      sessionErrorCodes: ['-2'],
      lookupStatusField: 'TrangThaiHoSo',
      transientErrorCodes: [],
    });
    expect(resolveDvcqgSettings({ ...base, madonvi: 'H56.01' }).madonvi).toBe('H56.01');
  });
});
