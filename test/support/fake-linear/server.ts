/**
 * A fake Linear GraphQL API on 127.0.0.1 for tests: real HTTP, every document parsed, validated
 * and executed against Linear's published schema over an in-memory board, requests recorded,
 * and programmable failures (401, 429, 500, malformed JSON, `RATELIMITED`, no answer, raw body).
 *
 * @example
 * const linear = await startFakeLinear({ apiKey: 'lin_test', projectSlug: 'proj' });
 * linear.addIssue({ identifier: 'SYM-1', state: 'Todo', labels: ['Bug'] });
 * linear.failNext('429', { retryAfterSeconds: 2 });
 * await linear.close();
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, Kind, execute, parse, validate, type DocumentNode } from 'graphql';
import { Board, type FakeComment, type FakeIssue, type FakeIssueInput, type FakeUser } from './board.js';
import { linearSchema } from './schema.js';
import { rootValue } from './views.js';

/** Failure modes for {@link FakeLinear.failNext}. */
export type FakeFailureMode = '401' | '429' | '500' | 'malformed-json' | 'ratelimited' | 'hang' | 'raw';

/** Options of one programmed failure. */
export interface FakeFailureOptions {
  /** How many consecutive requests fail this way. Default 1. */
  readonly times?: number;
  /** `429` / `ratelimited`: `Retry-After` in seconds. */
  readonly retryAfterSeconds?: number;
  /** `429` / `ratelimited`: raw `Retry-After` value (e.g. an HTTP date). */
  readonly retryAfter?: string;
  /** `429` / `ratelimited`: `X-RateLimit-Requests-Reset` (epoch ms). */
  readonly resetAtMs?: number;
  /** `raw`: HTTP status (default 200), JSON body and extra headers. */
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One recorded HTTP request. */
export interface FakeLinearRequest {
  readonly query: string | null;
  readonly variables: Readonly<Record<string, unknown>> | null;
  readonly operationName: string | null;
  /** Lowercased request headers without `authorization`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether `Authorization` equalled the configured key. */
  readonly authorized: boolean;
  /** True when the request had a raw `Authorization` header (no `Bearer ` prefix). */
  readonly rawAuthorization: boolean;
}

/** Options for {@link startFakeLinear}. */
export interface FakeLinearOptions {
  readonly apiKey: string;
  readonly projectSlug: string;
  readonly viewer?: FakeUser;
  /** Workflow state names of the single team, in order. */
  readonly states?: readonly string[];
  /** Team key. Default `SYM`. */
  readonly teamKey?: string;
}

/** A running fake; see the module example. */
export interface FakeLinear {
  /** `http://127.0.0.1:PORT/graphql`. */
  readonly url: string;
  readonly board: Board;
  readonly requests: FakeLinearRequest[];
  /** Documents that failed to parse or validate (should stay empty in tests of our own documents). */
  readonly invalidDocuments: { readonly query: string; readonly errors: readonly string[] }[];
  readonly comments: readonly FakeComment[];
  addIssue(input: FakeIssueInput): FakeIssue;
  /** A snapshot of the stored issue plus its state name. */
  issue(idOrIdentifier: string): (FakeIssue & { readonly state: string }) | undefined;
  setState(idOrIdentifier: string, stateName: string): void;
  /** Mutates stored fields directly (no validation). */
  updateIssue(idOrIdentifier: string, patch: Partial<FakeIssue>): void;
  failNext(mode: FakeFailureMode, options?: FakeFailureOptions): void;
  /** Requests held open by `hang` right now. */
  heldRequests(): number;
  /** Releases held requests and stops the server; idempotent. */
  close(): Promise<void>;
}

/** Starts a fake Linear API on an ephemeral port of 127.0.0.1. */
export async function startFakeLinear(options: FakeLinearOptions): Promise<FakeLinear> {
  const schema = await linearSchema();
  const board = new Board({
    projectSlug: options.projectSlug,
    viewer: options.viewer ?? { id: 'user-me', name: 'Me' },
    states: options.states ?? ['Backlog', 'Todo', 'In Progress', 'Human Review', 'Done', 'Canceled'],
    teamKey: options.teamKey ?? 'SYM',
  });
  const root = rootValue(board);
  const requests: FakeLinearRequest[] = [];
  const invalidDocuments: { query: string; errors: string[] }[] = [];
  const failures: { mode: FakeFailureMode; options: FakeFailureOptions }[] = [];
  const held = new Set<ServerResponse>();

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const rateHeaders = (o: FakeFailureOptions): Record<string, string> => {
    const headers: Record<string, string> = {};
    if (o.retryAfterSeconds !== undefined) headers['retry-after'] = String(o.retryAfterSeconds);
    if (o.retryAfter !== undefined) headers['retry-after'] = o.retryAfter;
    if (o.resetAtMs !== undefined) headers['x-ratelimit-requests-reset'] = String(o.resetAtMs);
    return headers;
  };

  const fail = (res: ServerResponse, mode: FakeFailureMode, o: FakeFailureOptions): void => {
    const rateLimited = { errors: [{ message: 'Rate limit exceeded', extensions: { code: 'RATELIMITED', type: 'ratelimited' } }] };
    switch (mode) {
      case '401':
        return json(res, 401, { errors: [{ message: 'Authentication required, not authenticated', extensions: { code: 'AUTHENTICATION_ERROR', type: 'authentication error' } }] });
      case '429':
        return json(res, 429, rateLimited, rateHeaders(o));
      case 'ratelimited':
        return json(res, 400, rateLimited, rateHeaders(o));
      case '500':
        return json(res, 500, { errors: [{ message: 'Internal server error' }] });
      case 'malformed-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data": {"issues": ');
        return;
      case 'raw':
        return json(res, o.status ?? 200, o.body ?? null, { ...(o.headers ?? {}) });
      case 'hang':
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      // recorded below with nulls; answered as a bad request after failure modes
    }
    const query = typeof body.query === 'string' ? body.query : null;
    const variables = typeof body.variables === 'object' && body.variables !== null ? (body.variables as Record<string, unknown>) : null;
    let document: DocumentNode | null = null;
    let parseError: GraphQLError | null = null;
    try {
      if (query !== null) document = parse(query);
    } catch (error) {
      parseError = error instanceof GraphQLError ? error : new GraphQLError(String(error));
    }
    const authorization = req.headers.authorization;
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k, v]) => k !== 'authorization' && typeof v === 'string') as [string, string][],
    );
    requests.push({
      query,
      variables,
      operationName: typeof body.operationName === 'string' ? body.operationName : operationNameOf(document),
      headers,
      authorized: authorization === options.apiKey,
      rawAuthorization: typeof authorization === 'string' && !authorization.startsWith('Bearer '),
    });

    const failure = failures[0];
    if (failure) {
      const remaining = (failure.options.times ?? 1) - 1;
      if (remaining <= 0) failures.shift();
      else failure.options = { ...failure.options, times: remaining };
      return fail(res, failure.mode, failure.options);
    }
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/graphql') return json(res, 404, { errors: [{ message: 'not found' }] });
    if (authorization !== options.apiKey) return fail(res, '401', {});
    if (query === null) return json(res, 400, { errors: [{ message: 'Must provide query string.' }] });
    if (parseError !== null || document === null) {
      invalidDocuments.push({ query, errors: [parseError?.message ?? 'unparseable'] });
      return json(res, 400, { errors: [{ ...parseError?.toJSON(), extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    }
    const validationErrors = validate(schema, document);
    if (validationErrors.length > 0) {
      invalidDocuments.push({ query, errors: validationErrors.map((e) => e.message) });
      return json(res, 400, { errors: validationErrors.map((e) => ({ ...e.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) });
    }
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    const result = await execute({ schema, document, rootValue: root, variableValues: variables ?? {}, operationName });
    return json(res, 200, 'errors' in result && result.errors ? { data: result.data ?? null, errors: result.errors.map((e) => e.toJSON()) } : { data: result.data });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { errors: [{ message: `fake-linear crashed: ${String(error)}` }] });
      else res.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;

  return {
    url: `http://127.0.0.1:${port}/graphql`,
    board,
    requests,
    invalidDocuments,
    comments: board.comments,
    addIssue: (input) => board.addIssue(input),
    issue: (idOrIdentifier) => {
      const issue = board.findIssue(idOrIdentifier);
      return issue ? { ...issue, labels: [...issue.labels], blockedBy: [...issue.blockedBy], state: board.stateById(issue.stateId).name } : undefined;
    },
    setState: (idOrIdentifier, stateName) => board.moveIssue(board.requireIssue(idOrIdentifier), board.stateByName(stateName).id),
    updateIssue: (idOrIdentifier, patch) => {
      Object.assign(board.requireIssue(idOrIdentifier), patch);
    },
    failNext: (mode, failureOptions = {}) => {
      failures.push({ mode, options: failureOptions });
    },
    heldRequests: () => held.size,
    close: () => {
      closing ??= (async () => {
        for (const res of held) res.destroy();
        held.clear();
        server.closeAllConnections();
        await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      })();
      return closing;
    },
  };
}

function operationNameOf(document: DocumentNode | null): string | null {
  for (const definition of document?.definitions ?? []) {
    if (definition.kind === Kind.OPERATION_DEFINITION) return definition.name?.value ?? null;
  }
  return null;
}
