/**
 * `repeatEvery`, the repeating timer of a {@link Clock}, on the manual clock: time moves only when
 * the test advances it, so every assertion is about which ticks happened, never about waiting.
 */
import { describe, expect, it } from 'vitest';
import { repeatEvery, settledWithin } from '../../src/domain/clock.js';
import { ManualClock } from '../support/manual-clock.js';

describe('repeatEvery', () => {
  it('calls back once per period, at multiples of the period, until cancelled', () => {
    const clock = new ManualClock(1_000);
    const ticks: number[] = [];
    const cancel = repeatEvery(clock, () => ticks.push(clock.now()), 100);
    clock.advance(99);
    expect(ticks).toEqual([]);
    clock.advance(1);
    expect(ticks).toEqual([1_100]);
    clock.advance(250);
    expect(ticks).toEqual([1_100, 1_200, 1_300]);
    expect(clock.pending()).toHaveLength(1);
    cancel();
    expect(clock.pending()).toEqual([]);
    clock.advance(1_000);
    expect(ticks).toHaveLength(3);
    cancel(); // idempotent
  });

  it('passes unref to every timer it arms', () => {
    const clock = new ManualClock();
    const cancel = repeatEvery(clock, () => undefined, 10, { unref: true });
    expect(clock.pending().map((timer) => timer.unref)).toEqual([true]);
    clock.advance(10);
    expect(clock.pending().map((timer) => timer.unref)).toEqual([true]);
    cancel();
    repeatEvery(clock, () => undefined, 10);
    expect(clock.pending().map((timer) => timer.unref)).toEqual([false]);
  });

  it('can be cancelled from inside its own callback', () => {
    const clock = new ManualClock();
    let calls = 0;
    const cancel = repeatEvery(clock, () => {
      calls += 1;
      if (calls === 2) cancel();
    }, 10);
    clock.advance(100);
    expect(calls).toBe(2);
    expect(clock.pending()).toEqual([]);
  });

  it('keeps repeating after a callback that throws, as setInterval does', () => {
    const clock = new ManualClock();
    let calls = 0;
    repeatEvery(clock, () => {
      calls += 1;
      throw new Error('boom');
    }, 10);
    expect(() => clock.advance(10)).toThrow('boom');
    expect(calls).toBe(1);
    expect(clock.pending().map((timer) => timer.delayMs)).toEqual([10]);
  });

  it('treats periods below 1 ms as 1 ms, so time always moves between ticks', () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    repeatEvery(clock, () => ticks.push(clock.now()), 0);
    clock.advance(3);
    expect(ticks).toEqual([1, 2, 3]);
  });
});

describe('settledWithin', () => {
  it('gives the value when the promise settles in time, null at the bound, and clears its timer either way', async () => {
    const clock = new ManualClock();
    let resolveFast!: (value: string) => void;
    const fast = settledWithin(new Promise<string>((resolve) => (resolveFast = resolve)), 1000, clock);
    expect(clock.pending()).toHaveLength(1);
    resolveFast('exited');
    expect(await fast).toBe('exited');
    expect(clock.pending()).toHaveLength(0);

    const slow = settledWithin(new Promise<string>(() => undefined), 1000, clock);
    clock.advance(999);
    clock.advance(1);
    expect(await slow).toBeNull();
    expect(clock.pending()).toHaveLength(0);
  });

  it('passes a rejection within the bound on', async () => {
    const clock = new ManualClock();
    await expect(settledWithin(Promise.reject(new Error('boom')), 1000, clock)).rejects.toThrow('boom');
    expect(clock.pending()).toHaveLength(0);
  });
});
