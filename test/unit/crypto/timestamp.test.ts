import { createHash, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDevCa } from '../../../src/crypto/dev-pki.js';
import { requestTimestamp, type TimestampRequestOptions } from '../../../src/crypto/timestamp/request-timestamp.js';
import { TimestampError, type TimestampFailureReason } from '../../../src/crypto/timestamp/timestamp-error.js';
import { encodeTimestampRequest } from '../../../src/crypto/timestamp/timestamp-request.js';
import { startTsaSimulator, type TsaSimulator } from '../../../src/crypto/timestamp/tsa-simulator.js';
import { verifyTimestampResponse } from '../../../src/crypto/timestamp/verify-timestamp-response.js';
import { openssl, tempDir } from './pki-fixture.js';

const DATA = Buffer.from('checkpoint 42: chain head 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n');
const SHA256 = createHash('sha256').update(DATA).digest();

let dir: string;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  const tmp = await tempDir();
  cleanups.push(tmp.cleanup);
  dir = tmp.dir;
});
afterAll(() => Promise.all(cleanups.map((c) => c())));

/** The reason of the TimestampError `promise` rejects with. */
async function reasonOf(promise: Promise<unknown>): Promise<TimestampFailureReason> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof TimestampError)) throw new Error(`expected a TimestampError, got ${String(err)}`);
  return err.reason;
}

/** Writes the files `openssl ts -verify` needs and returns their paths. */
async function writeEvidence(name: string, sim: TsaSimulator, token: Buffer) {
  const paths = { data: join(dir, `${name}.txt`), tsr: join(dir, `${name}.tsr`), ca: join(dir, `${name}-ca.pem`), tsa: join(dir, `${name}-tsa.pem`) };
  await Promise.all([writeFile(paths.data, DATA), writeFile(paths.tsr, token), writeFile(paths.ca, sim.caCertPem), writeFile(paths.tsa, sim.tsaCertPem)]);
  return paths;
}

