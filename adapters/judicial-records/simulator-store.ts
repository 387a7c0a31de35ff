import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { formatLltpDate } from './lltp-dates.js';
import { issueCertificate, type SimCertificate } from './simulator-certificate.js';

/**
 * The state of the simulated LLTP systems: LGSP consumers and the tokens they were issued, national
 * province keys, and the applications received, each moving through its statuses on a schedule or on
 * command. Mailboxes are gateways (the first path segment): each has its own applications and tokens.
 */

export type SimVariant = 'lgsp' | 'national';

/** Statuses an application goes through, in each system's own codes: received → processing → issued. */
export const SIM_STAGES: Readonly<Record<SimVariant, readonly [string, string, string]>> = {
  lgsp: ['3', '4', '5'],
  national: ['2', '4', '9'],
};

/** LGSP `DEC_STATUS_NAME`s (docs/domain-vn.md §6.1). */
export const LGSP_STATUS_NAMES: Readonly<Record<string, string>> = { '3': 'STP đã tiếp nhận', '4': 'Đang xử lý', '5': 'Đã có phiếu' };

/** Codes that mean the certificate exists. */
const ISSUED: Readonly<Record<SimVariant, readonly string[]>> = { lgsp: ['5'], national: ['9', '10'] };

export interface SimApplication {
  variant: SimVariant;
  mailbox: string;
  /** LGSP: the encrypted-looking LLTP `ID`; national: `maHoSoMCDT`. */
  id: string;
  /** `idReceivedDec` / `maHoSoMCDT`: what makes a second submission a duplicate. */
  key: string;
  submittedAt: Date;
  /** The body as received. */
  form: Record<string, unknown>;
  /** Set by `advance`: the status from then on, whatever the schedule says. */
  forcedStatus?: string;
  /** LGSP: the status last marked read with `danhDauHsThanhCong`. */
  readStatus?: string;
  certificate?: SimCertificate;
}

export interface Schedule {
  /** After this long an application is being processed. Absent: only `advance` moves it. */
  processingAfterMs?: number;
  /** After this long its certificate is issued. */
  resultAfterMs?: number;
}

export type Enrolment = 'registered' | 'open';

/** The consumer secret an `open` simulator expects for a consumer key. */
export function judicialSimulatorSecret(consumerKey: string): string {
  return `sim-secret-${createHash('sha256').update(`lgsp:${consumerKey}`).digest('hex').slice(0, 24)}`;
}

/** The `authKey` an `open` simulator expects for a province code. */
export function judicialSimulatorAuthKey(maTinh: string): string {
  return `sim-authkey-${createHash('sha256').update(`btp:${maTinh}`).digest('hex').slice(0, 24)}`;
}

export class SimStore {
  readonly applications: SimApplication[] = [];
  private readonly consumers = new Map<string, string>();
  private readonly provinces = new Map<string, string>();
  private readonly tokens = new Map<string, { mailbox: string; consumerKey: string; expiresAt: number }>();
  private issued = 0;

  constructor(
    private readonly enrolment: Enrolment,
    private readonly schedule: Schedule,
    private readonly tokenTtlSeconds: number,
    private readonly now: () => Date,
  ) {}

  registerConsumer(consumerKey: string, consumerSecret: string): void {
    this.consumers.set(consumerKey, consumerSecret);
  }

  registerProvince(maTinh: string, authKey: string): void {
    this.provinces.set(maTinh, authKey);
  }

  /** A consumer's secret: registered, or derived when the simulator is open. */
  consumerSecret(consumerKey: string): string | undefined {
    return this.consumers.get(consumerKey) ?? (this.enrolment === 'open' ? judicialSimulatorSecret(consumerKey) : undefined);
  }

  /** A province's key: registered, or derived when the simulator is open. */
  provinceKey(maTinh: string): string | undefined {
    return this.provinces.get(maTinh) ?? (this.enrolment === 'open' ? judicialSimulatorAuthKey(maTinh) : undefined);
  }

