/**
 * The operator desk on a manual clock: FIFO presentation, answers to the right request id, the
 * held silence timer, the operator timeout, and teardown.
 */
import { describe, expect, it } from 'vitest';
import { OperatorDesk, type OperatorEventName } from '../../src/runner/app-server/operator-desk.js';
import { describeOperatorRequest, type OperatorRequestDraft } from '../../src/runner/app-server/operator-requests.js';
import { TurnWatch } from '../../src/runner/app-server/turn-watch.js';
import type { PendingOperatorRequest } from '../../src/domain/operator.js';
import { ManualClock } from '../support/manual-clock.js';

const TURN_TIMEOUT_MS = 1_000;
const OPERATOR_TIMEOUT_MS = 60_000;

const commandParams = { threadId: 't', turnId: 'u', itemId: 'i', startedAtMs: 0, command: 'touch approved.txt', cwd: '/ws' };
const inputParams = { threadId: 't', turnId: 'u', itemId: 'q', isBlocking: true, questions: [{ id: 'q1', header: 'Q', question: 'Which?', options: [{ label: 'a', description: '' }] }] };

function draft(method: string, params: unknown): OperatorRequestDraft {
  const described = describeOperatorRequest(method, params);
  if (described === null) throw new Error(method);
  return described;
}

function setup() {
  const clock = new ManualClock();
  const timers = clock;
  const responses: { id: string | number; result: unknown }[] = [];
  const events: { event: OperatorEventName; message: string; request: PendingOperatorRequest }[] = [];
  const desk = new OperatorDesk({
    timeoutMs: OPERATOR_TIMEOUT_MS,
    timers,
    now: () => clock.now(),
    respond: (id, result) => responses.push({ id, result }),
    emit: (event, fields) => events.push({ event, message: fields.message, request: fields.operatorRequest }),
  });
  const watch = new TurnWatch(TURN_TIMEOUT_MS, timers);
  watch.bind('u');
  let failure: unknown = null;
  watch.result.catch((error: unknown) => {
    failure = error;
  });
  return { clock, desk, watch, responses, events, failure: () => failure };
}

