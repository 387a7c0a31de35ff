/**
 * How the simulated portal answers: `{error_code, message, …}` (docs/domain-vn.md §4.1). The
 * refusal codes are the simulator's own — the real list is not public — except that an add of an
 * existing dossier is refused with a negative code and a text saying "đã tồn tại", as S3's sync
 * code expects (it accepts `3`/`-3` with that text and then updates).
 */

/** An answer of the simulated portal: HTTP status and JSON body. */
export interface SimReply {
  httpStatus: number;
  body: Record<string, unknown>;
}

/** `error_code` of the simulator's refusals (inference, README.md "Simulator"). */
export const SIM_ERROR_CODES = Object.freeze({
  /** Login refused: unknown username or wrong password (HTTP 401). */
  loginRefused: -1,
  /** Session missing, unknown or expired (HTTP 200). */
  session: -2,
  /** `DongBoHoSoMC` add of a dossier the portal has; a repeated progress item. */
  exists: -3,
  /** Update or progress of a dossier the portal does not have. */
  notFound: -4,
  /** Invalid input: a missing or malformed field, a code outside its list. */
  invalid: -5,
  /** The session's unit may not do this: another unit's `madonvi` or dossier, an unknown service. */
  notPermitted: -6,
  /** The NGSP adapter cannot route the call: `dstcode` missing or wrong (HTTP 400). */
  routing: -7,
});

/** What `error_code` success is written as in data-call answers (login answers always use the number 0). */
export type SuccessCode = 0 | '0' | '00';

export function success(code: SuccessCode, message: string, extra: Record<string, unknown> = {}): SimReply {
  return { httpStatus: 200, body: { error_code: code, message, ...extra } };
}

export function refusal(errorCode: number, message: string, httpStatus = 200): SimReply {
  return { httpStatus, body: { error_code: errorCode, message } };
}

/**
 * Whether a sync goes on after this answer to `call`, as the hub's client reads answers with its
 * default settings: after a successful login, any look-up answer, a successful `DongBoHoSoMC` or
 * one refused as "đã tồn tại" (the client then updates), and a session refusal (it logs in again).
 * Every other answer ends the sync — what `requests(mailbox)` records (README.md, "Simulator").
 */
export function syncContinues(call: string, reply: SimReply): boolean {
  const code = String(reply.body.error_code ?? '');
  const ok = /^0+$/.test(code);
  if (code === String(SIM_ERROR_CODES.session)) return true;
  if (reply.httpStatus !== 200) return false;
  switch (call) {
    case 'login':
      return ok;
    case 'TraCuuHoSo':
      return code !== '';
    case 'DongBoHoSoMC':
      return ok || code === String(SIM_ERROR_CODES.exists);
    default:
      return false;
  }
}
