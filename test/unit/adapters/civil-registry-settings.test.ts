import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AdapterSettings } from '../../../adapters/index.js';
import type { CivilRegistrySettings } from '../../../adapters/civil-registry/index.js';
import { civilRegistrySettingsSchema, resolveCivilRegistrySettings } from '../../../adapters/civil-registry/settings.js';

// ajv-formats is CommonJS with a default export; NodeNext sees the module object (as in src/schema-catalogue.ts).
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

describe('civil-registry settings', () => {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, removeAdditional: false });
  addFormats(ajv);
  const validate = ajv.compile(civilRegistrySettingsSchema);
  const common = { tokenUrl: 'https://api.thanhhoa.gov.vn:8243/token', consumerKey: 'ck', consumerSecret: 'cs' };
  const btp: CivilRegistrySettings = { variant: 'btp', ...common, nhanDkhtUrl: 'https://hotich.moj.gov.vn/api/NhanDKHT', layKetQuaUrl: 'https://hotich.moj.gov.vn/api/LayKetQua', maTinh: '38' };
  const lgsp: CivilRegistrySettings = { variant: 'lgsp', ...common, baseUrl: 'https://api.thanhhoa.gov.vn/apiHoTichTuPhap/' };

  it('is the settings type of the adapter’s row', () => {
    expectTypeOf<AdapterSettings<'civil-registry'>>().toEqualTypeOf<CivilRegistrySettings>();
  });

  it('has a description on every property', () => {
    for (const [name, property] of Object.entries(civilRegistrySettingsSchema.properties)) expect(property.description, name).toBeTruthy();
  });

  it.each<[string, boolean, unknown]>([
    ['btp with its three fields', true, btp],
    ['lgsp with its base URL', true, lgsp],
    [
      'every setting',
      true,
      { ...btp, maDonVi: '14755', moduleCodes: { marriage: 'LTKH2' }, statusMap: { '7': 2 }, resultChunkSize: 5, timeoutMs: 500, tokenRefreshMarginSeconds: 0, maxConnections: 2, transientErrorCodes: ['999'], maxResponseBytes: 4096, extraDuplicatePhrases: ['trùng hồ sơ'] },
    ],
    ['btp without NhanDKHT', false, { ...btp, nhanDkhtUrl: undefined }],
    ['btp without maTinh', false, { ...btp, maTinh: undefined }],
    ['lgsp without its base URL', false, { ...lgsp, baseUrl: undefined }],
    ['no variant', false, { ...btp, variant: undefined }],
    ['another variant', false, { ...btp, variant: 'dvclt' }],
    ['no secret', false, { ...btp, consumerSecret: undefined }],
    ['a status mapped outside 1–10', false, { ...btp, statusMap: { '4': 11 } }],
    ['a status code that is not a number', false, { ...btp, statusMap: { done: 9 } }],
    ['a module for an unknown payload type', false, { ...btp, moduleCodes: { adoption: 'LTNCN' } }],
    ['a token URL that is not http', false, { ...btp, tokenUrl: 'ftp://api.thanhhoa.gov.vn/token' }],
    ['an unknown property', false, { ...btp, retries: 3 }],
  ])('%s → valid %s', (_name, valid, settings) => {
    expect(validate(JSON.parse(JSON.stringify(settings))), JSON.stringify(validate.errors)).toBe(valid);
  });

  it('applies the defaults, the variant’s module codes and status map under the endpoint’s own', () => {
    const resolved = resolveCivilRegistrySettings({ ...btp, statusMap: { '1': 2 }, moduleCodes: { death: 'KT2' } });
    expect(resolved).toMatchObject({ resultChunkSize: 3, timeoutMs: 10_000, tokenRefreshMarginSeconds: 60, maxConnections: 4, transientErrorCodes: [] });
    expect(resolved.moduleCodes).toEqual({ birth: 'LTKS', death: 'KT2', marriage: 'LTKH' });
    expect(resolved.statusMap).toEqual({ '1': 2, '2': 5, '3': 4, '7': 4, '4': 9, '5': 10, '6': 3 });
    expect(resolveCivilRegistrySettings(lgsp).moduleCodes).toEqual({ birth: 'KS', death: 'KT', marriage: 'KH' });
    expect(resolveCivilRegistrySettings(lgsp).statusMap).toEqual({ '1': 4, '2': 5, '3': 4, '4': 9 });
    expect(() => resolveCivilRegistrySettings({ ...lgsp, baseUrl: undefined })).toThrow(/lgsp needs baseUrl/);
  });
});
