import type { SimulatorBehaviour } from './adapter-contract.js';

/** A behaviour set on a simulator, with the scripted answers its `count` still allows. */
export interface BehaviourSlot<B> {
  behaviour: B;
  /** For behaviours with a `count`: scripted answers still to give. */
  remaining?: number;
}

/** Which slot a call falls under when several could apply. */
export interface BehaviourLookup {
  /**
   * `mailbox-first` (default): the mailbox's behaviour for all operations comes before `*`'s for this
   * operation; `operation-first`: `*`'s for this operation comes first. A mailbox's behaviour for the
   * operation always comes first, `*`'s for all operations last.
   */
  precedence?: 'mailbox-first' | 'operation-first';
  /** Operations only a behaviour naming them reaches (a token endpoint): behaviours for all operations leave them alone. */
  listedOnly?: readonly string[];
}

/**
 * The behaviours of one simulator, by mailbox (or `*` for all) and optionally by operation: what
 * `setBehaviour(mailbox, behaviour, operations?)` of every simulator keeps. Each listed operation gets
 * a slot of its own, so counts run down per operation.
 */
export class BehaviourBook<B extends { mode: string }> {
  private readonly slots = new Map<string, BehaviourSlot<B>>();

  constructor(private readonly lookup: BehaviourLookup = {}) {}

  set(mailbox: string, behaviour: B, operations?: readonly string[]): void {
    if (!operations) this.slots.set(mailbox, slotOf(behaviour));
    else for (const operation of operations) this.slots.set(key(mailbox, operation), slotOf(behaviour));
  }

  /** The slot a call of `operation` (none: the simulator has no operations) to `mailbox` falls under. */
  slotFor(mailbox: string, operation?: string): BehaviourSlot<B> | undefined {
    if (operation === undefined) return this.slots.get(mailbox) ?? this.slots.get('*');
    const own = this.slots.get(key(mailbox, operation));
    if (own) return own;
    const anyMailbox = (): BehaviourSlot<B> | undefined => this.slots.get(key('*', operation));
    if (this.lookup.listedOnly?.includes(operation)) return anyMailbox();
    return this.lookup.precedence === 'operation-first'
      ? (anyMailbox() ?? this.slots.get(mailbox) ?? this.slots.get('*'))
      : (this.slots.get(mailbox) ?? anyMailbox() ?? this.slots.get('*'));
  }

  clear(): void {
    this.slots.clear();
  }
}

/** A failure a simulator answers: the HTTP status, and its headers (`Retry-After` when asked for). */
export interface ScriptedFailure {
  httpStatus: number;
  headers: Record<string, string>;
}

/** How a simulator writes its scripted answers (of type `A`). */
export interface AnswerScript<B, A> {
  /** The contract's `fail` and `flaky` failures, in the system's own body. */
  failure(failure: ScriptedFailure): A;
  /**
   * The simulator's own behaviours (those beyond the contract's), if it has any. `due()` counts a
   * behaviour with a `count` down and says whether it still answers.
   */
  own?(behaviour: Exclude<B, SimulatorBehaviour>, due: () => boolean): A | undefined;
}

const CONTRACT_MODES: ReadonlySet<string> = new Set<SimulatorBehaviour['mode']>(['ok', 'fail', 'flaky', 'slow', 'down']);

/**
 * The answer the behaviour of `slot` scripts now, if any: the contract's `fail` (the next `count`
 * requests, or all) and `flaky` (503 with probability `failureRate`) through `script.failure`, the
 * simulator's own behaviours through `script.own`; `ok`, `slow` and `down` script none (the latter
 * two act on the connection, see `SimulatorServer.passesNetwork`).
 */
export function scriptedAnswer<B extends { mode: string }, A>(slot: BehaviourSlot<B> | undefined, script: AnswerScript<B, A>): A | undefined {
  if (!slot) return undefined;
  // Simulators add behaviours of their own, never under the contract's modes.
  if (!CONTRACT_MODES.has(slot.behaviour.mode)) return script.own?.(slot.behaviour as Exclude<B, SimulatorBehaviour>, () => takeTurn(slot));
  const behaviour = slot.behaviour as unknown as SimulatorBehaviour;
  switch (behaviour.mode) {
    case 'fail':
      if (!takeTurn(slot)) return undefined;
      return script.failure({ httpStatus: behaviour.status, headers: behaviour.retryAfterSeconds !== undefined ? { 'retry-after': String(behaviour.retryAfterSeconds) } : {} });
    case 'flaky':
      return Math.random() < behaviour.failureRate ? script.failure({ httpStatus: 503, headers: {} }) : undefined;
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

/** The contract's network-level behaviour (`slow`, `down`) of a slot, if it has one. */
export function networkBehaviour(slot: BehaviourSlot<{ mode: string }> | undefined): Extract<SimulatorBehaviour, { mode: 'slow' | 'down' }> | undefined {
  const behaviour = slot?.behaviour;
  // Simulators add behaviours of their own, never under these two modes.
  return behaviour?.mode === 'slow' || behaviour?.mode === 'down' ? (behaviour as Extract<SimulatorBehaviour, { mode: 'slow' | 'down' }>) : undefined;
}

function slotOf<B extends { mode: string }>(behaviour: B): BehaviourSlot<B> {
  const count = (behaviour as { count?: unknown }).count;
  return typeof count === 'number' ? { behaviour, remaining: count } : { behaviour };
}

function key(mailbox: string, operation: string): string {
  return `${mailbox}\u0000${operation}`;
}

/** Whether a scripted answer is due now: always without a count, else while the count lasts (counting it down). */
function takeTurn(slot: BehaviourSlot<unknown>): boolean {
  if (slot.remaining === undefined) return true;
  if (slot.remaining <= 0) return false;
  slot.remaining -= 1;
  return true;
}
