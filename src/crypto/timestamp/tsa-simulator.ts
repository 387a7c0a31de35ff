import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { SimulatorBehaviour } from '../../adapters/adapter-contract.js';
import { BehaviourBook, scriptedAnswer, type ScriptedFailure } from '../../adapters/simulator-behaviours.js';
import { readBody } from '../../adapters/simulator-http.js';
import { SimulatorServer } from '../../adapters/simulator-server.js';
import { createDevCa, issueDevCertificate, newKeyPair } from '../dev-pki.js';
import type { JwsAlg } from '../jws.js';
import { grantTimestamp, rejectTimestamp, type TimestampFailure, type TsaIdentity } from './issue-timestamp-response.js';
import { DIGEST_BY_OID } from './tsp-oids.js';

/**
 * How the simulated TSA answers: the simulator contract's behaviours (`ok`; `fail` with an HTTP
 * status; `flaky`; `slow` answers after `delayMs`; `down` drops connections), and its own, each for
 * the next `count` requests (all when absent):
 * - `reject`: a TimeStampResp with status rejection and `failure` (default systemFailure);
 * - `garbage`: a 200 `application/timestamp-reply` whose body is not DER;
 * - `wrong-imprint`, `wrong-nonce`: a properly signed token for other data, or with another nonce;
 * - `wrong-key`: a token signed by a key that is not the TSA certificate's.
 */
export type TsaBehaviour =
  | SimulatorBehaviour
  | { mode: 'reject'; failure?: TimestampFailure; count?: number }
  | { mode: 'garbage' | 'wrong-imprint' | 'wrong-nonce' | 'wrong-key'; count?: number };

export interface TsaSimulatorOptions {
  host?: string;
  /** 0 or absent: an ephemeral port. */
  port?: number;
  /** The clock genTime (and the certificates' start of validity) is read from. Default: the real one. */
  now?: () => Date;
  /** The TSA key: ES256 (EC P-256, default) or RS256 (RSA-2048). */
  alg?: JwsAlg;
  /** `false` issues the TSA certificate without the time-stamping extendedKeyUsage: a misissued TSA. Default true. */
  timeStampingUsage?: boolean;
  /** TSA policy OID of the tokens. Default 1.2.3.4.1 (OpenSSL's example policy). */
  policy?: string;
}

/** A running simulated RFC 3161 TSA on loopback. */
export interface TsaSimulator {
  /** Where to POST TimeStampReqs. */
  url: string;
  /** The test CA that issued the TSA certificate (the `-CAfile` of `openssl ts -verify`). */
  caCertPem: string;
  /** The TSA certificate (the `-untrusted` of `openssl ts -verify`). */
  tsaCertPem: string;
  setBehaviour(behaviour: TsaBehaviour): void;
  /** Requests received since start or the last `reset()`, whatever their answer. */
  requestCount(): number;
  /** Back to `ok`, count zero. */
  reset(): void;
  close(): Promise<void>;
}

/** What the simulator decided to answer before looking at the request. */
type Plan =
  | { kind: 'http-failure'; failure: ScriptedFailure }
  | { kind: 'reject'; failure: TimestampFailure }
  | { kind: 'garbage' }
  | { kind: 'grant'; tamper?: 'wrong-imprint' | 'wrong-nonce' | 'wrong-key' };

const MAX_REQUEST_BYTES = 64 * 1024;

/** The same imprint with its first hash octet inverted: a token for other data. */
function otherImprint(imprint: pkijs.MessageImprint): pkijs.MessageImprint {
  const hashed = Buffer.from(imprint.hashedMessage.valueBlock.valueHexView);
  hashed[0] = (hashed[0] ?? 0) ^ 0xff;
  return new pkijs.MessageImprint({ hashAlgorithm: imprint.hashAlgorithm, hashedMessage: new asn1js.OctetString({ valueHex: hashed }) });
}
const REPLY_TYPE = 'application/timestamp-reply';

/**
 * Starts a simulated TSA with its own test CA and TSA certificate (critical extendedKeyUsage
 * timeStamping). It answers `POST /` TimeStampReqs with tokens `openssl ts -verify` accepts, serials
 * counting up from 1, a malformed request with a rejection (badDataFormat), a digest other than
 * SHA-2 with badAlg and another policy than its own with unacceptedPolicy.
 */
