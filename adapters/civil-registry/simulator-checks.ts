import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { packageRoot } from '../../src/paths.js';
import { formatAjvErrors } from '../../src/schema-catalogue.js';
import { CIVIL_PAYLOAD_TYPES, type CivilPayloadType } from './modules.js';
import { isRealDottedDate, parseVnDateTime } from './vn-time.js';

// ajv-formats is CommonJS with a default export; NodeNext sees the module object.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

/** Checks a registration the simulated system received; a text saying what is wrong, or `undefined`. */
export type RegistrationCheck = (payloadType: CivilPayloadType, registration: Record<string, unknown>) => string | undefined;

/**
 * The simulated system's field checks, compiled once per simulator from `schemas/dossier-payload-*.json`
 * (required fields, formats, lengths): `json` for registrations received as JSON (btp), `xml` for
 * those read back from the LGSP XML, where every value is text (numbers are read as numbers).
 * Calendar dates are checked beyond the patterns (31.02 is refused).
 */
export function registrationChecks(): { json: RegistrationCheck; xml: RegistrationCheck } {
  const compile = (coerce: boolean): Record<CivilPayloadType, ValidateFunction> => {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, coerceTypes: coerce, removeAdditional: false });
    addFormats(ajv);
    const schemas = join(packageRoot(), 'schemas');
    return Object.fromEntries(
      CIVIL_PAYLOAD_TYPES.map((type) => [type, ajv.compile(JSON.parse(readFileSync(join(schemas, `dossier-payload-${type}.json`), 'utf8')) as object)]),
    ) as Record<CivilPayloadType, ValidateFunction>;
  };
  const check = (validators: Record<CivilPayloadType, ValidateFunction>): RegistrationCheck => (payloadType, registration) => {
    const validate = validators[payloadType];
    if (!validate(registration)) return formatAjvErrors(validate.errors).slice(0, 5).join('; ');
    const unreal = unrealDates(registration);
    return unreal.length > 0 ? `not a calendar date: ${unreal.join(', ')}` : undefined;
  };
  return { json: check(compile(false)), xml: check(compile(true)) };
}

/** Fields written `dd.MM.yyyy` that name no real day. */
function unrealDates(registration: Record<string, unknown>): string[] {
  return Object.entries(registration)
    .filter(([, value]) => typeof value === 'string' && /^\d{2}\.\d{2}\.\d{4}$/.test(value) && !isRealDottedDate(value))
    .map(([name]) => name);
}

/** `dd/MM/yyyy HH:mm:ss` naming a real instant. */
export function isVnDateTime(value: unknown): value is string {
  return typeof value === 'string' && /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/.test(value) && parseVnDateTime(value) !== undefined;
}

/** The one-stop dossier number form `<agency code>-<yyMMdd>-<seq>` (docs/domain-vn.md §4.4). */
export function isDossierNumber(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9A-Za-z.]{1,40}-[0-9]{6}-[0-9]{4,5}$/.test(value);
}

/** A BTP administrative-unit code, as text or as a JSON number (`Long` in the LGSP guide). */
export function officeCode(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  return typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? value : undefined;
}
