import { beforeAll, describe, expect, it } from 'vitest';
import { agentEnvironment, isShellIdentifier, launchScript } from '../../src/runner/agent-env.js';
import { defaultTurnSandboxPolicy, initializeParams, threadSetNameParams, threadStartParams, turnStartParams } from '../../src/runner/app-server/protocol.js';
import { approvalPosture, decideServerRequest, ServerRequestMethod, type DecisionContext } from '../../src/runner/app-server/server-requests.js';
import { extractTokenTotals, maxTotals, readCompletedTurn, summarizeNotification } from '../../src/runner/app-server/telemetry.js';
import { DEFAULT_APPROVAL_POLICY } from '../../src/config/types.js';
import { loadClientMessageValidator, type ClientMessageValidator } from '../support/codex-schema.js';

let schema: ClientMessageValidator;
beforeAll(async () => {
  schema = await loadClientMessageValidator();
});

const tool = { name: 'linear_graphql', description: 'Run GraphQL', inputSchema: { type: 'object', properties: { query: { type: 'string' } } } };

describe('agent environment (§15.3)', () => {
  it('drops secret names and undefined values without touching the base env', () => {
    const base = { PATH: '/bin', LINEAR_API_KEY: 'lin_secret', OTHER: undefined, KEEP: 'x' };
    expect(agentEnvironment(base, ['LINEAR_API_KEY', 'NOT_SET'])).toEqual({ PATH: '/bin', KEEP: 'x' });
    expect(base.LINEAR_API_KEY).toBe('lin_secret');
  });

  it('unsets valid identifiers only, then runs the command unchanged on its own line', () => {
    expect(isShellIdentifier('LINEAR_API_KEY')).toBe(true);
    expect(isShellIdentifier('1BAD')).toBe(false);
    expect(isShellIdentifier('A;rm -rf /')).toBe(false);
    expect(launchScript('codex app-server', [])).toBe('codex app-server');
    expect(launchScript('codex app-server', ['LINEAR_API_KEY', 'A;rm -rf /', 'LINEAR_API_KEY', 'X_2'])).toBe('unset LINEAR_API_KEY X_2\ncodex app-server');
  });
});

describe('§17.5 startup and turn payloads match the Codex 0.169 schema', () => {
  it('the schema validator rejects what Codex would reject', () => {
    expect(schema.validateClientMessage({ id: 1, method: 'turn/start', params: { threadId: 't' } })).not.toEqual([]);
    expect(schema.validateClientMessage({ id: 1, method: 'thread/start', params: { approvalPolicy: 'sometimes' } })).not.toEqual([]);
    expect(schema.validateClientMessage({ id: 1, method: 'no/such/method', params: {} })).not.toEqual([]);
    expect(schema.validateClientMessage({ id: 0, result: { decision: 'maybe' } }, 'item/commandExecution/requestApproval')).not.toEqual([]);
    expect(schema.validateClientMessage({ id: 0, result: {} })).not.toEqual([]);
  });

  it('client identity/capability payload is valid (initialize, initialized)', () => {
    const init = { id: 1, method: 'initialize', params: initializeParams({ name: 'symphony-ts', version: '0.1.0' }) };
    expect(init.params).toEqual({ clientInfo: { name: 'symphony-ts', version: '0.1.0' }, capabilities: { experimentalApi: true } });
    expect(schema.validateClientMessage(init)).toEqual([]);
    expect(schema.validateClientMessage({ method: 'initialized' })).toEqual([]);
  });

  it('§17.5 policy-related startup payloads carry the configured approval policy, sandbox, cwd and tools', () => {
    for (const approvalPolicy of ['never', 'untrusted', DEFAULT_APPROVAL_POLICY]) {
      const params = threadStartParams({ approvalPolicy, threadSandbox: 'workspace-write', cwd: '/ws/ABC-1', tools: [tool] });
      expect(params).toEqual({
        approvalPolicy,
        sandbox: 'workspace-write',
        cwd: '/ws/ABC-1',
        dynamicTools: [{ type: 'function', name: tool.name, description: tool.description, inputSchema: tool.inputSchema }],
      });
      expect(schema.validateClientMessage({ id: 2, method: 'thread/start', params })).toEqual([]);
    }
    expect(threadStartParams({ approvalPolicy: 'never', threadSandbox: 'read-only', cwd: '/w', tools: [] })).not.toHaveProperty('dynamicTools');
  });

  it('turn/start sends the text input, cwd, policy and a derived sandbox policy; the title goes to thread/name/set', () => {
    for (const mode of ['workspace-write', 'read-only', 'danger-full-access']) {
      const params = turnStartParams({ threadId: 't1', text: 'Fix ABC-1', cwd: '/ws/ABC-1', approvalPolicy: 'never', sandboxPolicy: defaultTurnSandboxPolicy(mode, '/ws/ABC-1') });
      expect(schema.validateClientMessage({ id: 3, method: 'turn/start', params })).toEqual([]);
    }
    expect(defaultTurnSandboxPolicy('workspace-write', '/ws/ABC-1')).toEqual({ type: 'workspaceWrite', writableRoots: ['/ws/ABC-1'] });
    expect(defaultTurnSandboxPolicy('something-new', '/w')).toBeNull();
    expect(turnStartParams({ threadId: 't', text: 'x', cwd: '/w', approvalPolicy: 'never', sandboxPolicy: null })).not.toHaveProperty('sandboxPolicy');
    expect(schema.validateClientMessage({ id: 4, method: 'thread/name/set', params: threadSetNameParams('t1', 'ABC-1: Fix it') })).toEqual([]);
  });
});

