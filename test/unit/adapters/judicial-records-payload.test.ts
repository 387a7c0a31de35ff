import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { samplePayload, type JudicialRecordPayload } from '../../../adapters/judicial-records/index.js';
import { asJudicialRecordPayload } from '../../../adapters/judicial-records/payload.js';
import { createSchemaCatalogue, formatAjvErrors } from '../../../src/schema-catalogue.js';

// The hub's own catalogue (strict Ajv, every file in schemas/): the schema must load there.
const validate = createSchemaCatalogue().validator<JudicialRecordPayload>('dossier-payload-judicial-record');
const authorised = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/judicial-records/payload-authorised.json', import.meta.url)), 'utf8')) as JudicialRecordPayload;

function errorsOf(payload: unknown): string[] {
  return validate(payload) ? [] : formatAjvErrors(validate.errors);
}

/** The sample with a change to its declaration form. */
function withDeclaration(change: Record<string, unknown>, drop: readonly string[] = []): unknown {
  const payload = samplePayload() as unknown as { declarationWSForm: Record<string, unknown> };
  Object.assign(payload.declarationWSForm, change);
  for (const key of drop) delete payload.declarationWSForm[key];
  return payload;
}

describe('schemas/dossier-payload-judicial-record.json', () => {
  it('loads into the catalogue under its $id', () => {
    expect(validate.schema).toMatchObject({ $id: 'https://lienthong.vn/schemas/dossier-payload-judicial-record.json' });
  });

  it('takes the conformance sample and an authorised request with its mandator', () => {
    expect(errorsOf(samplePayload())).toEqual([]);
    expect(errorsOf(authorised)).toEqual([]);
    expect(asJudicialRecordPayload(authorised as unknown as Record<string, unknown>)).toBe(authorised);
  });

  it('requires mandatorWSForm when declareTypeId is 3845, and only then', () => {
    const { mandatorWSForm: _, ...withoutMandator } = authorised;
    expect(errorsOf(withoutMandator)).toContain("/ must have required property 'mandatorWSForm'");
    expect(errorsOf(withDeclaration({ declareTypeId: 3846 }))).toEqual([]);
  });

  it.each([
    ['genderId', 2],
    ['idTypeId', 4],
    ['declareTypeId', 3848],
    ['objectRequestId', 70],
    ['formType', 3],
    ['isBanPosition', 2],
    ['delivery', '1'],
    ['nationalityId', '3106'],
  ])('refuses %s = %j outside its code list or type', (field, value) => {
    expect(errorsOf(withDeclaration({ [field]: value })).some((e) => e.startsWith(`/declarationWSForm/${field} `))).toBe(true);
  });

  it.each([
    ['birthDateStr', '1990-05-12'],
    ['birthDateStr', '12/13/1990'],
    ['birthDateStr', '12/1990/05'],
    ['declareDate', '06/2026'],
    ['idIssueDate', '2021'],
    ['dadDob', '1/1/1962'],
  ])('refuses %s = %j, not the date form the LLTP takes', (field, value) => {
    expect(errorsOf(withDeclaration({ [field]: value }))).toEqual([`/declarationWSForm/${field} must match pattern "${patternOf(field)}"`]);
  });

  it.each([['12/05/1990'], ['05/1990'], ['1990']])('takes birthDateStr %j (dd/mm/yyyy, mm/yyyy or yyyy)', (value) => {
    expect(errorsOf(withDeclaration({ birthDateStr: value }))).toEqual([]);
  });

  it('requires the fields the guide marks required', () => {
    const errors = errorsOf(withDeclaration({}, ['fullName', 'phone', 'declareDate', 'requestQty']));
    for (const field of ['fullName', 'phone', 'declareDate', 'requestQty']) expect(errors).toContain(`/declarationWSForm must have required property '${field}'`);
    expect(errorsOf({ declarationWSForm: samplePayload().declarationWSForm })).toContain("/ must have required property 'residenceWSForm'");
    expect(errorsOf({ ...samplePayload(), residenceWSForm: [] })).toContain('/residenceWSForm must NOT have fewer than 1 items');
  });

  it('requires a delivery address when delivery by post is asked', () => {
    expect(errorsOf(withDeclaration({ delivery: 1 }))).toContain("/declarationWSForm must have required property 'deliveryAddress'");
  });

  it('refuses properties it does not know, at every level (never strips them)', () => {
    expect(errorsOf({ ...samplePayload(), idReceivedDec: 'x' })).toContain('/ must NOT have additional properties (idReceivedDec)');
    expect(errorsOf(withDeclaration({ giveProfileDistrict: '28' }))).toContain('/declarationWSForm must NOT have additional properties (giveProfileDistrict)');
    const payload = samplePayload();
    (payload.residenceWSForm[0] as unknown as Record<string, unknown>).noiCuTru = 'x';
    expect(errorsOf(payload)).toContain('/residenceWSForm/0 must NOT have additional properties (noiCuTru)');
  });

  it('refuses a phone with other characters than digits and a malformed e-mail', () => {
    expect(errorsOf(withDeclaration({ phone: '+84 912 345 678' }))[0]).toMatch(/^\/declarationWSForm\/phone /);
    expect(errorsOf(withDeclaration({ email: 'not-an-address' }))).toEqual(['/declarationWSForm/email must match format "email"']);
  });
});

describe('asJudicialRecordPayload', () => {
  it('names what is missing from a stored payload the adapter cannot use', () => {
    expect(asJudicialRecordPayload({ residenceWSForm: [] })).toEqual({ problem: 'payload has no declarationWSForm object' });
    expect(asJudicialRecordPayload({ declarationWSForm: {} })).toEqual({ problem: 'payload has no residenceWSForm array' });
    expect(asJudicialRecordPayload({ declarationWSForm: {}, residenceWSForm: [], mandatorWSForm: 'x' })).toEqual({ problem: 'mandatorWSForm is not an object' });
  });
});

function patternOf(field: string): string {
  const schema = validate.schema as { properties: { declarationWSForm: { properties: Record<string, { pattern?: string }> } } };
  return schema.properties.declarationWSForm.properties[field]?.pattern ?? '';
}
