import type { SimulatorBehaviour } from '../../src/adapters/adapter-contract.js';
import type { AnswerScript } from '../../src/adapters/simulator-behaviours.js';

/** The simulated services, by the name they are recorded under. */
export const SIM_OPERATIONS = ['token', 'NhanDKHT', 'LayKetQua', 'dangKyHoTich', 'traTrangThaiHoSo', 'ketQuaDangKyHS'] as const;
export type SimOperation = (typeof SIM_OPERATIONS)[number];

/** A behaviour of the simulated system for one mailbox, beyond the shared ones. */
export type CivilRegistrySimulatorBehaviour =
  | SimulatorBehaviour
  /** Answer HTTP 200 with `status` 0 and this error code (the next `count` requests, or all). */
  | { mode: 'error-answer'; errorCode: string; errorDescription?: string; count?: number }
  /** Answer HTTP 200 with a body that is not JSON (`not-json`) or JSON without `status` (`no-status`). */
  | { mode: 'malformed'; body: 'not-json' | 'no-status'; count?: number };

/** A scripted answer: HTTP status, body (JSON value or raw text) and headers. */
export interface ScriptedAnswer {
  httpStatus: number;
  body: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** Scripted answers in the services' refusal shape; `error-answer` and `malformed` count down. */
export const REGISTRY_SCRIPT: AnswerScript<CivilRegistrySimulatorBehaviour, ScriptedAnswer> = {
  failure: (failure) => ({
    httpStatus: failure.httpStatus,
    body: { status: '0', statusDescription: 'Lỗi hệ thống', errorCode: String(failure.httpStatus), errorDescription: 'simulated failure' },
    headers: failure.headers,
  }),
  own(behaviour, due) {
    if (!due()) return undefined;
    switch (behaviour.mode) {
      case 'error-answer':
        return { httpStatus: 200, body: { status: '0', statusDescription: 'Thất bại', errorCode: behaviour.errorCode, errorDescription: behaviour.errorDescription ?? 'simulated refusal' } };
      case 'malformed':
        return behaviour.body === 'not-json'
          ? { httpStatus: 200, body: undefined, raw: '<html><body><h1>502 Bad Gateway</h1></body></html>' }
          : { httpStatus: 200, body: { message: 'Success', data: null } };
      default: {
        const unknown: never = behaviour;
        throw new Error(`Unknown simulator behaviour ${JSON.stringify(unknown)}`);
      }
    }
  },
};
