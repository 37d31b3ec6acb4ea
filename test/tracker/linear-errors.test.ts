import { afterEach, describe, expect, it, vi } from 'vitest';
import { SymphonyError } from '../../src/errors.js';
import { DEFAULT_RATE_LIMIT_WAIT_MS } from '../../src/tracker/linear/rate-limit.js';
import { CLOCK_START, startLinearFixture, TEST_API_KEY, type LinearFixture, type LinearFixtureOptions } from './linear-fixture.js';

const issue = { identifier: 'SYM-1', state: 'Todo' } as const;

describe('§17.3 Error mapping covers request, non-success response, malformed payload, pagination, and rate limiting', () => {
  let f: LinearFixture | undefined;
  const errors: SymphonyError[] = [];
  const start = async (options?: LinearFixtureOptions): Promise<LinearFixture> => {
    f = await startLinearFixture(options);
    f.linear.addIssue(issue);
    return f;
  };
  const failure = async (promise: Promise<unknown>): Promise<SymphonyError> => {
    const error = await promise.then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SymphonyError);
    errors.push(error as SymphonyError);
    return error as SymphonyError;
  };
  afterEach(async () => {
    for (const error of errors) {
      expect(error.toLine()).not.toContain(TEST_API_KEY);
      expect(error.toLine()).not.toMatch(/\n/);
      expect(JSON.stringify(error.details)).not.toContain(TEST_API_KEY);
    }
    errors.length = 0;
    expect(f?.logText()).not.toContain(TEST_API_KEY);
    await f?.close();
    f = undefined;
  });

  it('HTTP 401 → tracker_status saying the API key was rejected', async () => {
    const { linear, adapter } = await start();
    linear.failNext('401');
    const error = await failure(adapter.fetchIssuesByStates(['Todo']));
    expect(error.code).toBe('tracker_status');
    expect(error.message).toMatch(/rejected the API key \(HTTP 401\)/);
    expect(error.details).toMatchObject({ status: 401 });
  });

  it('a wrong API key is rejected by the server the same way', async () => {
    const { adapter } = await start({ provider: { api_key: 'lin_wrong_key' } });
    const error = await failure(adapter.fetchIssuesByIds(['x']));
    expect(error.code).toBe('tracker_status');
    expect(error.message).not.toContain('lin_wrong_key');
  });

  it('HTTP 500 → tracker_status with the status', async () => {
    const { linear, adapter } = await start();
    linear.failNext('500');
    const error = await failure(adapter.fetchIssuesByStates(['Todo']));
    expect(error.code).toBe('tracker_status');
    expect(error.message).toContain('HTTP 500');
  });

  it('malformed JSON → tracker_response', async () => {
    const { linear, adapter } = await start();
    linear.failNext('malformed-json');
    const error = await failure(adapter.fetchIssuesByStates(['Todo']));
    expect(error.code).toBe('tracker_response');
    expect(error.message).toContain('malformed JSON');
  });

  it('GraphQL errors → tracker_response with the first message', async () => {
    const { linear, adapter } = await start();
    linear.failNext('raw', { body: { data: null, errors: [{ message: 'Something broke' }, { message: 'And this' }] } });
    const error = await failure(adapter.fetchIssuesByStates(['Todo']));
    expect(error.code).toBe('tracker_response');
    expect(error.message).toContain('Something broke (+1 more)');
  });

  it('a body without data, or a non-JSON body → tracker_response', async () => {
    const { linear, adapter } = await start();
    linear.failNext('raw', { body: { unexpected: true } });
    expect((await failure(adapter.fetchIssuesByStates(['Todo']))).code).toBe('tracker_response');
    linear.failNext('raw', { body: { data: { issues: { nodes: 'nope' } } } });
    expect((await failure(adapter.fetchIssuesByStates(['Todo']))).code).toBe('tracker_response');
  });

  it('hasNextPage without endCursor → tracker_pagination (the whole read fails)', async () => {
    const { linear, adapter } = await start();
    linear.failNext('raw', { body: { data: { issues: { nodes: [], pageInfo: { hasNextPage: true, endCursor: null } } } } });
    const error = await failure(adapter.fetchIssuesByStates(['Todo']));
    expect(error.code).toBe('tracker_pagination');
    expect(error.message).toContain('no endCursor');
  });

  it('no answer at all → tracker_request once request_timeout_ms passes', async () => {
    const { linear, adapter } = await start({ provider: { request_timeout_ms: 1000 } });
    linear.failNext('hang');
    const error = await failure(adapter.fetchIssuesByStates(['Todo']));
    expect(error.code).toBe('tracker_request');
    expect(error.message).toContain('timed out after 1000 ms');
    await expect(adapter.fetchIssuesByStates(['Todo'])).resolves.toHaveLength(1);
  });

  it('an aborted read → tracker_request', async () => {
    const { linear, adapter } = await start();
    linear.failNext('hang');
    const controller = new AbortController();
    const pending = failure(adapter.fetchIssuesByStates(['Todo'], { signal: controller.signal }));
    await vi.waitFor(() => expect(linear.heldRequests()).toBe(1));
    controller.abort();
    const error = await pending;
    expect(error.code).toBe('tracker_request');
    expect(error.message).toContain('aborted');
  });

  it('an unreachable endpoint → tracker_request', async () => {
    const { linear, adapter } = await start();
    await linear.close();
    const error = await failure(adapter.fetchIssuesByStates(['Todo']));
    expect(error.code).toBe('tracker_request');
    expect(error.message).toMatch(/failed: fetch failed/);
  });

  it('HTTP 429 with Retry-After → tracker_rate_limited; no request reaches Linear until the window ends', async () => {
    const { linear, adapter, clock } = await start();
    linear.failNext('429', { retryAfterSeconds: 2 });
    const limited = await failure(adapter.fetchIssuesByStates(['Todo']));
    expect(limited.code).toBe('tracker_rate_limited');
    expect(limited.details).toMatchObject({ retry_after_ms: 2000, status: 429 });
    expect(linear.requests).toHaveLength(1);

    clock.now += 1500;
    const fast = await failure(adapter.fetchIssuesByIds(['anything']));
    expect(fast.code).toBe('tracker_rate_limited');
    expect(fast.details).toMatchObject({ retry_after_ms: 500 });
    const tool = await adapter.executeAgentTool('linear_graphql', { query: '{ viewer { id } }' }, { issue: anyIssue() });
    expect(tool.success).toBe(false);
    expect(tool.text).toContain('tracker_rate_limited');
    expect(linear.requests).toHaveLength(1);

    clock.now += 500;
    await expect(adapter.fetchIssuesByStates(['Todo'])).resolves.toHaveLength(1);
    expect(linear.requests).toHaveLength(2);
  });

  it('Retry-After as an HTTP date is honoured', async () => {
    const { linear, adapter, clock } = await start();
    linear.failNext('429', { retryAfter: new Date(CLOCK_START + 5000).toUTCString() });
    expect((await failure(adapter.fetchIssuesByStates(['Todo']))).details).toMatchObject({ retry_after_ms: 5000 });
    clock.now += 4999;
    expect((await failure(adapter.fetchIssuesByStates(['Todo']))).details).toMatchObject({ retry_after_ms: 1 });
    expect(linear.requests).toHaveLength(1);
  });

  it('GraphQL RATELIMITED error → tracker_rate_limited using X-RateLimit-Requests-Reset (epoch ms)', async () => {
    const { linear, adapter, clock } = await start();
    linear.failNext('ratelimited', { resetAtMs: CLOCK_START + 3000 });
    const error = await failure(adapter.fetchIssuesByStates(['Todo']));
    expect(error.code).toBe('tracker_rate_limited');
    expect(error.details).toMatchObject({ retry_after_ms: 3000, status: 400 });
    clock.now += 3000;
    await expect(adapter.fetchIssuesByStates(['Todo'])).resolves.toHaveLength(1);
    expect(linear.requests).toHaveLength(2);
  });

  it('a rate-limited answer without hints closes the adapter for 60 s', async () => {
    const { linear, adapter, clock } = await start();
    linear.failNext('ratelimited');
    expect((await failure(adapter.fetchIssuesByStates(['Todo']))).details).toMatchObject({ retry_after_ms: DEFAULT_RATE_LIMIT_WAIT_MS });
    clock.now += DEFAULT_RATE_LIMIT_WAIT_MS - 1;
    expect((await failure(adapter.fetchIssuesByStates(['Todo']))).code).toBe('tracker_rate_limited');
    expect(linear.requests).toHaveLength(1);
  });

  it('a rate limit hit during pagination fails the whole read', async () => {
    const { linear, adapter } = await start();
    for (let n = 2; n <= 60; n++) linear.addIssue({ identifier: `SYM-${n}`, state: 'Todo' });
    const before = linear.requests.length;
    await adapter.fetchIssuesByStates(['Todo']);
    expect(linear.requests.length - before).toBe(2);
    linear.failNext('raw', { status: 200, body: { data: { issues: { nodes: [], pageInfo: { hasNextPage: true, endCursor: 'c1' } } } } });
    linear.failNext('429', { retryAfterSeconds: 1 });
    expect((await failure(adapter.fetchIssuesByStates(['Todo']))).code).toBe('tracker_rate_limited');
  });
});

function anyIssue() {
  return {
    id: 'x', nativeRef: null, identifier: 'SYM-1', title: 't', description: null, priority: null, state: 'Todo',
    branchName: null, url: null, assigneeId: null, labels: [], blockedBy: [], dispatchable: true, createdAt: null, updatedAt: null,
  };
}
