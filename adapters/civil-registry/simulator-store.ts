import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { CivilPayloadType, Variant } from './modules.js';

/** An OAuth client (an application on the gateway) the simulator knows. */
export interface SimulatedClient {
  consumerKey: string;
  consumerSecret: string;
}

/** `registered`: only known clients get tokens. `open` (conformance, demos): any key, with secret {@link civilRegistrySimulatorSecret}. */
export type Enrolment = 'registered' | 'open';

export interface IssuedToken {
  value: string;
  mailbox: string;
  consumerKey: string;
  /** ms since the epoch. */
  expiresAt: number;
}

/** A document the system keeps with a registration. */
export interface SimulatedFile {
  loaiGiayTo: number;
  tenGiayTo: string;
  tenTepDinhKem: string;
  bytes: Buffer;
}

/** A registration as the simulated system holds it, with where it has got to. */
export interface SimulatedRegistration {
  mailbox: string;
  variant: Variant;
  payloadType: CivilPayloadType;
  maDonVi: string;
  module: string;
  /** btp `maHoSoMCDT`, lgsp `maHoSo`: the one-stop dossier number. */
  maHoSo: string;
  maHoSoLT?: string;
  ngayTiepNhan: string;
  /** The registration as received (parsed from JSON, or from the LGSP XML). */
  registration: Record<string, unknown>;
  files: SimulatedFile[];
  receivedAt: Date;
  /** The state in the generation's own codes (btp `trangThai`, lgsp `traTrangThaiHoSo` status). */
  trangThai: string;
  changedAt: Date;
  noiDungXuLy?: string;
  ghiChu?: string;
  hanBoSungHoSo?: string;
  ketQuaXuLy?: Record<string, unknown>;
  officer?: { nguoiXuLy: string; chucDanh: string; phongBanXuLy: string };
}

/** The secret the simulator expects of `consumerKey` in `open` enrolment. */
export function civilRegistrySimulatorSecret(consumerKey: string): string {
  return createHash('sha256').update(`lienthong-civil-registry-simulator:${consumerKey}`).digest('hex');
}

/** The simulated gateway's clients and tokens and the system's registrations (one store for both generations). */
export class CivilRegistryStore {
  private readonly clients = new Map<string, string>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly records = new Map<string, SimulatedRegistration>();

  constructor(
    private readonly enrolment: Enrolment,
    private readonly now: () => Date,
  ) {}

  registerClient(client: SimulatedClient): void {
    this.clients.set(client.consumerKey, client.consumerSecret);
  }

  /** Whether `secret` is `consumerKey`'s (constant-time). */
  authenticates(consumerKey: string, secret: string): boolean {
    const expected = this.clients.get(consumerKey) ?? (this.enrolment === 'open' ? civilRegistrySimulatorSecret(consumerKey) : undefined);
    if (expected === undefined) return false;
    const a = createHash('sha256').update(expected).digest();
    const b = createHash('sha256').update(secret).digest();
    return timingSafeEqual(a, b);
  }

  issueToken(mailbox: string, consumerKey: string, ttlSeconds: number): IssuedToken {
    const token = { value: randomUUID(), mailbox, consumerKey, expiresAt: this.now().getTime() + ttlSeconds * 1000 };
    this.tokens.set(token.value, token);
    return token;
  }

  /** The token `value` when it was issued for `mailbox` and has not expired. */
  validToken(value: string, mailbox: string): IssuedToken | undefined {
    const token = this.tokens.get(value);
    return token && token.mailbox === mailbox && this.now().getTime() < token.expiresAt ? token : undefined;
  }

  /** Expires every token issued (for `mailbox`, or all): the next call with one is refused. */
  expireTokens(mailbox?: string): void {
    const past = this.now().getTime() - 1;
    for (const token of this.tokens.values()) if (mailbox === undefined || token.mailbox === mailbox) token.expiresAt = past;
  }

  /** Stores a new registration; `false` (and nothing stored) when the office already holds that dossier number. */
  register(registration: SimulatedRegistration): boolean {
    const key = registrationKey(registration);
    if (this.records.has(key)) return false;
    this.records.set(key, registration);
    return true;
  }

  find(mailbox: string, variant: Variant, maHoSo: string, maDonVi?: string): SimulatedRegistration | undefined {
    if (maDonVi !== undefined) return this.records.get(registrationKey({ mailbox, variant, maDonVi, maHoSo }));
    return [...this.records.values()].find((r) => r.mailbox === mailbox && r.variant === variant && r.maHoSo === maHoSo);
  }

  registrations(mailbox?: string): SimulatedRegistration[] {
    return [...this.records.values()].filter((r) => mailbox === undefined || r.mailbox === mailbox);
  }

  /** Forgets registrations and tokens (clients stay). */
  clearTraffic(): void {
    this.records.clear();
    this.tokens.clear();
  }
}

function registrationKey(r: Pick<SimulatedRegistration, 'mailbox' | 'variant' | 'maDonVi' | 'maHoSo'>): string {
  return [r.mailbox, r.variant, r.maDonVi, r.maHoSo].join('\u0000');
}
