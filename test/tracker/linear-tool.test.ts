import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Issue } from '../../src/domain/issue.js';
import { linearGraphqlToolSpec, parseToolArguments } from '../../src/tracker/linear/tool.js';
import type { ToolResult } from '../../src/tracker/tracker.js';
import { COMMENT, ISSUE_WITH_TEAM_STATES, MOVE_ISSUE, STATES_BY_NAME } from './agent-documents.js';
import { startLinearFixture, TEST_API_KEY, type LinearFixture } from './linear-fixture.js';

describe('linear_graphql tool', () => {
  let f: LinearFixture;
  let issue: Issue;
  const results: ToolResult[] = [];
  const run = async (args: unknown, name = 'linear_graphql'): Promise<ToolResult> => {
    const result = await f.adapter.executeAgentTool(name, args, { issue });
    results.push(result);
    return result;
  };

  beforeEach(async () => {
    f = await startLinearFixture();
    const stored = f.linear.addIssue({ identifier: 'SYM-1', title: 'Fix the thing', state: 'In Progress' });
    [issue] = (await f.adapter.fetchIssuesByIds([stored.id])) as [Issue];
  });
  afterEach(async () => {
    for (const result of results) {
      expect(result.text).not.toContain(TEST_API_KEY);
      expect(typeof result.success).toBe('boolean');
    }
    results.length = 0;
    expect(f.logText()).not.toContain(TEST_API_KEY);
    await f.close();
  });

  it('advertises the documented spec', () => {
    expect(f.adapter.agentToolSpecs()).toEqual([linearGraphqlToolSpec]);
    expect(linearGraphqlToolSpec).toMatchObject({
      name: 'linear_graphql',
      inputSchema: {
        type: 'object',
        properties: { query: { type: 'string' }, variables: { type: 'object' } },
        required: ['query'],
        additionalProperties: false,
      },
    });
    expect(linearGraphqlToolSpec.description.length).toBeGreaterThan(20);
  });

  it('§17.5 valid inputs execute host-side with configured adapter auth', async () => {
    const before = f.linear.requests.length;
    const result = await run({ query: 'query Me { viewer { id name } }' });
    expect(result.success).toBe(true);
    expect(JSON.parse(result.text)).toEqual({ data: { viewer: { id: 'user-me', name: 'Me' } } });
    expect(result.text).toContain('\n  ');
    expect(f.linear.requests.slice(before)).toMatchObject([{ authorized: true, operationName: 'Me' }]);
  });

  it('moves an issue to Done and comments, as an agent would', async () => {
    const states = await run({ query: STATES_BY_NAME, variables: { teamKey: 'SYM', name: 'Done' } });
    expect(states.success).toBe(true);
    const done = (JSON.parse(states.text) as { data: { workflowStates: { nodes: { id: string; type: string }[] } } }).data.workflowStates.nodes;
    expect(done).toHaveLength(1);
    expect(done[0]?.type).toBe('completed');
    const moved = await run({ query: MOVE_ISSUE, variables: { id: issue.identifier, stateId: done[0]!.id } });
    expect(moved.success).toBe(true);
    expect(JSON.parse(moved.text)).toMatchObject({ data: { issueUpdate: { success: true, issue: { identifier: 'SYM-1', state: { name: 'Done' } } } } });
    expect(f.linear.issue('SYM-1')?.state).toBe('Done');
    const comment = await run({ query: COMMENT, variables: { issueId: issue.id, body: 'Shipped.' } });
    expect(comment.success).toBe(true);
    expect(f.linear.comments.map((c) => c.body)).toEqual(['Shipped.']);
    const read = await run({ query: ISSUE_WITH_TEAM_STATES, variables: { id: issue.id } });
    expect(JSON.parse(read.text)).toMatchObject({ data: { issue: { state: { name: 'Done' }, comments: { nodes: [{ body: 'Shipped.' }] } } } });
    await expect(f.adapter.fetchIssuesByStates(['Done'])).resolves.toHaveLength(1);
  });

  it('GraphQL errors from Linear → success false with the JSON answer', async () => {
    const missing = await run({ query: 'query { issue(id: "NOPE-9") { id } }' });
    expect(missing.success).toBe(false);
    expect(JSON.parse(missing.text).errors[0].message).toContain('Entity not found');
    const invalid = await run({ query: '{ viewer { notAField } }' });
    expect(invalid.success).toBe(false);
    expect(JSON.parse(invalid.text).errors[0].message).toContain('notAField');
  });

  it('§17.5 invalid arguments return structured failure payloads without a request', async () => {
    const before = f.linear.requests.length;
    const cases: [unknown, RegExp][] = [
      ['{ viewer { id } }', /arguments must be an object/],
      [null, /arguments must be an object/],
      [{}, /"query" must be a non-empty/],
      [{ query: '   ' }, /"query" must be a non-empty/],
      [{ query: 42 }, /"query" must be a non-empty/],
      [{ query: '{ viewer { id } }', variables: [1] }, /"variables" must be a JSON object/],
      [{ query: '{ viewer { id } }', variables: 'x' }, /"variables" must be a JSON object/],
      [{ query: '{ viewer { id } ' }, /query does not parse: Syntax Error/],
      [{ query: 'query A { viewer { id } } query B { viewer { id } }' }, /exactly one operation \(found 2\)/],
      [{ query: 'fragment F on User { id }' }, /exactly one operation \(found 0\)/],
      [{ query: 'subscription { issueUpdates { id } }' }, /subscriptions are not supported/],
      [{ query: '{ viewer { id } }', operationName: 'X' }, /unexpected argument\(s\) "operationName"/],
    ];
    for (const [args, pattern] of cases) {
      const result = await run(args);
      expect(result.success).toBe(false);
      expect(result.text).toMatch(pattern);
      expect(result.text).not.toMatch(/\n/);
    }
    expect(f.linear.requests.length).toBe(before);
    expect(parseToolArguments({ query: '{ viewer { id } }', variables: null })).toMatchObject({ ok: true, value: { variables: {} } });
  });

  it('§17.5 unsupported tool names still fail without stalling the session', async () => {
    const result = await run({ query: '{ viewer { id } }' }, 'jira_jql');
    expect(result).toEqual({ success: false, text: 'unsupported tool "jira_jql"; available: linear_graphql' });
  });

  it('§17.5 missing auth and transport failures return structured failure payloads', async () => {
    f.linear.failNext('401');
    const auth = await run({ query: '{ viewer { id } }' });
    expect(auth.success).toBe(false);
    expect(auth.text).toMatch(/^tracker_status: Linear rejected the API key \(HTTP 401\)/);
    f.linear.failNext('500');
    expect((await run({ query: '{ viewer { id } }' })).text).toMatch(/^tracker_status: .*HTTP 500/);
    f.linear.failNext('malformed-json');
    expect((await run({ query: '{ viewer { id } }' })).text).toMatch(/^tracker_response: /);
    f.linear.failNext('429', { retryAfterSeconds: 1 });
    expect((await run({ query: '{ viewer { id } }' })).text).toMatch(/^tracker_rate_limited: /);
    f.clock.now += 1000;
    await f.linear.close();
    const down = await run({ query: '{ viewer { id } }' });
    expect(down.success).toBe(false);
    expect(down.text).toMatch(/^tracker_request: /);
  });

  it('never throws, even with a malformed context', async () => {
    const result = await f.adapter.executeAgentTool('linear_graphql', { query: '{ viewer { id } }' }, {} as never);
    expect(result.success).toBe(true);
    results.push(result);
  });

  it('never echoes the API key, even when Linear does', async () => {
    f.linear.failNext('raw', { body: { data: { echo: TEST_API_KEY } } });
    const result = await run({ query: '{ viewer { id } }' });
    expect(result.success).toBe(true);
    expect(result.text).toContain('[redacted]');
  });
});
