import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A unit's account on the simulated portal. */
export interface SimulatedAccount {
  /** Login name (observed: the agency code); also the simulator's mailbox. */
  username: string;
  password: string;
  /** The unit code its data calls must send as `madonvi`. Default: `username`. */
  madonvi?: string;
}

/** How the simulator treats a username it was not given. */
export type Enrolment = 'registered' | 'open';

/** What the portal knows of a session string. */
export type SessionState = { kind: 'valid'; username: string; madonvi: string } | { kind: 'expired'; username: string } | { kind: 'unknown' };

/**
 * The deterministic password of an account enrolled on first sight by an `open` simulator. Public on
 * purpose: it lets conformance tests and demos configure an endpoint for any username.
 */
export function dvcqgSimulatorPassword(username: string): string {
  return `sim-${createHmac('sha256', 'lienthong-dvcqg-simulator').update(username).digest('hex').slice(0, 24)}`;
}

interface AccountEntry {
  password: string;
  madonvi: string;
  registered: boolean;
}

interface SessionEntry {
  username: string;
  expiresAt: number;
  expired: boolean;
}

/** The simulated portal's accounts and sessions (sessions live `ttlMs`, or until expired on demand). */
export class PortalAccounts {
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly sessions = new Map<string, SessionEntry>();

  constructor(
    private readonly enrolment: Enrolment,
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  register(account: SimulatedAccount): void {
    this.accounts.set(account.username, { password: account.password, madonvi: account.madonvi ?? account.username, registered: true });
  }

  /** A new session for matching credentials (an `open` portal enrols unknown usernames first), else `undefined`. */
  login(username: string, password: string): string | undefined {
    let account = this.accounts.get(username);
    if (!account && this.enrolment === 'open') {
      account = { password: dvcqgSimulatorPassword(username), madonvi: username, registered: false };
      this.accounts.set(username, account);
    }
    if (!account || !sameText(account.password, password)) return undefined;
    const session = randomBytes(24).toString('base64url');
    this.sessions.set(session, { username, expiresAt: this.now().getTime() + this.ttlMs, expired: false });
    return session;
  }

  session(session: string): SessionState {
    const entry = this.sessions.get(session);
    const account = entry && this.accounts.get(entry.username);
    if (!entry || !account) return { kind: 'unknown' };
    if (entry.expired || this.now().getTime() >= entry.expiresAt) return { kind: 'expired', username: entry.username };
    return { kind: 'valid', username: entry.username, madonvi: account.madonvi };
  }

  /** The username whose unit is `madonvi`, if any. */
  usernameOfUnit(madonvi: string): string | undefined {
    for (const [username, account] of this.accounts) if (account.madonvi === madonvi) return username;
    return undefined;
  }

  /** Expires the sessions of one account, or all; returns how many were live. */
  expire(username?: string): number {
    let count = 0;
    for (const entry of this.sessions.values()) {
      if (!entry.expired && (username === undefined || entry.username === username)) {
        entry.expired = true;
        count += 1;
      }
    }
    return count;
  }

  /** Forgets sessions and open-enrolled accounts; registered accounts stay. */
  reset(): void {
    this.sessions.clear();
    for (const [username, account] of this.accounts) if (!account.registered) this.accounts.delete(username);
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
