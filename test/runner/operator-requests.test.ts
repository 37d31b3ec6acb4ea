/**
 * Operator intervention, pure part: which requests wait for an operator, what is offered, how
 * answers are checked, and the exact responses (validated against the Codex 0.169 schema).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APPROVAL_POLICY } from '../../src/config/types.js';
import { describeOperatorRequest, operatorResponse, unansweredResponse, type OperatorRequestDraft } from '../../src/runner/app-server/operator-requests.js';
import { approvalPosture, decideServerRequest, ServerRequestMethod, type DecisionContext } from '../../src/runner/app-server/server-requests.js';
import { APPROVAL_DECISIONS } from '../../src/domain/operator.js';
import { loadClientMessageValidator, type ClientMessageValidator } from '../support/codex-schema.js';

let schema: ClientMessageValidator;
beforeAll(async () => {
  schema = await loadClientMessageValidator();
});

function valid(method: string, result: unknown): void {
  expect(schema.validateClientMessage({ id: 1, result }, method)).toEqual([]);
}

const ids = { threadId: 't', turnId: 'u', itemId: 'i', startedAtMs: 0 };
const commandParams = { ...ids, command: 'touch approved.txt', cwd: '/ws/ABC-1', reason: 'write a file' };
const permissionParams = { ...ids, cwd: '/ws/ABC-1', permissions: { network: { enabled: true }, fileSystem: { write: ['/tmp/out'] } }, reason: null };
const legacyExecParams = { conversationId: 't', callId: 'c', command: ['make', 'test'], cwd: '/ws/ABC-1', parsedCmd: [] };
const legacyPatchParams = { conversationId: 't', callId: 'c', fileChanges: { 'README.md': { type: 'add', content: 'x' } } };
const inputParams = {
  ...ids,
  isBlocking: true,
  questions: [
    { id: 'color', header: 'Color', question: 'Which color?', options: [{ label: 'red', description: 'warm' }, { label: 'blue', description: 'cold' }] },
    { id: 'other', header: 'More', question: 'Anything else?', options: [{ label: 'no', description: '' }], isOther: true },
    { id: 'token', header: 'Token', question: 'Paste it', options: null, isSecret: true },
  ],
};

function draft(method: string, params: unknown): OperatorRequestDraft {
  const described = describeOperatorRequest(method, params);
  if (described === null) throw new Error(`${method} is not an operator request`);
  return described;
}

describe('describeOperatorRequest', () => {
  it('a command approval shows the command, cwd, reason and the offered decisions', () => {
    expect(draft(ServerRequestMethod.commandApproval, commandParams)).toEqual({
      kind: 'approval',
      method: ServerRequestMethod.commandApproval,
      summary: 'touch approved.txt',
      command: 'touch approved.txt',
      cwd: '/ws/ABC-1',
      reason: 'write a file',
      decisions: APPROVAL_DECISIONS,
      questions: [],
    });
  });

  it('command decisions are availableDecisions ∩ the four string decisions (object decisions are not offered)', () => {
    const offered = ['decline', { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['touch'] } }, 'accept'];
    expect(draft(ServerRequestMethod.commandApproval, { ...commandParams, availableDecisions: offered }).decisions).toEqual(['accept', 'decline']);
    expect(draft(ServerRequestMethod.commandApproval, { ...commandParams, availableDecisions: null }).decisions).toEqual(APPROVAL_DECISIONS);
  });

  it('file change, permissions and legacy approvals', () => {
    expect(draft(ServerRequestMethod.fileChangeApproval, { ...ids, grantRoot: '/ws' })).toMatchObject({ summary: 'file change (write access under /ws)', decisions: APPROVAL_DECISIONS, command: null });
    expect(draft(ServerRequestMethod.permissionsApproval, permissionParams)).toMatchObject({
      summary: 'permissions: network access; write /tmp/out',
      cwd: '/ws/ABC-1',
      decisions: ['accept', 'acceptForSession', 'decline'],
    });
    expect(draft(ServerRequestMethod.legacyExecApproval, legacyExecParams)).toMatchObject({ command: 'make test', cwd: '/ws/ABC-1', decisions: APPROVAL_DECISIONS });
    expect(draft(ServerRequestMethod.legacyPatchApproval, legacyPatchParams)).toMatchObject({ summary: 'file change: README.md', decisions: APPROVAL_DECISIONS });
  });

  it('user input: questions with options (null → []), isOther and isSecret; the first question is the summary', () => {
    const request = draft(ServerRequestMethod.userInput, inputParams);
    expect(request).toMatchObject({ kind: 'user_input', summary: 'Which color? (+2 more)', decisions: [], command: null });
    expect(request.questions).toEqual([
      { id: 'color', header: 'Color', question: 'Which color?', options: [{ label: 'red', description: 'warm' }, { label: 'blue', description: 'cold' }], isOther: false, isSecret: false },
      { id: 'other', header: 'More', question: 'Anything else?', options: [{ label: 'no', description: '' }], isOther: true, isSecret: false },
      { id: 'token', header: 'Token', question: 'Paste it', options: [], isOther: false, isSecret: true },
    ]);
  });

  it('other requests are not for an operator', () => {
    for (const method of [ServerRequestMethod.mcpElicitation, ServerRequestMethod.toolCall, ServerRequestMethod.currentTime, 'made/up']) {
      expect(describeOperatorRequest(method, {})).toBeNull();
    }
  });
});

describe('operator answers → exact protocol responses (schema-validated)', () => {
  it.each(APPROVAL_DECISIONS)('command / file change decision %s is sent as-is', (decision) => {
    for (const [method, params] of [[ServerRequestMethod.commandApproval, commandParams], [ServerRequestMethod.fileChangeApproval, ids]] as const) {
      const response = operatorResponse(draft(method, params), params, { decision });
      expect(response).toEqual({ ok: true, result: { decision }, said: decision });
      if (response.ok) valid(method, response.result);
    }
  });

  it.each([
    ['accept', { permissions: permissionParams.permissions, scope: 'turn' }],
    ['acceptForSession', { permissions: permissionParams.permissions, scope: 'session' }],
    ['decline', { permissions: {}, scope: 'turn' }],
  ] as const)('permissions decision %s', (decision, result) => {
    const response = operatorResponse(draft(ServerRequestMethod.permissionsApproval, permissionParams), permissionParams, { decision });
    expect(response).toEqual({ ok: true, result, said: decision });
    valid(ServerRequestMethod.permissionsApproval, result);
  });

  it.each([
    ['accept', 'approved'],
    ['acceptForSession', 'approved_for_session'],
    ['decline', { denied: { rejection: 'declined by the Symphony operator' } }],
    ['cancel', 'abort'],
  ] as const)('legacy decision %s → ReviewDecision %j', (decision, review) => {
    for (const [method, params] of [[ServerRequestMethod.legacyExecApproval, legacyExecParams], [ServerRequestMethod.legacyPatchApproval, legacyPatchParams]] as const) {
      const response = operatorResponse(draft(method, params), params, { decision });
      expect(response).toEqual({ ok: true, result: { decision: review }, said: decision });
      if (response.ok) valid(method, response.result);
    }
  });

  it('rejects decisions that are not offered, and answers of the wrong shape', () => {
    const limited = { ...commandParams, availableDecisions: ['accept', 'decline'] };
    const request = draft(ServerRequestMethod.commandApproval, limited);
    expect(operatorResponse(request, limited, { decision: 'cancel' })).toEqual({ ok: false, message: 'decision cancel is not offered for this request; allowed: accept, decline' });
    expect(operatorResponse(request, limited, { decision: 'maybe' })).toMatchObject({ ok: false });
    expect(operatorResponse(request, limited, { answers: { q: ['x'] } })).toMatchObject({ ok: false, message: expect.stringContaining('approval') });
    expect(operatorResponse(draft(ServerRequestMethod.permissionsApproval, permissionParams), permissionParams, { decision: 'cancel' })).toMatchObject({ ok: false });
    for (const junk of [null, 'accept', 42, [], { decision: 1 }]) expect(operatorResponse(request, limited, junk)).toMatchObject({ ok: false });
  });

  it('user input: every question answered with strings; labels enforced unless isOther or no options', () => {
    const request = draft(ServerRequestMethod.userInput, inputParams);
    const response = operatorResponse(request, inputParams, { answers: { color: ['blue'], other: ['something new'], token: ['s3cr3t'] } });
    expect(response).toEqual({
      ok: true,
      result: { answers: { color: { answers: ['blue'] }, other: { answers: ['something new'] }, token: { answers: ['s3cr3t'] } } },
      said: 'answers to 3 question(s)',
    });
    if (response.ok) valid(ServerRequestMethod.userInput, response.result);
  });

  it.each([
    ['a label that is not offered', { color: ['green'], other: ['no'], token: ['x'] }, 'green is not one of red, blue'],
    ['a missing question', { color: ['red'], other: ['no'] }, 'question token needs a non-empty list of strings'],
    ['an empty list', { color: [], other: ['no'], token: ['x'] }, 'question color needs'],
    ['a non-string', { color: [1], other: ['no'], token: ['x'] }, 'question color needs'],
    ['an unknown id', { color: ['red'], other: ['no'], token: ['x'], extra: ['y'] }, 'no question has id extra'],
  ])('user input: rejects %s', (_label, answers, message) => {
    expect(operatorResponse(draft(ServerRequestMethod.userInput, inputParams), inputParams, { answers })).toEqual({ ok: false, message: expect.stringContaining(message) });
  });

  it('user input: a decision is the wrong shape', () => {
    expect(operatorResponse(draft(ServerRequestMethod.userInput, inputParams), inputParams, { decision: 'accept' })).toMatchObject({ ok: false, message: expect.stringContaining('"answers"') });
  });

  it('unanswered requests: cancel where offered, else decline; user input gets no answers (all schema-valid)', () => {
    const cases = [
      [ServerRequestMethod.commandApproval, commandParams, { decision: 'cancel' }],
      [ServerRequestMethod.commandApproval, { ...commandParams, availableDecisions: ['accept', 'decline'] }, { decision: 'decline' }],
      [ServerRequestMethod.fileChangeApproval, ids, { decision: 'cancel' }],
      [ServerRequestMethod.permissionsApproval, permissionParams, { permissions: {}, scope: 'turn' }],
      [ServerRequestMethod.legacyExecApproval, legacyExecParams, { decision: 'abort' }],
      [ServerRequestMethod.legacyPatchApproval, legacyPatchParams, { decision: 'abort' }],
      [ServerRequestMethod.userInput, inputParams, { answers: {} }],
    ] as const;
    for (const [method, params, result] of cases) {
      expect(unansweredResponse(draft(method, params), params).result).toEqual(result);
      valid(method, result);
    }
  });
});

describe('§10.5 posture with an operator channel', () => {
  const context = (approvalPolicy: string | Record<string, unknown>, operatorChannel: boolean): DecisionContext => ({
    posture: approvalPosture(approvalPolicy),
    operatorChannel,
    advertisedTools: new Set(),
    nowMs: 0,
  });
  const approvals = [
    [ServerRequestMethod.commandApproval, commandParams],
    [ServerRequestMethod.fileChangeApproval, ids],
    [ServerRequestMethod.permissionsApproval, permissionParams],
    [ServerRequestMethod.legacyExecApproval, legacyExecParams],
    [ServerRequestMethod.legacyPatchApproval, legacyPatchParams],
  ] as const;

  it('approvals wait for an operator under any policy but never; under never they are auto-approved', () => {
    for (const [method, params] of approvals) {
      for (const policy of ['untrusted', 'on-request', DEFAULT_APPROVAL_POLICY]) {
        expect(decideServerRequest(method, params, context(policy, true))).toMatchObject({ kind: 'operator', request: { kind: 'approval', method } });
      }
      expect(decideServerRequest(method, params, context('never', true))).toMatchObject({ kind: 'answer', event: 'approval_auto_approved' });
      expect(decideServerRequest(method, params, context('untrusted', false))).toMatchObject({ kind: 'answer', event: 'approval_rejected' });
    }
  });

  it('user input waits for an operator under any policy when a channel exists, else fails the turn', () => {
    for (const policy of ['never', 'untrusted']) {
      expect(decideServerRequest(ServerRequestMethod.userInput, inputParams, context(policy, true))).toMatchObject({ kind: 'operator', request: { kind: 'user_input' } });
      expect(decideServerRequest(ServerRequestMethod.userInput, inputParams, context(policy, false))).toMatchObject({ kind: 'input_required' });
    }
  });

  it('MCP elicitation is still declined (no form renders an arbitrary JSON schema)', () => {
    const decision = decideServerRequest(ServerRequestMethod.mcpElicitation, {}, context('untrusted', true));
    expect(decision).toMatchObject({ kind: 'answer', result: { action: 'decline' }, event: 'approval_rejected' });
  });
});
