import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatorBehaviour } from '../../adapters/adapter-contract.js';
import { BehaviourBook, scriptedAnswer } from '../../adapters/simulator-behaviours.js';
import { readBody } from '../../adapters/simulator-http.js';
import { SimulatorServer } from '../../adapters/simulator-server.js';
import { answerOcspRequest, type OcspResponderSpec } from './answer-ocsp-request.js';

/**
 * A CA's revocation services on loopback: CRLs at `GET /crl/<name>` and OCSP responders at
 * `POST /ocsp/<name>`, each name with its own behaviour (`down`, `slow`, `fail`) and request count.
 */
export interface RevocationSimulator {
  url: string;
  crlUrl(name: string): string;
  ocspUrl(name: string): string;
  /** Serves `der` (replacing what was there) at `crlUrl(name)`. */
  publishCrl(name: string, der: Buffer): void;
  /** Answers OCSP requests at `ocspUrl(name)` as `responder`. */
  serveOcsp(name: string, responder: OcspResponderSpec): void;
  setBehaviour(name: string, behaviour: SimulatorBehaviour): void;
  /** Requests received for `name` (CRL downloads or OCSP requests). */
  requestCount(name: string): number;
  close(): Promise<void>;
}

export interface RevocationSimulatorOptions {
  host?: string;
  port?: number;
  /** The responders' clock (producedAt, thisUpdate). Default: the real one. */
  now?: () => Date;
}

/** Largest OCSP request read. */
const MAX_REQUEST_BYTES = 64 * 1024;

/** Starts the simulator; nothing is published until `publishCrl` / `serveOcsp`. */
export async function startRevocationSimulator(opts: RevocationSimulatorOptions = {}): Promise<RevocationSimulator> {
  const now = opts.now ?? (() => new Date());
  const crls = new Map<string, Buffer>();
  const responders = new Map<string, OcspResponderSpec>();
  const counts = new Map<string, number>();
  const behaviours = new BehaviourBook<SimulatorBehaviour>();

  const send = (res: ServerResponse, status: number, type: string, body: Buffer | string): void => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const match = /^\/(crl|ocsp)\/([A-Za-z0-9._-]+)$/.exec(new URL(req.url ?? '/', 'http://simulator').pathname);
    if (!match) return send(res, 404, 'text/plain', 'not found');
    const [, kind, name] = match as unknown as [string, 'crl' | 'ocsp', string];
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const slot = behaviours.slotFor(name);
    if (!(await server.passesNetwork(slot, req))) return;
    const failure = scriptedAnswer(slot, { failure: (f) => f.httpStatus });
    if (failure !== undefined) return send(res, failure, 'text/plain', 'simulated failure');
    if (kind === 'crl' && req.method === 'GET') {
      const der = crls.get(name);
      return der ? send(res, 200, 'application/pkix-crl', der) : send(res, 404, 'text/plain', 'no such CRL');
    }
    const responder = responders.get(name);
    if (kind !== 'ocsp' || req.method !== 'POST' || !responder) return send(res, 404, 'text/plain', 'no such responder');
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (!body) return send(res, 413, 'text/plain', 'request too large');
    send(res, 200, 'application/ocsp-response', await answerOcspRequest(body, responder, now()));
  };

  const server = new SimulatorServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', (err as Error).message);
    });
  });
  const url = await server.listen(opts);

  return {
    url,
    crlUrl: (name) => `${url}/crl/${name}`,
    ocspUrl: (name) => `${url}/ocsp/${name}`,
    publishCrl: (name, der) => void crls.set(name, der),
    serveOcsp: (name, responder) => void responders.set(name, responder),
    setBehaviour: (name, behaviour) => behaviours.set(name, behaviour),
    requestCount: (name) => counts.get(name) ?? 0,
    close: () => server.close(),
  };
}
