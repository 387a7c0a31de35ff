import type { CallBudget } from '../../src/adapters/call-budget.js';
import { clipReason } from '../../src/adapters/reason-text.js';
import { callPortal } from './portal-client.js';
import { loginToPortal, type LoginResult } from './portal-login.js';
import { classifyPortalCall, type AnswerRules, type PortalVerdict } from './portal-verdict.js';
import { cachedSession, dropSession, storeSession } from './session-cache.js';
import type { ResolvedDvcqgSettings } from './settings.js';

/** A data call's verdict once sessions are dealt with. */
export type ServiceVerdict = Exclude<PortalVerdict, { kind: 'session' }>;

export interface ConversationOptions {
  settings: ResolvedDvcqgSettings;
  rules: AnswerRules;
  /** Session cache key of the endpoint (`sessionKey`). */
  sessionKey: string;
  /** The whole attempt's (or look-up's) time and signal. */
  budget: CallBudget;
  now(): Date;
}

/**
 * The data calls of one attempt, in one session: the endpoint's cached session, or a new login.
 * When the portal says the session is invalid or expired, the conversation logs in again **once**
 * and repeats that call — renewing a session is not a retry of the delivery; a second refusal of a
 * session is permanent (HTTP 401), as the account cannot be used.
 */
export class PortalConversation {
  private renewed = false;
  private logins = 0;

  constructor(private readonly options: ConversationOptions) {}

  /** Logins this conversation made (0 when the cached session served). */
  get loginCount(): number {
    return this.logins;
  }

  /** `POST <base>/mapi/g {session, madonvi, service, …params}` — one call, or two around a new login. */
  async call(params: Record<string, unknown>): Promise<ServiceVerdict> {
    const { settings, rules, budget } = this.options;
    let session = cachedSession(this.options.sessionKey);
    if (session === undefined) {
      const login = await this.login();
      if (login.kind !== 'session') return login;
      session = login.session;
    }
    for (;;) {
      const body = { session, madonvi: settings.madonvi, ...params };
      const verdict = classifyPortalCall(await callPortal(settings, 'service', body, budget, () => this.options.now()), rules);
      if (verdict.kind !== 'session') return verdict;
      dropSession(this.options.sessionKey, session);
      if (this.renewed) {
        return { kind: 'permanent', httpStatus: 401, reason: clipReason(`session refused again after a new login (error_code ${verdict.answer.errorCode}): ${verdict.answer.message}`) };
      }
      this.renewed = true;
      const login = await this.login();
      if (login.kind !== 'session') return login;
      session = login.session;
    }
  }

  private async login(): Promise<LoginResult> {
    this.logins += 1;
    const login = await loginToPortal(this.options.settings, this.options.rules, this.options.budget, () => this.options.now());
    if (login.kind === 'session') storeSession(this.options.sessionKey, login.session);
    return login;
  }
}
