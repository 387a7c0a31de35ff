import type { SimulatorBehaviour } from '../../src/adapters/adapter-contract.js';

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

export interface BehaviourSlot {
  behaviour: CivilRegistrySimulatorBehaviour;
  /** For behaviours with a count: answers still to give. */
  remaining?: number;
}

export function slotOf(behaviour: CivilRegistrySimulatorBehaviour): BehaviourSlot {
  return 'count' in behaviour && behaviour.count !== undefined ? { behaviour, remaining: behaviour.count } : { behaviour };
}

/** The answer a `fail`, `flaky`, `error-answer` or `malformed` behaviour gives now, if any; counts down. */
export function scriptedAnswer(slot: BehaviourSlot | undefined): ScriptedAnswer | undefined {
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
      if (!due()) return undefined;
      return {
        httpStatus: behaviour.status,
        body: { status: '0', statusDescription: 'Lỗi hệ thống', errorCode: String(behaviour.status), errorDescription: 'simulated failure' },
        ...(behaviour.retryAfterSeconds !== undefined && { headers: { 'retry-after': String(behaviour.retryAfterSeconds) } }),
      };
    case 'error-answer':
      if (!due()) return undefined;
      return { httpStatus: 200, body: { status: '0', statusDescription: 'Thất bại', errorCode: behaviour.errorCode, errorDescription: behaviour.errorDescription ?? 'simulated refusal' } };
    case 'malformed':
      if (!due()) return undefined;
      return behaviour.body === 'not-json'
        ? { httpStatus: 200, body: undefined, raw: '<html><body><h1>502 Bad Gateway</h1></body></html>' }
        : { httpStatus: 200, body: { message: 'Success', data: null } };
    case 'flaky':
      return Math.random() < behaviour.failureRate ? { httpStatus: 503, body: { status: '0', statusDescription: 'Lỗi hệ thống', errorCode: '503', errorDescription: 'simulated failure' } } : undefined;
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
