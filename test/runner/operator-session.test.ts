/**
 * Operator intervention in a live session against the scripted fake app-server: requests are
 * held open, answered on the same turn to the request's own id, time out, and are dropped cleanly
 * when the session stops. Every message the client sends is validated against the Codex schema.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAppServerSession, type AppServerSession, type AppServerSessionOptions } from '../../src/runner/app-server/session.js';
import { loadClientMessageValidator, type ClientMessageValidator, type ProtocolTranscript } from '../support/codex-schema.js';
import { EventLog, fakeServerCommand, makeWorkspace, sessionOptions, type TestWorkspace } from './helpers.js';

let schema: ClientMessageValidator;
beforeAll(async () => {
  schema = await loadClientMessageValidator();
});

let ws: TestWorkspace;
let log: EventLog;
let transcript: ProtocolTranscript;
let received: unknown[];
const sessions: AppServerSession[] = [];

beforeEach(async () => {
  ws = await makeWorkspace();
  log = new EventLog();
  transcript = schema.transcript();
  received = [];
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.stop()));
  expect(transcript.errors()).toEqual([]);
  await ws.cleanup();
});

async function start(scenario: string, overrides: Partial<AppServerSessionOptions> = {}): Promise<AppServerSession> {
  const session = await startAppServerSession(
    sessionOptions(ws, log, {
      command: fakeServerCommand(scenario),
      approvalPolicy: 'untrusted',
      operatorChannel: true,
      operatorTimeoutMs: 60_000,
      onSend: transcript.sent,
      onReceive: (message) => {
        received.push(message);
        transcript.received(message);
      },
      ...overrides,
    }),
  );
  sessions.push(session);
  return session;
}

/** What the fake server reported it got back (`fixture/answered`). */
function fixtureAnswered(): unknown {
  const note = received.find((message) => (message as { method?: string }).method === 'fixture/answered') as { params: unknown } | undefined;
  return note?.params;
}

const turn = { text: 'Fix ABC-1', title: 'ABC-1: Fix the thing' };