/** Lets the watch's rejection handler run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('OperatorDesk', () => {
  it('presents the request, holds the silence timer while it waits, and answers that very id', async () => {
    const t = setup();
    t.clock.advance(5);
    t.desk.enqueue('appr-1', commandParams, draft('item/commandExecution/requestApproval', commandParams), t.watch);
    expect(t.events.map((e) => e.event)).toEqual(['operator_waiting']);
    expect(t.desk.waiting).toMatchObject({ command: 'touch approved.txt', cwd: '/ws', sinceMs: t.clock.now(), deadlineMs: t.clock.now() + OPERATOR_TIMEOUT_MS });

    t.clock.advance(TURN_TIMEOUT_MS * 10); // far past the silence limit: held, so no turn_timeout
    await settle();
    expect(t.failure()).toBeNull();

    expect(t.desk.answer({ decision: 'acceptForSession' })).toEqual({ ok: true });
    expect(t.responses).toEqual([{ id: 'appr-1', result: { decision: 'acceptForSession' } }]);
    expect(t.events.map((e) => [e.event, e.message])).toEqual([
      ['operator_waiting', 'waiting for an operator: touch approved.txt'],
      ['operator_answered', 'acceptForSession'],
    ]);
    expect(t.desk.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });

    t.clock.advance(TURN_TIMEOUT_MS); // released: the silence timer runs again
    await settle();
    expect(t.failure()).toMatchObject({ code: 'turn_timeout' });
  });

  it('an invalid answer is rejected and the request keeps waiting', () => {
    const t = setup();
    t.desk.enqueue(3, inputParams, draft('item/tool/requestUserInput', inputParams), t.watch);
    expect(t.desk.answer({ answers: { q1: ['z'] } })).toEqual({ ok: false, code: 'invalid_answer', message: 'question q1: z is not one of a' });
    expect(t.desk.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'invalid_answer' });
    expect(t.responses).toEqual([]);
    expect(t.desk.waiting?.kind).toBe('user_input');
    expect(t.desk.answer({ answers: { q1: ['a'] } })).toEqual({ ok: true });
    expect(t.responses).toEqual([{ id: 3, result: { answers: { q1: { answers: ['a'] } } } }]);
    expect(t.events.at(-1)).toMatchObject({ event: 'operator_answered', message: 'answers to 1 question(s)' });
  });

  it('several requests are served first in, first out; each is presented when it becomes the oldest', () => {
    const t = setup();
    t.desk.enqueue('a', commandParams, draft('item/commandExecution/requestApproval', commandParams), t.watch);
    t.clock.advance(1_000);
    t.desk.enqueue('b', inputParams, draft('item/tool/requestUserInput', inputParams), t.watch);
    expect(t.events.map((e) => e.event)).toEqual(['operator_waiting']);
    expect(t.desk.waiting?.method).toBe('item/commandExecution/requestApproval');
    expect(t.desk.answer({ answers: { q1: ['a'] } })).toMatchObject({ code: 'invalid_answer' }); // meant for the second one
    t.clock.advance(1_000);
    expect(t.desk.answer({ decision: 'decline' })).toEqual({ ok: true });
    expect(t.events.map((e) => e.event)).toEqual(['operator_waiting', 'operator_answered', 'operator_waiting']);
    const second = t.events.at(-1)!.request;
    expect(second).toMatchObject({ kind: 'user_input', sinceMs: Date.UTC(2026, 0, 1) + 1_000, deadlineMs: t.clock.now() + OPERATOR_TIMEOUT_MS });
    expect(t.desk.answer({ answers: { q1: ['a'] } })).toEqual({ ok: true });
    expect(t.responses.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('timeout: the request is answered anyway, operator_timeout is emitted, the turn fails with operator_timeout', async () => {
    const t = setup();
    t.desk.enqueue('a', commandParams, draft('item/commandExecution/requestApproval', commandParams), t.watch);
    t.desk.enqueue('b', inputParams, draft('item/tool/requestUserInput', inputParams), t.watch);
    t.clock.advance(OPERATOR_TIMEOUT_MS - 1);
    await settle();
    expect(t.failure()).toBeNull();
    t.clock.advance(1);
    await settle();
    expect(t.responses).toEqual([
      { id: 'a', result: { decision: 'cancel' } },
      { id: 'b', result: { answers: {} } },
    ]);
    expect(t.events.map((e) => e.event)).toEqual(['operator_waiting', 'operator_timeout']);
    expect(t.failure()).toMatchObject({
      code: 'operator_timeout',
      message: `item/commandExecution/requestApproval (touch approved.txt) got no operator answer within ${OPERATOR_TIMEOUT_MS} ms`,
    });
    expect(t.desk.size).toBe(0);
    expect(t.clock.pending()).toEqual([]);
    expect(t.desk.answer({ decision: 'accept' })).toMatchObject({ code: 'nothing_waiting' });
  });

  it('turn end answers what still waits; abandon (session gone) writes nothing and clears the timer', () => {
    const t = setup();
    t.desk.enqueue('a', commandParams, draft('item/commandExecution/requestApproval', commandParams), t.watch);
    t.desk.settle();
    expect(t.responses).toEqual([{ id: 'a', result: { decision: 'cancel' } }]);
    expect(t.clock.pending().length).toBe(1); // only the released watch's silence timer

    const u = setup();
    u.desk.enqueue('a', commandParams, draft('item/commandExecution/requestApproval', commandParams), u.watch);
    u.desk.abandon();
    u.desk.settle();
    expect(u.responses).toEqual([]);
    expect(u.clock.pending()).toEqual([]);
    expect(u.desk.answer({ decision: 'accept' })).toMatchObject({ code: 'nothing_waiting' });
    u.desk.enqueue('b', commandParams, draft('item/commandExecution/requestApproval', commandParams), u.watch);
    expect(u.events.map((e) => e.event)).toEqual(['operator_waiting']);
  });
});
