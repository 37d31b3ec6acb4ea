/**
 * Every GraphQL document Symphony sends — the adapter's own (`queries.ts`) and the ones tests and
 * agents send through the fake server — validates against Linear's published schema.
 */
import { parse, validate, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { LINEAR_DOCUMENTS } from '../../src/tracker/linear/queries.js';
import { linearSchema, linearSchemaPath } from '../support/fake-linear/index.js';
import { AGENT_DOCUMENTS } from './agent-documents.js';
import { startLinearFixture, TEST_API_KEY } from './linear-fixture.js';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await linearSchema();
});

const errorsOf = (query: string): string[] => validate(schema, parse(query)).map((e) => e.message);

describe('GraphQL documents validate against Linear\'s schema', () => {
  it('reads the schema from ../shared/linear/schema.graphql next to the repository', () => {
    expect(linearSchemaPath).toMatch(/[\\/]shared[\\/]linear[\\/]schema\.graphql$/);
    expect(schema.getQueryType()?.getFields().issues).toBeDefined();
  });

  it.each(Object.entries(LINEAR_DOCUMENTS))('adapter document %s', (_name, query) => {
    expect(errorsOf(query)).toEqual([]);
  });

  it.each(Object.entries(AGENT_DOCUMENTS))('agent document %s', (_name, query) => {
    expect(errorsOf(query)).toEqual([]);
  });

  it('every document sent through the fake during a full adapter + tool session validates', async () => {
    const f = await startLinearFixture({ provider: { assignee: 'me' } });
    try {
      const a = f.linear.addIssue({ identifier: 'SYM-1', state: 'Todo', assigneeId: 'user-me', labels: ['x'] });
      f.linear.addIssue({ identifier: 'SYM-2', state: 'In Progress', blockedBy: ['SYM-1'] });
      for (let n = 3; n <= 55; n++) f.linear.addIssue({ identifier: `SYM-${n}`, state: 'Todo' });
      await f.adapter.fetchIssuesByStates(['Todo', 'In Progress']);
      const [issue] = await f.adapter.fetchIssuesByIds([a.id]);
      const states = await f.adapter.executeAgentTool('linear_graphql', { query: AGENT_DOCUMENTS.STATES_BY_NAME, variables: { teamKey: 'SYM', name: 'Done' } }, { issue: issue! });
      const stateId = (JSON.parse(states.text) as { data: { workflowStates: { nodes: { id: string }[] } } }).data.workflowStates.nodes[0]!.id;
      await f.adapter.executeAgentTool('linear_graphql', { query: AGENT_DOCUMENTS.MOVE_ISSUE, variables: { id: a.id, stateId } }, { issue: issue! });
      await f.adapter.executeAgentTool('linear_graphql', { query: AGENT_DOCUMENTS.COMMENT, variables: { issueId: a.id, body: 'done' } }, { issue: issue! });
      await f.adapter.executeAgentTool('linear_graphql', { query: AGENT_DOCUMENTS.ISSUE_WITH_TEAM_STATES, variables: { id: 'SYM-1' } }, { issue: issue! });

      const sent = [...new Set(f.linear.requests.map((r) => r.query))];
      expect(sent.length).toBeGreaterThanOrEqual(7);
      for (const query of sent) expect(errorsOf(query!)).toEqual([]);
      expect(f.linear.invalidDocuments).toEqual([]);
      expect(f.linear.issue('SYM-1')?.state).toBe('Done');
    } finally {
      await f.close();
    }
  });

  it('the fake answers an invalid document like Linear: HTTP 400 with errors, recorded as invalid', async () => {
    const f = await startLinearFixture();
    try {
      const response = await fetch(f.linear.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: TEST_API_KEY },
        body: JSON.stringify({ query: '{ issues { nodes { nope } } }' }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.message).toContain('nope');
      expect(body.errors[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(f.linear.invalidDocuments).toHaveLength(1);
    } finally {
      await f.close();
    }
  });
});
