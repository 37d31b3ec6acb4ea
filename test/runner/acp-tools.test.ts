/**
 * Host-side tools for ACP agents: the loopback MCP server passed in `session/new`, called by the
 * fake ACP agent (exact wire checks: auth, initialize, tools/list, tools/call, GET refused) and by
 * the real Gemini CLI through the fake Gemini API (the model calls the tracker tool; its result
 * comes back to the model).
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { startAcpSession, type AcpSession, type AcpSessionOptions } from '../../src/runner/acp/session.js';
import type { AgentToolSpec } from '../../src/tracker/tracker.js';
import { geminiCommand, makeGeminiHome, startFakeGemini, type FakeGemini, type GeminiHome } from '../support/fake-gemini/index.js';
import { fakeAcpCommand } from './acp-fixture.js';
import { EventLog, perTestSession, type TestWorkspace } from './helpers.js';

const ECHO: AgentToolSpec = { name: 'echo', description: 'Echoes its arguments.', inputSchema: { type: 'object', properties: { say: { type: 'string' } } } };
const TRACKER: AgentToolSpec = { name: 'linear_graphql', description: 'Runs a Linear GraphQL query.', inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } };

let ws: TestWorkspace;
let log: EventLog;
let calls: { name: string; args: unknown }[];
const sessions: AcpSession[] = [];
perTestSession(sessions, (fresh) => {
  ({ ws, log } = fresh);
  calls = [];
});

async function start(overrides: Partial<AcpSessionOptions>): Promise<AcpSession> {
  const session = await startAcpSession({
    command: fakeAcpCommand('mcp-call'),
    workspacePath: ws.workspace,
    workspaceRoot: ws.root,
    env: { ...process.env },
    secretEnvNames: [],
    authMethod: null,
    approvalPolicy: 'allow',
    readTimeoutMs: 30_000,
    turnTimeoutMs: 30_000,
    tools: [ECHO],
    executeTool: (name, args) => {
      calls.push({ name, args });
      return Promise.resolve({ success: true, text: `echo: ${JSON.stringify(args)}` });
    },
    onEvent: log.sink,
    logger: silentLogger(),
    clientInfo: { name: 'symphony-ts', version: '1.2.3' },
    ...overrides,
  });
  sessions.push(session);
  return session;
}

describe('host-side tools over a loopback MCP server (fake agent)', () => {
  it('is passed in session/new with a bearer token, serves tools/list and tools/call, and refuses the rest', async () => {
    const record = path.join(ws.root, 'received.jsonl');
    const logsRoot = path.join(ws.root, 'logs');
    await mkdir(logsRoot);
    const session = await start({ command: fakeAcpCommand('mcp-call', { FAKE_RECORD_FILE: record }), sessionLog: { logsRoot, workspaceKey: 'ABC-1' } });
    await session.runTurn({ text: 'call it', title: 'ABC-1' });

    const sent = (await readFile(record, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { method?: string; params?: { mcpServers?: unknown[] } });
    const servers = sent.find((message) => message.method === 'session/new')?.params?.mcpServers;
    expect(servers).toEqual([{ type: 'http', name: 'symphony', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/), headers: [{ name: 'Authorization', value: expect.stringMatching(/^Bearer [0-9a-f]{64}$/) }] }]);

    const note = log.named('notification').find((event) => event.message?.startsWith('agent: mcp: '));
    expect(note).toBeDefined();
    expect(calls).toEqual([{ name: 'echo', args: { say: 'hi' } }]);
    expect(log.named('tool_call_completed')[0]?.activity).toMatchObject({ kind: 'tool', phase: 'completed', tool: 'echo' });
    expect(log.named('unsupported_tool_call')[0]?.activity).toMatchObject({ kind: 'tool', phase: 'failed', tool: 'nope' });

    // The session log has the stream, but not the token.
    const token = (servers?.[0] as { headers: { value: string }[] }).headers[0]!.value.slice('Bearer '.length);
    const logged = await readFile(path.join(logsRoot, 'sessions', 'ABC-1', `${session.acpSessionId}-1.jsonl`), 'utf8');
    expect(logged).toContain('session/new');
    expect(logged).toContain('[redacted]');
    expect(logged).not.toContain(token);
  });

  it('answers as MCP (Streamable HTTP) wants: 401 without the token, JSON responses, 202 for notifications, 405 for GET', async () => {
    const file = path.join(ws.root, 'mcp.json');
    const session = await start({ command: fakeAcpCommand('mcp-call', { FAKE_MCP_FILE: file }) });
    await session.runTurn({ text: 'call it', title: 'ABC-1' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      unauthorized: 401,
      initialize: { status: 200, body: { jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18', capabilities: { tools: { listChanged: false } }, serverInfo: { name: 'symphony', version: '1.2.3' } } } },
      initialized: 202,
      list: { status: 200, body: { jsonrpc: '2.0', id: 2, result: { tools: [ECHO] } } },
      call: { status: 200, body: { jsonrpc: '2.0', id: 3, result: { content: [{ type: 'text', text: 'echo: {"say":"hi"}' }], isError: false } } },
      unknown: { status: 200, body: { jsonrpc: '2.0', id: 4, result: { content: [{ type: 'text', text: 'unsupported tool call: nope; this tool is not available in this session' }], isError: true } } },
      get: 405,
    });
  });

  it('no tools, or an agent without HTTP MCP support: no MCP server is passed', async () => {
    const record = path.join(ws.root, 'received.jsonl');
    const session = await start({ command: fakeAcpCommand('ok', { FAKE_RECORD_FILE: record }), tools: [] });
    await session.runTurn({ text: 'hi', title: 'ABC-1' });
    await session.stop();
    const noHttp = await start({ command: fakeAcpCommand('no-http-mcp', { FAKE_RECORD_FILE: record }) });
    await noHttp.stop();
    const news = (await readFile(record, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { method?: string; params?: { mcpServers?: unknown[] } }).filter((message) => message.method === 'session/new');
    expect(news.map((message) => message.params?.mcpServers)).toEqual([[], []]);
  });
});

let gemini: FakeGemini;
let home: GeminiHome;
beforeAll(async () => {
  gemini = await startFakeGemini((request) => {
    const tool = request.toolNames.find((name) => name.endsWith('linear_graphql'));
    if (request.stepInTurn === 0 && tool !== undefined && request.lastUserText.startsWith('Query the tracker')) {
      return { type: 'function_call', name: tool, args: { query: '{ viewer { id } }' } };
    }
    return { type: 'text', text: 'done' };
  });
  home = await makeGeminiHome();
});
afterAll(async () => {
  await gemini.close();
  await home.cleanup();
});

describe('host-side tools with the real gemini --acp', () => {
  it('the model calls the tracker tool through the MCP server; the daemon runs it and the result reaches the model', async () => {
    const session = await start({
      // Gemini CLI starts MCP servers only in a trusted folder; the daemon's workspace is one.
      command: geminiCommand({ baseUrl: gemini.baseUrl, home: home.path, env: { GEMINI_CLI_TRUST_WORKSPACE: 'true' } }),
      authMethod: 'gemini-api-key',
      // Gemini CLI asks permission for MCP tools; the daemon's own tool needs no operator.
      approvalPolicy: 'ask',
      operatorChannel: true,
      tools: [TRACKER],
      executeTool: (name, args) => {
        calls.push({ name, args });
        return Promise.resolve({ success: true, text: '{"data":{"viewer":{"id":"user-1"}}}' });
      },
    });
    await session.runTurn({ text: 'Query the tracker for the viewer.', title: 'ABC-1: tracker' });
    expect(gemini.requests.some((request) => request.toolNames.some((name) => name.endsWith('linear_graphql')))).toBe(true);
    expect(calls).toEqual([{ name: 'linear_graphql', args: { query: '{ viewer { id } }' } }]);
    expect(log.named('tool_call_completed')[0]?.activity).toMatchObject({ tool: 'linear_graphql' });
    expect(log.named('operator_waiting')).toEqual([]);
    expect(log.named('approval_auto_approved')[0]?.message).toContain('host-side tool');
    const responses = gemini.requests.at(-1)?.functionResponses ?? [];
    expect(JSON.stringify(responses)).toContain('user-1');
  }, 60_000);
});