export async function startTsaSimulator(options: TsaSimulatorOptions = {}): Promise<TsaSimulator> {
  const now = options.now ?? (() => new Date());
  const policy = options.policy ?? '1.2.3.4.1';
  const alg = options.alg ?? 'ES256';
  // Valid from a day before the clock's now: tests move the clock, and openssl checks at the real time.
  const validFrom = new Date(now().getTime() - 86_400_000);
  const ca = await createDevCa({ organisation: 'lienthong TSA simulator', commonName: 'lienthong test TSA root CA', now: validFrom, validDays: 3650 });
  const tsaCert = await issueDevCertificate(ca, {
    alg, commonName: 'lienthong test TSA', organisation: 'lienthong TSA simulator', now: validFrom, validDays: 3650,
    ...(options.timeStampingUsage === false ? {} : { extendedKeyUsage: 'timeStamping' as const }),
  });
  const tsa: TsaIdentity = { certificate: new X509Certificate(tsaCert.certPem), privateKey: createPrivateKey(tsaCert.keyPem) };
  const impostor: TsaIdentity = { certificate: tsa.certificate, privateKey: (await newKeyPair(alg === 'ES256' ? 'ec' : 'rsa')).privateKey };

  const behaviours = new BehaviourBook<TsaBehaviour>();
  let requests = 0;
  let serial = 0n;

  const plan = (): Plan => scriptedAnswer<TsaBehaviour, Plan>(behaviours.slotFor('*'), {
    failure: (failure) => ({ kind: 'http-failure', failure }),
    own: (behaviour, due) => {
      if (!due()) return undefined;
      if (behaviour.mode === 'reject') return { kind: 'reject', failure: behaviour.failure ?? 'systemFailure' };
      if (behaviour.mode === 'garbage') return { kind: 'garbage' };
      return { kind: 'grant', tamper: behaviour.mode };
    },
  }) ?? { kind: 'grant' };

  function answer(res: ServerResponse, status: number, body: Buffer, contentType = REPLY_TYPE, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': body.length });
    res.end(body);
  }

  /** The token (or refusal) for one parsed request. */
  function respond(request: pkijs.TimeStampReq, tamper: Extract<Plan, { kind: 'grant' }>['tamper']): Buffer {
    if (!DIGEST_BY_OID[request.messageImprint.hashAlgorithm.algorithmId]) return rejectTimestamp('badAlg', 'only SHA-256, SHA-384 and SHA-512 imprints are accepted');
    if (request.reqPolicy !== undefined && request.reqPolicy !== policy) return rejectTimestamp('unacceptedPolicy', `this TSA issues tokens under policy ${policy} only`);
    serial += 1n;
    const messageImprint = tamper === 'wrong-imprint' ? otherImprint(request.messageImprint) : request.messageImprint;
    const nonce = request.nonce?.toBigInt();
    return grantTimestamp({
      messageImprint,
      ...(nonce !== undefined ? { nonce: tamper === 'wrong-nonce' ? nonce + 1n : nonce } : {}),
      includeCertificate: request.certReq === true,
      genTime: now(),
      serial,
      policy,
    }, tamper === 'wrong-key' ? impostor : tsa);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests += 1;
    const slot = behaviours.slotFor('*');
    if (!(await server.passesNetwork(slot, req))) return;
    if (req.method !== 'POST') return answer(res, 405, Buffer.from('POST a TimeStampReq'), 'text/plain', { allow: 'POST' });
    const body = await readBody(req, MAX_REQUEST_BYTES);
    const decided = plan();
    switch (decided.kind) {
      case 'http-failure':
        return answer(res, decided.failure.httpStatus, Buffer.from('simulated failure'), 'text/plain', decided.failure.headers);
      case 'reject':
        return answer(res, 200, rejectTimestamp(decided.failure, 'simulated rejection'));
      case 'garbage':
        return answer(res, 200, randomBytes(64));
      case 'grant': {
        let request: pkijs.TimeStampReq;
        try {
          if (!body || req.headers['content-type'] !== 'application/timestamp-query') throw new Error('not a timestamp query');
          request = pkijs.TimeStampReq.fromBER(new Uint8Array(body));
        } catch {
          return answer(res, 200, rejectTimestamp('badDataFormat', 'the request is not a DER TimeStampReq'));
        }
        return answer(res, 200, respond(request, decided.tamper));
      }
      default: {
        const unknown: never = decided;
        throw new Error(`Unknown plan ${JSON.stringify(unknown)}`);
      }
    }
  }

  const server = new SimulatorServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) answer(res, 500, Buffer.from('simulator error'), 'text/plain');
    });
  });
  const url = `${await server.listen({ ...(options.host ? { host: options.host } : {}), ...(options.port !== undefined ? { port: options.port } : {}) })}/`;

  return {
    url,
    caCertPem: ca.caCertPem,
    tsaCertPem: tsaCert.certPem,
    setBehaviour: (behaviour) => behaviours.set('*', behaviour),
    requestCount: () => requests,
    reset: () => {
      behaviours.clear();
      requests = 0;
    },
    close: () => server.close(),
  };
}
