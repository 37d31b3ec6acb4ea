/**
 * Claude Code permission prompts and questions with an operator channel (SPEC §17 for the Claude
 * runtime): real Claude Code, fake Anthropic server. Approvals wait for `answer`; decline lets the
 * turn go on, cancel fails it with `turn_cancelled`, no answer fails it with `operator_timeout`;
 * `AskUserQuestion` becomes a `user_input` request.
 */
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaudeSession } from '../../src/runner/claude/session.js';
import { startTestClaude, type TestClaudeOverrides } from '../support/fake-anthropic/claude-session.js';
import { startFakeAnthropic, type AnthropicScript, type FakeAnthropic } from '../support/fake-anthropic/index.js';
import { EventLog, makeWorkspace, type TestWorkspace } from './helpers.js';

const models: FakeAnthropic[] = [];
const sessions: ClaudeSession[] = [];
const workspaces: TestWorkspace[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.stop();
  for (const model of models.splice(0)) await model.close();
  for (const ws of workspaces.splice(0)) await ws.cleanup();
});

async function start(script: AnthropicScript, overrides: TestClaudeOverrides = {}): Promise<{ model: FakeAnthropic; ws: TestWorkspace; log: EventLog; session: ClaudeSession }> {
  const model = await startFakeAnthropic(script);
  models.push(model);
  const ws = await makeWorkspace();
  workspaces.push(ws);
  const log = new EventLog();
  const session = await startTestClaude(model, ws, log, { operatorChannel: true, ...overrides, config: { approvalPolicy: 'ask', ...overrides.config } });
  sessions.push(session);
  return { model, ws, log, session };
}

/** Runs `touch <file>` in a turn asking for it, then answers `done`; other turns just answer. */
const touchScript =
  (file: string): AnthropicScript =>
  (request) =>
    request.stepInTurn === 0 && request.lastUserText.includes('Touch') ? { type: 'tool_use', name: 'Bash', input: { command: `touch ${file}`, description: 'Create the file' } } : { type: 'text', text: 'done' };

describe('Claude Code runtime: approvals wait for an operator', () => {
  it('presents a Bash prompt with its command and cwd; decline tells the model and the turn goes on', async () => {
    const { model, ws, log, session } = await start(touchScript('declined.txt'));
    const turn = session.runTurn({ text: 'Touch the file.', title: 'OP-1' });
    const waiting = await log.waitFor('operator_waiting');
    expect(waiting.operatorRequest).toMatchObject({ kind: 'approval', method: 'can_use_tool', command: 'touch declined.txt', cwd: await realpath(ws.workspace), reason: 'Create the file', summary: 'touch declined.txt' });
    expect(waiting.operatorRequest?.decisions).toEqual(['accept', 'acceptForSession', 'decline', 'cancel']);
    expect(waiting.activity).toMatchObject({ kind: 'operator', phase: 'waiting', command: 'touch declined.txt' });
    expect(session.answer({ answers: { q1: ['x'] } })).toMatchObject({ ok: false, code: 'invalid_answer' });
    expect(session.answer({ decision: 'decline' })).toEqual({ ok: true });
    await expect(turn).resolves.toMatchObject({ sessionId: expect.any(String) });
    expect(log.named('operator_answered')).toHaveLength(1);
    expect(existsSync(path.join(ws.workspace, 'declined.txt'))).toBe(false);
    expect(model.requests.at(-1)?.toolResults.at(-1)).toMatchObject({ isError: true, text: expect.stringContaining('declined by the Symphony operator') });
    expect(session.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });
  });

  it('acceptForSession keeps the same command from asking again in the session', async () => {
    const { ws, log, session } = await start((request) =>
      request.stepInTurn < 2 ? { type: 'tool_use', name: 'Bash', input: { command: 'touch twice.txt', description: 'Create the file' } } : { type: 'text', text: 'done' },
    );
    const turn = session.runTurn({ text: 'Touch it twice.', title: 'OP-2' });
    await log.waitFor('operator_waiting');
    expect(session.answer({ decision: 'acceptForSession' })).toEqual({ ok: true });
    await turn;
    expect(log.named('operator_waiting')).toHaveLength(1);
    expect(existsSync(path.join(ws.workspace, 'twice.txt'))).toBe(true);
  });

  it('cancel interrupts the turn: it fails with turn_cancelled', async () => {
    const { log, session } = await start(touchScript('cancelled.txt'));
    const turn = session.runTurn({ text: 'Touch the file.', title: 'OP-3' });
    await log.waitFor('operator_waiting');
    expect(session.answer({ decision: 'cancel' })).toEqual({ ok: true });
    await expect(turn).rejects.toMatchObject({ code: 'turn_cancelled' });
    expect(log.named('turn_cancelled')).toHaveLength(1);
  });

  it('an unanswered prompt fails the turn with operator_timeout; the next turn still runs', async () => {
    const { log, session } = await start(touchScript('late.txt'), { operatorTimeoutMs: 300 });
    await expect(session.runTurn({ text: 'Touch the file.', title: 'OP-4' })).rejects.toMatchObject({ code: 'operator_timeout' });
    expect(log.named('operator_timeout')[0]?.operatorRequest).toMatchObject({ command: 'touch late.txt' });
    expect(session.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });
    await expect(session.runTurn({ text: 'Say hello.', title: 'OP-4' })).resolves.toMatchObject({ sessionId: expect.any(String) });
  });
});

