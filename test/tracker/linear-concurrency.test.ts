import { afterEach, describe, expect, it } from 'vitest';
import { LINEAR_MAX_CONCURRENT_REQUESTS } from '../../src/tracker/linear/transport.js';
import { startLinearFixture, TEST_API_KEY, type LinearFixture } from './linear-fixture.js';

let fixture: LinearFixture | null = null;
afterEach(async () => {
  await fixture?.close();
  fixture = null;
});

/** Resolves once `predicate` holds, checking after each macrotask (bounded). */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`condition never held: ${what}`);
}

describe('Linear adapter request concurrency', () => {
  it(`keeps at most ${LINEAR_MAX_CONCURRENT_REQUESTS} requests in flight and queues the rest`, async () => {
    fixture = await startLinearFixture();
    const { linear, adapter } = fixture;
    linear.failNext('hang', { times: LINEAR_MAX_CONCURRENT_REQUESTS });
    const calls = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => adapter.fetchIssuesByIds([`id-${id}`]).catch((e: unknown) => e));
    await until(() => linear.heldRequests() === LINEAR_MAX_CONCURRENT_REQUESTS, 'four held requests');
    // A request of our own, sent after the adapter's: when its answer is back, any further
    // adapter request sent concurrently would have reached the server too.
    const probe = await fetch(linear.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: TEST_API_KEY },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(probe.status).toBe(200);
    expect(linear.heldRequests()).toBe(LINEAR_MAX_CONCURRENT_REQUESTS);
    expect(linear.requests.filter((r) => !r.query?.includes('viewer')).length).toBe(LINEAR_MAX_CONCURRENT_REQUESTS);
    await linear.close();
    const outcomes = await Promise.all(calls);
    expect(outcomes).toHaveLength(6);
  });
});

describe('Linear adapter rate limit with queued requests', () => {
  it('requests still queued when a rate-limit window opens are never sent', async () => {
    fixture = await startLinearFixture();
    const { linear, adapter } = fixture;
    linear.failNext('429', { times: 1, retryAfterSeconds: 60 });
    linear.failNext('hang', { times: LINEAR_MAX_CONCURRENT_REQUESTS - 1 });
    let firstRateLimited: () => void = () => undefined;
    const sawRateLimit = new Promise<void>((resolve) => (firstRateLimited = resolve));
    const calls = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) =>
      adapter.fetchIssuesByIds([`id-${id}`]).catch((error: unknown) => {
        if ((error as { code?: string }).code === 'tracker_rate_limited') firstRateLimited();
        return error as { code?: string };
      }),
    );
    await sawRateLimit;
    await until(() => linear.heldRequests() === LINEAR_MAX_CONCURRENT_REQUESTS - 1, 'the other requests held');
    await linear.close(); // releases the held requests; their slots go to the queued ones
    const codes = (await Promise.all(calls)).map((outcome) => (outcome as { code?: string }).code);
    expect(linear.requests).toHaveLength(LINEAR_MAX_CONCURRENT_REQUESTS);
    expect(codes.filter((c) => c === 'tracker_rate_limited')).toHaveLength(1 + 6 - LINEAR_MAX_CONCURRENT_REQUESTS);
    expect(codes.filter((c) => c === 'tracker_request')).toHaveLength(LINEAR_MAX_CONCURRENT_REQUESTS - 1);
  });
});

describe('Linear connection shared per credential', () => {
  it('a rebuilt adapter (a workflow reload) stays inside the rate-limit window the old one saw', async () => {
    const { linearTrackerProfile } = await import('../../src/tracker/linear/profile.js');
    const { silentLogger } = await import('../../src/logging/logger.js');
    fixture = await startLinearFixture();
    const { linear, settings } = fixture;
    const clock = { now: Date.parse('2025-01-01T00:00:00Z') };
    const now = (): number => clock.now;
    const build = (activeStates: string[]) =>
      linearTrackerProfile.create(settings, { activeStates, terminalStates: ['Done'] }, { logger: silentLogger(), now });
    const before = build(['Todo']);
    linear.failNext('429', { retryAfterSeconds: 30 });
    await expect(before.fetchIssuesByStates(['Todo'])).rejects.toMatchObject({ code: 'tracker_rate_limited' });
    const sent = linear.requests.length;
    const after = build(['Todo', 'In Progress']);
    await expect(after.fetchIssuesByStates(['Todo'])).rejects.toMatchObject({ code: 'tracker_rate_limited' });
    expect(linear.requests.length).toBe(sent);
    clock.now += 30_000;
    await expect(after.fetchIssuesByStates(['Todo'])).resolves.toEqual([]);
  });
});
