import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { packageRoot } from './paths.js';

// ajv-formats is CommonJS with a default export; NodeNext sees the module object.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

export const SCHEMA_BASE = 'https://lienthong.vn/schemas/';

/** A JSON Schema with an `$id`. */
export type IdentifiedSchema = Record<string, unknown> & { $id: string };

/**
 * The flat catalogue of JSON Schemas in `schemas/` plus the adapters' settings schemas, and the Ajv
 * instances that validate against it. `strict` validates bodies and configuration exactly
 * (no coercion, no stripping: unknown properties are errors); `coercing` turns query-string and
 * environment strings into the declared numbers and booleans.
 */
export interface SchemaCatalogue {
  schemas: readonly IdentifiedSchema[];
  strict: Ajv;
  coercing: Ajv;
  /** Compiled validator for a catalogue schema by file name (`message-request`) or full `$id`. */
  validator<T>(idOrName: string): ValidateFunction<T>;
}

export function loadSchemaFiles(dir = join(packageRoot(), 'schemas')): IdentifiedSchema[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as IdentifiedSchema);
}

function newAjv(coerce: boolean, schemas: readonly IdentifiedSchema[]): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictRequired: false,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: coerce,
    removeAdditional: false,
  });
  addFormats(ajv);
  ajv.addFormat('date-time', { ...rfc3339DateTime, type: 'string', validate: isStorableDateTime });
  // `example` is an OpenAPI annotation; declare it so strict mode accepts it.
  ajv.addVocabulary(['example']);
  for (const schema of schemas) ajv.addSchema(schema);
  return ajv;
}

const rfc3339DateTime = fullFormats['date-time'] as { validate: (text: string) => boolean; compare: (a: string, b: string) => number | undefined };

/**
 * The `date-time` format: RFC 3339 (ajv-formats' full check), and an instant the hub can compute
 * with and store — JavaScript's Date parses it (not a leap second, `23:59:60`, which Date refuses),
 * its year in UTC is 0001–9999 (PostgreSQL has no year 0) and its offset is at most ±14:00 (no
 * time zone has more; PostgreSQL refuses some that RFC 3339 allows). Anything else is a 400 naming
 * the field, never a 500 from a query or an Invalid Date stored.
 */
export function isStorableDateTime(text: string): boolean {
  if (!rfc3339DateTime.validate(text)) return false;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return false;
  const year = new Date(ms).getUTCFullYear();
  if (year < 1 || year > 9999) return false;
  const offset = /([+-])(\d\d):?(\d\d)$/.exec(text);
  return !offset || Number(offset[2]) * 60 + Number(offset[3]) <= 14 * 60;
}

export function createSchemaCatalogue(extra: readonly IdentifiedSchema[] = []): SchemaCatalogue {
  const schemas = [...loadSchemaFiles(), ...extra];
  const strict = newAjv(false, schemas);
  const coercing = newAjv(true, schemas);
  return {
    schemas,
    strict,
    coercing,
    validator<T>(idOrName: string): ValidateFunction<T> {
      const id = idOrName.includes('://') ? idOrName : `${SCHEMA_BASE}${idOrName}.json`;
      const fn = strict.getSchema<T>(id);
      if (!fn) throw new Error(`No schema ${id} in the catalogue`);
      return fn;
    },
  };
}

/** One line per error, each with its JSON pointer: `/endpoints/2/settings/url must match format "uri"`. */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined, root = ''): string[] {
  return (errors ?? []).map((e) => {
    const path = `${root}${e.instancePath}` || '/';
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
    return `${path} ${e.message ?? 'is invalid'}${extra}`;
  });
}
