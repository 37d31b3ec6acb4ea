/**
 * The `linear_graphql` provider-native agent tool (spec §10.5, §11.5): the agent sends one raw
 * GraphQL document; Symphony runs it host-side with the adapter's API key and returns Linear's
 * JSON answer. The agent never sees the key.
 */
import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';
import type { DocumentNode } from 'graphql';
import { isSymphonyError, oneLine } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { AgentToolSpec, ToolContext, ToolResult } from '../tracker.js';
import type { LinearGraphqlClient } from './client.js';
import type { SecretString } from './secret.js';

/**
 * graphql (about 170 modules) is loaded at the first tool call, not at daemon startup; `require` of
 * an ES module is synchronous (Node ≥ 22.12), so {@link parseToolArguments} stays synchronous.
 */
let graphqlModule: typeof GraphQL | null = null;
function graphqlLoaded(): typeof GraphQL {
  graphqlModule ??= createRequire(import.meta.url)('graphql') as typeof GraphQL;
  return graphqlModule;
}

/** The tool's name as advertised to the agent. */
export const LINEAR_GRAPHQL_TOOL = 'linear_graphql';

/** The advertised spec (Codex `DynamicToolSpec`). */
export const linearGraphqlToolSpec: AgentToolSpec = Object.freeze({
  name: LINEAR_GRAPHQL_TOOL,
  description:
    'Run one GraphQL query or mutation against the Linear API with Symphony\'s credential ' +
    '(for example: read an issue, list workflowStates, move an issue with issueUpdate, add a comment ' +
    'with commentCreate). Returns Linear\'s JSON response ({"data":…,"errors":[…]}).',
  inputSchema: Object.freeze({
    type: 'object',
    properties: Object.freeze({
      query: Object.freeze({ type: 'string', description: 'One GraphQL document with exactly one operation.' }),
      variables: Object.freeze({ type: 'object', description: 'Variables for the operation (optional).' }),
    }),
    required: Object.freeze(['query']),
    additionalProperties: false,
  }),
});

/** Arguments accepted by {@link parseToolArguments}. */
export interface LinearToolArguments {
  readonly query: string;
  readonly variables: Readonly<Record<string, unknown>>;
  /** Operation name from the document, or `linear_graphql` for an anonymous one. */
  readonly operation: string;
}

/**
 * Validates `{ query, variables? }`: `query` a non-blank string holding a document that parses
 * and has exactly one query or mutation operation; `variables` absent, null or a JSON object; no
 * other keys. Returns a one-line reason otherwise.
 */
export function parseToolArguments(args: unknown): { ok: true; value: LinearToolArguments } | { ok: false; message: string } {
  const fail = (message: string) => ({ ok: false as const, message: `${LINEAR_GRAPHQL_TOOL}: ${message}` });
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return fail('arguments must be an object { query, variables? }');
  const record = args as Record<string, unknown>;
  const extra = Object.keys(record).filter((key) => key !== 'query' && key !== 'variables');
  if (extra.length > 0) return fail(`unexpected argument(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}; allowed: query, variables`);
  if (typeof record.query !== 'string' || record.query.trim() === '') return fail('"query" must be a non-empty GraphQL document string');
  const variables = record.variables ?? {};
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) return fail('"variables" must be a JSON object when given');
  const { Kind, parse } = graphqlLoaded();
  let document: DocumentNode;
  try {
    document = parse(record.query);
  } catch (error) {
    return fail(`query does not parse: ${oneLine(error instanceof Error ? error.message : String(error), 200)}`);
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const [operation] = operations;
  if (operations.length !== 1 || operation === undefined) return fail(`query must contain exactly one operation (found ${operations.length})`);
  if (operation.operation === 'subscription') return fail('subscriptions are not supported');
  return {
    ok: true,
    value: { query: record.query, variables: variables as Record<string, unknown>, operation: operation.name?.value ?? LINEAR_GRAPHQL_TOOL },
  };
}

/** What the tool needs from the adapter. */
export interface LinearToolDeps {
  /** The adapter's gated client (shares the rate-limit window with reads). */
  readonly client: LinearGraphqlClient;
  /** Used only to scrub the key from any text returned to the agent. */
  readonly apiKey: SecretString;
  readonly logger: Logger;
}

/**
 * Executes `name` with `args`. Never rejects.
 *
 * `success: true` with Linear's pretty-printed JSON when it answered `data` without `errors`;
 * `success: false` with the pretty-printed JSON when it answered GraphQL `errors` (HTTP 2xx, or
 * 400 as Linear does for invalid documents) other than auth and rate limiting; `success: false`
 * with one line (`code: message`) for an unknown tool, bad arguments, transport, other HTTP
 * statuses (401 says the key was rejected) or rate-limit failures (the window is shared with reads).
 *
 * Implements spec §10.5 (`execute_agent_tool`) for Linear.
 */
export async function executeLinearTool(name: string, args: unknown, context: ToolContext, deps: LinearToolDeps): Promise<ToolResult> {
  const scrub = (text: string): string => deps.apiKey.scrub(text);
  if (name !== LINEAR_GRAPHQL_TOOL) {
    return { success: false, text: `unsupported tool ${JSON.stringify(name)}; available: ${LINEAR_GRAPHQL_TOOL}` };
  }
  const parsed = parseToolArguments(args);
  if (!parsed.ok) return { success: false, text: scrub(parsed.message) };
  const { query, variables, operation } = parsed.value;
  try {
    const { reply, outcome } = await deps.client.exchange(query, variables, operation);
    deps.logger.debug({ tool: name, operation, status: reply.status, ok: outcome.ok, issue_identifier: context?.issue?.identifier ?? null }, 'linear_graphql executed');
    if (outcome.ok) return { success: true, text: scrub(JSON.stringify(reply.body, null, 2)) };
    const answered = outcome.error.code === 'tracker_response' || (outcome.error.code === 'tracker_status' && reply.status === 400);
    if (outcome.hasGraphqlErrors && answered) return { success: false, text: scrub(JSON.stringify(reply.body, null, 2)) };
    return { success: false, text: scrub(outcome.error.toLine()) };
  } catch (error) {
    const line = isSymphonyError(error) ? error.toLine() : `internal: ${error instanceof Error ? error.message : String(error)}`;
    return { success: false, text: oneLine(scrub(line)) };
  }
}
