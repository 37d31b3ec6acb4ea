import { describe, expect, it } from 'vitest';
import { SymphonyError } from '../../src/errors.js';
import type { Clock, TimerHandle } from '../../src/domain/clock.js';
import { RequestTracker } from '../../src/runner/jsonrpc/pending.js';

/** Timers fired by hand: deterministic, no waiting. */
function manualTimers(): Clock & { fire(): void; readonly active: number } {
  const timers = new Map<TimerHandle, () => void>();
  return {
    now: () => 0,
    setTimeout: (callback) => {
      const handle: TimerHandle = { __timer: true };
      timers.set(handle, callback);
      return handle;
    },
    clearTimeout: (handle) => {
      timers.delete(handle);
    },
    fire: () => {
      for (const [handle, callback] of [...timers]) {
        timers.delete(handle);
        callback();
      }
    },
    get active() {
      return timers.size;
    },
  };
}

describe('§17.5 request tracking', () => {
  it('allocates unique, increasing ids and settles each request by its id', async () => {
    const tracker = new RequestTracker(manualTimers());
    const a = tracker.begin('initialize', 5000);
    const b = tracker.begin('thread/start', 5000);
    expect([a.id, b.id]).toEqual([1, 2]);
    expect(tracker.resolve(2, { thread: { id: 't' } })).toBe(true);
    expect(tracker.resolve(1, {})).toBe(true);
    await expect(b.response).resolves.toEqual({ thread: { id: 't' } });
    await expect(a.response).resolves.toEqual({});
    expect(tracker.begin('turn/start', 5000).id).toBe(3);
  });

  it('§17.5 request/response read timeout is enforced: response_timeout naming the method', async () => {
    const timers = manualTimers();
    const tracker = new RequestTracker(timers);
    const { response } = tracker.begin('initialize', 5000);
    timers.fire();
    await expect(response).rejects.toMatchObject({ code: 'response_timeout', message: expect.stringContaining('initialize') });
    expect(tracker.size).toBe(0);
    expect(tracker.resolve(1, {})).toBe(false); // a late answer is unmatched
  });

  it('maps an error response to response_error and clears its timer', async () => {
    const timers = manualTimers();
    const tracker = new RequestTracker(timers);
    const { id, response } = tracker.begin('thread/start', 5000);
    expect(tracker.reject(id, { code: -32600, message: 'invalid params' })).toBe(true);
    await expect(response).rejects.toMatchObject({ code: 'response_error', message: expect.stringContaining('invalid params') });
    expect(timers.active).toBe(0);
  });

  it('reports responses to unknown ids as unmatched', () => {
    const tracker = new RequestTracker(manualTimers());
    expect(tracker.resolve(42, {})).toBe(false);
    expect(tracker.resolve('1', {})).toBe(false);
    expect(tracker.reject(7, { code: 1, message: 'x' })).toBe(false);
  });

  it('close rejects every pending request, and later ones, with the close error (port_exit)', async () => {
    const timers = manualTimers();
    const tracker = new RequestTracker(timers);
    const pending = [tracker.begin('a', 5000).response, tracker.begin('b', 5000).response];
    tracker.close(new SymphonyError('port_exit', 'app-server exited with code 1'));
    for (const response of pending) await expect(response).rejects.toMatchObject({ code: 'port_exit' });
    expect(timers.active).toBe(0);
    await expect(tracker.begin('c', 5000).response).rejects.toMatchObject({ code: 'port_exit' });
  });
});
