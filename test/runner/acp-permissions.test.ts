/**
 * ACP permission requests: the pure posture decision, and the session answering them (posture or
 * operator) against the fake ACP agent, which reports the outcome it got in a message chunk.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { decidePermission, describePermission, isHostToolRequest, outcomeForDecision, readOptions } from '../../src/runner/acp/permissions.js';
import { startAcpSession, type AcpSession, type AcpSessionOptions } from '../../src/runner/acp/session.js';
import { fakeAcpCommand } from './acp-fixture.js';
import { EventLog, perTestSession, type TestWorkspace } from './helpers.js';

const GEMINI_OPTIONS = [
  { optionId: 'proceed_always', name: 'Allow for this session', kind: 'allow_always' },
  { optionId: 'proceed_once', name: 'Allow', kind: 'allow_once' },
  { optionId: 'cancel', name: 'Reject', kind: 'reject_once' },
];
const request = (options: unknown[] = GEMINI_OPTIONS) => ({
  sessionId: 's',
  toolCall: { toolCallId: 't', title: 'rm -rf build', kind: 'execute', rawInput: { command: 'rm -rf build', description: 'clean' }, content: [{ type: 'content', content: { type: 'text', text: 'clean the build' } }] },
  options,
});

describe('decidePermission (pure)', () => {
  it('allow selects allow_once; deny selects reject_once; ask without a channel denies', () => {
    expect(decidePermission(request(), { policy: 'allow', operatorChannel: true })).toMatchObject({ kind: 'answer', outcome: { outcome: 'selected', optionId: 'proceed_once' }, event: 'approval_auto_approved' });
    expect(decidePermission(request(), { policy: 'deny', operatorChannel: true })).toMatchObject({ kind: 'answer', outcome: { outcome: 'selected', optionId: 'cancel' }, event: 'approval_rejected' });
    expect(decidePermission(request(), { policy: 'ask', operatorChannel: false })).toMatchObject({ kind: 'answer', outcome: { outcome: 'selected', optionId: 'cancel' }, event: 'approval_rejected', message: expect.stringContaining('no operator channel') });
  });

  it('falls back to allow_always / reject_always, else cancelled', () => {
    const always = [{ optionId: 'a', name: 'A', kind: 'allow_always' }, { optionId: 'r', name: 'R', kind: 'reject_always' }];
    expect(decidePermission(request(always), { policy: 'allow', operatorChannel: false })).toMatchObject({ outcome: { outcome: 'selected', optionId: 'a' } });
    expect(decidePermission(request(always), { policy: 'deny', operatorChannel: false })).toMatchObject({ outcome: { outcome: 'selected', optionId: 'r' } });
    expect(decidePermission(request([]), { policy: 'allow', operatorChannel: false })).toMatchObject({ outcome: { outcome: 'cancelled' }, event: 'approval_rejected' });
    expect(decidePermission(request([]), { policy: 'deny', operatorChannel: false })).toMatchObject({ outcome: { outcome: 'cancelled' } });
  });

  it('ask with a channel holds it for an operator, described with the command, reason and offered decisions', () => {
    const decision = decidePermission(request(), { policy: 'ask', operatorChannel: true });
    expect(decision).toEqual({
      kind: 'operator',
      options: GEMINI_OPTIONS,
      request: { kind: 'approval', method: 'session/request_permission', summary: 'rm -rf build', command: 'rm -rf build', cwd: null, reason: 'clean the build', decisions: ['accept', 'acceptForSession', 'decline', 'cancel'], questions: [],
        // The agent's own options, with the decision that selects each (shown on the dashboard).
        options: [
          { id: 'proceed_always', name: 'Allow for this session', kind: 'allow_always', decision: 'acceptForSession' },
          { id: 'proceed_once', name: 'Allow', kind: 'allow_once', decision: 'accept' },
          { id: 'cancel', name: 'Reject', kind: 'reject_once', decision: 'decline' },
        ],
      },
    });
    const onlyOnce = readOptions(request([GEMINI_OPTIONS[1], { bad: true }]));
    expect(describePermission(request(), onlyOnce).decisions).toEqual(['accept', 'cancel']);
  });

  it('maps decisions to offered options by kind', () => {
    expect(outcomeForDecision('accept', GEMINI_OPTIONS)).toEqual({ outcome: 'selected', optionId: 'proceed_once' });
    expect(outcomeForDecision('acceptForSession', GEMINI_OPTIONS)).toEqual({ outcome: 'selected', optionId: 'proceed_always' });
    expect(outcomeForDecision('decline', GEMINI_OPTIONS)).toEqual({ outcome: 'selected', optionId: 'cancel' });
    expect(outcomeForDecision('cancel', GEMINI_OPTIONS)).toEqual({ outcome: 'cancelled' });
    expect(outcomeForDecision('acceptForSession', [GEMINI_OPTIONS[1]!])).toEqual({ outcome: 'cancelled' });
  });

  it("calls of the daemon's own MCP tools are allowed under every posture; look-alike commands are not", () => {
    const mcp = { toolCall: { toolCallId: 'mcp_symphony_linear_graphql__mcp_symphony_linear_graphql_1_0', title: 'linear_graphql (symphony MCP Server)', kind: 'other' }, options: GEMINI_OPTIONS };
    const hostTools = { serverName: 'symphony', toolNames: ['linear_graphql'] };
    expect(isHostToolRequest(mcp, 'symphony', ['linear_graphql'])).toBe(true);
    expect(decidePermission(mcp, { policy: 'ask', operatorChannel: true, hostTools })).toMatchObject({ kind: 'answer', outcome: { optionId: 'proceed_once' }, event: 'approval_auto_approved' });
    expect(decidePermission(mcp, { policy: 'deny', operatorChannel: false, hostTools })).toMatchObject({ event: 'approval_auto_approved' });
    expect(decidePermission(mcp, { policy: 'ask', operatorChannel: true })).toMatchObject({ kind: 'operator' });
    const spoof = { ...mcp, toolCall: { ...mcp.toolCall, kind: 'execute' } };
    expect(isHostToolRequest(spoof, 'symphony', ['linear_graphql'])).toBe(false);
    expect(isHostToolRequest({ toolCall: { toolCallId: 'mcp_other_linear_graphql__1', title: 'linear_graphql (other MCP Server)' } }, 'symphony', ['linear_graphql'])).toBe(false);
  });

  it('a tool call that is not a command has no command; its title is the summary', () => {
    const edit = { toolCall: { toolCallId: 'e', title: 'Edit README.md', kind: 'edit' }, options: GEMINI_OPTIONS };
    expect(describePermission(edit, GEMINI_OPTIONS)).toMatchObject({ summary: 'Edit README.md', command: null, reason: null });
  });
});

let ws: TestWorkspace;
let log: EventLog;
const sessions: AcpSession[] = [];
perTestSession(sessions, (fresh) => ({ ws, log } = fresh));

async function start(overrides: Partial<AcpSessionOptions>): Promise<AcpSession> {
  const session = await startAcpSession({
    command: fakeAcpCommand('approval-plain'),
    workspacePath: ws.workspace,
    workspaceRoot: ws.root,
    env: { ...process.env },
    secretEnvNames: [],
    authMethod: null,
    approvalPolicy: 'ask',
    readTimeoutMs: 10_000,
    turnTimeoutMs: 30_000,
    tools: [],
    executeTool: () => Promise.resolve({ success: false, text: 'none' }),
    onEvent: log.sink,
    logger: silentLogger(),
    ...overrides,
  });
  sessions.push(session);
  return session;
}

/** The outcome the fake agent reports having received. */
function reported(): unknown {
  const note = log.named('notification').find((event) => event.message?.startsWith('agent: permission: '));
  return JSON.parse(note?.message?.slice('agent: permission: '.length) ?? 'null');
}
const marker = () => existsSync(path.join(ws.workspace, 'approved.txt'));
const turn = { text: 'go', title: 'ABC-1: go' };

