import { describe, expect, it } from 'vitest';
import { createSchemaCatalogue } from '../../../src/schema-catalogue.js';
import { payloadOf } from '../../fixtures/civil-registry/delivery-context.js';

// The payload schemas are loaded by the project's catalogue (strict Ajv), as the hub validates payloads.
const catalogue = createSchemaCatalogue();
const validatorOf = (type: 'birth' | 'death' | 'marriage') => catalogue.validator<Record<string, unknown>>(`dossier-payload-${type}`);

function errorsOf(type: 'birth' | 'death' | 'marriage', payload: Record<string, unknown>): string[] {
  const validate = validatorOf(type);
  return validate(payload) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`.trim());
}

describe('dossier payload schemas of the civil registry', () => {
  it.each(['birth', 'death', 'marriage'] as const)('%s: the catalogue holds it under its $id, with a description on every property', (type) => {
    const schema = catalogue.schemas.find((s) => s.$id === `https://lienthong.vn/schemas/dossier-payload-${type}.json`) as unknown as { properties: Record<string, { description?: string }>; $defs: { diaChi: { properties: Record<string, { description?: string }> } }; additionalProperties: boolean };
    expect(schema).toBeDefined();
    expect(schema.additionalProperties).toBe(false);
    for (const [name, property] of [...Object.entries(schema.properties), ...Object.entries(schema.$defs.diaChi.properties)]) expect(property.description, name).toBeTruthy();
  });

  it.each(['birth', 'death', 'marriage'] as const)('%s: the fixture is valid', (type) => {
    expect(errorsOf(type, payloadOf(type))).toEqual([]);
  });

  it.each<[string, 'birth' | 'death' | 'marriage', Record<string, unknown>, string]>([
    ['birth without the child’s date of birth', 'birth', { nksNgaySinh: undefined }, "must have required property 'nksNgaySinh'"],
    ['birth with an ISO date', 'birth', { nksNgaySinh: '2026-12-01' }, '/nksNgaySinh must match pattern'],
    ['birth with dd/MM/yyyy', 'birth', { ngayCapGCS: '02/12/2026' }, '/ngayCapGCS must match pattern'],
    ['birth with a mother but not her nationality', 'birth', { meQuocTich: undefined }, "must have required property 'meQuocTich'"],
    ['birth with a field of its own', 'birth', { nksBietDanh: 'Bin' }, 'must NOT have additional properties'],
    ['birth with a 4-digit commune code', 'birth', { nksNoiSinh: { maTinh: '38', maXa: '1475' } }, '/nksNoiSinh/maXa must match pattern'],
    ['birth with an empty address', 'birth', { nksQueQuan: {} }, '/nksQueQuan must NOT have fewer than 1 properties'],
    ['birth with a name padded with spaces', 'birth', { nksHoTen: ' Lê Minh Khôi' }, '/nksHoTen must match pattern'],
    ['birth with an 11-digit personal number', 'birth', { meSoDDCN: '03819500123' }, '/meSoDDCN must match pattern'],
    ['birth with a registering office that is not a code', 'birth', { noiDangKy: 'Phường Đông Hải' }, '/noiDangKy must match pattern'],
    ['birth with a bad e-mail', 'birth', { nycEmail: 'le.van.thanh' }, '/nycEmail must match format "email"'],
    ['death without the place of death', 'death', { nktNoiChet: undefined }, "must have required property 'nktNoiChet'"],
    ['death with a time of death past midnight', 'death', { nktGioPhutChet: '24:10' }, '/nktGioPhutChet must match pattern'],
    ['death with a day-month birth date', 'death', { nktNgaySinh: '15.1941' }, '/nktNgaySinh must match pattern'],
    ['marriage with a partial birth date', 'marriage', { voNgaySinh: '1998' }, '/voNgaySinh must match pattern'],
    ['marriage with marriages counted as text', 'marriage', { chongSoLanKH: '0' }, '/chongSoLanKH must be integer'],
    ['marriage without the wife', 'marriage', { voHoTen: undefined }, "must have required property 'voHoTen'"],
  ])('refuses %s', (_case, type, change, expected) => {
    const payload = { ...payloadOf(type), ...change };
    for (const [key, value] of Object.entries(change)) if (value === undefined) delete payload[key];
    expect(errorsOf(type, payload).join('\n')).toContain(expected);
  });

  it('accepts the partial birth dates of a deceased person and dossiers without parents’ data', () => {
    expect(errorsOf('death', { ...payloadOf('death'), nktNgaySinh: '03.1941' })).toEqual([]);
    const birth = Object.fromEntries(Object.entries(payloadOf('birth')).filter(([key]) => !key.startsWith('cha') && !key.startsWith('me')));
    expect(errorsOf('birth', birth)).toEqual([]);
  });
});
