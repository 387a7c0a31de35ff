import { X509Certificate } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueDevCertificate, writeDevPki } from '../crypto/dev-pki.js';
import type { JwsAlg } from '../crypto/jws.js';
import { keyIdOf } from '../crypto/key-id.js';

/** What `rotateDevKeys` did. */
export interface DevKeyRotation {
  /** The new active key. */
  kid: string;
  alg: JwsAlg;
  chainPath: string;
  /** The key it replaced, and where its chain (no private key) went. */
  retiredKid: string;
  retiredChainPath: string;
  /** Every chain in `<dir>/retired/` (by name): the files for `LIENTHONG_HUB_KEYS_RETIRED`. */
  retiredChainPaths: string[];
}

const readOrExplain = (path: string): Promise<string> =>
  readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${path} (${err.code ?? err.message}): rotate works on the development keys of "lienthong keys init"`);
  });

/** `O=` and `CN=` of a certificate subject, to give the new certificate the same name. */
function nameOf(cert: X509Certificate): { organisation?: string; commonName: string } {
  const field = (key: string): string | undefined => cert.subject.split('\n').find((line) => line.startsWith(`${key}=`))?.slice(key.length + 1);
  const organisation = field('O');
  return { ...(organisation ? { organisation } : {}), commonName: field('CN') ?? 'lienthong hub' };
}

/**
 * `lienthong keys rotate`, on the development key folder `dir` (`<data>/keys`): issues a new hub key and
 * certificate from the development CA there (same name; `alg` defaults to the current key's), keeps
 * the current chain — without its private key — as `retired/hub-chain-<kid>.pem`, and makes the new
 * key active in `hub-cert.pem`, `hub-key.pem` and `hub-chain.pem`. The hub uses it at its next start.
 */
export async function rotateDevKeys(dir: string, opts: { alg?: JwsAlg; now?: Date } = {}): Promise<DevKeyRotation> {
  // 1. load: the CA and the current key's certificate and chain — one after the other, so that a
  // folder missing several files always names the first of them (parallel reads race to the error)
  const loaded: string[] = [];
  for (const name of ['ca.pem', 'ca-key.pem', 'hub-cert.pem', 'hub-chain.pem']) loaded.push(await readOrExplain(join(dir, name)));
  const [caCertPem, caKeyPem, currentCertPem, currentChainPem] = loaded;
  const current = new X509Certificate(currentCertPem!);
  const retiredKid = keyIdOf(current);
  const alg = opts.alg ?? (current.publicKey.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256');

  // 2. keep the current chain as retired (refusing to overwrite one)
  const retiredDir = join(dir, 'retired');
  await mkdir(retiredDir, { recursive: true });
  const retiredChainPath = join(retiredDir, `hub-chain-${retiredKid}.pem`);
  await writeFile(retiredChainPath, currentChainPem!, { mode: 0o644, flag: 'wx' });

  // 3. issue the new key and make it active
  const next = await issueDevCertificate({ caCertPem: caCertPem!, caKeyPem: caKeyPem! }, { alg, ...nameOf(current), ...(opts.now ? { now: opts.now } : {}) });
  const paths = await writeDevPki(dir, { caCertPem: caCertPem!, caKeyPem: caKeyPem!, hubCertPem: next.certPem, hubKeyPem: next.keyPem, chainPem: next.certPem + caCertPem! }, { force: true });

  const retiredChainPaths = (await readdir(retiredDir)).filter((name) => name.endsWith('.pem')).sort().map((name) => join(retiredDir, name));
  return { kid: keyIdOf(new X509Certificate(next.certPem)), alg, chainPath: paths.chainPath, retiredKid, retiredChainPath, retiredChainPaths };
}
