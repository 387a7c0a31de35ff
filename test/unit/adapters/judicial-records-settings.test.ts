import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { judicialRecordsAdapter } from '../../../adapters/judicial-records/index.js';
import { lgspOperationUrl, resolveJudicialRecordsSettings, type ResolvedLgspSettings } from '../../../adapters/judicial-records/settings.js';

// As src/schema-catalogue.ts configures its Ajv: strict, all errors, no stripping.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: true, strictRequired: false, removeAdditional: false }));
const validate = ajv.compile(judicialRecordsAdapter.settingsSchema);

const lgsp = { baseUrl: 'https://api.thanhhoa.gov.vn/apiLyLichTuPhap/', consumerKey: 'mot-cua', consumerSecret: 's', idMinistryJustice: '38' };
const national = { variant: 'national' as const, submitUrl: 'https://lltp.moj.gov.vn/api/guiHoSo', resultUrl: 'https://lltp.moj.gov.vn/api/traKetQua', authKey: 'k', maTinh: '38' };

describe('judicial-records settings', () => {
  it('takes a minimal endpoint of each variant; lgsp is the default', () => {
    expect(validate(lgsp)).toBe(true);
    expect(validate(national)).toBe(true);
  });

  it('requires what each variant needs', () => {
    expect(validate({ baseUrl: lgsp.baseUrl })).toBe(false);
    expect(validate.errors?.map((e) => (e.params as { missingProperty?: string }).missingProperty).filter(Boolean)).toEqual(['consumerKey', 'consumerSecret', 'idMinistryJustice']);
    expect(validate({ ...national, authKey: undefined })).toBe(false);
    expect(validate({ variant: 'national', ...lgsp })).toBe(false);
  });

  it('refuses unknown settings and values outside their lists', () => {
    expect(validate({ ...lgsp, password: 'x' })).toBe(false);
    expect(validate({ ...lgsp, formKeys: 'xml' })).toBe(false);
    expect(validate({ ...lgsp, statusMap: { '5': 11 } })).toBe(false);
    expect(validate({ ...lgsp, operationPaths: { nhanHoSoDangKy: 'a b' } })).toBe(false);
    expect(validate({ ...national, maTinh: 'H56' })).toBe(false);
    expect(validate({ ...lgsp, baseUrl: 'ftp://x/' })).toBe(false);
  });

  it('marks the consumer secret and the province key as secrets', () => {
    expect(judicialRecordsAdapter.secretSettings).toEqual(['consumerSecret', 'authKey']);
  });

  it('applies the documented defaults', () => {
    const resolved = resolveJudicialRecordsSettings(lgsp) as ResolvedLgspSettings & { timeoutMs: number };
    expect(resolved.tokenUrl.href).toBe('https://api.thanhhoa.gov.vn/token');
    expect(resolved).toMatchObject({ variant: 'lgsp', formKeys: 'ws', receiptNumber: 'number', statusChecksPerRun: 20, successStatuses: ['1'], statusMap: { '3': 2, '4': 4, '5': 9 }, timeoutMs: 10_000 });
    expect(lgspOperationUrl(resolved, 'nhanHoSoDangKy').href).toBe('https://api.thanhhoa.gov.vn/apiLyLichTuPhap/nhanHoSoDangKy');
    expect(lgspOperationUrl(resolved, 'traTrangThaiHs').href).toBe('https://api.thanhhoa.gov.vn/apiLyLichTuPhap/LLTP-API-traTrangThaiHs');
    const noSlash = resolveJudicialRecordsSettings({ ...lgsp, baseUrl: 'https://api.thanhhoa.gov.vn/apiLyLichTuPhap', operationPaths: { ketQuaXuLy: '/ketQuaXuLy' } }) as ResolvedLgspSettings;
    expect(lgspOperationUrl(noSlash, 'ketQuaXuLy').href).toBe('https://api.thanhhoa.gov.vn/apiLyLichTuPhap/ketQuaXuLy');
    expect(resolveJudicialRecordsSettings(national)).toMatchObject({ successPhrases: ['gửi thông tin thành công'], nationalityCodes: { '3106': 'VN' }, ethnicCodes: { '55305': '01' }, pollConcurrency: 4 });
  });
});
