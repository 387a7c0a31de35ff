import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedRequest, SimulatorHandle, SimulatorOptions } from '../../src/adapters/adapter-contract.js';
import { parseJsonObject } from '../../src/adapters/json-values.js';
import { RequestLog } from '../../src/adapters/request-log.js';
import { BehaviourBook, scriptedAnswer } from '../../src/adapters/simulator-behaviours.js';
import { flatHeaders, readBody, sendJson } from '../../src/adapters/simulator-http.js';
import { SimulatorServer } from '../../src/adapters/simulator-server.js';
import type { Variant } from './modules.js';
import { REGISTRY_SCRIPT, type CivilRegistrySimulatorBehaviour, type ScriptedAnswer, type SimOperation } from './simulator-behaviour.js';
import { layKetQua, nhanDkht } from './simulator-btp.js';
import { registrationChecks } from './simulator-checks.js';
import type { SimContext, SimReply } from './simulator-context.js';
import { dangKyHoTich, ketQuaDangKyHS, traTrangThaiHoSo } from './simulator-lgsp.js';
import { advanceRegistration, type AdvanceDetails } from './simulator-results.js';
import { CivilRegistryStore, type Enrolment, type SimulatedClient, type SimulatedRegistration } from './simulator-store.js';
import { tokenEndpoint, tokenRefusal } from './simulator-token.js';

export interface CivilRegistrySimulatorOptions extends SimulatorOptions {
  /** `registered` (default): only `clients` get tokens. `open` (conformance, demos): any key with secret `civilRegistrySimulatorSecret(key)`. */
  enrolment?: Enrolment;
  clients?: readonly SimulatedClient[];
  /** Lifetime of the tokens issued, in seconds. Default 3600. */
  tokenTtlSeconds?: number;
  /** A registration still in state 1 gets its result (state 4, a made-up certificate) after this long. Absent: only on `advance`. */
  resultAfterMs?: number;
  /** Dossiers `LayKetQua` takes per call at most. Default 3. */
  resultChunkLimit?: number;
  /** When set, `LayKetQua` refuses another `maTinh`. */
  maTinh?: string;
  /** When set, the only registering offices (`maDonVi`) the system knows. */
  offices?: readonly string[];
  /** Largest request body accepted (413 above). Default 64 MiB. */
  maxBodyBytes?: number;
  now?: () => Date;
}

/** A recorded request, with the service it called. */
export interface CivilRecordedRequest extends RecordedRequest {
  operation: SimOperation;
  /** Data calls: the consumer key of the client the bearer token was issued to, when the token was good. */
  client?: string;
}

/** A running simulated civil-registry system (both generations) and its gateway. Mailboxes are the first path segment. */
export interface CivilRegistrySimulatorHandle extends SimulatorHandle {
  /** Sets a behaviour of a mailbox (or `*`): for its data services, or for the listed ones (`token` included). */
  setBehaviour(mailbox: string, behaviour: CivilRegistrySimulatorBehaviour, operations?: readonly SimOperation[]): void;
  /** The data calls (registrations, status and result questions) of a mailbox, or of all. */
  requests(mailbox?: string): CivilRecordedRequest[];
  /** The token requests of a mailbox, or of all. */
  logins(mailbox?: string): CivilRecordedRequest[];
  /** Every request, in order. */
  calls(): CivilRecordedRequest[];
  /** Distinct registrations stored (a re-sent dossier is not stored twice). */
  uniqueDeliveries(mailbox?: string): number;
  registrations(mailbox?: string): SimulatedRegistration[];
  /** Moves the registrations with one-stop number `maHoSo` to `trangThai` (the generation's code); returns how many. */
  advance(maHoSo: string, trangThai: string, details?: AdvanceDetails & { mailbox?: string }): number;
  /** Expires the tokens issued (for a mailbox, or all): the next data call with one is refused. */
  expireTokens(mailbox?: string): void;
  registerClient(client: SimulatedClient): void;
}

type Handler = (ctx: SimContext) => SimReply | Promise<SimReply>;

const ROUTES: Readonly<Record<string, { operation: SimOperation; variant?: Variant; handler?: Handler }>> = {
  token: { operation: 'token' },
  'btp/NhanDKHT': { operation: 'NhanDKHT', variant: 'btp', handler: nhanDkht },
  'btp/LayKetQua': { operation: 'LayKetQua', variant: 'btp', handler: layKetQua },
  'apiHoTichTuPhap/dangKyHoTich': { operation: 'dangKyHoTich', variant: 'lgsp', handler: dangKyHoTich },
  'apiHoTichTuPhap/traTrangThaiHoSo': { operation: 'traTrangThaiHoSo', variant: 'lgsp', handler: traTrangThaiHoSo },
  'apiHoTichTuPhap/ketQuaDangKyHS': { operation: 'ketQuaDangKyHS', variant: 'lgsp', handler: ketQuaDangKyHS },
};

const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

