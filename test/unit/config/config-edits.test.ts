import { describe, expect, it } from 'vitest';
import { applyEdit, diffItems, maskDocument, maskItem, SECRET_MASK, type AuthoredDocument } from '../../../src/config/config-edits.js';
import { substituteEnv } from '../../../src/config/substitute-env.js';

const secretKeysOf = (adapter: unknown): readonly string[] => (adapter === 'http-endpoint' ? ['headers'] : adapter === 'vdxp' ? ['secretKey'] : []);
const doc = (): AuthoredDocument => ({
  hub: { name: 'test' },
  agencies: [{ code: '000.00.00.H41', name: 'Nghệ An', endpoint: 'h41' }],
  endpoints: [
    { id: 'h41', adapter: 'http-endpoint', settings: { url: 'https://h41.example/in', headers: { authorization: 'Bearer s3cret' } } },
    { id: 'axis', adapter: 'vdxp', settings: { systemId: 'x', secretKey: '${AXIS_SECRET}' } },
  ],
  routes: [{ id: 'a', match: {}, endpoint: 'h41' }, { id: 'b', match: {}, endpoint: 'h41' }],
});

describe('configuration edits', () => {
  it('creates at a position, and refuses an id that exists', () => {
    const { document, after } = applyEdit(doc(), { entity: 'route', action: 'created', item: { id: 'c', match: {}, endpoint: 'h41' }, position: 1 }, secretKeysOf);
    expect(document.routes.map((r) => r.id)).toEqual(['a', 'c', 'b']);
    expect(after).toEqual({ id: 'c', match: {}, endpoint: 'h41' });
    expect(() => applyEdit(doc(), { entity: 'route', action: 'created', item: { id: 'a', match: {}, endpoint: 'h41' } }, secretKeysOf))
      .toThrow(expect.objectContaining({ code: 'HUB_ERR_CONFIG_CONFLICT' }));
  });

  it('replaces in place or moves, and refuses a missing item or a changed id', () => {
    const moved = applyEdit(doc(), { entity: 'route', action: 'updated', id: 'b', item: { id: 'b', match: { kind: 'status' }, endpoint: 'h41' }, position: 0 }, secretKeysOf);
    expect(moved.document.routes.map((r) => r.id)).toEqual(['b', 'a']);
    expect(moved.before).toEqual({ id: 'b', match: {}, endpoint: 'h41' });
    expect(() => applyEdit(doc(), { entity: 'agency', action: 'updated', id: '000.00.00.Z01', item: { code: '000.00.00.Z01', name: 'x' } }, secretKeysOf))
      .toThrow(expect.objectContaining({ code: 'HUB_ERR_NOT_FOUND' }));
    expect(() => applyEdit(doc(), { entity: 'agency', action: 'updated', id: '000.00.00.H41', item: { code: '000.00.00.H42', name: 'x' } }, secretKeysOf))
      .toThrow(expect.objectContaining({ code: 'HUB_ERR_CONFIG_CONFLICT' }));
  });

  it('disables and enables without touching the rest of the item or the document', () => {
    const off = applyEdit(doc(), { entity: 'agency', action: 'disabled', id: '000.00.00.H41' }, secretKeysOf);
    expect(off.document.agencies[0]).toEqual({ code: '000.00.00.H41', name: 'Nghệ An', endpoint: 'h41', disabled: true });
    expect(off.document.hub).toEqual({ name: 'test' });
    const on = applyEdit(off.document, { entity: 'agency', action: 'enabled', id: '000.00.00.H41' }, secretKeysOf);
    expect(on.document.agencies[0]).toEqual(doc().agencies[0]);
  });

  it('keeps a secret an update leaves out or masks, takes a new one, and refuses the mask on a new endpoint', () => {
    const kept = applyEdit(doc(), { entity: 'endpoint', action: 'updated', id: 'h41', item: { id: 'h41', adapter: 'http-endpoint', settings: { url: 'https://h41.example/v2', headers: SECRET_MASK } } }, secretKeysOf);
    expect(kept.after.settings).toEqual({ url: 'https://h41.example/v2', headers: { authorization: 'Bearer s3cret' } });
    const omitted = applyEdit(doc(), { entity: 'endpoint', action: 'updated', id: 'h41', item: { id: 'h41', adapter: 'http-endpoint', settings: { url: 'https://h41.example/in' } } }, secretKeysOf);
    expect(omitted.after.settings).toEqual(doc().endpoints[0]!.settings);
    const replaced = applyEdit(doc(), { entity: 'endpoint', action: 'updated', id: 'h41', item: { id: 'h41', adapter: 'http-endpoint', settings: { url: 'https://h41.example/in', headers: { authorization: 'Bearer new' } } } }, secretKeysOf);
    expect(replaced.after.settings).toMatchObject({ headers: { authorization: 'Bearer new' } });
    expect(() => applyEdit(doc(), { entity: 'endpoint', action: 'created', item: { id: 'new', adapter: 'http-endpoint', settings: { url: 'https://x/', headers: SECRET_MASK } } }, secretKeysOf))
      .toThrow(expect.objectContaining({ code: 'HUB_ERR_CONFIG_REJECTED' }));
  });

  it('masks secrets on reads, but shows a whole ${ENV} placeholder', () => {
    const masked = maskDocument(doc(), secretKeysOf);
    expect(masked.endpoints[0]!.settings).toEqual({ url: 'https://h41.example/in', headers: SECRET_MASK });
    expect(masked.endpoints[1]!.settings).toEqual({ systemId: 'x', secretKey: '${AXIS_SECRET}' });
    expect(maskItem('route', doc().routes[0]!, secretKeysOf)).toEqual(doc().routes[0]);
    expect(JSON.stringify(masked)).not.toContain('s3cret');
  });

  it('lists what changed as JSON pointers, a secret as one value whose content never shows', () => {
    const before = doc().endpoints[0]!;
    const after = { ...before, settings: { url: 'https://h41.example/v2', headers: { authorization: 'Bearer new', 'x-extra': '1' } }, timeout: '5s' };
    expect(diffItems('endpoint', before, after, secretKeysOf)).toEqual([
      { path: '/settings/url', before: 'https://h41.example/in', after: 'https://h41.example/v2' },
      { path: '/settings/headers', before: '(secret)', after: '(secret)' },
      { path: '/timeout', after: '5s' },
    ]);
    expect(diffItems('endpoint', undefined, before, secretKeysOf)).toContainEqual({ path: '/settings/headers', after: '(secret)' });
    expect(diffItems('route', { id: 'a/b', match: { 'x~y': 1 } }, { id: 'a/b', match: {} }, secretKeysOf)).toEqual([{ path: '/match/x~0y', before: 1 }]);
    expect(diffItems('agency', doc().agencies[0], doc().agencies[0]!, secretKeysOf)).toEqual([]);
  });

  it('shows only what substitution treats as a placeholder: ${UPPER} names a variable, ${lower} is a literal secret', () => {
    const endpoint = (headers: unknown) => ({ id: 'h41', adapter: 'http-endpoint', settings: { url: 'https://h41.example/in', headers } });
    expect(maskItem('endpoint', endpoint('${H41_HEADERS}'), secretKeysOf).settings).toEqual({ url: 'https://h41.example/in', headers: '${H41_HEADERS}' });
    expect(maskItem('endpoint', endpoint('${abc}'), secretKeysOf).settings).toEqual({ url: 'https://h41.example/in', headers: SECRET_MASK });
    expect(substituteEnv('${abc}', { abc: 'x' }).value).toBe('${abc}');
    expect(diffItems('endpoint', endpoint('${abc}'), endpoint('${Abc}'), secretKeysOf)).toEqual([{ path: '/settings/headers', before: '(secret)', after: '(secret)' }]);
  });
});