describe('§17.5 server requests are answered per the documented posture', () => {
  const context = (posture: 'auto_approve' | 'reject'): DecisionContext => ({ posture, advertisedTools: new Set(['linear_graphql']), nowMs: 1_700_000_000_500 });
  const validResponse = (method: string, result: unknown): void => {
    expect(schema.validateClientMessage({ id: 0, result }, method)).toEqual([]);
  };

  it('auto-approves only under approval policy "never"', () => {
    expect(approvalPosture('never')).toBe('auto_approve');
    expect(approvalPosture('untrusted')).toBe('reject');
    expect(approvalPosture('on-request')).toBe('reject');
    expect(approvalPosture(DEFAULT_APPROVAL_POLICY)).toBe('reject');
  });

  it('command/file-change approvals: accept for session under "never", decline otherwise; answers are schema-valid', () => {
    const approvals = [
      ServerRequestMethod.commandApproval,
      ServerRequestMethod.fileChangeApproval,
      ServerRequestMethod.permissionsApproval,
      ServerRequestMethod.legacyExecApproval,
      ServerRequestMethod.legacyPatchApproval,
    ];
    for (const method of approvals) {
      const yes = decideServerRequest(method, { command: 'touch x', permissions: { network: { enabled: true } } }, context('auto_approve'));
      const no = decideServerRequest(method, { command: 'touch x' }, context('reject'));
      expect(yes).toMatchObject({ kind: 'answer', event: 'approval_auto_approved' });
      expect(no).toMatchObject({ kind: 'answer', event: 'approval_rejected' });
      if (yes.kind === 'answer' && no.kind === 'answer') {
        validResponse(method, yes.result);
        validResponse(method, no.result);
      }
    }
    expect(decideServerRequest(ServerRequestMethod.commandApproval, {}, context('auto_approve'))).toMatchObject({ result: { decision: 'acceptForSession' } });
    expect(decideServerRequest(ServerRequestMethod.commandApproval, { availableDecisions: ['accept', 'cancel'] }, context('auto_approve'))).toMatchObject({ result: { decision: 'accept' } });
    expect(decideServerRequest(ServerRequestMethod.commandApproval, {}, context('reject'))).toMatchObject({ result: { decision: 'decline' } });
  });

  it('user input: empty answers, turn_input_required; MCP elicitation: declined', () => {
    const input = decideServerRequest(ServerRequestMethod.userInput, { questions: [] }, context('auto_approve'));
    expect(input).toMatchObject({ kind: 'input_required', result: { answers: {} } });
    if (input.kind === 'input_required') validResponse(ServerRequestMethod.userInput, input.result);
    const elicitation = decideServerRequest(ServerRequestMethod.mcpElicitation, {}, context('auto_approve'));
    expect(elicitation).toMatchObject({ kind: 'answer', result: { action: 'decline' }, event: 'approval_rejected' });
    if (elicitation.kind === 'answer') validResponse(ServerRequestMethod.mcpElicitation, elicitation.result);
  });

  it('dynamic tool calls: advertised tools run; unknown names get a schema-valid failure result', () => {
    expect(decideServerRequest(ServerRequestMethod.toolCall, { tool: 'linear_graphql', arguments: { query: '{viewer{id}}' } }, context('reject'))).toEqual({
      kind: 'tool_call',
      tool: 'linear_graphql',
      arguments: { query: '{viewer{id}}' },
    });
    for (const params of [{ tool: 'rm_rf', arguments: {} }, { tool: 'linear_graphql', namespace: 'other', arguments: {} }, {}]) {
      const decision = decideServerRequest(ServerRequestMethod.toolCall, params, context('auto_approve'));
      expect(decision).toMatchObject({ kind: 'unsupported_tool', result: { success: false } });
      if (decision.kind === 'unsupported_tool') validResponse(ServerRequestMethod.toolCall, decision.result);
    }
  });

  it('currentTime/read is answered; anything else gets -32601', () => {
    const time = decideServerRequest(ServerRequestMethod.currentTime, {}, context('reject'));
    expect(time).toMatchObject({ kind: 'answer', result: { currentTimeAt: 1_700_000_000 } });
    if (time.kind === 'answer') validResponse(ServerRequestMethod.currentTime, time.result);
    for (const method of ['account/chatgptAuthTokens/refresh', 'attestation/generate', 'made/up']) {
      expect(decideServerRequest(method, {}, context('auto_approve'))).toMatchObject({ kind: 'error', error: { code: -32601 } });
    }
  });
});

