import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedRequest, SimulatorBehaviour, SimulatorHandle, SimulatorOptions } from '../../src/adapters/adapter-contract.js';
import { RequestLog } from '../../src/adapters/request-log.js';
import { BehaviourBook, scriptedAnswer, type AnswerScript } from '../../src/adapters/simulator-behaviours.js';
import { flatHeaders, readBody, sendJson } from '../../src/adapters/simulator-http.js';
import { SimulatorServer } from '../../src/adapters/simulator-server.js';
import { FAMILY_OF, scriptedError, type SimAnswer, type SimOperation, type SimRequest } from './simulator-answer.js';
import { gatewayCheck, LGSP_HANDLERS, lgspCall, tokenEndpoint } from './simulator-lgsp.js';
import { nationalResult, nationalSubmit } from './simulator-national.js';
import { SimStore, type Enrolment, type Schedule, type SimApplication } from './simulator-store.js';

/** A behaviour of a simulated gateway, beyond the contract's. */
export type JudicialSimulatorBehaviour =
  | SimulatorBehaviour
  /** HTTP 200 whose body is not JSON (a proxy's page); the next `count` requests, or all. */
  | { mode: 'malformed'; body?: string; count?: number }
  /** HTTP 200 with `{}`: no status, no fields. */
  | { mode: 'missing-fields'; count?: number }
  /** HTTP 200 with the system's own error answer carrying `code` (LGSP `STATUS`, national `errorCode`). */
  | { mode: 'status-error'; code: string; description?: string; count?: number };

export interface JudicialSimulatorOptions extends SimulatorOptions {
  /** `registered` (default): only known consumers and provinces; `open`: derived credentials (`judicialSimulatorSecret`, `judicialSimulatorAuthKey`). */
  enrolment?: Enrolment;
  consumers?: readonly { consumerKey: string; consumerSecret: string }[];
  provinces?: readonly { maTinh: string; authKey: string }[];
  /** Lifetime of issued tokens (`expires_in`). Default 3600. */
  tokenTtlSeconds?: number;
  /** When applications move on by themselves; absent = only on `advance`. */
  schedule?: Schedule;
  /** Names of the LGSP form objects it expects. Default `ws`. */
  formKeys?: 'ws' | 'plain';
  /** Largest request body accepted (413 above). Default 64 MiB. */
  maxBodyBytes?: number;
  now?: () => Date;
}

/** A recorded request, with the operation it called. */
export interface JudicialRecordedRequest extends RecordedRequest {
  operation: SimOperation;
  /** LGSP data calls: the consumer key the accepted bearer token was issued to. */
  client?: string;
}

/** A running simulator of both LLTP systems. Mailboxes are gateways: the first segment of every path. */
export interface JudicialRecordsSimulatorHandle extends SimulatorHandle {
  /**
   * Sets a gateway's behaviour (or `*`'s) for the listed operations, or for all data operations when
   * none are listed: the token endpoint misbehaves only when `token` is listed.
   */
  setBehaviour(mailbox: string, behaviour: JudicialSimulatorBehaviour, operations?: readonly SimOperation[]): void;
  /** Data calls (everything but `token`): one per delivery attempt, two when a token was refreshed. */
  requests(mailbox?: string): JudicialRecordedRequest[];
  /** Token calls. */
  logins(mailbox?: string): JudicialRecordedRequest[];
  /** Every call, in order. */
  calls(mailbox?: string): JudicialRecordedRequest[];
  /** Applications received (of a gateway, or all), with their status now. */
  applications(mailbox?: string): (SimApplication & { status: string })[];
  /** Forces an application (by LLTP `ID`, `idReceivedDec` or `maHoSoMCDT`) into `status`, in its system's codes. */
  advance(id: string, status: string): void;
  /** LGSP: marks an application's change read, as another client of the same account would (`danhDauHsThanhCong`). */
  markRead(id: string): void;
  /** Expires the issued tokens (of a gateway, or all). */
  expireTokens(mailbox?: string): void;
  registerConsumer(consumerKey: string, consumerSecret: string): void;
  registerProvince(maTinh: string, authKey: string): void;
}

