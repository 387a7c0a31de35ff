/**
 * UUIDs in paths and query strings, in lower case: `format: uuid` accepts either case, PostgreSQL
 * stores and compares them case-blind, but whatever the hub signs or hashes from the request — a
 * receipt's `messageId`, an audit event's digest — must spell an id the one way the database gives
 * it back, or the evidence stops verifying against the stored rows.
 */

type Validate = ((data: unknown) => unknown) & { errors?: unknown };

interface ObjectSchema {
  properties?: Record<string, { format?: unknown } | undefined>;
}

/** `validate`, followed (when it passes) by lower-casing the `format: uuid` properties of the object it checked. */
export function withCanonicalUuids<V extends Validate>(schema: unknown, validate: V): V {
  const properties = (schema as ObjectSchema | undefined)?.properties ?? {};
  const uuidKeys = Object.keys(properties).filter((key) => properties[key]?.format === 'uuid');
  if (uuidKeys.length === 0) return validate;
  const wrapped = ((data: unknown) => {
    const valid = validate(data);
    wrapped.errors = validate.errors;
    if (valid === true && typeof data === 'object' && data !== null) {
      const values = data as Record<string, unknown>;
      for (const key of uuidKeys) {
        const value = values[key];
        if (typeof value === 'string') values[key] = value.toLowerCase();
      }
    }
    return valid;
  }) as V;
  return wrapped;
}
