/**
 * The per-request deadline of {@link LinearTransport} on the manual clock: a `fetch` that never
 * answers is aborted exactly when the clock reaches `timeoutMs`, and a request that ends in time
 * leaves no timer behind. No network and no waiting: the clock is the only source of time.
 */
import { describe, expect, it } from 'vitest';
import { SymphonyError } from '../../src/errors.js';
import { SecretString } from '../../src/tracker/linear/secret.js';
import { LinearTransport } from '../../src/tracker/linear/transport.js';
import { ManualClock } from '../support/manual-clock.js';
import { deferred, Pulse } from '../support/wait.js';

const ENDPOINT = 'https://linear.example/graphql';

/** A `fetch` that holds each request until the test answers it or its signal aborts. */
function heldFetch(): { fetch: typeof fetch; signals: AbortSignal[]; answer: (body: string) => void; pulse: Pulse } {
  const pulse = new Pulse();
  const signals: AbortSignal[] = [];
  const answers: ((response: Response) => void)[] = [];
  const fake = ((_url: string, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init?.signal ?? new AbortController().signal;
      signals.push(signal);
      answers.push(resolve);
      signal.addEventListener('abort', () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')), { once: true });
      pulse.notify();
    })) as typeof fetch;
  return {
    fetch: fake,
    signals,
    answer: (body) => answers.shift()?.(new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })),
    pulse,
  };
}

function transport(clock: ManualClock, fetchImpl: typeof fetch, timeoutMs: number): LinearTransport {
  return new LinearTransport({ endpoint: ENDPOINT, apiKey: new SecretString('lin_api_test'), timeoutMs, fetch: fetchImpl, clock });
}

describe('LinearTransport deadline (clock-driven)', () => {
  it('aborts a request that gets no answer once the clock reaches timeoutMs, not before', async () => {
    const clock = new ManualClock();
    const held = heldFetch();
    const outcome = deferred<unknown>();
    transport(clock, held.fetch, 5_000).send('query { viewer { id } }', {}, 'Viewer').then(
      (reply) => outcome.resolve(reply),
      (error: unknown) => outcome.reject(error),
    );
    await held.pulse.waitFor(() => held.signals.length === 1, 'the request to be sent');
    expect(clock.pending().map((timer) => timer.delayMs)).toEqual([5_000]);
    clock.advance(4_999);
    expect(held.signals[0]?.aborted).toBe(false);
    expect(outcome.settled).toBe(false);
    clock.advance(1);
    expect(held.signals[0]?.aborted).toBe(true);
    const error = await outcome.promise.then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SymphonyError);
    expect(error).toMatchObject({ code: 'tracker_request', message: `Linear request Viewer to ${ENDPOINT} timed out after 5000 ms` });
  });

  it('a request answered in time clears its deadline', async () => {
    const clock = new ManualClock();
    const held = heldFetch();
    const reply = transport(clock, held.fetch, 5_000).send('query { viewer { id } }', {}, 'Viewer');
    await held.pulse.waitFor(() => held.signals.length === 1, 'the request to be sent');
    expect(clock.pending()).toHaveLength(1);
    held.answer('{"data":{"viewer":{"id":"u1"}}}');
    await expect(reply).resolves.toMatchObject({ status: 200, body: { data: { viewer: { id: 'u1' } } } });
    expect(clock.pending()).toEqual([]);
    expect(held.signals[0]?.aborted).toBe(false);
  });
});
