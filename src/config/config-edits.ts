import { isDeepStrictEqual } from 'node:util';
import { hubError } from '../errors.js';
import { isWholePlaceholder } from './substitute-env.js';

/**
 * Edits of the admin-authored configuration document, one agency, endpoint or route at a time: pure
 * functions over the document as authored (`${ENV}` placeholders kept), so the same edit can be
 * validated, stored as a revision and described in the history. Secrets are endpoint settings its
 * adapter names in `secretSettings`: write-only (an update that leaves one out, or sends the mask,
 * keeps the stored value), masked on every read, and never shown in a history entry.
 */

export type ConfigEntity = 'agency' | 'endpoint' | 'route';

/** An agency, endpoint or route as authored: a JSON object keyed by `code` or `id`. */
export type AuthoredItem = Record<string, unknown>;

/** The parts of the configuration document this module edits; everything else is carried along. */
export interface AuthoredDocument {
  agencies: AuthoredItem[];
  endpoints: AuthoredItem[];
  routes: AuthoredItem[];
  [section: string]: unknown;
}

export type ConfigEdit =
  | { entity: ConfigEntity; action: 'created'; item: AuthoredItem; position?: number }
  | { entity: ConfigEntity; action: 'updated'; id: string; item: AuthoredItem; position?: number }
  | { entity: ConfigEntity; action: 'disabled' | 'enabled'; id: string };

/** One changed value in a history entry: a JSON pointer into the item, before and after (absent: not there). */
export interface ConfigChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** What a secret looks like on every read, and the value an update may send back to keep it. */
export const SECRET_MASK = '********';
/** What a history entry shows in place of a secret value. */
const SECRET_IN_HISTORY = '(secret)';

const COLLECTION = { agency: 'agencies', endpoint: 'endpoints', route: 'routes' } as const satisfies Record<ConfigEntity, keyof AuthoredDocument>;
const KEY = { agency: 'code', endpoint: 'id', route: 'id' } as const satisfies Record<ConfigEntity, string>;
const NOUN = { agency: 'Agency', endpoint: 'Endpoint', route: 'Route' } as const satisfies Record<ConfigEntity, string>;

/** Which settings of an endpoint's adapter hold secrets (unknown adapter: none). */
export type SecretKeysOf = (adapter: unknown) => readonly string[];

export const keyOf = (entity: ConfigEntity, item: AuthoredItem): string => String(item[KEY[entity]]);
export const itemsOf = (doc: AuthoredDocument, entity: ConfigEntity): AuthoredItem[] => doc[COLLECTION[entity]];

/** The item `id` of `entity`, or HUB_ERR_NOT_FOUND. */
export function findItem(doc: AuthoredDocument, entity: ConfigEntity, id: string): { item: AuthoredItem; index: number } {
  const items = itemsOf(doc, entity);
  const index = items.findIndex((item) => keyOf(entity, item) === id);
  if (index < 0) throw hubError('HUB_ERR_NOT_FOUND', [`${NOUN[entity]} ${id}`]);
  return { item: items[index]!, index };
}

/**
 * The document after `edit`, with the item before and after it. Creating an id that exists, or
 * updating one to another id, is a conflict; updating or switching one that does not exist is
 * not found. An endpoint's secrets left out of an update, or sent as the mask, keep their values.
 */
export function applyEdit(doc: AuthoredDocument, edit: ConfigEdit, secretKeysOf: SecretKeysOf): { document: AuthoredDocument; before?: AuthoredItem; after: AuthoredItem } {
  const items = [...itemsOf(doc, edit.entity)];
  const place = (item: AuthoredItem, position: number | undefined): void => {
    items.splice(position === undefined ? items.length : Math.max(0, Math.min(position, items.length)), 0, item);
  };
  let before: AuthoredItem | undefined;
  let after: AuthoredItem;
  if (edit.action === 'created') {
    const id = keyOf(edit.entity, edit.item);
    if (items.some((item) => keyOf(edit.entity, item) === id)) throw hubError('HUB_ERR_CONFIG_CONFLICT', [`${NOUN[edit.entity]} ${id} already exists`]);
    after = edit.entity === 'endpoint' ? withoutMasks(edit.item, secretKeysOf) : edit.item;
    place(after, edit.position);
  } else {
    const { item, index } = findItem(doc, edit.entity, edit.id);
    before = item;
    items.splice(index, 1);
    if (edit.action === 'updated') {
      const id = keyOf(edit.entity, edit.item);
      if (id !== edit.id) throw hubError('HUB_ERR_CONFIG_CONFLICT', [`${KEY[edit.entity]} ${id} in the body is not ${edit.id} in the path: an id cannot change`]);
      after = edit.entity === 'endpoint' ? keepSecrets(edit.item, item, secretKeysOf) : edit.item;
      place(after, edit.position ?? index);
    } else {
      const { disabled: _disabled, ...rest } = item;
      after = edit.action === 'disabled' ? { ...rest, disabled: true } : rest;
      place(after, index);
    }
  }
  return { document: { ...doc, [COLLECTION[edit.entity]]: items }, ...(before ? { before } : {}), after };
}

