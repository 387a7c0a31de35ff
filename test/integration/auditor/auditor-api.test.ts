import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dvcqgSimulatorPassword, startDvcqgSimulator, type DvcqgSimulatorHandle } from '../../../adapters/dvcqg/index.js';
import { judicialSimulatorSecret, samplePayload, startJudicialRecordsSimulator, type JudicialRecordsSimulatorHandle } from '../../../adapters/judicial-records/index.js';
import { quiesce, send } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

// The auditor API over a hub that exchanged documents (pushed through the http-endpoint adapter and
// pulled from inboxes) and filed a dossier (its submission through judicial-records, its portal
// sync through dvcqg): every filter against what was sent, keyset paging, cursors, roles, exports.

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
const H56 = '000.00.00.H56';
const CONSUMER = 'motcua-h56';
const COLUMNS = ['id', 'messageId', 'messageKind', 'sender', 'recipient', 'endpoint', 'adapter', 'state', 'attempts', 'businessStatus', 'remoteId',
  'lastError', 'documentNumber', 'documentNotation', 'subject', 'dossierNumber', 'createdAt', 'updatedAt', 'deliveredAt', 'failedAt'];

interface Delivery { id: string; messageId: string; sender: string; recipient: string; adapter: string | null; state: string; createdAt: string; subject: string | null; dossierNumber: string | null }
interface AuditEvent { id: number; at: string; actor: string; kind: string; messageId: string | null; deliveryId: string | null; data: Record<string, unknown>; seq: number | null; hash: string | null }
interface Page<T> { items: T[]; nextCursor: string | null }

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field); records.push(record); record = []; field = ''; i += 1;
    } else field += c;
  }
  expect(field === '' && record.length === 0, 'the CSV ends with CRLF').toBe(true);
  return records;
}

