/**
 * The ACP session against the scripted fake ACP agent (test/runner/fixtures/fake-acp-agent.mjs),
 * for the cases a real agent cannot produce deterministically: the handshake on the wire, events
 * and activities, usage, turn endings, startup failures, secrets, and stop.
 */
import { existsSync } from 'node:fs';
import { readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { startAcpSession, type AcpSession, type AcpSessionOptions } from '../../src/runner/acp/session.js';
import { eventuallyAsync } from '../support/wait.js';
import { fakeAcpCommand } from './acp-fixture.js';
import { EventLog, groupAlive, perTestSession, processAlive, type TestWorkspace } from './helpers.js';

let ws: TestWorkspace;
let log: EventLog;
const sessions: AcpSession[] = [];

perTestSession(sessions, (fresh) => ({ ws, log } = fresh));

function options(overrides: Partial<AcpSessionOptions> = {}): AcpSessionOptions {
  return {
    command: fakeAcpCommand('ok'),
    workspacePath: ws.workspace,
    workspaceRoot: ws.root,
    env: { ...process.env },
    secretEnvNames: [],
    authMethod: null,
    approvalPolicy: 'allow',
    readTimeoutMs: 10_000,
    turnTimeoutMs: 30_000,
    tools: [],
    executeTool: () => Promise.resolve({ success: false, text: 'no tools in this test' }),
    onEvent: log.sink,
    logger: silentLogger(),
    ...overrides,
  };
}

async function start(overrides: Partial<AcpSessionOptions> = {}): Promise<AcpSession> {
  const session = await startAcpSession(options(overrides));
  sessions.push(session);
  return session;
}

/** The JSON lines the fake agent recorded (every message it received). */
async function received(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8');
  return text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

const turn = { text: 'Fix ABC-1', title: 'ABC-1: Fix the thing' };

describe('ACP session (fake agent)', () => {
  it('handshakes initialize → authenticate → session/new in the canonical workspace, then prompts on the same session', async () => {
    const record = path.join(ws.root, 'received.jsonl');
    const session = await start({ command: fakeAcpCommand('auth', { FAKE_RECORD_FILE: record }), authMethod: 'fake-key', clientInfo: { name: 'symphony-ts', version: '9.9.9' } });
    expect(session.acpSessionId).toBe('acp-session-1'); // not the look-alike line printed on stderr
    expect(session.pid).toBeGreaterThan(0);
    expect(await session.runTurn(turn)).toEqual({ turnId: '1', sessionId: 'acp-session-1-1' });
    expect(await session.runTurn({ text: 'Continue.', title: turn.title })).toEqual({ turnId: '2', sessionId: 'acp-session-1-2' });

    const messages = await received(record);
    expect(messages.map((message) => message.method)).toEqual(['initialize', 'authenticate', 'session/new', 'session/prompt', 'session/prompt']);
    expect(messages.every((message) => message.jsonrpc === '2.0')).toBe(true);
    expect(messages[0]?.params).toEqual({ protocolVersion: 1, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false }, clientInfo: { name: 'symphony-ts', version: '9.9.9' } });
    expect(messages[1]?.params).toEqual({ methodId: 'fake-key' });
    expect(messages[2]?.params).toEqual({ cwd: await realpath(ws.workspace), mcpServers: [] });
    expect(messages[3]?.params).toEqual({ sessionId: 'acp-session-1', prompt: [{ type: 'text', text: 'Fix ABC-1' }] });
  });

  it('maps session/update to activities and reports absolute token totals summed over the turns', async () => {
    const session = await start();
    await session.runTurn(turn);
    await session.runTurn(turn);
    const kinds = log.named('notification').map((event) => `${event.activity?.kind}:${event.activity?.phase}`);
    expect(kinds.slice(0, 5)).toEqual(['reasoning:progress', 'plan:progress', 'command:started', 'command:completed', 'message:progress']);
    const command = log.named('notification').find((event) => event.activity?.kind === 'command');
    expect(command?.activity).toMatchObject({ command: 'echo hello' });
    expect(log.named('notification')[1]?.activity?.detail).toBe('1/2 done');
    expect(log.named('token_usage_updated').map((event) => event.usage)).toEqual([
      { inputTokens: 100, outputTokens: 10, totalTokens: 110 },
      { inputTokens: 200, outputTokens: 20, totalTokens: 220 },
    ]);
    // Updates arrive before the turn's end, in order.
    const names = log.events.map((event) => event.event);
    expect(names.slice(0, names.indexOf('turn_completed')).filter((name) => name === 'notification')).toHaveLength(5);
    expect(log.events.every((event) => event.threadId === 'acp-session-1')).toBe(true);
  });

  it('reads the usage field of the prompt result too', async () => {
    const session = await start({ command: fakeAcpCommand('usage-field') });
    await session.runTurn(turn);
    expect(log.named('token_usage_updated').at(-1)?.usage).toEqual({ inputTokens: 7, outputTokens: 3, totalTokens: 10 });
  });

  it('a refusal fails the turn with turn_failed', async () => {
    const session = await start({ command: fakeAcpCommand('refusal') });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'turn_failed', message: expect.stringContaining('refusal') });
    expect(log.named('turn_failed')).toHaveLength(1);
  });

  it('agent silence longer than turn_timeout_ms fails the turn with turn_timeout and cancels it on the agent', async () => {
    const record = path.join(ws.root, 'received.jsonl');
    const session = await start({ command: fakeAcpCommand('turn-silence', { FAKE_RECORD_FILE: record }), turnTimeoutMs: 300 });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'turn_timeout', message: 'turn 1: no ACP agent output for 300 ms (acp.turn_timeout_ms)' });
    expect(log.named('turn_ended_with_error')).toHaveLength(1);
    // The cancel is on the pipe once the turn rejected; the agent records it when it reads it.
    await eventuallyAsync(async () => (await received(record).catch(() => [])).some((message) => message.method === 'session/cancel'), 'the agent to receive session/cancel', 10_000);
    await session.stop();
  });

  it('an agent exiting mid-turn fails the turn with port_exit naming the exit code', async () => {
    const session = await start({ command: fakeAcpCommand('exit-mid-turn') });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'port_exit', message: expect.stringContaining('code 3') });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'port_exit' });
  });

  it('lines that are not JSON-RPC objects are reported as malformed and the turn goes on', async () => {
    const session = await start({ command: fakeAcpCommand('noise') });
    await session.runTurn(turn);
    expect(log.named('malformed').map((event) => event.message)).toEqual([expect.stringContaining('unparseable'), 'not a JSON-RPC message object']);
  });
});

