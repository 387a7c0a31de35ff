import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rename, rm, stat, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpointTsa } from '../../../src/audit/checkpoint-timestamper.js';
import { issueDevCertificate } from '../../../src/crypto/dev-pki.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
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

/** Every file under `dir`, as paths relative to it. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const paths: string[] = [];
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const path = prefix ? `${prefix}/${name}` : name;
    paths.push(...((await stat(join(dir, path))).isDirectory() ? await walk(dir, path) : [path]));
  }
  return paths;
}

/**
 * Lists the bundle's files as they now are in manifest.json and signs it with the hub's key: the bundle
 * the hub would build from a tampered database (or a holder of its key could make). The other checks
 * must still hold.
 */
async function resignManifest(root: string, hubKeyPem: string): Promise<void> {
  const manifest = JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8'));
  const envelope = ['manifest.json', 'manifest.sig', 'certificates/manifest-signer.pem'];
  manifest.files = Object.fromEntries(await Promise.all((await walk(root)).filter((path) => !envelope.includes(path))
    .map(async (path) => [path, sha256Of(await readFile(join(root, path)))])));
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  await writeFile(join(root, 'manifest.json'), bytes);
  await writeFile(join(root, 'manifest.sig'), sign('sha256', bytes, createPrivateKey(hubKeyPem)));
}