const settingsOf = (endpoint: AuthoredItem): Record<string, unknown> =>
  (endpoint.settings && typeof endpoint.settings === 'object' ? endpoint.settings : {}) as Record<string, unknown>;

/** A new endpoint cannot send the mask for a secret it never had. */
function withoutMasks(endpoint: AuthoredItem, secretKeysOf: SecretKeysOf): AuthoredItem {
  const settings = settingsOf(endpoint);
  const masked = secretKeysOf(endpoint.adapter).filter((key) => settings[key] === SECRET_MASK);
  if (masked.length > 0) throw hubError('HUB_ERR_CONFIG_REJECTED', [`settings ${masked.join(', ')}: give the secret itself or a \${ENV} placeholder, not the mask`]);
  return endpoint;
}

/** The update's settings, with each secret it leaves out or masks taken from the stored endpoint. */
function keepSecrets(update: AuthoredItem, stored: AuthoredItem, secretKeysOf: SecretKeysOf): AuthoredItem {
  if (update.adapter !== stored.adapter) return withoutMasks(update, secretKeysOf);
  const settings = { ...settingsOf(update) };
  const old = settingsOf(stored);
  for (const key of secretKeysOf(update.adapter)) {
    if ((settings[key] === undefined || settings[key] === SECRET_MASK) && old[key] !== undefined) settings[key] = old[key];
  }
  return { ...update, settings };
}

/** A value that is a whole `${NAME}` placeholder names where the secret lives, not the secret: it may be shown. */
const isPlaceholder = isWholePlaceholder;

/** The item as it may be shown: an endpoint's secret settings masked (placeholders shown as written). */
export function maskItem(entity: ConfigEntity, item: AuthoredItem, secretKeysOf: SecretKeysOf): AuthoredItem {
  if (entity !== 'endpoint') return item;
  const settings = { ...settingsOf(item) };
  for (const key of secretKeysOf(item.adapter)) {
    if (settings[key] !== undefined && !isPlaceholder(settings[key])) settings[key] = SECRET_MASK;
  }
  return { ...item, settings };
}

/** The document as it may be shown: every endpoint masked. */
export function maskDocument(doc: AuthoredDocument, secretKeysOf: SecretKeysOf): AuthoredDocument {
  return { ...doc, endpoints: doc.endpoints.map((e) => maskItem('endpoint', e, secretKeysOf)) };
}

const escapePointer = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * What changed between two versions of an item, leaf by leaf (arrays compare whole), as JSON
 * pointers. A secret's values are replaced by "(secret)": the history says that it changed, not to what.
 */
export function diffItems(entity: ConfigEntity, before: AuthoredItem | undefined, after: AuthoredItem, secretKeysOf: SecretKeysOf): ConfigChange[] {
  const secrets = new Set(entity === 'endpoint' ? [...secretKeysOf(before?.adapter), ...secretKeysOf(after.adapter)].map((k) => `/settings/${escapePointer(k)}`) : []);
  const changes: ConfigChange[] = [];
  const shownSecret = (v: unknown): unknown => (isPlaceholder(v) ? v : SECRET_IN_HISTORY);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (secrets.has(path)) {
      // A secret is one value, whatever its shape: that it changed is all the history says.
      if (!isDeepStrictEqual(a, b)) changes.push({ path, ...(a !== undefined ? { before: shownSecret(a) } : {}), ...(b !== undefined ? { after: shownSecret(b) } : {}) });
      return;
    }
    // Into objects, also one that is new or gone (its leaves are listed, a secret among them masked).
    if ((isObject(a) || a === undefined) && (isObject(b) || b === undefined) && (a !== undefined || b !== undefined)) {
      const x = a ?? {};
      const y = b ?? {};
      for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) walk(x[key], y[key], `${path}/${escapePointer(key)}`);
      return;
    }
    if (isDeepStrictEqual(a, b)) return;
    changes.push({ path, ...(a !== undefined ? { before: a } : {}), ...(b !== undefined ? { after: b } : {}) });
  };
  walk(before ?? {}, after, '');
  return changes;
}
