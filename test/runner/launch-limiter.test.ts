/**
 * The shared bound on agent launches (issue 7 item 2): at most `concurrency` launches in flight,
 * the rest wait first come first served; an abort while waiting leaves the queue without ever
 * calling the launch; a started launch keeps its slot until it settles.
 */
import { describe, expect, it } from 'vitest';
import { createLaunchLimiter, type LaunchQueuePosition } from '../../src/runner/launch-limiter.js';
import { SymphonyError } from '../../src/errors.js';

/** A launch the test settles by hand; `started` resolves when the limiter called it. */
interface ManualLaunch {
  readonly name: string;
  readonly started: Promise<void>;
  readonly call: () => Promise<string>;
  succeed(): void;
  fail(error: Error): void;
  calls: number;
}

function manualLaunch(name: string, order: string[]): ManualLaunch {
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  let resolveRun!: (value: string) => void;
  let rejectRun!: (error: Error) => void;
  const settled = new Promise<string>((resolve, reject) => {
    resolveRun = resolve;
    rejectRun = reject;
  });
  const launch: ManualLaunch = {
    name,
    started,
    calls: 0,
    call: () => {
      launch.calls += 1;
      order.push(name);
      markStarted();
      return settled;
    },
    succeed: () => resolveRun(name),
    fail: (error) => rejectRun(error),
  };
  return launch;
}

/** Lets queued microtasks (p-queue's scheduling) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('createLaunchLimiter', () => {
  it('runs at most `concurrency` launches at once and starts the waiting ones in arrival order', async () => {
    const limiter = createLaunchLimiter(2);
    const order: string[] = [];
    const launches = ['a', 'b', 'c', 'd', 'e'].map((name) => manualLaunch(name, order));
    const signal = new AbortController().signal;
    const results = launches.map((l) => limiter.run(l.call, { signal }));
    await settle();
    expect(order).toEqual(['a', 'b']);
    expect(limiter.inFlight).toBe(2);
    expect(limiter.waiting).toBe(3);

    launches[1]!.succeed();
    await launches[2]!.started;
    expect(order).toEqual(['a', 'b', 'c']);
    launches[0]!.fail(new SymphonyError('response_timeout', 'no initialize'));
    await launches[3]!.started;
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    for (const l of launches.slice(2)) l.succeed();
    await expect(results[0]).rejects.toMatchObject({ code: 'response_timeout' });
    expect(await Promise.all(results.slice(1))).toEqual(['b', 'c', 'd', 'e']);
    expect(limiter.inFlight).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('reports onQueued with the position only for a launch that has to wait, and onStarted when it gets its slot', async () => {
    const limiter = createLaunchLimiter(1);
    const order: string[] = [];
    const first = manualLaunch('first', order);
    const second = manualLaunch('second', order);
    const events: string[] = [];
    const positions: LaunchQueuePosition[] = [];
    const signal = new AbortController().signal;
    const one = limiter.run(first.call, { signal, onQueued: () => events.push('first queued'), onStarted: () => events.push('first started') });
    const two = limiter.run(second.call, {
      signal,
      onQueued: (position) => {
        positions.push(position);
        events.push('second queued');
      },
      onStarted: () => events.push('second started'),
    });
    await first.started;
    expect(events).toEqual(['second queued']);
    expect(positions).toEqual([{ inFlight: 1, waiting: 1 }]);
    first.succeed();
    await second.started;
    expect(events).toEqual(['second queued', 'second started']);
    second.succeed();
    expect([await one, await two]).toEqual(['first', 'second']);
  });

  it('an abort while waiting rejects with canceled at once and never calls the launch; the slot stays with the running one', async () => {
    const limiter = createLaunchLimiter(1);
    const order: string[] = [];
    const running = manualLaunch('running', order);
    const waiting = manualLaunch('waiting', order);
    const next = manualLaunch('next', order);
    const stop = new AbortController();
    const one = limiter.run(running.call, { signal: new AbortController().signal });
    const two = limiter.run(waiting.call, { signal: stop.signal });
    const three = limiter.run(next.call, { signal: new AbortController().signal });
    await running.started;
    stop.abort(new Error('issue left the active states'));
    await expect(two).rejects.toSatisfy((error: unknown) => error instanceof SymphonyError && error.code === 'canceled' && /waiting for a launch slot: issue left the active states/.test(error.message));
    expect(waiting.calls).toBe(0);
    expect(limiter.waiting).toBe(1);
    running.succeed();
    await next.started;
    next.succeed();
    expect([await one, await three]).toEqual(['running', 'next']);
    expect(order).toEqual(['running', 'next']);
  });

  it('an already aborted signal is refused without queueing', async () => {
    const limiter = createLaunchLimiter(1);
    const stop = new AbortController();
    stop.abort(new Error('shutdown'));
    let called = false;
    await expect(
      limiter.run(
        () => {
          called = true;
          return Promise.resolve(1);
        },
        { signal: stop.signal },
      ),
    ).rejects.toMatchObject({ code: 'canceled' });
    expect(called).toBe(false);
    expect(limiter.waiting).toBe(0);
  });

  it('a started launch keeps its slot after its run aborts, until the launch itself settles', async () => {
    const limiter = createLaunchLimiter(1);
    const order: string[] = [];
    const running = manualLaunch('running', order);
    const next = manualLaunch('next', order);
    const stop = new AbortController();
    const one = limiter.run(running.call, { signal: stop.signal });
    const two = limiter.run(next.call, { signal: new AbortController().signal });
    await running.started;
    stop.abort(new Error('stop'));
    await settle();
    // The launch handles the signal itself (it stops its process group); until then nothing else starts.
    expect(order).toEqual(['running']);
    expect(limiter.inFlight).toBe(1);
    running.fail(new SymphonyError('canceled', 'app-server startup canceled'));
    await expect(one).rejects.toMatchObject({ code: 'canceled' });
    await next.started;
    next.succeed();
    expect(await two).toBe('next');
  });

  it('raising the concurrency starts more waiting launches at once; lowering it lets running ones finish', async () => {
    const limiter = createLaunchLimiter(1);
    const order: string[] = [];
    const launches = ['a', 'b', 'c', 'd'].map((name) => manualLaunch(name, order));
    const signal = new AbortController().signal;
    const results = launches.map((l) => limiter.run(l.call, { signal }));
    await launches[0]!.started;
    limiter.concurrency = 3;
    expect(limiter.concurrency).toBe(3);
    await Promise.all([launches[1]!.started, launches[2]!.started]);
    expect(order).toEqual(['a', 'b', 'c']);
    limiter.concurrency = 1;
    launches[0]!.succeed();
    launches[1]!.succeed();
    await settle();
    // c still holds the only slot.
    expect(order).toEqual(['a', 'b', 'c']);
    launches[2]!.succeed();
    await launches[3]!.started;
    launches[3]!.succeed();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
  });
});