describe('operator intervention (fake app-server)', () => {
  it('§10.5 an approval waits for the operator; the answer goes to that request id and the same turn completes', async () => {
    const session = await start('approval-wait');
    const running = session.runTurn(turn);
    const waiting = await log.waitFor('operator_waiting');
    expect(waiting).toMatchObject({ sessionId: 'thread-1-turn-1', method: 'item/commandExecution/requestApproval' });
    expect(waiting.operatorRequest).toMatchObject({
      kind: 'approval',
      summary: 'touch approved.txt',
      command: 'touch approved.txt',
      cwd: '/work/ABC-1',
      reason: 'needs to write',
      decisions: ['accept', 'acceptForSession', 'decline', 'cancel'],
      questions: [],
    });
    expect(waiting.operatorRequest!.deadlineMs).toBeGreaterThan(waiting.operatorRequest!.sinceMs);

    expect(session.answer({ decision: 'accept' })).toEqual({ ok: true });
    const outcome = await running;
    expect(outcome).toMatchObject({ turnId: 'turn-1', status: 'completed', approvalsRejected: 0 });
    expect(transcript.sentMessages).toContainEqual({ id: 'approval-7', result: { decision: 'accept' } });
    expect(fixtureAnswered()).toEqual({ answer: { id: 'approval-7', result: { decision: 'accept' } } });
    expect(log.named('operator_answered')).toMatchObject([{ message: 'accept', sessionId: 'thread-1-turn-1' }]);
    expect(log.named('approval_rejected')).toEqual([]);
    expect(session.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });
  });

  it('an invalid answer is rejected and the request keeps waiting; a valid one then resumes the turn', async () => {
    const session = await start('user-input-wait');
    const running = session.runTurn(turn);
    const waiting = await log.waitFor('operator_waiting');
    expect(waiting.operatorRequest).toMatchObject({ kind: 'user_input', summary: 'Which color? (+1 more)', decisions: [] });
    expect(waiting.operatorRequest!.questions.map((question) => [question.id, question.options.map((option) => option.label), question.isSecret])).toEqual([
      ['color', ['red', 'blue'], false],
      ['name', [], true],
    ]);

    expect(session.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'invalid_answer' });
    expect(session.answer({ answers: { color: ['green'], name: ['Ada'] } })).toMatchObject({ ok: false, code: 'invalid_answer', message: expect.stringContaining('green') });
    expect(transcript.sentMessages.filter((message) => message.id === 'input-9')).toEqual([]);

    expect(session.answer({ answers: { color: ['blue'], name: ['Ada'] } })).toEqual({ ok: true });
    await expect(running).resolves.toMatchObject({ status: 'completed' });
    expect(fixtureAnswered()).toEqual({ answer: { id: 'input-9', result: { answers: { color: { answers: ['blue'] }, name: { answers: ['Ada'] } } } } });
    expect(log.named('operator_answered')).toMatchObject([{ message: 'answers to 2 question(s)' }]);
    expect(log.named('turn_input_required')).toEqual([]);
  });

  it('two requests are served in arrival order; the second is presented once the first is answered', async () => {
    const session = await start('two-approvals');
    const running = session.runTurn(turn);
    const first = await log.waitFor('operator_waiting');
    expect(first.operatorRequest).toMatchObject({ method: 'item/fileChange/requestApproval', reason: 'edit README' });
    expect(session.answer({ decision: 'acceptForSession' })).toEqual({ ok: true });
    const second = await log.waitFor('operator_waiting', (event) => event.operatorRequest?.method === 'execCommandApproval');
    expect(second.operatorRequest).toMatchObject({ command: 'make test', cwd: '/work/ABC-1' });
    expect(session.answer({ decision: 'decline' })).toEqual({ ok: true });
    await expect(running).resolves.toMatchObject({ status: 'completed' });
    expect(fixtureAnswered()).toEqual({
      answers: [
        { id: 'first', result: { decision: 'acceptForSession' } },
        { id: 'second', result: { decision: { denied: { rejection: 'declined by the Symphony operator' } } } },
      ],
    });
  });

  it('timeout: the request is answered anyway and the turn fails with operator_timeout — the silence timer (turn_timeout) does not fire while waiting', async () => {
    // The silence limit is far shorter than the operator timeout: were it not held, turn_timeout would win.
    const session = await start('approval-wait', { turnTimeoutMs: 1_000, operatorTimeoutMs: 3_000 });
    const failure = await session.runTurn(turn).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'operator_timeout', message: expect.stringMatching(/item\/commandExecution\/requestApproval \(touch approved\.txt\).*3000 ms/) });
    expect(transcript.sentMessages).toContainEqual({ id: 'approval-7', result: { decision: 'cancel' } });
    expect(log.named('operator_timeout')).toHaveLength(1);
    expect(log.named('operator_timeout')[0]?.operatorRequest?.command).toBe('touch approved.txt');
    expect(log.named('turn_ended_with_error')).toEqual([]);
    expect(session.answer({ decision: 'accept' })).toMatchObject({ code: 'nothing_waiting' });
  });

  it('stop while waiting: the turn ends with port_exit, nothing is written to the dead connection, a late answer finds nothing waiting', async () => {
    const session = await start('approval-wait');
    const running = expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'port_exit' });
    await log.waitFor('operator_waiting');
    await session.stop();
    await running;
    expect(session.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });
    expect(transcript.sentMessages.filter((message) => message.id === 'approval-7')).toEqual([]);
    expect(log.named('operator_answered')).toEqual([]);
    expect(log.named('operator_timeout')).toEqual([]);
  });

  it('approval policy never: approvals are auto-approved without waiting, even with an operator channel', async () => {
    const session = await start('approval-wait', { approvalPolicy: 'never' });
    await expect(session.runTurn(turn)).resolves.toMatchObject({ status: 'completed' });
    expect(log.named('operator_waiting')).toEqual([]);
    expect(log.named('approval_auto_approved')).toHaveLength(1);
    expect(transcript.sentMessages).toContainEqual({ id: 'approval-7', result: { decision: 'acceptForSession' } });
  });

  it('without an operator channel the old posture holds: approvals declined', async () => {
    const session = await start('approval-wait', { operatorChannel: false });
    await expect(session.runTurn(turn)).resolves.toMatchObject({ status: 'completed', approvalsRejected: 1 });
    expect(log.named('operator_waiting')).toEqual([]);
    expect(transcript.sentMessages).toContainEqual({ id: 'approval-7', result: { decision: 'decline' } });
  });
});