describe('§13.5 telemetry extraction', () => {
  it('reads absolute totals from tokenUsage.total and never from last', () => {
    const params = {
      tokenUsage: {
        total: { inputTokens: 300, outputTokens: 20, totalTokens: 320, cachedInputTokens: 0, reasoningOutputTokens: 0 },
        last: { inputTokens: 200, outputTokens: 10, totalTokens: 210, cachedInputTokens: 0, reasoningOutputTokens: 0 },
      },
    };
    expect(extractTokenTotals(params)).toEqual({ inputTokens: 300, outputTokens: 20, totalTokens: 320 });
    expect(extractTokenTotals({ tokenUsage: { last: { inputTokens: 5, outputTokens: 5, totalTokens: 10 } } })).toBeNull();
    expect(extractTokenTotals({ tokenUsage: { total: { input_tokens: 7, output_tokens: 3 } } })).toEqual({ inputTokens: 7, outputTokens: 3, totalTokens: 10 });
  });

  it('keeps a per-field high-water mark', () => {
    expect(maxTotals({ inputTokens: 10, outputTokens: 5, totalTokens: 15 }, { inputTokens: 8, outputTokens: 9, totalTokens: 17 })).toEqual({ inputTokens: 10, outputTokens: 9, totalTokens: 17 });
  });

  it('reads the turn status enum and error message of turn/completed', () => {
    expect(readCompletedTurn({ turn: { id: 'u1', status: 'failed', error: { message: 'model exploded' } } })).toEqual({ turnId: 'u1', status: 'failed', errorMessage: 'model exploded' });
    expect(readCompletedTurn({})).toEqual({ turnId: null, status: 'unknown', errorMessage: null });
  });

  it('summarizes notifications in one short line', () => {
    expect(summarizeNotification('item/started', { item: { type: 'commandExecution' } })).toBe('item/started: commandExecution');
    expect(summarizeNotification('error', { error: { message: 'stream\ndisconnected' } })).toBe('error: stream disconnected');
    expect(summarizeNotification('x'.repeat(300), {}).length).toBeLessThanOrEqual(200);
  });
});