describe('ACP session startup failures', () => {
  it('no initialize answer within startup_timeout_ms: response_timeout naming the key, nothing left running', async () => {
    const failure = startAcpSession(options({ command: fakeAcpCommand('silent-init'), startupTimeoutMs: 500 }));
    await expect(failure).rejects.toMatchObject({ code: 'response_timeout', message: expect.stringContaining('acp.startup_timeout_ms') });
    const pid = log.named('startup_failed')[0]?.codexAppServerPid ?? 0;
    expect(pid).toBeGreaterThan(0);
    expect(groupAlive(pid)).toBe(false);
  });

  it('no session/new answer within read_timeout_ms: response_timeout', async () => {
    await expect(startAcpSession(options({ command: fakeAcpCommand('silent-session'), readTimeoutMs: 300 }))).rejects.toMatchObject({ code: 'response_timeout', message: expect.stringContaining('session/new') });
  });

  it('a command that is not found: agent_not_found naming acp.command', async () => {
    await expect(startAcpSession(options({ command: 'definitely-not-an-acp-agent-xyz --acp' }))).rejects.toMatchObject({ code: 'agent_not_found', message: expect.stringContaining('acp.command not found') });
  });

  it('an agent exiting during initialize: port_exit', async () => {
    await expect(startAcpSession(options({ command: fakeAcpCommand('exit-on-init') }))).rejects.toMatchObject({ code: 'port_exit', message: expect.stringContaining('code 3') });
  });

  it('another protocol version, or an auth method the agent does not offer: response_error', async () => {
    await expect(startAcpSession(options({ command: fakeAcpCommand('protocol-2') }))).rejects.toMatchObject({ code: 'response_error', message: expect.stringContaining('protocol version 2') });
    await expect(startAcpSession(options({ authMethod: 'oauth' }))).rejects.toMatchObject({ code: 'response_error', message: expect.stringContaining('acp.auth_method "oauth" is not offered') });
  });

  it('an agent that requires authentication without acp.auth_method: response_error from session/new', async () => {
    await expect(startAcpSession(options({ command: fakeAcpCommand('auth') }))).rejects.toMatchObject({ code: 'response_error', message: expect.stringContaining('Authentication required') });
  });

  it('aborting during startup stops the agent and rejects with canceled', async () => {
    const controller = new AbortController();
    const failure = expect(startAcpSession(options({ command: fakeAcpCommand('silent-init'), signal: controller.signal }))).rejects.toMatchObject({ code: 'canceled' });
    controller.abort(new Error('reconciled'));
    await failure;
  });
});

describe('ACP session environment and stop', () => {
  it('tracker secrets never reach the agent, even when a login profile would export them', async () => {
    const envFile = path.join(ws.root, 'env.json');
    await writeFile(path.join(ws.root, '.bash_profile'), 'export LINEAR_API_KEY=from_profile\n');
    const session = await start({
      command: fakeAcpCommand('ok', { FAKE_ENV_FILE: envFile }),
      env: { ...process.env, HOME: ws.root, LINEAR_API_KEY: 'lin_secret', SYMPHONY_OTHER: 'kept' },
      secretEnvNames: ['LINEAR_API_KEY'],
    });
    await session.runTurn(turn);
    const env = JSON.parse(await readFile(envFile, 'utf8')) as Record<string, string>;
    expect(env.LINEAR_API_KEY).toBeUndefined();
    expect(env.SYMPHONY_OTHER).toBe('kept');
    expect(JSON.stringify(log.events)).not.toContain('lin_secret');
  });

  it('stop is idempotent, fails a running turn with port_exit and leaves no process (also detached children)', async () => {
    const session = await start({ command: fakeAcpCommand('detached-child') });
    await session.runTurn(turn);
    const note = log.named('notification').find((event) => event.message?.includes('pid '));
    const childPid = Number(/pid (\d+)/.exec(note?.message ?? '')?.[1]);
    expect(processAlive(childPid)).toBe(true);
    const pid = session.pid ?? 0;
    await Promise.all([session.stop(), session.stop()]);
    expect(groupAlive(pid)).toBe(false);
    expect(processAlive(childPid)).toBe(false);
    expect(session.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });
  });

  it('stop during a turn rejects it with port_exit', async () => {
    const session = await start({ command: fakeAcpCommand('turn-silence') });
    const running = session.runTurn(turn);
    await log.waitFor('session_started');
    const rejected = expect(running).rejects.toMatchObject({ code: 'port_exit' });
    await session.stop();
    await rejected;
    expect(existsSync(ws.workspace)).toBe(true);
  });
});
