import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
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
  // `example` is an OpenAPI annotation; declare it so strict mode accepts it.
  ajv.addVocabulary(['example']);
  for (const schema of schemas) ajv.addSchema(schema);
  return ajv;
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