describe('Claude Code runtime: AskUserQuestion', () => {
  const ask: AnthropicScript = (request) =>
    request.stepInTurn === 0
      ? { type: 'tool_use', name: 'AskUserQuestion', input: { questions: [{ question: 'Which color?', header: 'Color', multiSelect: false, options: [{ label: 'red', description: 'warm' }, { label: 'blue', description: 'cold' }] }] } }
      : { type: 'text', text: 'thanks' };

  it('becomes a user_input request; the answer reaches the model', async () => {
    const { model, log, session } = await start(ask);
    const turn = session.runTurn({ text: 'Ask me.', title: 'ASK-1' });
    const waiting = await log.waitFor('operator_waiting');
    expect(waiting.operatorRequest).toMatchObject({
      kind: 'user_input',
      summary: 'Which color?',
      questions: [{ id: 'q1', header: 'Color', question: 'Which color?', options: [{ label: 'red', description: 'warm' }, { label: 'blue', description: 'cold' }], isOther: true, isSecret: false }],
    });
    expect(session.answer({ answers: { q9: ['blue'] } })).toMatchObject({ ok: false, code: 'invalid_answer' });
    expect(session.answer({ answers: { q1: ['blue'] } })).toEqual({ ok: true });
    await turn;
    expect(model.requests.at(-1)?.toolResults.at(-1)?.text).toContain('blue');
  });

  it('without an operator channel fails the turn with turn_input_required', async () => {
    const { log, session } = await start(ask, { operatorChannel: false });
    await expect(session.runTurn({ text: 'Ask me.', title: 'ASK-2' })).rejects.toMatchObject({ code: 'turn_input_required' });
    expect(log.named('turn_input_required')).toHaveLength(1);
  });
});

describe('Claude Code runtime: postures without an operator', () => {
  it('deny declines every prompt at once and the turn goes on', async () => {
    const { ws, log, session } = await start(touchScript('denied.txt'), { operatorChannel: true, config: { approvalPolicy: 'deny' } });
    await session.runTurn({ text: 'Touch the file.', title: 'POS-1' });
    expect(log.named('operator_waiting')).toHaveLength(0);
    expect(log.named('approval_rejected')[0]?.activity).toMatchObject({ kind: 'approval', phase: 'failed', tool: 'Bash', command: 'touch denied.txt' });
    expect(existsSync(path.join(ws.workspace, 'denied.txt'))).toBe(false);
  });
});
