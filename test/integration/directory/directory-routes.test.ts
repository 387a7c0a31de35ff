import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceDirectory } from '../../../src/directory/replace-directory.js';
import type { DirectoryAgency } from '../../../src/domain/directory-agency.js';
import { STORES } from '../../helpers/test-db.js';
import { startTestHub, type TestHub } from '../../helpers/test-hub.js';

const AGENCIES: DirectoryAgency[] = [
  { id: '1', code102: '000.00.00.G22', codeQd20: 'G22', name: 'Văn phòng Chính phủ', mail: 'vpcp@chinhphu.vn', modifiedAt: '2025-10-01T00:00:00Z' },
  { id: '2', code102: '000.00.00.H41', codeQd20: 'H41', name: 'Ủy ban nhân dân tỉnh Nghệ An' },
  { id: '3', parentId: '2', code102: '000.00.15.H41', codeQd20: 'H41.15', name: 'Sở Tư pháp tỉnh Nghệ An' },
  { id: '4', code102: '000.00.00.H56', codeQd20: 'H56', name: 'Ủy ban nhân dân tỉnh Thanh Hóa' },
  { id: '5', parentId: '4', code102: '000.00.14.H56', codeQd20: 'H56.14', name: 'Sở Tư pháp tỉnh Thanh Hóa' },
  { id: '6', code102: '01.02.G22', name: 'Đơn vị mã cũ' },
  { id: '7', code102: '000.00.00.H14', codeQd20: 'H14', name: 'Ủy ban nhân dân tỉnh Cao Bằng', deleted: true },
];

describe.each(STORES)('directory API (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store, { roles: { api: true, worker: false } });
    await replaceDirectory(t.hub.db, 'vxp', AGENCIES, { now: new Date('2026-11-22T00:00:00Z') });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('needs a key; any agency or role may read', async () => {
    expect(await t.call('GET', '/v1/directory/agencies')).toMatchObject({ status: 401, json: { code: 'HUB_ERR_UNAUTHENTICATED' } });
    expect((await t.call('GET', '/v1/directory/agencies/H41')).status).toBe(401);
    for (const key of [t.keys.h41, t.keys.g22, t.keys.admin, t.keys.operator, t.keys.auditor]) {
      expect((await t.call('GET', '/v1/directory/agencies/H41', { key })).status).toBe(200);
      expect((await t.call('GET', '/v1/directory/agencies?limit=1', { key })).status).toBe(200);
    }
  });

  it('finds one live agency by either code form, 404 otherwise', async () => {
    const expected = {
      source: 'vxp', id: '3', parentId: '2', code102: '000.00.15.H41', codeQd20: 'H41.15', name: 'Sở Tư pháp tỉnh Nghệ An', syncedAt: '2026-11-22T00:00:00.000Z',
    };
    expect(await t.call('GET', '/v1/directory/agencies/000.00.15.H41', { key: t.keys.h41 })).toMatchObject({ status: 200, json: expected });
    expect((await t.call('GET', '/v1/directory/agencies/H41.15', { key: t.keys.h41 })).json).toEqual(expected);
    expect((await t.call('GET', '/v1/directory/agencies/G22', { key: t.keys.h41 })).json).toMatchObject({ mail: 'vpcp@chinhphu.vn', modifiedAt: '2025-10-01T00:00:00.000Z' });
    expect((await t.call('GET', '/v1/directory/agencies/01.02.G22', { key: t.keys.h41 })).json).toMatchObject({ id: '6' });

    for (const code of ['000.00.00.H99', 'H14']) { // unknown; deleted
      const missing = await t.call('GET', `/v1/directory/agencies/${code}`, { key: t.keys.h41 });
      expect(missing.status).toBe(404);
      expect(missing.json).toMatchObject({ code: 'HUB_ERR_NOT_FOUND', errorId: expect.any(String) });
    }
    const bad = await t.call('GET', `/v1/directory/agencies/${encodeURIComponent('bad code!')}`, { key: t.keys.h41 });
    expect(bad).toMatchObject({ status: 400, json: { code: 'HUB_ERR_VALIDATION' } });
  });

  it('pages the live directory in name order with nextCursor', async () => {
    const names: string[] = [];
    let path = '/v1/directory/agencies?limit=4';
    for (;;) {
      const page = await t.call('GET', path, { key: t.keys.g22 });
      expect(page.status).toBe(200);
      expect(Object.keys(page.json).sort()).toEqual(['items', 'nextCursor']);
      names.push(...page.json.items.map((a: { name: string }) => a.name));
      if (page.json.nextCursor === null) break;
      path = `/v1/directory/agencies?limit=4&cursor=${page.json.nextCursor}`;
    }
    expect(names).toEqual([
      'Đơn vị mã cũ', 'Sở Tư pháp tỉnh Nghệ An', 'Sở Tư pháp tỉnh Thanh Hóa', 'Ủy ban nhân dân tỉnh Nghệ An', 'Ủy ban nhân dân tỉnh Thanh Hóa', 'Văn phòng Chính phủ',
    ]);
    const all = await t.call('GET', '/v1/directory/agencies', { key: t.keys.g22 });
    expect(all.json.items).toHaveLength(6);
    expect(all.json.nextCursor).toBeNull();
  });

  it('searches by name words (accents ignored) and by code', async () => {
    const ids = async (q: string) => (await t.call('GET', `/v1/directory/agencies?q=${encodeURIComponent(q)}`, { key: t.keys.g22 })).json.items.map((a: { id: string }) => a.id);
    expect(await ids('tư pháp')).toEqual(['3', '5']);
    expect(await ids('thanh hoa')).toEqual(['5', '4']);
    expect(await ids('H41')).toEqual(['3', '2']);
    expect(await ids('000.00.00.G22')).toEqual(['1']);
    expect(await ids('cao bang')).toEqual([]); // deleted
  });

  it('refuses bad query parameters', async () => {
    for (const query of ['limit=0', 'limit=501', 'cursor=%21%21', `cursor=${Buffer.from('["x"]').toString('base64url')}`, 'q=', 'other=1']) {
      const r = await t.call('GET', `/v1/directory/agencies?${query}`, { key: t.keys.g22 });
      expect(r.status, query).toBe(400);
      expect(r.json.code, query).toBe('HUB_ERR_VALIDATION');
    }
  });

  it('appears in the OpenAPI document', async () => {
    const doc = (await t.call('GET', '/docs/json')).json;
    expect(doc.paths['/v1/directory/agencies'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'limit', 'q']);
    expect(doc.paths['/v1/directory/agencies/{code}'].get.parameters).toEqual([expect.objectContaining({ name: 'code', in: 'path', required: true })]);
    const component = (response: any) => doc.components.schemas[response.content['application/json'].schema.$ref.split('/').pop()];
    expect(component(doc.paths['/v1/directory/agencies/{code}'].get.responses['200']).properties.codeQd20).toMatchObject({ type: 'string' });
    const page = component(doc.paths['/v1/directory/agencies'].get.responses['200']);
    expect(page.required).toEqual(['items', 'nextCursor']);
    expect(page.properties.nextCursor).toMatchObject({ type: 'string', nullable: true });
  });
});
