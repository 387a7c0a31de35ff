import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTsaSimulator, type TsaSimulator } from '../../../src/crypto/timestamp/tsa-simulator.js';
import { getBytes, quiesce, send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

// The bundle is checked the way an auditor would: openssl and nothing of the hub's code.
const openssl = (args: string[], input?: Buffer): string => execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
const sha256 = (file: string): string => openssl(['dgst', '-sha256', '-r', file]).split(' ')[0]!;
const sha256Of = (bytes: Buffer): string => openssl(['dgst', '-sha256', '-r'], bytes).split(' ')[0]!;

/** Unpacks the ZIP into a fresh folder; returns the bundle's root folder. */
async function unpack(zip: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lienthong-evidence-'));
  for (const [path, bytes] of Object.entries(unzipSync(new Uint8Array(zip)))) {
    await mkdir(join(dir, dirname(path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  const [root] = await readdir(dir);
  return join(dir, root!);
}

const list = async (dir: string, ext: string): Promise<string[]> => (await readdir(dir)).filter((f) => f.endsWith(ext)).sort();

describe.each(STORES)('evidence bundle (%s store)', (store) => {
  let t: TestHub;
  let id: string;
  let bundle: string;
  let caFile: string;
  let tsa: TsaSimulator;
  const folders: string[] = [];

  beforeAll(async () => {
    // Checkpoints are time-stamped by an RFC 3161 authority (simulated).
    tsa = await startTsaSimulator();
    const tsaDir = await mkdtemp(join(tmpdir(), 'lienthong-tsa-'));
    folders.push(tsaDir);
    await writeFile(join(tsaDir, 'tsa-ca.pem'), tsa.caCertPem);
    t = await startTestHub(store, { env: { LIENTHONG_AUDIT_SEAL_INTERVAL_MS: '50', LIENTHONG_TSA_URL: tsa.url, LIENTHONG_TSA_CA: join(tsaDir, 'tsa-ca.pem') } });
    id = await send(t, t.keys.g22, documentBody('000.00.00.G22', ['000.00.00.H41', '000.00.00.H14']));
    await viewWhen(t, id, t.keys.g22, (v) => v.deliveries.every((d: { state: string }) => d.state === 'delivered'));
    expect((await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.h41, body: { code: '03', staff: { name: 'Trần Thị B' } } })).status).toBe(202);
    await quiesce(t);
    const got = await getBytes(t, `/v1/messages/${id}/evidence`, t.keys.g22);
    expect(got.status, got.bytes.toString('utf8', 0, 500)).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/zip');
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="evidence-${id}.zip"`);
    bundle = await unpack(got.bytes);
    folders.push(dirname(bundle));
    caFile = join(dirname(bundle), 'my-hub-ca.pem');
    await writeFile(caFile, t.pki.caCertPem);
  });
  afterAll(async () => {
    await t?.close();
    await tsa?.close();
    await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
  });

  it('holds receipts signed by a certified hub key about exactly the bundled content', async () => {
    const content = sha256(join(bundle, 'message/content.json'));
    const receipts = await list(join(bundle, 'receipts'), '.jws');
    expect(receipts.map((f) => f.replace(/^\d+-/, ''))).toEqual(['accepted.jws', 'delivered.jws', 'delivered.jws', 'status.jws']);
    for (const file of receipts) {
      const base = join(bundle, 'receipts', file.replace(/\.jws$/, ''));
      const jws = await readFile(`${base}.jws`, 'utf8');
      expect(await readFile(`${base}.input`, 'utf8')).toBe(jws.split('.').slice(0, 2).join('.'));
      expect(openssl(['verify', '-CAfile', caFile, '-untrusted', `${base}.signer.pem`, `${base}.signer.pem`])).toContain(': OK');
      const key = openssl(['x509', '-in', `${base}.signer.pem`, '-noout', '-pubkey']);
      await writeFile(`${base}.key.pem`, key);
      expect(openssl(['dgst', '-sha256', '-verify', `${base}.key.pem`, '-signature', `${base}.sig`, `${base}.input`])).toContain('Verified OK');
      expect(JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8'))).toMatchObject({ messageId: id, contentSha256: content });
    }
  });

  it('chains every audit event of the message to a checkpoint the hub signed', async () => {
    const events = await list(join(bundle, 'audit/events'), '.json');
    const kinds = await Promise.all(events.map(async (f) => JSON.parse(await readFile(join(bundle, 'audit/events', f), 'utf8')).kind));
    expect(kinds).toEqual(expect.arrayContaining(['message.accepted', 'delivery.queued', 'delivery.delivered', 'delivery.status']));
    const segments = await list(join(bundle, 'audit/chain'), '.txt');
    expect(segments.length).toBeGreaterThan(0);
    const linked = new Map<string, string>();
    for (const segment of segments) {
      const checkpoint = join(bundle, 'audit/checkpoints', segment.replace(/\.txt$/, ''));
      // the checkpoint: signed by a key certified by the CA
      const statement = JSON.parse(await readFile(`${checkpoint}.json`, 'utf8'));
      const signer = join(bundle, 'certificates', `checkpoint-signer-${statement.kid}.pem`);
      expect(openssl(['verify', '-CAfile', caFile, '-untrusted', signer, signer])).toContain(': OK');
      await writeFile(`${checkpoint}.key.pem`, openssl(['x509', '-in', signer, '-noout', '-pubkey']));
      expect(openssl(['dgst', '-sha256', '-verify', `${checkpoint}.key.pem`, '-signature', `${checkpoint}.sig`, `${checkpoint}.json`])).toContain('Verified OK');
      // … and time-stamped by the TSA over exactly those bytes
      expect(openssl(['ts', '-verify', '-data', `${checkpoint}.json`, '-in', `${checkpoint}.tsr`, '-CAfile', join(bundle, 'certificates/tsa-ca.pem')])).toContain('Verification: OK');
      // the links: each SHA-256(previous ‖ digest), the last one signed
      const lines = (await readFile(join(bundle, 'audit/chain', segment), 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
      let prev = lines[0]!.replace(/^prev /, '');
      for (const line of lines.slice(1)) {
        const [seq, digest, hash] = line.split(' ') as [string, string, string];
        expect(sha256Of(Buffer.concat([Buffer.from(prev, 'hex'), Buffer.from(digest, 'hex')]))).toBe(hash);
        linked.set(seq, digest);
        prev = hash;
      }
      expect(prev).toBe(statement.hash);
    }
    for (const f of events) expect(sha256(join(bundle, 'audit/events', f))).toBe(linked.get(f.replace(/\.json$/, '')));
  });

  it('ships verify.sh, which passes with openssl, and fails on an altered event or checkpoint', async () => {
    const run = (): { code: number; out: string } => {
      try {
        return { code: 0, out: execFileSync('bash', [join(bundle, 'verify.sh'), caFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
      } catch (err) {
        const e = err as { status: number; stderr: string };
        return { code: e.status, out: e.stderr };
      }
    };
    const good = run();
    expect(good.out).toContain('EVIDENCE VERIFIED');
    expect(good.out).toMatch(/\(signed; RFC 3161 timestamp \w{3} +\d+ [\d:.]+ \d{4} GMT\)/);
    expect(good.code).toBe(0);

    const [first] = await list(join(bundle, 'audit/events'), '.json');
    const eventFile = join(bundle, 'audit/events', first!);
    const original = await readFile(eventFile, 'utf8');
    await writeFile(eventFile, original.replace('"actor":"', '"actor":"x'));
    expect(run()).toMatchObject({ code: 1, out: expect.stringContaining('is not the event at seq') });
    await writeFile(eventFile, original);

    const [checkpoint] = await list(join(bundle, 'audit/checkpoints'), '.json');
    const checkpointFile = join(bundle, 'audit/checkpoints', checkpoint!);
    const signed = await readFile(checkpointFile, 'utf8');
    await writeFile(checkpointFile, signed.replace(/"seq":(\d+)/, (_m, n) => `"seq":${Number(n) + 1}`));
    expect(run()).toMatchObject({ code: 1, out: expect.stringContaining('the signature does not verify') });
    await writeFile(checkpointFile, signed);
    expect(run().code).toBe(0);
  });

  it('carries the edXML exactly as forwarded, which xmlsec1 verifies against the hub CA', async () => {
    const edxmlId = await send(t, t.keys.g14, documentBody('000.00.04.G14', ['000.00.00.H30']));
    await viewWhen(t, edxmlId, t.keys.g14, (v) => v.deliveries[0].state === 'delivered');
    const root = await unpack((await getBytes(t, `/v1/messages/${edxmlId}/evidence`, t.keys.g14)).bytes);
    folders.push(dirname(root));
    const packet = join(root, 'message/forwarded.edxml');
    const manifest = JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8'));
    expect(manifest.message.forwardedEdxml).toMatchObject({ file: 'message/forwarded.edxml', sha256: sha256(packet) });
    expect(sha256(packet)).toBe(t.sim.requests('h30-edxml').at(-1)!.bodySha256);
    execFileSync('xmlsec1', ['--verify', '--enabled-reference-uris', 'empty', '--enabled-key-data', 'x509', '--trusted-pem', caFile, packet], { stdio: 'pipe' });
    expect(execFileSync('bash', [join(root, 'verify.sh'), caFile], { encoding: 'utf8' })).toContain('message/forwarded.edxml  XML signature (xmlsec1)');
  });

  it('gives a recipient its own part only, and nobody else anything', async () => {
    const mine = await unpack((await getBytes(t, `/v1/messages/${id}/evidence`, t.keys.h14)).bytes);
    folders.push(dirname(mine));
    expect((await list(join(mine, 'receipts'), '.jws')).map((f) => f.replace(/^\d+-/, ''))).toEqual(['accepted.jws', 'delivered.jws']);
    const manifest = JSON.parse(await readFile(join(mine, 'manifest.json'), 'utf8'));
    expect(manifest.message.scope).toBe('000.00.00.H14');
    expect(manifest.events.map((e: { kind: string }) => e.kind)).not.toContain('delivery.status');
    expect((await getBytes(t, `/v1/messages/${id}/evidence`, t.keys.h30)).status).toBe(404);
    expect((await getBytes(t, `/v1/messages/${id}/evidence`, t.keys.auditor)).status).toBe(200);
  });
});
