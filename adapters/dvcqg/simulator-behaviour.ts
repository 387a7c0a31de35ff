import type { SimulatorBehaviour } from '../../src/adapters/adapter-contract.js';
import type { AnswerScript } from '../../src/adapters/simulator-behaviours.js';

/** The calls of the simulated portal a behaviour can target: the login and each service. */
export type DvcqgCallName = 'login' | 'TraCuuHoSo' | 'DongBoHoSoMC' | 'CapNhatTienDoHoSoMC' | 'LayThuTuc' | 'LayDanhMucCoQuan';

/** A behaviour of the simulated portal for one account (mailbox = username), beyond the shared ones. */
export type DvcqgSimulatorBehaviour =
  | SimulatorBehaviour
  /** Answer `{error_code, message}` with HTTP `httpStatus` (200 by default) instead of handling the call. */
  | { mode: 'answer'; errorCode: number | string; message: string; httpStatus?: number; count?: number }
  /** Answer HTTP 200 with a body that is not JSON (a gateway's page), or JSON without `error_code`. */
  | { mode: 'malformed'; body: 'not-json' | 'no-error-code'; count?: number };

/** A scripted answer: status, headers and the raw body text. */
export interface ScriptedAnswer {
  httpStatus: number;
  headers: Record<string, string>;
  text: string;
}

/** Scripted answers as the portal writes them; `answer` and `malformed` count down. */
export const PORTAL_SCRIPT: AnswerScript<DvcqgSimulatorBehaviour, ScriptedAnswer> = {
  failure: (failure) => json(failure.httpStatus, { error_code: -failure.httpStatus, message: 'Lỗi mô phỏng (simulated failure)' }, failure.headers),
  own(behaviour, due) {
    if (!due()) return undefined;
    switch (behaviour.mode) {
      case 'answer':
        return json(behaviour.httpStatus ?? 200, { error_code: behaviour.errorCode, message: behaviour.message });
      case 'malformed':
        return behaviour.body === 'not-json'
          ? { httpStatus: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, text: '<html><body><h1>Gateway</h1><p>Hệ thống đang bảo trì</p></body></html>' }
          : json(200, { message: 'OK', result: [] });
      default: {
        const unknown: never = behaviour;
        throw new Error(`Unknown simulator behaviour ${JSON.stringify(unknown)}`);
      }
    }
  },
};

function json(httpStatus: number, body: Record<string, unknown>, headers: Record<string, string> = {}): ScriptedAnswer {
  return { httpStatus, headers, text: JSON.stringify(body) };
}
