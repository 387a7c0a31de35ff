import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedRequest, SimulatorHandle, SimulatorOptions } from '../../src/adapters/adapter-contract.js';
import { parseJsonObject } from '../../src/adapters/json-values.js';
import { RequestLog } from '../../src/adapters/request-log.js';
import { BehaviourBook, scriptedAnswer } from '../../src/adapters/simulator-behaviours.js';
import { flatHeaders, readBody, sendJson } from '../../src/adapters/simulator-http.js';
import { SimulatorServer } from '../../src/adapters/simulator-server.js';
import { PortalAccounts, type Enrolment, type SimulatedAccount } from './simulator-accounts.js';
import { refusal, SIM_ERROR_CODES, syncContinues, type SimReply, type SuccessCode } from './simulator-answers.js';
import { PORTAL_SCRIPT, type DvcqgCallName, type DvcqgSimulatorBehaviour } from './simulator-behaviour.js';
import { DEFAULT_AGENCIES, DEFAULT_PROCEDURES, type SimulatedAgencyEntry, type SimulatedProcedure } from './simulator-catalogue.js';
import { PortalRegistry, type StoredDossier, type StoredProgress } from './simulator-registry.js';
import { dataCall, login, type PortalState } from './simulator-services.js';

export interface DvcqgSimulatorOptions extends SimulatorOptions {
  /** Accounts known from the start (kept by `reset`). */
  accounts?: readonly SimulatedAccount[];
  /**
   * `registered` (default): only known accounts log in. `open` (conformance, demos): an unknown
   * username is enrolled on first login with password `dvcqgSimulatorPassword(username)`.
   */
  enrolment?: Enrolment;
  /** When set, calls on the NGSP forwarding path must carry this `dstcode` (header or query). */
  dstcode?: string;
  /** Lifetime of a session in milliseconds. Default 30 minutes. */
  sessionTtlMs?: number;
  /** How data-call answers write success. Default `"00"` (OpenCPS compares with it); login always answers 0. */
  successCode?: SuccessCode;
  /** The procedure catalogue: `LayThuTuc`, and the `MaTTHC` codes `DongBoHoSoMC` accepts. */
  procedures?: readonly SimulatedProcedure[];
  /** What `LayDanhMucCoQuan` lists. */
  agencies?: readonly SimulatedAgencyEntry[];
  /** Refuse a `MaHoSo` that is not `<agency code>-<yyMMdd>-<sequence>`. Default `true`. */
  checkNumberFormat?: boolean;
  /** Largest request body accepted (413 above). Default 8 MiB. */
  maxBodyBytes?: number;
  now?: () => Date;
}

/** A recorded call, with what the simulator made of it. */
export interface DvcqgRecordedRequest extends RecordedRequest {
  /** `login`, the `service` of a data call, or `''` when the body named none. */
  call: string;
  /** Path and query as received. */
  path: string;
  /** The account that logged in, or whose live session the data call carried (verified by the portal). */
  account?: string;
  /** `error_code` answered, when the answer had one. */
  errorCode?: string;
  /** The sync ended with this call (the client stopped, or makes no further call): see `requests()`. */
  endsSync: boolean;
}

/** A running simulated portal. Mailboxes are accounts (usernames). */
export interface DvcqgSimulatorHandle extends SimulatorHandle {
  /** Sets the behaviour of an account (or `*`), for all calls or only the listed ones (`['login']`, `['CapNhatTienDoHoSoMC']` …). */
  setBehaviour(mailbox: string, behaviour: DvcqgSimulatorBehaviour, calls?: readonly DvcqgCallName[]): void;
  /** One record per sync: the call that ended it (README.md, "Simulator"). */
  requests(mailbox?: string): DvcqgRecordedRequest[];
  /** Every call, logins included. */
  calls(mailbox?: string): DvcqgRecordedRequest[];
  logins(mailbox?: string): DvcqgRecordedRequest[];
  /** Distinct (MaHoSo, progress item) pairs accepted from an account, or from all. */
  uniqueDeliveries(mailbox?: string): number;
  dossier(maHoSo: string): StoredDossier | undefined;
  progress(maHoSo: string): StoredProgress[];
  registerAccount(account: SimulatedAccount): void;
  /** Expires the live sessions of one account, or of all; returns how many. */
  expireSessions(username?: string): number;
}

const DEFAULT_MAX_BODY = 8 * 1024 * 1024;
const DEFAULT_SESSION_TTL_MS = 30 * 60 * 1000;
const DIRECT_PATH = /^\/mapi\/(login|g)$/;
const FORWARDED_PATH = /^\/XrdAdapter\/RestService\/forward(?:\/.*)?\/mapi\/(login|g)$/;

/**
 * Starts a simulated National Public Service Portal on loopback: `POST /mapi/login` and `/mapi/g`,
 * the same behind the NGSP forwarding path `/XrdAdapter/RestService/forward/<provider path>/mapi/…`
 * (checking `dstcode` when configured), `GET /healthz`. `hubCertificatePem` is accepted and not
 * used: the portal authenticates a unit's account, by password and session.
 */
