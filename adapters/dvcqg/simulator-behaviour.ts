import type { SimulatorBehaviour } from '../../src/adapters/adapter-contract.js';

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

interface Slot {
  behaviour: DvcqgSimulatorBehaviour;
  /** For behaviours with a count: answers still to script. */
  remaining?: number;
}

/** Behaviours by mailbox (or `*`), for all calls or only some, with per-call counts. */
export class BehaviourBook {
  private readonly slots = new Map<string, Slot>();

  set(mailbox: string, behaviour: DvcqgSimulatorBehaviour, calls?: readonly DvcqgCallName[]): void {
    const slot = (): Slot => ('count' in behaviour && behaviour.count !== undefined ? { behaviour, remaining: behaviour.count } : { behaviour });
    if (!calls) this.slots.set(mailbox, slot());
    else for (const call of calls) this.slots.set(`${mailbox}\u0000${call}`, slot());
  }

  slotFor(mailbox: string, call: string): Slot | undefined {
    return this.slots.get(`${mailbox}\u0000${call}`) ?? this.slots.get(mailbox) ?? this.slots.get(`*\u0000${call}`) ?? this.slots.get('*');
  }

  clear(): void {
    this.slots.clear();
  }
}

/** The answer a `fail`, `flaky`, `answer` or `malformed` behaviour gives now, if any; counts down. */
export function scriptedAnswer(slot: Slot | undefined): ScriptedAnswer | undefined {
  if (!slot) return undefined;
  const behaviour = slot.behaviour;
  const due = (): boolean => {
    if (slot.remaining === undefined) return true;
    if (slot.remaining <= 0) return false;
    slot.remaining -= 1;
    return true;
  };
  const json = (httpStatus: number, body: Record<string, unknown>, headers: Record<string, string> = {}): ScriptedAnswer => ({ httpStatus, headers, text: JSON.stringify(body) });
  switch (behaviour.mode) {
    case 'fail': {
      if (!due()) return undefined;
      const headers: Record<string, string> = behaviour.retryAfterSeconds !== undefined ? { 'retry-after': String(behaviour.retryAfterSeconds) } : {};
      return json(behaviour.status, { error_code: -behaviour.status, message: 'Lỗi mô phỏng (simulated failure)' }, headers);
    }
    case 'flaky':
      return Math.random() < behaviour.failureRate ? json(503, { error_code: -503, message: 'Lỗi mô phỏng (simulated failure)' }) : undefined;
    case 'answer':
      return due() ? json(behaviour.httpStatus ?? 200, { error_code: behaviour.errorCode, message: behaviour.message }) : undefined;
    case 'malformed':
      if (!due()) return undefined;
      return behaviour.body === 'not-json'
        ? { httpStatus: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, text: '<html><body><h1>Gateway</h1><p>Hệ thống đang bảo trì</p></body></html>' }
        : json(200, { message: 'OK', result: [] });
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