describe.each(['ES256', 'RS256'] as const)('RFC 3161 client against the TSA simulator (%s TSA key)', (alg) => {
  // Whole seconds plus 250 ms, a minute ago: genTime must carry the fraction, and openssl checks the certificates at the real time.
  let clock = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000 + 250);
  let sim: TsaSimulator;
  beforeAll(async () => {
    sim = await startTsaSimulator({ alg, now: () => clock });
  });
  afterAll(() => sim?.close());
  beforeEach(() => sim.reset());
  const ask = (extra: Partial<TimestampRequestOptions> = {}) => requestTimestamp({ url: sim.url, data: DATA, timeoutMs: 5_000, ...extra } as TimestampRequestOptions);

  it('gets a granted token with the clock\'s genTime, a serial counting up and the TSA certificate', async () => {
    const first = await ask();
    expect(first.genTime.toISOString()).toBe(clock.toISOString());
    expect(first.tsaSubject).toBe('C=VN, O=lienthong TSA simulator, CN=lienthong test TSA');
    expect(new X509Certificate(first.tsaCertificatePem).raw.equals(new X509Certificate(sim.tsaCertPem).raw)).toBe(true);
    clock = new Date(clock.getTime() + 1_000);
    const second = await ask({ trustAnchorsPem: sim.caCertPem });
    expect(second.genTime.toISOString()).toBe(clock.toISOString());
    expect(BigInt(`0x${second.serial}`)).toBe(BigInt(`0x${first.serial}`) + 1n);
    expect(sim.requestCount()).toBe(2);
  });

  it('produces a token that openssl ts -verify accepts for the data, and refuses for other data', async () => {
    const { token } = await ask();
    const paths = await writeEvidence(`granted-${alg}`, sim, token);
    expect(openssl(['ts', '-verify', '-data', paths.data, '-in', paths.tsr, '-CAfile', paths.ca, '-untrusted', paths.tsa])).toContain('Verification: OK');
    // The token carries the TSA certificate (certReq), so the CA alone suffices.
    expect(openssl(['ts', '-verify', '-data', paths.data, '-in', paths.tsr, '-CAfile', paths.ca])).toContain('Verification: OK');
    const other = join(dir, `other-${alg}.txt`);
    await writeFile(other, 'another checkpoint\n');
    expect(() => openssl(['ts', '-verify', '-data', other, '-in', paths.tsr, '-CAfile', paths.ca, '-untrusted', paths.tsa])).toThrow(/message imprint mismatch/);
  });

  it('time-stamps a SHA-256 given instead of the data, with the nonce openssl reads back', async () => {
    const { token } = await ask({ data: undefined, sha256: SHA256, nonce: 0x1234_5678_9abcn });
    const paths = await writeEvidence(`digest-${alg}`, sim, token);
    expect(openssl(['ts', '-verify', '-digest', SHA256.toString('hex'), '-in', paths.tsr, '-CAfile', paths.ca])).toContain('Verification: OK');
    const text = openssl(['ts', '-reply', '-in', paths.tsr, '-text']);
    expect(text).toContain('Status: Granted.');
    expect(text).toMatch(/Nonce: 0x123456789ABC/i);
    expect(text).toMatch(/Policy OID: (1\.2\.3\.4\.1|tsa_policy1)\n/); // openssl names the OID of its example configuration
  });

  it('refuses a token for other data (imprint mismatch), then recovers when the count is spent', async () => {
    sim.setBehaviour({ mode: 'wrong-imprint', count: 1 });
    expect(await reasonOf(ask())).toBe('imprint-mismatch');
    await expect(ask()).resolves.toMatchObject({ tsaSubject: expect.stringContaining('lienthong test TSA') });
  });

  it('refuses a token with another nonce', async () => {
    sim.setBehaviour({ mode: 'wrong-nonce' });
    expect(await reasonOf(ask())).toBe('nonce-mismatch');
  });

  it('refuses a token signed by a key that is not the TSA certificate\'s', async () => {
    sim.setBehaviour({ mode: 'wrong-key' });
    expect(await reasonOf(ask())).toBe('bad-signature');
  });

  it('reports a rejection status with its failure info', async () => {
    sim.setBehaviour({ mode: 'reject', failure: 'timeNotAvailable' });
    const err = await ask().catch((e: unknown) => e as TimestampError);
    expect(err).toBeInstanceOf(TimestampError);
    expect((err as TimestampError).reason).toBe('rejected');
    expect((err as TimestampError).message).toBe('the TSA answered status rejection (timeNotAvailable): simulated rejection');
  });

  it('reports garbage, an HTTP error, a dropped connection and an answer over the size limit', async () => {
    sim.setBehaviour({ mode: 'garbage' });
    expect(await reasonOf(ask())).toBe('malformed');
    sim.setBehaviour({ mode: 'fail', status: 503 });
    expect(await reasonOf(ask())).toBe('http-error');
    sim.setBehaviour({ mode: 'down' });
    expect(await reasonOf(ask())).toBe('network-error');
    sim.reset();
    expect(await reasonOf(ask({ maxResponseBytes: 200 }))).toBe('too-large');
    expect(sim.requestCount()).toBe(1);
  });

  it('gives up on a slow TSA after timeoutMs', async () => {
    sim.setBehaviour({ mode: 'slow', delayMs: 3_000 });
    const started = Date.now();
    expect(await reasonOf(ask({ timeoutMs: 300 }))).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('checks the TSA certificate against trust anchors when given', async () => {
    const other = await createDevCa();
    expect(await reasonOf(ask({ trustAnchorsPem: other.caCertPem }))).toBe('untrusted-tsa');
  });
});

describe('RFC 3161 verification details', () => {
  let sim: TsaSimulator;
  let misissued: TsaSimulator;
  beforeAll(async () => {
    [sim, misissued] = await Promise.all([startTsaSimulator(), startTsaSimulator({ timeStampingUsage: false })]);
  });
  afterAll(() => Promise.all([sim?.close(), misissued?.close()]));

  it('refuses a TSA certificate without the time-stamping extended key usage, as openssl does', async () => {
    expect(await reasonOf(requestTimestamp({ url: misissued.url, data: DATA, timeoutMs: 5_000 }))).toBe('not-a-tsa-certificate');
    // The same token, obtained without the client's checks, fails openssl too.
    const query = encodeTimestampRequest({ sha256: SHA256, nonce: 7n });
    const response = await fetch(misissued.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: new Uint8Array(query) });
    const paths = await writeEvidence('misissued', misissued, Buffer.from(await response.arrayBuffer()));
    expect(() => openssl(['ts', '-verify', '-data', paths.data, '-in', paths.tsr, '-CAfile', paths.ca])).toThrow(/unsuitable certificate purpose/);
  });

  it('detects a token altered after signing (genTime moved by one second)', async () => {
    const { token, genTime } = await requestTimestamp({ url: sim.url, sha256: SHA256, nonce: 99n, timeoutMs: 5_000 });
    const seconds = genTime.toISOString().slice(17, 19);
    const stamp = Buffer.from(genTime.toISOString().replace(/[-:T]/g, '').slice(0, 14), 'latin1');
    const at = token.indexOf(stamp);
    expect(at).toBeGreaterThan(0);
    const altered = Buffer.from(token);
    altered[at + 13] = seconds.endsWith('9') ? 0x38 : altered[at + 13]! + 1;
    expect(() => verifyTimestampResponse(token, { sha256: SHA256, nonce: 99n })).not.toThrow();
    expect(() => verifyTimestampResponse(altered, { sha256: SHA256, nonce: 99n })).toThrow(expect.objectContaining({ reason: 'bad-signature' }));
  });

  it('sends a TimeStampReq that openssl reads as SHA-256, with the nonce and certReq', async () => {
    const path = join(dir, 'request.tsq');
    await writeFile(path, encodeTimestampRequest({ sha256: SHA256, nonce: 0xabcdefn }));
    const text = openssl(['ts', '-query', '-in', path, '-text']);
    expect(text).toContain('Hash Algorithm: sha256');
    expect(text).toContain(`Message data:\n    0000 - ${SHA256.subarray(0, 8).toString('hex').match(/../g)!.join(' ')}`);
    expect(text).toMatch(/Nonce: 0xABCDEF/i);
    expect(text).toContain('Certificate required: yes');
  });

  it('answers a query made by openssl ts -query with a token openssl verifies against that query (nonce included)', async () => {
    const paths = { data: join(dir, 'q.txt'), query: join(dir, 'q.tsq'), tsr: join(dir, 'q.tsr'), ca: join(dir, 'q-ca.pem') };
    await Promise.all([writeFile(paths.data, DATA), writeFile(paths.ca, sim.caCertPem)]);
    openssl(['ts', '-query', '-data', paths.data, '-sha256', '-cert', '-out', paths.query]);
    const response = await fetch(sim.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: new Uint8Array(await readFile(paths.query)) });
    expect(response.headers.get('content-type')).toBe('application/timestamp-reply');
    await writeFile(paths.tsr, Buffer.from(await response.arrayBuffer()));
    expect(openssl(['ts', '-verify', '-queryfile', paths.query, '-in', paths.tsr, '-CAfile', paths.ca])).toContain('Verification: OK');
  });

  it('rejects a request that is not DER with badDataFormat, and the client reports a refused connection', async () => {
    const response = await fetch(sim.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: 'not a request' });
    const paths = { tsr: join(dir, 'bad.tsr') };
    await writeFile(paths.tsr, Buffer.from(await response.arrayBuffer()));
    expect(openssl(['ts', '-reply', '-in', paths.tsr, '-text'])).toMatch(/Status: Rejected\.[\s\S]*Failure info: the data submitted has the wrong format/);
    const closed = await startTsaSimulator();
    const url = closed.url;
    await closed.close();
    expect(await reasonOf(requestTimestamp({ url, data: DATA, timeoutMs: 2_000 }))).toBe('network-error');
  });
});