describe.each(STORES)('auditor API (%s store)', (store) => {
  let t: TestHub;
  let portal: DvcqgSimulatorHandle;
  let lltp: JudicialRecordsSimulatorHandle;
  const number = String(100_000 + Math.floor(Math.random() * 800_000));
  const subject = 'Về việc "thử nghiệm", kiểm tra\r\ncủa Thanh tra Chính phủ; ký hiệu QĐ-UBND';
  const fromH41: string[] = [];
  let x = '';
  let y = '';
  let dossier = { id: '', number: '' };

  const get = async <T>(path: string, key = t.keys.auditor): Promise<T> => {
    const r = await t.call('GET', path, { key });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json as T;
  };
  /** Every item of a query, following cursors, `limit` per page. */
  const all = async <T>(path: string, query: Record<string, string> = {}, limit = 1000): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
      const page: Page<T> = await get<Page<T>>(`${path}?${params}`);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };
  const deliveries = (query: Record<string, string> = {}) => all<Delivery>('/v1/audit/deliveries', query);
  const events = (query: Record<string, string> = {}) => all<AuditEvent>('/v1/audit/events', query);
  const pairs = (items: Delivery[]) => items.map((d) => `${d.messageId}→${d.recipient}`).sort();
  const keysetDesc = (a: { at: string; id: string }, b: { at: string; id: string }) => (a.at === b.at ? (a.id > b.id ? -1 : 1) : a.at > b.at ? -1 : 1);

  beforeAll(async () => {
    portal = await startDvcqgSimulator({ accounts: [{ username: H56, password: dvcqgSimulatorPassword(H56) }] });
    lltp = await startJudicialRecordsSimulator({ consumers: [{ consumerKey: CONSUMER, consumerSecret: judicialSimulatorSecret(CONSUMER) }] });
    t = await startTestHub(store, {
      env: { LIENTHONG_CONFIG: 'test/fixtures/config/test-hub-dossiers.json' },
      configEnv: {
        DVCQG_URL: portal.url, DVCQG_PASSWORD: dvcqgSimulatorPassword(H56), LLTP_URL: lltp.url, LLTP_SECRET: judicialSimulatorSecret(CONSUMER),
        HOTICH_URL: 'http://127.0.0.1:9', HOTICH_SECRET: 'unused',
      },
    });
    // One at a time: each later than the one before.
    for (let i = 0; i < 5; i += 1) fromH41.push(await send(t, t.keys.h41, documentBody(H41, [H56])));
    const docX = documentBody(G22, [H41, H14]);
    Object.assign(docX.document as object, { number, notation: 'VPCP-TTĐT', subject });
    x = await send(t, t.keys.g22, docX);
    const docY = documentBody(H56, [G22]);
    Object.assign(docY.document as object, { number, notation: 'QĐ-UBND' });
    y = await send(t, t.keys.h56, docY);
    const filed = await t.call('POST', '/v1/dossiers', {
      key: t.keys.h56,
      body: {
        procedure: { code: '2.000488.000.00.00.H56', name: 'Cấp Phiếu lý lịch tư pháp', field: { code: 'LLTP', name: 'Lý lịch tư pháp' } },
        applicant: { fullName: 'Lê Thị Hương', kind: 1, identities: [{ type: 1, number: '038190012345' }] },
        channel: 1, receivedAt: '2026-12-06T08:45:00+07:00', fees: [],
        documents: [{ name: 'to-khai.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.7 tờ khai').toString('base64'), componentCode: 'TK01' }],
        target: { system: 'judicial-records', payloadType: 'judicial-record', payload: samplePayload() },
      },
    });
    expect(filed.status, JSON.stringify(filed.json)).toBe(202);
    dossier = { id: filed.json.id, number: filed.json.number };
    await quiesce(t);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([portal?.close(), lltp?.close()]);
  });

  it('lets auditors and admins read; operators and agencies get 403, no key 401', async () => {
    for (const path of ['/v1/audit/deliveries', '/v1/audit/events', '/v1/audit/deliveries?format=csv', '/v1/audit/events?limit=0']) {
      for (const key of [t.keys.operator, t.keys.h56, t.keys.g22]) {
        const r = await t.call('GET', path, { key });
        expect(r.status).toBe(403);
        expect(r.json.code).toBe('HUB_ERR_FORBIDDEN');
      }
      expect((await t.call('GET', path)).status).toBe(401);
    }
    for (const key of [t.keys.auditor, t.keys.admin]) {
      expect((await t.call('GET', '/v1/audit/deliveries', { key })).status).toBe(200);
      expect((await t.call('GET', '/v1/audit/events', { key })).status).toBe(200);
    }
  });

  it('documents both routes and their query parameters in the OpenAPI description', async () => {
    const r = await t.call('GET', '/docs/json');
    expect(r.status).toBe(200);
    const names = (path: string) => (r.json.paths[path].get.parameters as { name: string; in: string }[]).filter((p) => p.in === 'query').map((p) => p.name).sort();
    expect(names('/v1/audit/deliveries')).toEqual(['adapter', 'agency', 'cursor', 'dossier', 'format', 'from', 'limit', 'messageId', 'messageKind', 'notation', 'number', 'order', 'recipient', 'sender', 'state', 'to']);
    expect(names('/v1/audit/events')).toEqual(['adapter', 'agency', 'cursor', 'dossier', 'format', 'from', 'kind', 'limit', 'messageId', 'notation', 'number', 'order', 'to']);
  });

  it('lists every delivery newest first, oldest first with order=asc, and pages through them without gaps or repeats', async () => {
    const { rows } = await t.hub.db.query<{ id: string }>('SELECT id FROM deliveries');
    const desc = await deliveries();
    expect(desc.map((d) => d.id).sort()).toEqual(rows.map((r) => r.id).sort());
    expect(desc.length).toBe(5 + 2 + 1 + 2); // fromH41, x, y, the dossier's submission and portal sync
    expect([...desc].sort((a, b) => keysetDesc({ at: a.createdAt, id: a.id }, { at: b.createdAt, id: b.id }))).toEqual(desc);
    expect((await deliveries({ order: 'asc' })).map((d) => d.id)).toEqual(desc.map((d) => d.id).reverse());
    for (const limit of [1, 3]) {
      const paged = await all<Delivery>('/v1/audit/deliveries', {}, limit);
      expect(paged.map((d) => d.id)).toEqual(desc.map((d) => d.id));
    }
    const first = await get<Page<Delivery>>('/v1/audit/deliveries?limit=10');
    expect(first.nextCursor).toBeNull();
    expect(desc.find((d) => d.messageId === x && d.recipient === H41)).toMatchObject({ sender: G22, state: 'queued', adapter: null, subject });
  });

  it('filters deliveries by agency (sender or recipient), message, document number and notation, dossier, state, adapter', async () => {
    expect(pairs(await deliveries({ agency: H41 }))).toEqual([...fromH41.map((id) => `${id}→${H56}`), `${x}→${H41}`].sort());
    expect(pairs(await deliveries({ agency: G22, notation: 'VPCP-TTĐT' }))).toEqual([`${x}→${H14}`, `${x}→${H41}`]);
    expect(pairs(await deliveries({ messageId: x }))).toEqual([`${x}→${H14}`, `${x}→${H41}`]);
    expect(pairs(await deliveries({ messageId: x.toUpperCase(), agency: H14 }))).toEqual([`${x}→${H14}`]);
    expect(pairs(await deliveries({ number }))).toEqual([`${x}→${H14}`, `${x}→${H41}`, `${y}→${G22}`].sort());
    expect(pairs(await deliveries({ number, notation: 'QĐ-UBND' }))).toEqual([`${y}→${G22}`]);
    expect(pairs(await deliveries({ notation: 'VPCP-TTĐT' }))).toEqual([`${x}→${H14}`, `${x}→${H41}`]);
    expect(await deliveries({ number: `${number}0` })).toEqual([]);

    const ofDossier = await deliveries({ dossier: dossier.number });
    expect(ofDossier.map((d) => d.adapter).sort()).toEqual(['dvcqg', 'judicial-records']);
    expect(ofDossier.every((d) => d.dossierNumber === dossier.number && d.state === 'delivered')).toBe(true);
    expect(await deliveries({ dossier: `${dossier.number}9` })).toEqual([]);
    // The one-stop system sends the dossier's messages: the submission to LLTP, the sync to the portal.
    expect(pairs(await deliveries({ agency: H56 }))).toEqual([...fromH41.map((id) => `${id}→${H56}`), `${y}→${G22}`, ...pairs(ofDossier)].sort());

    expect(pairs(await deliveries({ state: 'queued' }))).toEqual([`${x}→${H14}`, `${x}→${H41}`, `${y}→${G22}`].sort());
    expect((await deliveries({ state: 'delivered' })).length).toBe(5 + 2);
    expect(await deliveries({ state: 'failed' })).toEqual([]);
    expect(pairs(await deliveries({ adapter: 'http-endpoint' }))).toEqual(fromH41.map((id) => `${id}→${H56}`).sort());
    expect((await deliveries({ adapter: 'judicial-records' })).map((d) => d.messageId)).toEqual(ofDossier.filter((d) => d.adapter === 'judicial-records').map((d) => d.messageId));
    expect(await deliveries({ adapter: 'vdxp' })).toEqual([]);
    expect(pairs(await deliveries({ agency: H41, adapter: 'http-endpoint', state: 'delivered' }))).toEqual(fromH41.map((id) => `${id}→${H56}`).sort());
  });

  it('filters deliveries by sender, by recipient and by message kind, alone or with the other filters, paging in both orders', async () => {
    expect(pairs(await deliveries({ sender: H41 }))).toEqual(fromH41.map((id) => `${id}→${H56}`).sort());
    expect(pairs(await deliveries({ recipient: H41 }))).toEqual([`${x}→${H41}`]);
    expect(pairs(await deliveries({ sender: G22, recipient: H14 }))).toEqual([`${x}→${H14}`]);
    expect(await deliveries({ sender: H41, recipient: H14 })).toEqual([]);
    expect(pairs(await deliveries({ recipient: H56, messageKind: 'document' }))).toEqual(fromH41.map((id) => `${id}→${H56}`).sort());
    const dossierMessages = await deliveries({ messageKind: 'dossier' });
    expect(pairs(dossierMessages)).toEqual(pairs(await deliveries({ dossier: dossier.number })));
    expect(pairs(await deliveries({ sender: H56, messageKind: 'dossier' }))).toEqual(pairs(dossierMessages));
    expect(pairs(await deliveries({ agency: H56, sender: H41 }))).toEqual(fromH41.map((id) => `${id}→${H56}`).sort());
    expect(pairs(await deliveries({ number, sender: H56 }))).toEqual([`${y}→${G22}`]);
    expect(await deliveries({ sender: H41, messageKind: 'status' })).toEqual([]);
    const ranges: Record<string, string>[] = [{ sender: H41 }, { recipient: H56 }];
    for (const query of ranges) {
      const expected = await deliveries(query);
      for (const order of ['desc', 'asc']) {
        const paged = await all<Delivery>('/v1/audit/deliveries', { ...query, order }, 2);
        expect(paged.map((d) => d.id)).toEqual(order === 'desc' ? expected.map((d) => d.id) : expected.map((d) => d.id).reverse());
      }
    }
    expect((await t.call('GET', '/v1/audit/deliveries?messageKind=fax', { key: t.keys.auditor })).status).toBe(400);
  });

  it('pages an agency filter across pages with no duplicates or gaps, in both orders', async () => {
    const expected = await deliveries({ agency: H41 });
    for (const order of ['desc', 'asc']) {
      const paged = await all<Delivery>('/v1/audit/deliveries', { agency: H41, order }, 2);
      expect(paged.map((d) => d.id)).toEqual(order === 'desc' ? expected.map((d) => d.id) : expected.map((d) => d.id).reverse());
    }
  });

  it('bounds the time range half-open: from includes its instant, to excludes it', async () => {
    const ours = (await deliveries({ agency: H41 })).filter((d) => fromH41.includes(d.messageId)).reverse(); // oldest first
    const third = ours[2]!;
    const fromThird = await deliveries({ agency: H41, from: third.createdAt });
    expect(fromThird.some((d) => d.id === third.id)).toBe(true);
    expect(fromThird.every((d) => d.createdAt >= third.createdAt)).toBe(true);
    const beforeThird = await deliveries({ agency: H41, to: third.createdAt });
    expect(beforeThird.some((d) => d.id === third.id)).toBe(false);
    expect(beforeThird.every((d) => d.createdAt < third.createdAt)).toBe(true);
    expect(fromThird.length + beforeThird.length).toBe((await deliveries({ agency: H41 })).length);
    expect((await deliveries({ from: third.createdAt, to: ours[3]!.createdAt })).map((d) => d.id)).toEqual([third.id]);
    expect(await deliveries({ from: third.createdAt, to: third.createdAt })).toEqual([]);
    // An offset names the same instant: 07:00 in Hanoi is midnight UTC.
    const hanoi = (await get<Page<Delivery>>(`/v1/audit/deliveries?to=${encodeURIComponent('2000-01-01T07:00:00+07:00')}`)).items;
    expect(hanoi).toEqual([]);
  });

  it('refuses a cursor reused with other filters, another order or another resource, and one it did not issue (400 HUB_ERR_INVALID_CURSOR)', async () => {
    const page = await get<Page<Delivery>>(`/v1/audit/deliveries?agency=${H41}&limit=2`);
    const cursor = page.nextCursor!;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const ok = await get<Page<Delivery>>(`/v1/audit/deliveries?agency=${H41}&limit=5&cursor=${cursor}`);
    expect(ok.items.map((d) => d.id)).not.toContain(page.items[0]!.id);
    for (const path of [
      `/v1/audit/deliveries?agency=${H56}&cursor=${cursor}`, `/v1/audit/deliveries?cursor=${cursor}`,
      `/v1/audit/deliveries?agency=${H41}&order=asc&cursor=${cursor}`, `/v1/audit/deliveries?agency=${H41}&state=queued&cursor=${cursor}`,
      `/v1/audit/events?agency=${H41}&cursor=${cursor}`, `/v1/audit/deliveries?agency=${H56}&format=csv&cursor=${cursor}`,
      `/v1/audit/deliveries?cursor=${Buffer.from('[1,"2026-02-30T00:00:00.000000Z","00000000-0000-0000-0000-000000000000","x"]').toString('base64url')}`,
      '/v1/audit/deliveries?cursor=bm90LWEtY3Vyc29y',
    ]) {
      const r = await t.call('GET', path, { key: t.keys.auditor });
      expect(r.status, path).toBe(400);
      expect(r.json.code, path).toBe('HUB_ERR_INVALID_CURSOR');
    }
    for (const query of ['limit=0', 'limit=1001', 'state=lost', 'order=up', 'format=xml', 'from=yesterday', 'sender=G 22', 'recipient=..', 'messageKind=fax', 'kind=message.accepted']) {
      const r = await t.call('GET', `/v1/audit/deliveries?${query}`, { key: t.keys.auditor });
      expect(r.status, query).toBe(400);
      expect(r.json.code, query).toBe('HUB_ERR_VALIDATION');
    }
  });

  it('filters audit events by message, kind, agency, number, dossier and adapter, newest first', async () => {
    const everything = await events();
    const { rows } = await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
    expect(everything.length).toBe(rows[0]!.n);
    expect([...everything].sort((a, b) => keysetDesc({ at: a.at, id: String(a.id).padStart(20, '0') }, { at: b.at, id: String(b.id).padStart(20, '0') })))
      .toEqual(everything);

    const ofX = await events({ messageId: x });
    expect(ofX.map((e) => e.kind).sort()).toEqual(['delivery.awaiting-pull', 'delivery.awaiting-pull', 'message.accepted']);
    // Each event names its place in the chain once sealed: the same seq and hash the chain holds.
    await t.hub.audit.checkpointNow();
    const sealed = await events({ messageId: x });
    const { rows: chain } = await t.hub.db.query<{ id: string; seq: string; hash: string }>(
      `SELECT e.id, c.seq, encode(c.hash, 'hex') AS hash FROM audit_events e JOIN audit_chain c ON c.event_id = e.id WHERE e.message_id = $1`, [x]);
    expect(sealed.map((e) => ({ id: String(e.id), seq: String(e.seq), hash: e.hash })).sort((a, b) => a.id.localeCompare(b.id)))
      .toEqual(chain.map((r) => ({ id: String(r.id), seq: String(r.seq), hash: r.hash })).sort((a, b) => a.id.localeCompare(b.id)));
    expect(sealed.every((e) => e.seq !== null && /^[0-9a-f]{64}$/.test(e.hash ?? ''))).toBe(true);
    expect(ofX.every((e) => e.messageId === x)).toBe(true);
    expect((await events({ number })).map((e) => e.messageId).filter((id, i, a) => a.indexOf(id) === i).sort()).toEqual([x, y].sort());

    const accepted = await events({ kind: 'message.accepted' });
    expect(accepted.every((e) => e.kind === 'message.accepted')).toBe(true);
    expect(accepted.map((e) => e.messageId)).toEqual(expect.arrayContaining([...fromH41, x, y]));
    expect(accepted.length).toBe(everything.filter((e) => e.kind === 'message.accepted').length);

    const ofDossier = await events({ dossier: dossier.number });
    expect(ofDossier.filter((e) => e.kind === 'dossier.filed').map((e) => e.data.dossierId)).toEqual([dossier.id]);
    expect(ofDossier.filter((e) => e.kind === 'delivery.delivered').length).toBe(2);
    expect(await events({ dossier: dossier.number, kind: 'dossier.filed' })).toEqual(ofDossier.filter((e) => e.kind === 'dossier.filed'));

    const ofH14 = await events({ agency: H14 });
    expect(ofH14.map((e) => `${e.kind} ${e.messageId}`).sort()).toEqual([`delivery.awaiting-pull ${x}`, `delivery.awaiting-pull ${x}`, `message.accepted ${x}`]);
    const ofH56 = await events({ agency: H56 });
    expect(ofH56.some((e) => e.kind === 'dossier.filed' && e.actor === `agency:${H56}`)).toBe(true);
    expect(ofH56.filter((e) => e.messageId === fromH41[0]).map((e) => e.kind)).toContain('delivery.delivered');
    expect(ofH56.some((e) => e.messageId === x)).toBe(false);

    const viaDvcqg = await events({ adapter: 'dvcqg' });
    expect(viaDvcqg.length).toBeGreaterThan(0);
    expect(viaDvcqg.every((e) => e.deliveryId !== null && e.data.dossierId === undefined)).toBe(true);
    expect(viaDvcqg.map((e) => e.kind)).toContain('delivery.delivered');

    const third = everything[2]!;
    expect((await events({ from: third.at })).map((e) => e.id)).toEqual(everything.filter((e) => e.at >= third.at).map((e) => e.id));
    expect((await events({ to: third.at })).map((e) => e.id)).toEqual(everything.filter((e) => e.at < third.at).map((e) => e.id));
    expect((await all<AuditEvent>('/v1/audit/events', {}, 4)).map((e) => e.id)).toEqual(everything.map((e) => e.id));
  });

  it('exports deliveries as CSV (RFC 4180, header, UTF-8) and events as JSON Lines, the whole result, as attachments', async () => {
    const expected = await deliveries();
    const csv = await fetch(`${t.url}/v1/audit/deliveries?format=csv&limit=1`, { headers: { authorization: `Bearer ${t.keys.auditor}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="lienthong-audit-deliveries-\d{8}T\d{6}Z\.csv"$/);
    const [header, ...records] = parseCsv(Buffer.from(await csv.arrayBuffer()).toString('utf8'));
    expect(header).toEqual(COLUMNS);
    expect(records.map((r) => r[0])).toEqual(expected.map((d) => d.id));
    const rowOfX = records.find((r) => r[1] === x)!;
    expect(rowOfX[COLUMNS.indexOf('subject')]).toBe(subject);
    expect(rowOfX[COLUMNS.indexOf('documentNotation')]).toBe('VPCP-TTĐT');
    expect(rowOfX[COLUMNS.indexOf('endpoint')]).toBe('');

    const byAccept = await fetch(`${t.url}/v1/audit/deliveries?agency=${H41}&order=asc`, { headers: { authorization: `Bearer ${t.keys.admin}`, accept: 'text/csv' } });
    const [, ...h41] = parseCsv(await byAccept.text());
    expect(h41.map((r) => r[0])).toEqual((await deliveries({ agency: H41, order: 'asc' })).map((d) => d.id));

    const jsonl = await fetch(`${t.url}/v1/audit/events?kind=message.accepted`, { headers: { authorization: `Bearer ${t.keys.auditor}`, accept: 'application/x-ndjson' } });
    expect(jsonl.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(jsonl.headers.get('content-disposition')).toMatch(/^attachment; filename="lienthong-audit-events-.*\.jsonl"$/);
    const text = await jsonl.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as AuditEvent);
    expect(lines).toEqual(await events({ kind: 'message.accepted' }));

    const empty = await fetch(`${t.url}/v1/audit/events?format=jsonl&messageId=${'0'.repeat(8)}-0000-4000-8000-${randomBytes(6).toString('hex')}`, { headers: { authorization: `Bearer ${t.keys.auditor}` } });
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');

    // Each export is itself in the trail: who, what, which filter (pages are not).
    const exported = await events({ kind: 'audit.exported', order: 'asc' });
    expect(exported.map((e) => ({ actor: e.actor.split(':')[0], ...e.data }))).toEqual([
      { actor: 'auditor', resource: 'deliveries', format: 'csv', order: 'desc', filter: {} },
      { actor: 'admin', resource: 'deliveries', format: 'csv', order: 'asc', filter: { agency: H41 } },
      { actor: 'auditor', resource: 'events', format: 'jsonl', order: 'desc', filter: { kind: 'message.accepted' } },
      { actor: 'auditor', resource: 'events', format: 'jsonl', order: 'desc', filter: { messageId: expect.any(String) } },
    ]);
  });

  it('an export resumes after a cursor of the same query', async () => {
    const page = await get<Page<Delivery>>('/v1/audit/deliveries?limit=4');
    const rest = await fetch(`${t.url}/v1/audit/deliveries?format=jsonl&cursor=${page.nextCursor}`, { headers: { authorization: `Bearer ${t.keys.auditor}` } });
    const ids = (await rest.text()).trim().split('\n').map((line) => (JSON.parse(line) as Delivery).id);
    expect([...page.items.map((d) => d.id), ...ids]).toEqual((await deliveries()).map((d) => d.id));
  });
});