const NATIONAL_PATHS: Readonly<Record<string, SimOperation>> = { guiHoSo: 'guiHoSo', traKetQua: 'traKetQua' };
const LGSP_PREFIX = 'LLTP-API-';

/**
 * Starts simulated LLTP systems on loopback. Paths (the mailbox first): `/<mb>/token`,
 * `/<mb>/apiLyLichTuPhap/<operation>` (with or without the `LLTP-API-` prefix),
 * `/<mb>/lltp-btp/guiHoSo` and `/<mb>/lltp-btp/traKetQua` (national; the real URLs are configured
 * per province). `hubCertificatePem` is accepted and not used: these systems authenticate with a
 * bearer token or a province key, not with the hub's certificate.
 */
export async function startJudicialRecordsSimulator(options: JudicialSimulatorOptions = {}): Promise<JudicialRecordsSimulatorHandle> {
  const now = options.now ?? (() => new Date());
  const store = new SimStore(options.enrolment ?? 'registered', options.schedule ?? {}, options.tokenTtlSeconds ?? 3600, now);
  for (const c of options.consumers ?? []) store.registerConsumer(c.consumerKey, c.consumerSecret);
  for (const p of options.provinces ?? []) store.registerProvince(p.maTinh, p.authKey);
  // A behaviour for an operation on every gateway comes before a gateway's for all its operations;
  // the token endpoint misbehaves only when a behaviour names it.
  const behaviours = new BehaviourBook<JudicialSimulatorBehaviour>({ precedence: 'operation-first', listedOnly: ['token'] });
  const recorded = new RequestLog<JudicialRecordedRequest>();
  const keepBodies = options.recordBodies !== false;

  async function handle(mailbox: string, operation: SimOperation, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = flatHeaders(req);
    const bytes = await readBody(req, options.maxBodyBytes ?? 64 * 1024 * 1024);
    const record = recorded.add({ mailbox, operation, at: now(), headers, body: keepBodies && bytes ? bytes : Buffer.alloc(0), status: 0 });
    const answer = (reply: SimAnswer): void => {
      record.status = reply.httpStatus;
      send(res, reply);
    };
    if (bytes === undefined) return answer({ httpStatus: 413, body: { error: 'request body too large' } });

    // 1. Network-level behaviours: a dead or slow gateway never looks at the request.
    const slot = behaviours.slotFor(mailbox, operation);
    if (!(await server.passesNetwork(slot, req))) return;
    const request: SimRequest = { mailbox, headers, text: bytes.toString('utf8'), store, formKeys: options.formKeys ?? 'ws' };
    // 2. The LGSP gateway checks the bearer token before anything reaches the service.
    const family = FAMILY_OF[operation];
    if (family === 'lgsp') {
      const check = gatewayCheck(request);
      if ('refusal' in check) return answer(check.refusal);
      record.client = check.client;
    }
    // 3. Scripted failures, then 4. the operation.
    answer(scriptedAnswer(slot, scriptFor(family)) ?? operate(operation, request));
  }

  const server = new SimulatorServer((req, res) => {
    const route = routeOf(req.url ?? '/');
    if (req.method === 'POST' && route) {
      handle(route.mailbox, route.operation, req, res).catch(() => req.socket.destroy());
      return;
    }
    req.resume();
    if (req.method === 'GET' && req.url === '/healthz') return sendJson(res, 200, { ok: true });
    sendJson(res, 404, { error: `no operation ${req.method ?? ''} ${req.url ?? ''}` });
  });

  return {
    url: await server.listen(options),
    setBehaviour: (mailbox, behaviour, operations) => behaviours.set(mailbox, behaviour, operations),
    requests: (mailbox) => recorded.of(mailbox, (r) => r.operation !== 'token'),
    logins: (mailbox) => recorded.of(mailbox, (r) => r.operation === 'token'),
    calls: (mailbox) => recorded.of(mailbox),
    uniqueDeliveries: (mailbox) => store.applications.filter((a) => mailbox === undefined || a.mailbox === mailbox).length,
    applications: (mailbox) => store.applications.filter((a) => mailbox === undefined || a.mailbox === mailbox).map((a) => ({ ...a, status: store.statusOf(a) })),
    advance(id, status) {
      const application = store.byId(id);
      if (!application) throw new Error(`no application ${id}`);
      store.advance(application, status);
    },
    markRead(id) {
      const application = store.byId(id);
      if (!application) throw new Error(`no application ${id}`);
      application.readStatus = store.statusOf(application);
    },
    expireTokens: (mailbox) => store.expireTokens(mailbox),
    registerConsumer: (key, secret) => store.registerConsumer(key, secret),
    registerProvince: (maTinh, authKey) => store.registerProvince(maTinh, authKey),
    reset() {
      behaviours.clear();
      recorded.clear();
      store.clearTraffic();
    },
    close: () => server.close(),
  };
}