  /** A new token for a consumer on a gateway, in the LGSP's UUID-like form. */
  issueToken(mailbox: string, consumerKey: string): { token: string; expiresIn: number } {
    const token = randomUUID();
    this.tokens.set(token, { mailbox, consumerKey, expiresAt: this.now().getTime() + this.tokenTtlSeconds * 1000 });
    return { token, expiresIn: this.tokenTtlSeconds };
  }

  /** The consumer a token live on `mailbox`'s gateway was issued to; `undefined` for an unknown or expired one. */
  tokenClient(mailbox: string, token: string): string | undefined {
    const entry = this.tokens.get(token);
    return entry !== undefined && entry.mailbox === mailbox && entry.expiresAt > this.now().getTime() ? entry.consumerKey : undefined;
  }

  /** Expires every token (of one gateway, or all): the next data call gets a 401. */
  expireTokens(mailbox?: string): void {
    for (const [token, entry] of this.tokens) if (mailbox === undefined || entry.mailbox === mailbox) this.tokens.delete(token);
  }

  find(variant: SimVariant, mailbox: string, key: string): SimApplication | undefined {
    return this.applications.find((a) => a.variant === variant && a.mailbox === mailbox && a.key === key);
  }

  /** By `ID` or key, on any gateway. */
  byId(id: string): SimApplication | undefined {
    return this.applications.find((a) => a.id === id) ?? this.applications.find((a) => a.key === id);
  }

  add(variant: SimVariant, mailbox: string, key: string, form: Record<string, unknown>): SimApplication {
    const application: SimApplication = {
      variant,
      mailbox,
      key,
      id: variant === 'lgsp' ? randomBytes(18).toString('base64url') : key,
      submittedAt: this.now(),
      form,
    };
    this.applications.push(application);
    return application;
  }

  /** The status now: the forced one, else where the schedule has got to. */
  statusOf(application: SimApplication): string {
    if (application.forcedStatus !== undefined) return application.forcedStatus;
    const [received, processing, issued] = SIM_STAGES[application.variant];
    const elapsed = this.now().getTime() - application.submittedAt.getTime();
    if (this.schedule.resultAfterMs !== undefined && elapsed >= this.schedule.resultAfterMs) return issued;
    if (this.schedule.processingAfterMs !== undefined && elapsed >= this.schedule.processingAfterMs) return processing;
    return received;
  }

  advance(application: SimApplication, status: string): void {
    application.forcedStatus = status;
  }

  /** The certificate, issued on first sight of an issued status; `undefined` before. */
  certificateOf(application: SimApplication): SimCertificate | undefined {
    if (!ISSUED[application.variant].includes(this.statusOf(application))) return undefined;
    if (!application.certificate) {
      this.issued += 1;
      application.certificate = issueCertificate({ sequence: this.issued, issuedOn: formatLltpDate(this.now().toISOString()) ?? '', ...applicantOf(application) });
    }
    return application.certificate;
  }

  /** Forgets applications and tokens; keeps registered consumers and provinces. */
  clearTraffic(): void {
    this.applications.length = 0;
    this.tokens.clear();
  }
}

/** Who the certificate is about, read from the form as received. */
function applicantOf(application: SimApplication): Omit<Parameters<typeof issueCertificate>[0], 'sequence' | 'issuedOn'> {
  const form = application.form;
  if (application.variant === 'national') {
    const toKhai = (form.toKhai ?? {}) as Record<string, unknown>;
    return {
      formType: toKhai.loaiPhieu === '2' ? '2' : '1',
      fullName: String(toKhai.nycHoTen ?? ''),
      birthDate: String(toKhai.nycNgaySinh ?? ''),
      identifyNo: String(toKhai.nycSoGiayTo ?? ''),
      banPositionAsked: toKhai.yeuCauCDNCV === '1',
    };
  }
  const declaration = (form.declarationWSForm ?? form.declarationForm ?? {}) as Record<string, unknown>;
  return {
    formType: String(declaration.formType) === '2' ? '2' : '1',
    fullName: String(declaration.fullName ?? ''),
    birthDate: String(declaration.birthDateStr ?? ''),
    identifyNo: String(declaration.identifyNo ?? ''),
    banPositionAsked: String(declaration.isBanPosition) === '1',
  };
}