export async function startDvcqgSimulator(options: DvcqgSimulatorOptions = {}): Promise<DvcqgSimulatorHandle> {
  const now = options.now ?? (() => new Date());
  const accounts = new PortalAccounts(options.enrolment ?? 'registered', options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS, now);
  for (const account of options.accounts ?? []) accounts.register(account);
  const procedures = new Map((options.procedures ?? DEFAULT_PROCEDURES).map((p) => [p.code, p] as const));
  const state: PortalState = {
    accounts,
    registry: new PortalRegistry(),
    procedures,
    agencies: options.agencies ?? DEFAULT_AGENCIES,
    itemRules: { procedures: new Set(procedures.keys()), checkNumberFormat: options.checkNumberFormat !== false },
    successCode: options.successCode ?? '00',
    now,
  };
  const keepBodies = options.recordBodies !== false;
  const book = new BehaviourBook<DvcqgSimulatorBehaviour>();
  const recorded = new RequestLog<DvcqgRecordedRequest>();

  async function handleCall(kind: 'login' | 'g', forwarded: boolean, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // 1. Read the call and whose it is.
    const headers = flatHeaders(req);
    const raw = await readBody(req, options.maxBodyBytes ?? DEFAULT_MAX_BODY);
    const body = raw === undefined ? undefined : parseJsonObject(raw.toString('utf8'));
    const call = kind === 'login' ? 'login' : typeof body?.service === 'string' ? body.service : '';
    const caller = identify(kind, body, state);
    const record = recorded.add({
      mailbox: caller.mailbox,
      at: now(),
      headers,
      body: keepBodies && raw ? raw : Buffer.alloc(0),
      status: 0,
      call,
      path: req.url ?? '',
      endsSync: false,
      ...(caller.account !== undefined && { account: caller.account }),
    });
    const finish = (httpStatus: number, text: string, extraHeaders: Record<string, string>, reply: SimReply): void => {
      record.status = httpStatus;
      const code = reply.body.error_code;
      if (code !== undefined) record.errorCode = String(code);
      // A client that went away (its timeout) ended its sync here, whatever the answer.
      record.endsSync = req.socket.destroyed || !syncContinues(call, reply);
      if (kind === 'login' && httpStatus === 200 && typeof reply.body.session === 'string') record.account = caller.mailbox;
      if (res.destroyed) return;
      res.writeHead(httpStatus, { 'content-type': 'application/json; charset=utf-8', ...extraHeaders, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const answer = (reply: SimReply): void => finish(reply.httpStatus, JSON.stringify(reply.body), {}, reply);
    if (raw === undefined) return answer(refusal(SIM_ERROR_CODES.invalid, 'Dữ liệu gửi lên quá lớn', 413));

    // 2. A dead or slow portal never gets to look at the call.
    const slot = book.slotFor(caller.mailbox, call);
    if (!(await server.passesNetwork(slot, req))) {
      record.endsSync = true;
      return;
    }

    // 3. NGSP routing, scripted answers, then the portal itself.
    if (forwarded && options.dstcode !== undefined && (headers.dstcode ?? url.searchParams.get('dstcode')) !== options.dstcode) {
      return answer(refusal(SIM_ERROR_CODES.routing, 'dstcode thiếu hoặc không hợp lệ: không định tuyến được tới dịch vụ đích', 400));
    }
    const scripted = scriptedAnswer(slot, PORTAL_SCRIPT);
    if (scripted) return finish(scripted.httpStatus, scripted.text, scripted.headers, { httpStatus: scripted.httpStatus, body: parseJsonObject(scripted.text) ?? {} });
    if (!body) return answer(refusal(SIM_ERROR_CODES.invalid, 'Dữ liệu gửi lên không phải đối tượng JSON', 400));
    answer(kind === 'login' ? login(body, state) : dataCall(body, state));
  }

  const server = new SimulatorServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const route = FORWARDED_PATH.exec(url.pathname) ?? DIRECT_PATH.exec(url.pathname);
    if (route && req.method === 'POST') {
      handleCall(route[1] as 'login' | 'g', url.pathname.startsWith('/XrdAdapter/'), url, req, res).catch(() => req.socket.destroy());
      return;
    }
    req.resume();
    if (req.method === 'GET' && url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
    if (route) return sendJson(res, 405, { error_code: -405, message: 'Chỉ chấp nhận phương thức POST' }, { allow: 'POST' });
    sendJson(res, 404, { error_code: -404, message: `Không tìm thấy đường dẫn ${url.pathname}` });
  });

  return {
    url: await server.listen(options),
    setBehaviour: (mailbox, behaviour, calls) => book.set(mailbox, behaviour, calls),
    requests: (mailbox) => recorded.of(mailbox, (r) => r.endsSync),
    calls: (mailbox) => recorded.of(mailbox),
    logins: (mailbox) => recorded.of(mailbox, (r) => r.call === 'login'),
    uniqueDeliveries: (mailbox) => state.registry.acceptedProgress(mailbox),
    dossier: (maHoSo) => state.registry.dossier(maHoSo),
    progress: (maHoSo) => state.registry.progress(maHoSo),
    registerAccount: (account) => accounts.register(account),
    expireSessions: (username) => accounts.expire(username),
    reset() {
      book.clear();
      recorded.clear();
      state.registry.clear();
      accounts.reset();
    },
    close: () => server.close(),
  };
}

/** The mailbox a call is filed under (the login's username, the session's account, or the unit's) and its verified account. */
function identify(kind: 'login' | 'g', body: Record<string, unknown> | undefined, state: PortalState): { mailbox: string; account?: string } {
  if (!body) return { mailbox: '' };
  if (kind === 'login') return { mailbox: typeof body.username === 'string' ? body.username : '' };
  const session = typeof body.session === 'string' ? state.accounts.session(body.session) : { kind: 'unknown' as const };
  if (session.kind === 'valid') return { mailbox: session.username, account: session.username };
  if (session.kind === 'expired') return { mailbox: session.username };
  return { mailbox: (typeof body.madonvi === 'string' && state.accounts.usernameOfUnit(body.madonvi)) || '' };
}