/** The mailbox and operation of a path, or `undefined` when it names none. */
function routeOf(url: string): { mailbox: string; operation: SimOperation } | undefined {
  const segments = (url.split('?')[0] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
  const [mailbox, area, name] = segments;
  if (!mailbox || !area) return undefined;
  if (segments.length === 2 && area === 'token') return { mailbox, operation: 'token' };
  if (segments.length !== 3 || !name) return undefined;
  if (area === 'apiLyLichTuPhap') {
    const operation = name.startsWith(LGSP_PREFIX) ? name.slice(LGSP_PREFIX.length) : name;
    return operation in LGSP_HANDLERS ? { mailbox, operation: operation as SimOperation } : undefined;
  }
  const national = area === 'lltp-btp' ? NATIONAL_PATHS[name] : undefined;
  return national ? { mailbox, operation: national } : undefined;
}

function operate(operation: SimOperation, req: SimRequest): SimAnswer {
  switch (operation) {
    case 'token':
      return tokenEndpoint(req);
    case 'guiHoSo':
      return nationalSubmit(req);
    case 'traKetQua':
      return nationalResult(req);
    case 'nhanHoSoDangKy':
    case 'traTrangThaiHs':
    case 'traDsTrangThaiHs':
    case 'danhDauHsThanhCong':
    case 'ketQuaXuLy':
      return lgspCall(operation, req);
    default: {
      const unknown: never = operation;
      throw new Error(`Unknown operation ${String(unknown)}`);
    }
  }
}

/** Scripted answers in the shape of the operation's `family`; counted behaviours count down. */
function scriptFor(family: (typeof FAMILY_OF)[SimOperation]): AnswerScript<JudicialSimulatorBehaviour, SimAnswer> {
  return {
    failure: (failure) => ({ httpStatus: failure.httpStatus, body: { error: 'simulated failure' }, headers: failure.headers }),
    own(behaviour, due) {
      if (!due()) return undefined;
      switch (behaviour.mode) {
        case 'malformed':
          return { httpStatus: 200, body: null, raw: behaviour.body ?? '<html><body><h1>Bad Gateway</h1></body></html>' };
        case 'missing-fields':
          return { httpStatus: 200, body: {} };
        case 'status-error':
          return scriptedError(family, behaviour.code, behaviour.description ?? 'simulated error');
        default: {
          const unknown: never = behaviour;
          throw new Error(`Unknown simulator behaviour ${JSON.stringify(unknown)}`);
        }
      }
    },
  };
}

function send(res: ServerResponse, reply: SimAnswer): void {
  if (res.destroyed) return;
  if (reply.raw === undefined) return sendJson(res, reply.httpStatus, reply.body, reply.headers);
  res.writeHead(reply.httpStatus, { ...reply.headers, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(reply.raw) });
  res.end(reply.raw);
}

