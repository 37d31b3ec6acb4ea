/**
 * The session against the real Codex 0.169 binary, driven by the scripted fake model on 127.0.0.1.
 * One model server and one CODEX_HOME per file; each test sets the script it needs. Every message
 * our client sends is validated against the generated schema.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APPROVAL_POLICY } from '../../src/config/types.js';
import type { AppServerSession, AppServerSessionOptions } from '../../src/runner/app-server/session.js';
import type { ProtocolTranscript } from '../support/codex-schema.js';
import { realCodexSuite } from './codex-fixture.js';
import { descendantPids, groupAlive, processAlive } from './helpers.js';

const codex = realCodexSuite();
/** The current test's transcript (every session of a test records into it). */
let transcript: ProtocolTranscript;

beforeEach(() => {
  transcript = codex.transcript();
});

async function start(overrides: Partial<AppServerSessionOptions> = {}): Promise<AppServerSession> {
  return (await codex.start(overrides, transcript)).session;
}

const turn = { text: 'Work on ABC-1', title: 'ABC-1: Real codex' };

describe('§17.5 real Codex app-server against the scripted model', () => {
  it('§17.5 handshake, a turn that runs exec_command in the workspace, then a final message; token totals from thread/tokenUsage/updated', async () => {
    codex.script = (req) =>
      req.stepInTurn === 0
        ? { type: 'function_call', name: 'exec_command', arguments: { cmd: 'printf hello > made-by-agent.txt' }, usage: { inputTokens: 1000, outputTokens: 50 } }
        : { type: 'message', text: 'done', usage: { inputTokens: 1200, outputTokens: 30 } };
    const session = await start();
    const outcome = await session.runTurn(turn);
    expect(outcome.sessionId).toBe(`${session.threadId}-${outcome.turnId}`);
    expect(await readFile(path.join(codex.ws.workspace, 'made-by-agent.txt'), 'utf8')).toBe('hello');
    expect(codex.log.named('session_started')[0]).toMatchObject({ sessionId: outcome.sessionId, threadId: session.threadId });
    expect(codex.requests()).toHaveLength(2);
    expect(codex.requests()[0]?.lastUserText).toBe(turn.text);
    const usage = codex.log.named('token_usage_updated').map((event) => event.usage);
    expect(usage.at(-1)).toEqual({ inputTokens: 2200, outputTokens: 80, totalTokens: 2280 });
    expect(codex.log.named('rate_limits_updated').length).toBeGreaterThan(0);
  });

  it('§17.5 advertised dynamic tools: executeTool receives the arguments and the reply reaches the model', async () => {
    const calls: unknown[] = [];
    codex.script = (req) => (req.stepInTurn === 0 ? { type: 'function_call', name: 'lookup_issue', arguments: { id: 'ABC-1' } } : { type: 'message', text: 'thanks' });
    const session = await start({
      tools: [{ name: 'lookup_issue', description: 'Look up an issue', inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } }],
      executeTool: (name, args) => {
        calls.push({ name, args });
        return Promise.resolve({ success: true, text: 'ABC-1 is In Progress' });
      },
    });
    await session.runTurn(turn);
    expect(calls).toEqual([{ name: 'lookup_issue', args: { id: 'ABC-1' } }]);
    expect(codex.requests()[0]?.toolNames).toContain('lookup_issue');
    expect(codex.requests()[1]?.toolOutputs.map((output) => output.output)).toContain('ABC-1 is In Progress');
    expect(transcript.serverRequests.map((request) => request.method)).toEqual(['item/tool/call']);
    expect(codex.log.named('tool_call_completed')).toHaveLength(1);
  });

  it('§17.5 a call to an unknown tool name fails without stalling the session', async () => {
    codex.script = (req) => (req.stepInTurn === 0 ? { type: 'function_call', name: 'no_such_tool', arguments: {} } : { type: 'message', text: 'moving on' });
    const session = await start();
    await expect(session.runTurn(turn)).resolves.toMatchObject({ status: 'completed' });
    // Codex 0.169 answers unadvertised names itself (no item/tool/call reaches the client).
    expect(codex.requests()[1]?.toolOutputs.at(-1)?.output).toMatch(/unsupported call: no_such_tool/);
  });

  it('§10.2 continuation turns run on the same thread with the new input', async () => {
    codex.script = (req) => ({ type: 'message', text: `turn ${req.turnIndex} done` });
    const session = await start();
    const first = await session.runTurn(turn);
    const second = await session.runTurn({ text: 'Continue with the remaining work', title: turn.title });
    expect(second.turnId).not.toBe(first.turnId);
    expect(second.sessionId).toBe(`${session.threadId}-${second.turnId}`);
    const turnStarts = transcript.sentMessages.filter((message) => message.method === 'turn/start').map((message) => message.params as { threadId: string });
    expect(turnStarts.map((params) => params.threadId)).toEqual([session.threadId, session.threadId]);
    expect(codex.requests().map((req) => [req.turnIndex, req.lastUserText])).toEqual([
      [0, turn.text],
      [1, 'Continue with the remaining work'],
    ]);
    expect(codex.log.named('turn_started').map((event) => event.sessionId)).toEqual([second.sessionId]);
  });

  it('§17.5 approval policy untrusted: the command approval arrives as item/commandExecution/requestApproval and is declined', async () => {
    codex.script = (req) => (req.stepInTurn === 0 ? { type: 'function_call', name: 'exec_command', arguments: { cmd: 'touch approved.txt' } } : { type: 'message', text: 'ok' });
    const session = await start({ approvalPolicy: 'untrusted' });
    const outcome = await session.runTurn(turn);
    expect(transcript.serverRequests.map((request) => request.method)).toEqual(['item/commandExecution/requestApproval']);
    expect(transcript.sentMessages).toContainEqual({ id: transcript.serverRequests[0]?.id, result: { decision: 'decline' } });
    expect(outcome.approvalsRejected).toBe(1);
    expect(codex.log.named('approval_rejected')).toHaveLength(1);
    await expect(stat(path.join(codex.ws.workspace, 'approved.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(codex.requests()[1]?.toolOutputs.at(-1)?.output).toMatch(/rejected/);
  });

  it('§10.5 operator intervention: under untrusted the command approval waits for an operator; accept runs the command and the turn completes', async () => {
    codex.script = (req) => (req.stepInTurn === 0 ? { type: 'function_call', name: 'exec_command', arguments: { cmd: 'touch approved.txt' } } : { type: 'message', text: 'ok' });
    const session = await start({ approvalPolicy: 'untrusted', operatorChannel: true, operatorTimeoutMs: 60_000 });
    const running = session.runTurn(turn);
    const waiting = await codex.log.waitFor('operator_waiting');
    const request = waiting.operatorRequest!;
    expect(request).toMatchObject({ kind: 'approval', method: 'item/commandExecution/requestApproval', cwd: await realpath(codex.ws.workspace) });
    expect(request.command).toContain('touch approved.txt');
    expect(request.decisions).toContain('accept');
    await expect(stat(path.join(codex.ws.workspace, 'approved.txt'))).rejects.toMatchObject({ code: 'ENOENT' }); // not before the answer

    expect(session.answer({ decision: 'accept' })).toEqual({ ok: true });
    const outcome = await running;
    expect(outcome).toMatchObject({ status: 'completed', approvalsRejected: 0 });
    expect((await stat(path.join(codex.ws.workspace, 'approved.txt'))).isFile()).toBe(true);
    const [approval] = transcript.serverRequests;
    expect(transcript.sentMessages).toContainEqual({ id: approval?.id, result: { decision: 'accept' } });
    expect(codex.log.named('operator_answered')).toHaveLength(1);
    expect(waiting.sessionId).toBe(outcome.sessionId);
  });

  it('default granular policy (all false): an escalation request is auto-rejected by Codex without any server request', async () => {
    codex.script = (req) =>
      req.stepInTurn === 0
        ? { type: 'function_call', name: 'exec_command', arguments: { cmd: 'touch /escalated.txt', sandbox_permissions: 'require_escalated', justification: 'test' } }
        : { type: 'message', text: 'ok' };
    const session = await start({ approvalPolicy: { ...DEFAULT_APPROVAL_POLICY } });
    await expect(session.runTurn(turn)).resolves.toMatchObject({ status: 'completed', approvalsRejected: 0 });
    expect(transcript.serverRequests).toEqual([]);
    expect(codex.requests()[1]?.toolOutputs.at(-1)?.output).toMatch(/reject command/);
  });

  it('§17.5 §15.3 tracker secrets are not inherited: the agent command environment has no LINEAR_API_KEY even when the parent has it', async () => {
    codex.script = (req) => (req.stepInTurn === 0 ? { type: 'function_call', name: 'exec_command', arguments: { cmd: 'env > agent-env.txt' } } : { type: 'message', text: 'ok' });
    const session = await start({ env: { ...process.env, LINEAR_API_KEY: 'lin_api_parent_secret' }, secretEnvNames: ['LINEAR_API_KEY'] });
    await session.runTurn(turn);
    const env = await readFile(path.join(codex.ws.workspace, 'agent-env.txt'), 'utf8');
    expect(env).toMatch(/^CODEX_THREAD_ID=/m); // really the agent's command environment
    expect(env).not.toMatch(/LINEAR_API_KEY/);
    expect(env).not.toContain('lin_api_parent_secret');
  });

  it('a provider error fails the turn with turn_failed carrying Codex\'s message (retries are off in tests)', async () => {
    codex.script = () => ({ type: 'error', status: 400, message: 'scripted bad request' });
    const session = await start();
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'turn_failed', message: expect.stringContaining('scripted bad request') });
    expect(codex.log.named('turn_failed')).toHaveLength(1);
  });

  it('a model that never answers trips the turn silence timeout', async () => {
    codex.script = () => ({ type: 'hang' });
    const session = await start({ turnTimeoutMs: 1500 });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'turn_timeout' });
    expect(codex.requests()).toHaveLength(1);
  });

  it('stop() leaves no process behind, including a command the agent left running', async () => {
    codex.script = (req) =>
      req.stepInTurn === 0 ? { type: 'function_call', name: 'exec_command', arguments: { cmd: 'sleep 987', yield_time_ms: 250 } } : { type: 'message', text: 'left it running' };
    const session = await start();
    await session.runTurn(turn);
    const pid = session.pid!;
    const tree = descendantPids(pid);
    expect(tree.length).toBeGreaterThan(1);
    await session.stop();
    expect(groupAlive(pid)).toBe(false);
    expect(tree.filter(processAlive)).toEqual([]);
  });
});