describe('ACP permission requests in a session (fake agent)', () => {
  it('allow: answered at once with allow_once, the command runs', async () => {
    const session = await start({ approvalPolicy: 'allow', operatorChannel: true });
    await session.runTurn(turn);
    expect(reported()).toEqual({ outcome: 'selected', optionId: 'proceed_once' });
    expect(log.named('approval_auto_approved')).toHaveLength(1);
    expect(marker()).toBe(true);
  });

  it('deny, and ask without an operator channel: rejected with reject_once, the turn goes on', async () => {
    for (const approvalPolicy of ['deny', 'ask'] as const) {
      log = new EventLog();
      const session = await start({ approvalPolicy, operatorChannel: approvalPolicy === 'deny', onEvent: log.sink });
      await session.runTurn(turn);
      expect(reported()).toEqual({ outcome: 'selected', optionId: 'cancel' });
      expect(log.named('approval_rejected')).toHaveLength(1);
      expect(marker()).toBe(false);
    }
  });

  it('ask with an operator channel waits for the operator; acceptForSession selects allow_always', async () => {
    const session = await start({ operatorChannel: true });
    expect(session.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });
    const running = session.runTurn(turn);
    const waiting = await log.waitFor('operator_waiting');
    expect(waiting.operatorRequest).toMatchObject({ kind: 'approval', method: 'session/request_permission', command: 'touch approved.txt', reason: '(create a marker file)', decisions: ['accept', 'acceptForSession', 'decline', 'cancel'] });
    // The command runs in the session's workspace; the request says so, as Codex's do.
    expect(waiting.operatorRequest?.cwd).toBe(ws.workspace);
    expect(waiting.activity).toMatchObject({ kind: 'operator', phase: 'waiting', command: 'touch approved.txt' });
    expect(session.answer({ answers: { q: ['x'] } })).toMatchObject({ ok: false, code: 'invalid_answer' });
    expect(session.answer({ decision: 'acceptForSession' })).toEqual({ ok: true });
    await running;
    expect(reported()).toEqual({ outcome: 'selected', optionId: 'proceed_always' });
    expect(log.named('operator_answered')[0]?.operatorRequest?.command).toBe('touch approved.txt');
    expect(marker()).toBe(true);
  });

  it('an operator decline selects reject_once; cancel answers cancelled', async () => {
    for (const [decision, outcome] of [['decline', { outcome: 'selected', optionId: 'cancel' }], ['cancel', { outcome: 'cancelled' }]] as const) {
      log = new EventLog();
      const session = await start({ operatorChannel: true, onEvent: log.sink });
      const running = session.runTurn(turn);
      await log.waitFor('operator_waiting');
      expect(session.answer({ decision })).toEqual({ ok: true });
      await running;
      expect(reported()).toEqual(outcome);
      expect(marker()).toBe(false);
    }
  });

  it('no answer within agent.operator_timeout_ms: the turn fails with operator_timeout and the agent gets cancelled', async () => {
    const session = await start({ operatorChannel: true, operatorTimeoutMs: 200 });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'operator_timeout' });
    expect(log.named('operator_timeout')).toHaveLength(1);
    expect(log.named('turn_ended_with_error')).toHaveLength(0);
    await log.waitFor('notification', (event) => event.message?.startsWith('agent: permission: ') === true);
    expect(reported()).toEqual({ outcome: 'cancelled' });
    expect(session.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });
  });
});
