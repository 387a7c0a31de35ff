import { describe, expect, it, vi } from 'vitest';
import { EndpointSlots } from '../../../src/queue/endpoint-slots.js';

describe('endpoint slots', () => {
  const setup = () => {
    let now = 1_000;
    return { slots: new EndpointSlots(() => now), advance: (ms: number) => { now += ms; } };
  };
  const middle = () => 0.5; // no spread: parkMs = the typical duration

  it('gives at most max slots per endpoint; a release or a cancel frees one, once', () => {
    const { slots } = setup();
    const a = slots.take('e', 2)!;
    const b = slots.take('e', 2)!;
    expect(slots.take('e', 2)).toBeUndefined();
    expect(slots.take('other', 2)).toBeDefined();
    a.release();
    a.release();
    const c = slots.take('e', 2)!;
    expect(slots.take('e', 2)).toBeUndefined();
    b.cancel();
    c.cancel();
    expect(slots.take('e', 2)).toBeDefined();
    expect(slots.take('e', 2)).toBeDefined();
  });

  it('parks for about one attempt: its moving average of finished attempts, 50 ms at least, 5 s at most', () => {
    const { slots, advance } = setup();
    expect(slots.parkMs('e', middle)).toBe(50);
    const a = slots.take('e', 1)!;
    advance(1_000);
    a.release();
    expect(slots.parkMs('e', middle)).toBe(1_000);
    const b = slots.take('e', 1)!;
    advance(2_000);
    b.release();
    expect(slots.parkMs('e', middle)).toBe(1_200); // 0.8 × 1000 + 0.2 × 2000
    const c = slots.take('e', 1)!;
    advance(60_000);
    c.release();
    expect(slots.parkMs('e', middle)).toBe(5_000);
  });

  it('an endpoint that just turned slow parks by the age of its oldest attempt in flight', () => {
    const { slots, advance } = setup();
    const fast = slots.take('e', 2)!;
    advance(10);
    fast.release();
    slots.take('e', 2);
    advance(3_000);
    expect(slots.parkMs('e', middle)).toBe(3_000);
  });

  it('a cancelled slot says nothing about the endpoint’s speed; the spread is ±50 %', () => {
    const { slots, advance } = setup();
    const a = slots.take('e', 1)!;
    advance(400);
    a.release();
    const b = slots.take('e', 1)!;
    advance(1);
    b.cancel();
    expect(slots.parkMs('e', middle)).toBe(400);
    expect(slots.parkMs('e', () => 0)).toBe(200);
    expect(slots.parkMs('e', () => 0.999999)).toBe(600);
  });
});

describe('endpoint slots: the line', () => {
  it('a job that finds a fast endpoint busy waits in line and gets freed slots first come, first served', async () => {
    const slots = new EndpointSlots();
    const a = (await slots.acquire('e', 2))!;
    const b = (await slots.acquire('e', 2))!;
    const order: number[] = [];
    const waiting = [1, 2].map((n) => slots.acquire('e', 2).then((slot) => { order.push(n); return slot; }));
    b.cancel();
    const slot1 = (await waiting[0])!;
    // A newcomer finds the line and queues behind it, though nothing is free now.
    const newcomer = slots.acquire('e', 2);
    a.release();
    const slot2 = (await waiting[1])!;
    expect(order).toEqual([1, 2]);
    expect(slots.take('e', 2)).toBeUndefined();
    slot1.release();
    const slot3 = (await newcomer)!;
    slot2.release();
    slot3.release();
    expect(slots.take('e', 2)).toBeDefined();
  });

  it('no line for a slow endpoint, nor beyond maxConcurrency waiters: undefined (park the job)', async () => {
    let now = 0;
    const slots = new EndpointSlots(() => now);
    const slow = slots.take('slow', 1)!;
    now += 5_000;
    slow.release();
    slots.take('slow', 1);
    expect(await slots.acquire('slow', 1)).toBeUndefined();

    slots.take('fast', 1);
    const inLine = slots.acquire('fast', 1);
    expect(await slots.acquire('fast', 1)).toBeUndefined(); // the line is full (1)
    void inLine;
  });

  it('a job waits in line 2 s at most', async () => {
    vi.useFakeTimers();
    try {
      const slots = new EndpointSlots();
      slots.take('e', 1);
      const waiting = slots.acquire('e', 1);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(await waiting).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
