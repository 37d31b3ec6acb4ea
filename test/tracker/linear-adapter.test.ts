import { afterEach, describe, expect, it } from 'vitest';
import { describeTrackerContract, expectNormalized } from './contract.js';
import { startLinearFixture, TEST_API_KEY, type LinearFixture, type LinearFixtureOptions } from './linear-fixture.js';

describeTrackerContract('linear (fake Linear server)', async () => {
  const f = await startLinearFixture();
  return {
    adapter: f.adapter,
    seed: (issues) => {
      const ids = new Map<string, string>();
      for (const seed of issues) ids.set(seed.identifier, f.linear.addIssue(seed).id);
      return Promise.resolve(ids);
    },
    requestCount: () => f.linear.requests.length,
    close: () => f.close(),
  };
});

describe('linear adapter reads', () => {
  let f: LinearFixture | undefined;
  const start = async (options?: LinearFixtureOptions): Promise<LinearFixture> => {
    f = await startLinearFixture(options);
    return f;
  };
  afterEach(async () => {
    expect(f?.linear.invalidDocuments).toEqual([]);
    expect(f?.logText()).not.toContain(TEST_API_KEY);
    await f?.close();
    f = undefined;
  });

  it('§17.3 Pagination preserves order across multiple pages', async () => {
    const { linear, adapter, requestsFor } = await start();
    const identifiers = Array.from({ length: 123 }, (_, i) => `SYM-${i + 1}`);
    for (const identifier of identifiers) linear.addIssue({ identifier, state: i(identifier) % 2 ? 'Todo' : 'In Progress' });
    const issues = await adapter.fetchIssuesByStates(['Todo', 'In Progress']);
    expect(issues.map((issue) => issue.identifier)).toEqual(identifiers);
    expect(requestsFor('SymphonyIssuesByStates')).toBe(3);
    const pages = linear.requests.map((r) => r.variables);
    expect(pages.map((v) => v?.first)).toEqual([50, 50, 50]);
    expect(pages[0]?.after).toBeNull();
    expect(pages[1]?.after).toBe(issues[49]!.id);
    expect(pages[2]?.after).toBe(issues[99]!.id);
  });

  it('§17.3 Candidate issue fetch applies adapter-owned scope selection (project slugId)', async () => {
    const { linear, adapter } = await start();
    linear.addIssue({ identifier: 'SYM-1', state: 'Todo' });
    linear.addIssue({ identifier: 'OTH-1', state: 'Todo', projectSlug: 'other' });
    const issues = await adapter.fetchIssuesByStates(['Todo']);
    expect(issues.map((i) => i.identifier)).toEqual(['SYM-1']);
    expect(linear.requests[0]?.variables).toMatchObject({ projectSlug: 'proj', states: { or: [{ name: { eqIgnoreCase: 'Todo' } }] } });
  });

  it('§17.3 Labels are normalized to lowercase (trimmed, blanks dropped, de-duplicated)', async () => {
    const { linear, adapter } = await start();
    linear.addIssue({ identifier: 'SYM-1', state: 'Todo', labels: [' Bug ', 'bug', 'FrontEnd', '   '] });
    const [issue] = await adapter.fetchIssuesByStates(['Todo']);
    expect(issue?.labels).toEqual(['bug', 'frontend']);
  });

  it('§17.3 Unusable optional provider metadata normalizes to null/empty without hiding valid required fields', async () => {
    const { linear, adapter } = await start();
    linear.addIssue({
      identifier: 'SYM-1',
      title: 'Real title',
      state: 'Todo',
      priority: 2.5,
      branchName: '  ',
      url: '',
      createdAt: 'yesterday',
      updatedAt: '2025-13-45',
      labels: ['  '],
    });
    const [issue] = await adapter.fetchIssuesByStates(['Todo']);
    expect(issue).toMatchObject({
      identifier: 'SYM-1', title: 'Real title', state: 'Todo',
      priority: null, branchName: null, url: null, createdAt: null, updatedAt: null, labels: [], description: null,
    });
    expectNormalized(issue!);
  });

  it('keeps usable optional metadata: priority 0..4, timestamps, branch, url, description', async () => {
    const { linear, adapter } = await start();
    linear.addIssue({ identifier: 'SYM-1', state: 'Todo', priority: 0, description: 'Body', createdAt: '2024-05-01T10:00:00.000Z' });
    linear.addIssue({ identifier: 'SYM-2', state: 'Todo', priority: 1, updatedAt: '2024-05-01T12:00:00+02:00' });
    const [a, b] = await adapter.fetchIssuesByStates(['Todo']);
    expect(a).toMatchObject({ priority: 0, description: 'Body', branchName: 'feature/sym-1', url: 'https://linear.app/fake/issue/SYM-1' });
    expect(a?.createdAt?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    expect(b?.priority).toBe(1);
    expect(b?.updatedAt?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
  });

  it('§17.3 State-list reads log omitted malformed required records; ID refresh fails malformed requested records', async () => {
    const { linear, adapter, logs } = await start();
    const good = linear.addIssue({ identifier: 'SYM-1', state: 'Todo' });
    const bad = linear.addIssue({ identifier: 'SYM-2', state: 'Todo' });
    linear.updateIssue('SYM-2', { title: '   ' });
    const issues = await adapter.fetchIssuesByStates(['Todo']);
    expect(issues.map((i) => i.id)).toEqual([good.id]);
    const warning = logs.find((line) => line.msg === 'omitting malformed Linear issue record');
    expect(warning).toMatchObject({ issue_id: bad.id, reason: 'missing or blank title' });

    const failure = adapter.fetchIssuesByIds([good.id, bad.id]);
    await expect(failure).rejects.toMatchObject({ code: 'tracker_response' });
    await expect(failure).rejects.toThrow(bad.id);
    await expect(adapter.fetchIssuesByIds([good.id])).resolves.toHaveLength(1);
  });

  it('§17.3 ID refresh omits issues no longer in scope and batches 50 ids per request', async () => {
    const { linear, adapter, requestsFor } = await start();
    const inScope = Array.from({ length: 60 }, (_, n) => linear.addIssue({ identifier: `SYM-${n + 1}`, state: 'Todo' }).id);
    const moved = linear.addIssue({ identifier: 'OTH-1', state: 'Todo', projectSlug: 'elsewhere' }).id;
    const issues = await adapter.fetchIssuesByIds([...inScope, moved, 'deleted-id']);
    expect(issues.map((i) => i.id).sort()).toEqual([...inScope].sort());
    expect(requestsFor('SymphonyIssuesByIds')).toBe(2);
    expect(linear.requests.map((r) => (r.variables?.ids as string[]).length)).toEqual([50, 12]);
  });

  it('§17.3 A distinct provider ticket ID is preserved in native_ref', async () => {
    const { linear, adapter } = await start();
    const stored = linear.addIssue({ identifier: 'SYM-1', state: 'Todo' });
    const [issue] = await adapter.fetchIssuesByIds([stored.id]);
    expect(issue?.id).toBe(stored.id);
    expect(issue?.nativeRef).toEqual({ linear_issue_id: stored.id, team_id: 'team-sym', team_key: 'SYM' });
  });

  it('§17.3 Provider-specific assignment rules become explicit dispatchable (assignee id)', async () => {
    const { linear, adapter } = await start({ provider: { assignee: 'user-a' } });
    linear.addIssue({ identifier: 'SYM-1', state: 'Todo', assigneeId: 'user-a' });
    linear.addIssue({ identifier: 'SYM-2', state: 'Todo', assigneeId: 'user-b' });
    linear.addIssue({ identifier: 'SYM-3', state: 'Todo', assigneeId: null });
    const issues = await adapter.fetchIssuesByStates(['Todo']);
    expect(issues.map((i) => [i.identifier, i.assigneeId, i.dispatchable])).toEqual([
      ['SYM-1', 'user-a', true],
      ['SYM-2', 'user-b', false],
      ['SYM-3', null, false],
    ]);
  });

  it('§17.3 assignee: me resolves the viewer once per adapter, shared by concurrent callers', async () => {
    const { linear, adapter, requestsFor } = await start({ provider: { assignee: 'me' } });
    const mine = linear.addIssue({ identifier: 'SYM-1', state: 'Todo', assigneeId: 'user-me' });
    linear.addIssue({ identifier: 'SYM-2', state: 'Todo', assigneeId: 'someone-else' });
    const results = await Promise.all([
      adapter.fetchIssuesByStates(['Todo']),
      adapter.fetchIssuesByStates(['Todo']),
      adapter.fetchIssuesByIds([mine.id]),
    ]);
    for (let n = 0; n < 5; n++) results.push(await adapter.fetchIssuesByStates(['Todo']));
    expect(requestsFor('SymphonyViewer')).toBe(1);
    expect(results[0]?.map((i) => i.dispatchable)).toEqual([true, false]);
    expect(results[2]?.[0]?.dispatchable).toBe(true);
  });

  it('a failed viewer lookup is not cached', async () => {
    const { linear, adapter, requestsFor } = await start({ provider: { assignee: 'me' } });
    linear.addIssue({ identifier: 'SYM-1', state: 'Todo', assigneeId: 'user-me' });
    linear.failNext('500');
    await expect(adapter.fetchIssuesByStates(['Todo'])).rejects.toMatchObject({ code: 'tracker_status' });
    const issues = await adapter.fetchIssuesByStates(['Todo']);
    expect(issues[0]?.dispatchable).toBe(true);
    expect(requestsFor('SymphonyViewer')).toBe(2);
  });

  it('§17.3 Provider-specific blocker rules become explicit dispatchable (Todo with non-terminal blocker)', async () => {
    const { linear, adapter } = await start();
    linear.addIssue({ identifier: 'SYM-1', state: 'In Progress' });
    linear.addIssue({ identifier: 'SYM-2', state: 'Done' });
    linear.addIssue({ identifier: 'SYM-3', state: 'Todo', blockedBy: ['SYM-1'] });
    linear.addIssue({ identifier: 'SYM-4', state: 'Todo', blockedBy: ['SYM-2'] });
    linear.addIssue({ identifier: 'SYM-5', state: 'In Progress', blockedBy: ['SYM-1'] });
    linear.addIssue({ identifier: 'OTH-9', state: 'Todo', projectSlug: 'elsewhere' });
    linear.addIssue({ identifier: 'SYM-6', state: 'Todo', blockedBy: ['OTH-9'] });
    const issues = await adapter.fetchIssuesByStates(['Todo', 'In Progress']);
    const byKey = new Map(issues.map((i) => [i.identifier, i]));
    expect(byKey.get('SYM-3')?.dispatchable).toBe(false);
    expect(byKey.get('SYM-3')?.blockedBy).toEqual([{ id: linear.issue('SYM-1')!.id, identifier: 'SYM-1', state: 'In Progress' }]);
    expect(byKey.get('SYM-4')?.dispatchable).toBe(true);
    expect(byKey.get('SYM-5')?.dispatchable).toBe(true);
    expect(byKey.get('SYM-6')?.blockedBy[0]?.identifier).toBe('OTH-9');
    expect(byKey.get('SYM-6')?.dispatchable).toBe(false);
  });

  it('sends the API key raw in Authorization (no Bearer) and states the endpoint it talks to', async () => {
    const { linear, adapter } = await start();
    await adapter.fetchIssuesByStates(['Todo']);
    expect(linear.requests[0]).toMatchObject({ authorized: true, rawAuthorization: true });
    expect(JSON.stringify(linear.requests[0]?.headers)).not.toContain(TEST_API_KEY);
    expect(adapter.kind).toBe('linear');
    expect(adapter.secretEnvironmentNames()).toEqual(['LINEAR_API_KEY', 'FIXTURE_LINEAR_KEY']);
  });
});

function i(identifier: string): number {
  return Number(identifier.split('-')[1]);
}
