import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest, SimulatorBehaviour, SimulatorHandle, SimulatorOptions } from '../../src/adapters/adapter-contract.js';
import { closeSimulatorServer, flatHeaders, readBody, sendJson } from '../../src/adapters/simulator-http.js';
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
  /** Expires the issued tokens (of a gateway, or all). */
  expireTokens(mailbox?: string): void;
  registerConsumer(consumerKey: string, consumerSecret: string): void;
  registerProvince(maTinh: string, authKey: string): void;
}

interface BehaviourSlot {
  behaviour: JudicialSimulatorBehaviour;
  remaining?: number;
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
  const behaviours = new Map<string, BehaviourSlot>();
  const recorded: JudicialRecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const keepBodies = options.recordBodies !== false;

  const slotFor = (mailbox: string, operation: SimOperation): BehaviourSlot | undefined =>
    behaviours.get(`${mailbox}\u0000${operation}`) ??
    behaviours.get(`*\u0000${operation}`) ??
    (operation === 'token' ? undefined : (behaviours.get(mailbox) ?? behaviours.get('*')));

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handle(mailbox: string, operation: SimOperation, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = flatHeaders(req);
    const bytes = await readBody(req, options.maxBodyBytes ?? 64 * 1024 * 1024);
    const record: JudicialRecordedRequest = { mailbox, operation, at: now(), headers, body: keepBodies && bytes ? bytes : Buffer.alloc(0), status: 0 };
    recorded.push(record);
    const answer = (reply: SimAnswer): void => {
      record.status = reply.httpStatus;
      send(res, reply);
    };
    if (bytes === undefined) return answer({ httpStatus: 413, body: { error: 'request body too large' } });

    // 1. Network-level behaviours: a dead or slow gateway never looks at the request.
    const slot = slotFor(mailbox, operation);
    if (slot?.behaviour.mode === 'down') return void req.socket.destroy();
    if (slot?.behaviour.mode === 'slow') await sleep(slot.behaviour.delayMs);
    const request: SimRequest = { mailbox, headers, text: bytes.toString('utf8'), store, formKeys: options.formKeys ?? 'ws' };
    // 2. The LGSP gateway checks the bearer token before anything reaches the service.
    const family = FAMILY_OF[operation];
    if (family === 'lgsp') {
      const check = gatewayCheck(request);
      if ('refusal' in check) return answer(check.refusal);
      record.client = check.client;
    }
    // 3. Scripted failures, then 4. the operation.
    answer(scripted(slot, family) ?? operate(operation, request));
  }

  const server = createServer((req, res) => {
    const route = routeOf(req.url ?? '/');
    if (req.method === 'POST' && route) {
      handle(route.mailbox, route.operation, req, res).catch(() => req.socket.destroy());
      return;
    }
    req.resume();
    if (req.method === 'GET' && req.url === '/healthz') return sendJson(res, 200, { ok: true });
    sendJson(res, 404, { error: `no operation ${req.method ?? ''} ${req.url ?? ''}` });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const of = (mailbox: string | undefined, list: JudicialRecordedRequest[]): JudicialRecordedRequest[] => (mailbox === undefined ? list : list.filter((r) => r.mailbox === mailbox));

  return {
    url: `http://${host}:${address.port}`,
    setBehaviour(mailbox, behaviour, operations) {
      const slot = (): BehaviourSlot => ('count' in behaviour && behaviour.count !== undefined ? { behaviour, remaining: behaviour.count } : { behaviour });
      if (!operations) behaviours.set(mailbox, slot());
      else for (const operation of operations) behaviours.set(`${mailbox}\u0000${operation}`, slot());
    },
    requests: (mailbox) => of(mailbox, recorded.filter((r) => r.operation !== 'token')),
    logins: (mailbox) => of(mailbox, recorded.filter((r) => r.operation === 'token')),
    calls: (mailbox) => of(mailbox, [...recorded]),
    uniqueDeliveries: (mailbox) => store.applications.filter((a) => mailbox === undefined || a.mailbox === mailbox).length,
    applications: (mailbox) => store.applications.filter((a) => mailbox === undefined || a.mailbox === mailbox).map((a) => ({ ...a, status: store.statusOf(a) })),
    advance(id, status) {
      const application = store.byId(id);
      if (!application) throw new Error(`no application ${id}`);
      store.advance(application, status);
    },
    expireTokens: (mailbox) => store.expireTokens(mailbox),
    registerConsumer: (key, secret) => store.registerConsumer(key, secret),
    registerProvince: (maTinh, authKey) => store.registerProvince(maTinh, authKey),
    reset() {
      behaviours.clear();
      recorded.length = 0;
      store.clearTraffic();
    },
    close: () => closeSimulatorServer(server, timers),
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

/** The answer a scripted behaviour gives now, if any; counts down. */
function scripted(slot: BehaviourSlot | undefined, family: (typeof FAMILY_OF)[SimOperation]): SimAnswer | undefined {
  if (!slot) return undefined;
  const behaviour = slot.behaviour;
  const due = (): boolean => {
    if (slot.remaining === undefined) return true;
    if (slot.remaining <= 0) return false;
    slot.remaining -= 1;
    return true;
  };
  switch (behaviour.mode) {
    case 'fail':
      return due()
        ? { httpStatus: behaviour.status, body: { error: 'simulated failure' }, ...(behaviour.retryAfterSeconds !== undefined && { headers: { 'retry-after': String(behaviour.retryAfterSeconds) } }) }
        : undefined;
    case 'flaky':
      return Math.random() < behaviour.failureRate ? { httpStatus: 503, body: { error: 'simulated failure' } } : undefined;
    case 'malformed':
      return due() ? { httpStatus: 200, body: null, raw: behaviour.body ?? '<html><body><h1>Bad Gateway</h1></body></html>' } : undefined;
    case 'missing-fields':
      return due() ? { httpStatus: 200, body: {} } : undefined;
    case 'status-error':
      return due() ? scriptedError(family, behaviour.code, behaviour.description ?? 'simulated error') : undefined;
    case 'ok':
    case 'slow':
    case 'down':
      return undefined;
    default: {
      const unknown: never = behaviour;
      throw new Error(`Unknown simulator behaviour ${JSON.stringify(unknown)}`);
    }
  }
}

function send(res: ServerResponse, reply: SimAnswer): void {
  if (res.destroyed) return;
  if (reply.raw === undefined) return sendJson(res, reply.httpStatus, reply.body, reply.headers);
  res.writeHead(reply.httpStatus, { ...reply.headers, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(reply.raw) });
  res.end(reply.raw);
}

