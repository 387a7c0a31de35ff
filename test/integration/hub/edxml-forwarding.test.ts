import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEdxml } from '../../../src/formats/edxml/index.js';
import { getBytes, send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const run = promisify(execFile);
const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';

/** `xmlsec1 --verify` with the hub's CA as the only trust anchor; CI installs xmlsec1 (.ci/run). */
async function xmlsecVerify(packet: Buffer, caPem: string): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'lienthong-xmlsec-'));
  try {
    await writeFile(join(dir, 'ca.pem'), caPem);
    await writeFile(join(dir, 'packet.edxml'), packet);
    try {
      const { stderr, stdout } = await run('xmlsec1', ['--verify', '--enabled-reference-uris', 'empty', '--enabled-key-data', 'x509', '--trusted-pem', join(dir, 'ca.pem'), join(dir, 'packet.edxml')]);
      return { ok: true, output: stdout + stderr };
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new Error('xmlsec1 is not installed: apt-get install xmlsec1 (.ci/run does)');
      return { ok: false, output: e.stderr ?? String(err) };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe.each(STORES)('the edXML the hub forwards, signed (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a packet received as edXML is forwarded with the hub\'s trace header and signature, which xmlsec1 accepts', async () => {
    const posted = await t.call('POST', '/v1/messages', { key: t.keys.g22, headers: { 'content-type': 'application/xml' }, raw: await readFile('test/fixtures/edxml/built/edoc-new.edxml') });
    expect(posted.status).toBe(202);
    const first = await getBytes(t, `/v1/messages/${posted.json.id}/edxml`, t.keys.g22);
    expect(first.status).toBe(200);
    const verdict = await xmlsecVerify(first.bytes, t.pki.caCertPem);
    expect(verdict.output).toContain('OK');
    expect(verdict.ok).toBe(true);
    const { packet } = await parseEdxml(first.bytes);
    expect(packet.kind).toBe('edoc');
    expect(packet.signature).toMatchObject({});
    const traces = packet.traceHeaderList?.traceHeaders ?? [];
    expect(traces.length).toBeGreaterThanOrEqual(1);
    // The same bytes on every read (and for every recipient): the signature is kept, not redone.
    const again = await getBytes(t, `/v1/messages/${posted.json.id}/edxml`, t.keys.h41);
    expect(again.bytes.equals(first.bytes)).toBe(true);
    // One changed byte in the body and xmlsec1 refuses it.
    const tampered = Buffer.from(first.bytes.toString('utf8').replace('VPCP-KSTT', 'VPCP-KSTX'));
    expect((await xmlsecVerify(tampered, t.pki.caCertPem)).ok).toBe(false);
  });

  it('a document sent as JSON is built into edXML and signed the same way', async () => {
    const id = await send(t, t.keys.g22, documentBody(G22, [H41]));
    const { status, bytes } = await getBytes(t, `/v1/messages/${id}/edxml`, t.keys.g22);
    expect(status).toBe(200);
    expect((await xmlsecVerify(bytes, t.pki.caCertPem)).ok).toBe(true);
    const { packet } = await parseEdxml(bytes);
    expect(packet.header.from.organId).toBe(G22);
  });

  it('an http-endpoint with format edxml receives exactly those bytes, signed, with Content-Digest over the XML', async () => {
    const id = await send(t, t.keys.g14, documentBody('000.00.04.G14', ['000.00.00.H30']));
    await viewWhen(t, id, t.keys.g14, (v) => v.deliveries[0].state === 'delivered');
    const request = t.sim.requests('h30-edxml').find((r) => r.status === 200)!;
    expect(request.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(request.headers['lienthong-message-id']).toBe(id);
    const served = await getBytes(t, `/v1/messages/${id}/edxml`, t.keys.g14);
    expect(request.body.equals(served.bytes)).toBe(true);
    expect(request.headers['content-digest']).toBe(`sha-256=:${createHash('sha256').update(request.body).digest('base64')}:`);
    expect((await xmlsecVerify(request.body, t.pki.caCertPem)).ok).toBe(true);
  });

  it('is not shown to an agency outside the message (404)', async () => {
    const id = await send(t, t.keys.g22, documentBody(G22, [H41]));
    expect((await getBytes(t, `/v1/messages/${id}/edxml`, t.keys.h14)).status).toBe(404);
  });
});
