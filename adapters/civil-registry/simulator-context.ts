import type { RegistrationCheck } from './simulator-checks.js';
import type { CivilRegistryStore } from './simulator-store.js';

/** What a simulated service gets: the verified call and the system's state. */
export interface SimContext {
  mailbox: string;
  /** The request body parsed as JSON; `undefined` when it is not JSON. */
  body: unknown;
  store: CivilRegistryStore;
  checks: { json: RegistrationCheck; xml: RegistrationCheck };
  /** Dossiers `LayKetQua` takes per call at most. */
  resultChunkLimit: number;
  /** When set, `LayKetQua` refuses another `maTinh` (108 PROVINCE_ID_INCORRECT). */
  maTinh?: string;
  /** When set, the registering offices the system knows; others are refused (106 AGENCY_ID_INCORRECT). */
  offices?: ReadonlySet<string>;
  /** A registration still in state 1 gets its result after this long. */
  resultAfterMs?: number;
  now: Date;
}

/** An answer of a simulated service. */
export interface SimReply {
  httpStatus: number;
  body: unknown;
}

/** A refusal in the services' shape: HTTP 200, `status` 0, an error code and a Vietnamese description. */
export function refused(errorCode: string, errorDescription: string, status: string | number = '0'): SimReply {
  return { httpStatus: 200, body: { status, statusDescription: 'Thất bại', errorCode, errorDescription } };
}

/** `500 DATA_INCORRECT` with the details (the LGSP guide: "the system states the error in detail"). */
export function dataIncorrect(detail: string, status: string | number = '0'): SimReply {
  return refused('500', `DATA_INCORRECT - Dữ liệu không hợp lệ: ${detail}`, status);
}