/** Runs the bundle's verify.sh with `args`: exit status and everything it printed. */
function runVerify(root: string, args: string[]): { code: number | null; out: string } {
  const run = spawnSync('bash', [join(root, 'verify.sh'), ...args], { encoding: 'utf8' });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe.each(STORES)('evidence bundle (%s store)', (store) => {
  let t: TestHub;
  let id: string;
  let bundle: string;
  let caFile: string;
  let hubKeysFile: string;
  let tsaCaFile: string;
  /** What an auditor passes verify.sh: the anchors as they obtained them. */
  let anchors: string[];
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
    hubKeysFile = join(dirname(bundle), 'my-hub-keys.pem'); // as GET /v1/hub/keys lists them: chains, CA included
    await writeFile(hubKeysFile, t.pki.chainPem);
    tsaCaFile = join(dirname(bundle), 'my-tsa-ca.pem');
    await writeFile(tsaCaFile, tsa.caCertPem);
    anchors = ['--ca', caFile, '--hub-keys', hubKeysFile, '--tsa-ca', tsaCaFile];
  });
  /** A copy of the bundle to tamper with. */
  const copyOfBundle = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'lienthong-evidence-copy-'));
    folders.push(dir);
    await cp(bundle, join(dir, 'bundle'), { recursive: true });
    return join(dir, 'bundle');
  };
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
      const keyFile = join(dirname(bundle), `${file}.key.pem`); // outside the bundle: verify.sh refuses files it does not list
      await writeFile(keyFile, key);
      expect(openssl(['dgst', '-sha256', '-verify', keyFile, '-signature', `${base}.sig`, `${base}.input`])).toContain('Verified OK');
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
      const keyFile = join(dirname(bundle), `checkpoint-${segment}.key.pem`);
      await writeFile(keyFile, openssl(['x509', '-in', signer, '-noout', '-pubkey']));
      expect(openssl(['dgst', '-sha256', '-verify', keyFile, '-signature', `${checkpoint}.sig`, `${checkpoint}.json`])).toContain('Verified OK');
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
    const run = (): { code: number | null; out: string } => runVerify(bundle, anchors);
    const good = run();
    expect(good.out).toContain('ok  manifest.json  signed by the hub');
    expect(good.out).toContain('EVIDENCE VERIFIED');
    expect(good.out).toMatch(/\(signed; RFC 3161 timestamp \w{3} +\d+ [\d:.]+ \d{4} GMT\)/);
    expect(good.code).toBe(0);

    const [first] = await list(join(bundle, 'audit/events'), '.json');
    const eventFile = join(bundle, 'audit/events', first!);
    const original = await readFile(eventFile, 'utf8');
    await writeFile(eventFile, original.replace('"actor":"', '"actor":"x'));
    expect(run()).toMatchObject({ code: 1, out: expect.stringContaining(`audit/events/${first} is not the file manifest.json lists`) });
    await writeFile(eventFile, original);

    const [checkpoint] = await list(join(bundle, 'audit/checkpoints'), '.json');
    const checkpointFile = join(bundle, 'audit/checkpoints', checkpoint!);
    const signed = await readFile(checkpointFile, 'utf8');
    await writeFile(checkpointFile, signed.replace(/"seq":(\d+)/, (_m, n) => `"seq":${Number(n) + 1}`));
    expect(run()).toMatchObject({ code: 1, out: expect.stringContaining(`audit/checkpoints/${checkpoint} is not the file manifest.json lists`) });
    await writeFile(checkpointFile, signed);
    expect(run().code).toBe(0);

    // Even in a bundle whose manifest the hub's key signed over the altered files, the chain checks hold.
    const forged = await copyOfBundle();
    await writeFile(join(forged, 'audit/events', first!), original.replace('"actor":"', '"actor":"x'));
    await resignManifest(forged, t.pki.hubKeyPem);
    expect(runVerify(forged, anchors)).toMatchObject({ code: 1, out: expect.stringContaining(`audit/events/${first} is not the event at seq`) });
    await writeFile(join(forged, 'audit/events', first!), original);
    await writeFile(join(forged, 'audit/checkpoints', checkpoint!), signed.replace(/"seq":(\d+)/, (_m, n) => `"seq":${Number(n) + 1}`));
    await resignManifest(forged, t.pki.hubKeyPem);
    expect(runVerify(forged, anchors)).toMatchObject({ code: 1, out: expect.stringContaining('the signature does not verify') });
  });

  it('verify.sh refuses a made-up event under a file name that only looks like a seq', async () => {
    // `3\u200b.json` (3, then a zero-width space) and a line `3\u200b <its SHA-256> x` in a chain file.
    const fake = `{"actor":"agency:000.00.00.G22","at":"2026-01-01T00:00:00.000000Z","data":{},"deliveryId":null,"kind":"delivery.delivered","messageId":"${id}"}`;
    const tamper = async (root: string): Promise<void> => {
      await writeFile(join(root, 'audit/events/3\u200b.json'), fake);
      const [segment] = await list(join(root, 'audit/chain'), '.txt');
      await writeFile(join(root, 'audit/chain', segment!), `${await readFile(join(root, 'audit/chain', segment!), 'utf8')}3\u200b ${sha256Of(Buffer.from(fake))} x\n`);
    };
    const root = await copyOfBundle();
    await tamper(root);
    const got = runVerify(root, anchors);
    expect(got.out).not.toContain('EVIDENCE VERIFIED');
    expect(got).toMatchObject({ code: 1, out: expect.stringMatching(/audit\/chain\/\d+\.txt is not the file manifest.json lists/) });
    // Listed and signed as if the hub had bundled it: no file name but <seq>.json, no chain line but a link.
    await resignManifest(root, t.pki.hubKeyPem);
    expect(runVerify(root, anchors)).toMatchObject({ code: 1, out: expect.stringContaining('3\u200b.json is not listed in manifest.json (and is no name the hub gives a file)') });
  });

  it('verify.sh notices removed, added and edited files, and refuses a bundle without its accepted receipt', async () => {
    // The recipients changed; then every receipt removed as well.
    const gutted = await copyOfBundle();
    const content = join(gutted, 'message/content.json');
    await writeFile(content, (await readFile(content, 'utf8')).replace('"000.00.00.H14"', '"000.00.00.H30"'));
    expect(runVerify(gutted, anchors)).toMatchObject({ code: 1, out: expect.stringContaining('message/content.json is not the file manifest.json lists') });
    for (const file of await readdir(join(gutted, 'receipts'))) await unlink(join(gutted, 'receipts', file));
    expect(runVerify(gutted, anchors)).toMatchObject({ code: 1, out: expect.stringMatching(/receipts\/01-accepted\.jws is listed in manifest.json but missing/) });
    await resignManifest(gutted, t.pki.hubKeyPem);
    expect(runVerify(gutted, anchors)).toMatchObject({ code: 1, out: expect.stringContaining('message/content.json is not the content manifest.json names') });
    await writeFile(content, await readFile(join(bundle, 'message/content.json')));
    await resignManifest(gutted, t.pki.hubKeyPem);
    expect(runVerify(gutted, anchors)).toMatchObject({ code: 1, out: expect.stringContaining('no accepted receipt in the bundle') });

    // One event removed; a file added; the manifest edited.
    const root = await copyOfBundle();
    const [event] = await list(join(root, 'audit/events'), '.json');
    await rename(join(root, 'audit/events', event!), join(dirname(root), 'moved.json'));
    expect(runVerify(root, anchors)).toMatchObject({ code: 1, out: expect.stringContaining(`audit/events/${event} is listed in manifest.json but missing`) });
    await rename(join(dirname(root), 'moved.json'), join(root, 'audit/events', event!));
    await writeFile(join(root, 'receipts/notes.txt'), 'added');
    expect(runVerify(root, anchors)).toMatchObject({ code: 1, out: expect.stringContaining('receipts/notes.txt is not listed in manifest.json') });
    await unlink(join(root, 'receipts/notes.txt'));
    const manifest = await readFile(join(root, 'manifest.json'), 'utf8');
    await writeFile(join(root, 'manifest.json'), manifest.replace(/"kind": "[^"]*"/, '"kind": "edited"'));
    expect(runVerify(root, anchors)).toMatchObject({ code: 1, out: expect.stringContaining('manifest.json: the signature does not verify') });
    await writeFile(join(root, 'manifest.json'), manifest);
    expect(runVerify(root, anchors).code).toBe(0);
  });

  it('verify.sh does not call a bundle verified on the trust anchors it ships (hub CA, TSA CA, any key of the CA)', async () => {
    const onBundleTrust = runVerify(bundle, []);
    expect(onBundleTrust.code).toBe(2);
    expect(onBundleTrust.out).not.toContain('EVIDENCE VERIFIED');
    expect(onBundleTrust.out).toContain('NOT CHECKED against an independent trust anchor');
    expect(onBundleTrust.out).toContain('certificates/ca.pem FROM THE BUNDLE');
    expect(onBundleTrust.out).toContain('certificates/tsa-ca.pem FROM THE BUNDLE');
    expect(onBundleTrust.out).toContain('signers: NOT compared with the hub\'s keys');
    const withoutTsaCa = runVerify(bundle, ['--ca', caFile, '--hub-keys', hubKeysFile]);
    expect(withoutTsaCa).toMatchObject({ code: 2, out: expect.stringContaining('TSA CA from the bundle, NOT an independent anchor') });
    expect(withoutTsaCa.out).not.toContain('EVIDENCE VERIFIED');
    // The environment does what the options do.
    const byEnv = spawnSync('bash', [join(bundle, 'verify.sh')], { encoding: 'utf8', env: { ...process.env, EVIDENCE_HUB_CA: caFile, EVIDENCE_HUB_KEYS: hubKeysFile, EVIDENCE_TSA_CA: tsaCaFile } });
    expect(byEnv.stdout).toContain('EVIDENCE VERIFIED');
  });

  it('verify.sh refuses timestamps from another TSA against the auditor\'s TSA CA, though the bundle ships that TSA\'s CA', async () => {
    const otherTsa = await startTsaSimulator();
    try {
      const root = await copyOfBundle();
      const caPath = join(dirname(root), 'other-tsa-ca.pem');
      await writeFile(caPath, otherTsa.caCertPem);
      const { timestamper } = await loadCheckpointTsa({ url: otherTsa.url, caPath, timeoutMs: 5_000 });
      for (const checkpoint of await list(join(root, 'audit/checkpoints'), '.json')) {
        const { token } = await timestamper(await readFile(join(root, 'audit/checkpoints', checkpoint)));
        await writeFile(join(root, 'audit/checkpoints', checkpoint.replace(/\.json$/, '.tsr')), token);
      }
      await writeFile(join(root, 'certificates/tsa-ca.pem'), otherTsa.caCertPem);
      await resignManifest(root, t.pki.hubKeyPem);
      expect(runVerify(root, ['--ca', caFile, '--hub-keys', hubKeysFile])).toMatchObject({ code: 2, out: expect.stringContaining('NOT CHECKED against an independent trust anchor') });
      expect(runVerify(root, anchors)).toMatchObject({ code: 1, out: expect.stringMatching(/audit\/checkpoints\/\d+\.tsr does not verify/) });
    } finally {
      await otherTsa.close();
    }
  });

  it('verify.sh refuses checkpoints signed by another key of the hub\'s CA, unless the hub\'s keys are not pinned', async () => {
    // What the hub would bundle from a database whose checkpoints and signers a forger rewrote.
    const stranger = await issueDevCertificate(t.pki, { alg: 'ES256', commonName: 'not the hub', now: new Date(Date.now() - 3_600_000) });
    const strangerKid = keyIdOf(new X509Certificate(stranger.certPem));
    const root = await copyOfBundle();
    for (const checkpoint of await list(join(root, 'audit/checkpoints'), '.json')) {
      const path = join(root, 'audit/checkpoints', checkpoint);
      const statement = Buffer.from((await readFile(path, 'utf8')).replace(/"kid":"[^"]*"/, `"kid":"${strangerKid}"`), 'utf8');
      await writeFile(path, statement);
      await writeFile(path.replace(/\.json$/, '.sig'), sign('sha256', statement, createPrivateKey(stranger.keyPem)));
      await rm(path.replace(/\.json$/, '.tsr'), { force: true }); // its timestamps no longer match: dropped
    }
    for (const file of await list(join(root, 'certificates'), '.pem')) if (file.startsWith('checkpoint-signer-')) await unlink(join(root, 'certificates', file));
    await writeFile(join(root, `certificates/checkpoint-signer-${strangerKid}.pem`), stranger.certPem + t.pki.caCertPem);
    await resignManifest(root, t.pki.hubKeyPem);
    expect(runVerify(root, anchors)).toMatchObject({ code: 1, out: expect.stringContaining(`certificates/checkpoint-signer-${strangerKid}.pem: the signer is not one of the hub's keys`) });
    const unpinned = runVerify(root, ['--ca', caFile]);
    expect(unpinned).toMatchObject({ code: 2, out: expect.stringContaining('signers: NOT compared with the hub\'s keys') });
    expect(unpinned.out).not.toContain('EVIDENCE VERIFIED');
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
    expect(execFileSync('bash', [join(root, 'verify.sh'), ...anchors], { encoding: 'utf8' })).toContain('message/forwarded.edxml  XML signature (xmlsec1)');
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