/**
 * Starts a simulated civil-registry system on loopback, both generations on one server, each
 * mailbox a deployment of its own: `POST /<mailbox>/token`, `/<mailbox>/btp/{NhanDKHT,LayKetQua}`,
 * `/<mailbox>/apiHoTichTuPhap/{dangKyHoTich,traTrangThaiHoSo,ketQuaDangKyHS}`. Tokens expire
 * (`tokenTtlSeconds`, `expireTokens`), registrations are checked and kept per office and dossier
 * number, results come on command (`advance`) or after `resultAfterMs` (README.md, "Simulator").
 * `hubCertificatePem` is not used: the system authenticates the hub by OAuth client credentials.
 */
export async function startCivilRegistrySimulator(options: CivilRegistrySimulatorOptions = {}): Promise<CivilRegistrySimulatorHandle> {
  const now = options.now ?? (() => new Date());
  const store = new CivilRegistryStore(options.enrolment ?? 'registered', now);
  for (const client of options.clients ?? []) store.registerClient(client);
  const checks = registrationChecks();
  const offices = options.offices ? new Set(options.offices) : undefined;
  // The token endpoint misbehaves only when a behaviour names it.
  const behaviours = new BehaviourBook<CivilRegistrySimulatorBehaviour>({ listedOnly: ['token'] });
  const recorded = new RequestLog<CivilRecordedRequest>();

  async function handle(mailbox: string, route: (typeof ROUTES)[string], req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = flatHeaders(req);
    const body = await readBody(req, options.maxBodyBytes ?? DEFAULT_MAX_BODY);
    const record = recorded.add({ mailbox, operation: route.operation, at: now(), headers, body: options.recordBodies === false ? Buffer.alloc(0) : (body ?? Buffer.alloc(0)), status: 0 });
    const answer = (reply: SimReply & { raw?: string; headers?: Record<string, string> }): void => {
      record.status = reply.httpStatus;
      if (reply.raw === undefined) return sendJson(res, reply.httpStatus, reply.body, reply.headers);
      res.writeHead(reply.httpStatus, { 'content-type': 'text/html; charset=utf-8', ...reply.headers });
      res.end(reply.raw);
    };
    if (body === undefined) return answer({ httpStatus: 413, body: { status: '0', errorCode: '413', errorDescription: 'Request body too large' } });

    // 1. Network-level behaviours: a dead or slow system never looks at the request.
    const slot = behaviours.slotFor(mailbox, route.operation);
    if (!(await server.passesNetwork(slot, req)) || res.destroyed) return;

    // 2. The token endpoint, or the token a data call carries.
    const scripted = (): ScriptedAnswer | undefined => scriptedAnswer(slot, REGISTRY_SCRIPT);
    if (!route.handler || !route.variant) {
      return answer(scripted() ?? tokenEndpoint(headers, body, mailbox, store, options.tokenTtlSeconds ?? 3600));
    }
    const bearer = /^Bearer (\S+)$/i.exec(headers.authorization ?? '')?.[1];
    const token = bearer !== undefined ? store.validToken(bearer, mailbox) : undefined;
    if (!token) return answer(tokenRefusal(route.variant));
    record.client = token.consumerKey;

    // 3. Scripted failures, then the service.
    const failure = scripted();
    if (failure) return answer(failure);
    const ctx: SimContext = {
      mailbox,
      body: parseJsonObject(body.toString('utf8')),
      store,
      checks,
      resultChunkLimit: options.resultChunkLimit ?? 3,
      ...(options.maTinh !== undefined && { maTinh: options.maTinh }),
      ...(offices && { offices }),
      ...(options.resultAfterMs !== undefined && { resultAfterMs: options.resultAfterMs }),
      now: now(),
    };
    answer(await route.handler(ctx));
  }

  const server = new SimulatorServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const [first, ...rest] = path.split('/').filter(Boolean);
    const route = ROUTES[rest.join('/')];
    if (req.method === 'POST' && first !== undefined && route) {
      handle(decodeURIComponent(first), route, req, res).catch(() => req.socket.destroy());
      return;
    }
    req.resume();
    if (req.method === 'GET' && path === '/healthz') return sendJson(res, 200, { ok: true });
    sendJson(res, 404, { status: '0', errorCode: '404', errorDescription: `Không có dịch vụ ${path}` });
  });

  return {
    url: await server.listen(options),
    setBehaviour: (mailbox, behaviour, operations) => behaviours.set(mailbox, behaviour, operations),
    requests: (mailbox) => recorded.of(mailbox, (r) => r.operation !== 'token'),
    logins: (mailbox) => recorded.of(mailbox, (r) => r.operation === 'token'),
    calls: () => recorded.of(),
    uniqueDeliveries: (mailbox) => store.registrations(mailbox).length,
    registrations: (mailbox) => store.registrations(mailbox),
    advance(maHoSo, trangThai, details = {}) {
      const matching = store.registrations(details.mailbox).filter((r) => r.maHoSo === maHoSo);
      for (const registration of matching) advanceRegistration(registration, trangThai, details, now());
      return matching.length;
    },
    expireTokens: (mailbox) => store.expireTokens(mailbox),
    registerClient: (client) => store.registerClient(client),
    reset() {
      behaviours.clear();
      recorded.clear();
      store.clearTraffic();
    },
    close: () => server.close(),
  };
}
