/**
 * Resuming a Codex thread after a daemon restart (issue 9 item 2), against the real Codex 0.169
 * binary and the scripted fake model: a first app-server runs a turn and is killed with SIGKILL
 * (what a dying daemon leaves behind), a second one reopens the thread with `thread/resume` from
 * the same `CODEX_HOME`, and the model sees the earlier turn in its history. Every message our
 * client sends is validated against the generated schema.
 */
import { describe, expect, it } from 'vitest';
import type { AppServerSession } from '../../src/runner/app-server/session.js';
import type { AgentToolSpec } from '../../src/tracker/tracker.js';
import { realCodexSuite } from './codex-fixture.js';
import { descendantPids, groupAlive, processAlive } from './helpers.js';

const codex = realCodexSuite();

/** SIGKILLs the session's whole process tree (a daemon that died), then waits until every process of it is gone. */
async function killGroup(session: AppServerSession): Promise<void> {
  const pid = session.pid!;
  const tree = [pid, ...descendantPids(pid)];
  process.kill(-pid, 'SIGKILL');
  await session.stop();
  // Killed processes are reaped asynchronously; poll /proc with a bound rather than sleep.
  const deadline = Date.now() + 10_000;
  while (groupAlive(pid) || tree.some(processAlive)) {
    if (Date.now() > deadline) throw new Error(`app-server group ${pid} still alive after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Texts of every user message in a model request's input. */
function userTexts(input: readonly Record<string, unknown>[]): string[] {
  return input
    .filter((item) => item.type === 'message' && item.role === 'user')
    .flatMap((item) => (Array.isArray(item.content) ? (item.content as { text?: unknown }[]) : []))
    .map((part) => (typeof part.text === 'string' ? part.text : ''));
}

const lookupTool: AgentToolSpec = { name: 'lookup_issue', description: 'Look up an issue', inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } };
const firstPrompt = 'Work on ABC-1: the first prompt of the original run';
const title = 'ABC-1: Resume me';

describe('issue 9: a Codex thread resumed by a new app-server after the old one died', () => {
  it('thread/resume continues the same thread: same thread id, and the next model request carries the earlier turn', async () => {
    codex.script = (req) => ({ type: 'message', text: `answer to turn ${req.turnIndex}` });
    const first = await codex.start();
    await first.session.runTurn({ text: firstPrompt, title });
    const threadId = first.session.threadId;
    const threadStart = first.transcript.sentMessages.find((message) => message.method === 'thread/start');
    expect(threadStart?.params).not.toHaveProperty('ephemeral'); // the rollout stays on disk
    await killGroup(first.session);

    const before = codex.requests().length;
    const second = await codex.start({ resume: { threadId } });
    expect(second.session.threadId).toBe(threadId);
    const methods = second.transcript.sentMessages.map((message) => message.method).filter((method) => method !== undefined);
    expect(methods.slice(0, 3)).toEqual(['initialize', 'initialized', 'thread/resume']);
    expect(methods).not.toContain('thread/start');
    const resume = second.transcript.sentMessages.find((message) => message.method === 'thread/resume');
    expect(resume?.params).toMatchObject({ threadId, cwd: expect.any(String), approvalPolicy: 'never', sandbox: 'workspace-write' });

    const outcome = await second.session.runTurn({ text: 'The daemon restarted; carry on', title });
    expect(outcome.sessionId).toBe(`${threadId}-${outcome.turnId}`);
    const resumed = codex.requests()[before];
    expect(resumed?.lastUserText).toBe('The daemon restarted; carry on');
    expect(resumed?.turnIndex).toBe(1);
    expect(userTexts(resumed?.input ?? [])).toContain(firstPrompt);
    expect(resumed?.input.some((item) => item.type === 'message' && item.role === 'assistant' && JSON.stringify(item.content).includes('answer to turn 0'))).toBe(true);
    expect(codex.log.named('session_started').map((event) => event.threadId)).toEqual([threadId, threadId]);
    // Codex restores the thread's usage on resume (110 before the first turn, 220 after it); the
    // resumed session reports only what it used itself: that first run's tokens were counted already.
    const usage = codex.log.named('token_usage_updated').map((event) => event.usage);
    expect(usage.at(-1)).toEqual({ inputTokens: 100, outputTokens: 10, totalTokens: 110 });
    const sessionStart = codex.log.events.findLastIndex((event) => event.event === 'session_started');
    expect(codex.log.events.slice(0, sessionStart).filter((event) => event.event === 'token_usage_updated')).toHaveLength(1); // only the first run's
  });

  it('dynamic tools advertised at thread/start still reach the model and run host-side on the resumed thread', async () => {
    const calls: unknown[] = [];
    const executeTool = (name: string, args: unknown) => {
      calls.push({ name, args });
      return Promise.resolve({ success: true, text: 'ABC-1 is In Progress' });
    };
    codex.script = (req) => (req.turnIndex === 1 && req.stepInTurn === 0 ? { type: 'function_call', name: 'lookup_issue', arguments: { id: 'ABC-1' } } : { type: 'message', text: 'ok' });
    const first = await codex.start({ tools: [lookupTool], executeTool });
    await first.session.runTurn({ text: firstPrompt, title });
    await killGroup(first.session);

    const before = codex.requests().length;
    const second = await codex.start({ tools: [lookupTool], executeTool, resume: { threadId: first.session.threadId } });
    await second.session.runTurn({ text: 'Look the issue up again', title });
    expect(codex.requests()[before]?.toolNames).toContain('lookup_issue');
    expect(calls).toEqual([{ name: 'lookup_issue', args: { id: 'ABC-1' } }]);
    expect(second.transcript.serverRequests.map((request) => request.method)).toEqual(['item/tool/call']);
    expect(codex.requests().at(-1)?.toolOutputs.map((output) => output.output)).toContain('ABC-1 is In Progress');
  });

  it('resuming a thread Codex does not know rejects with resume_failed naming the thread id, and leaves no process', async () => {
    const unknown = '019a0000-0000-7000-8000-000000000000';
    await expect(codex.start({ resume: { threadId: unknown } })).rejects.toMatchObject({ code: 'resume_failed', message: expect.stringContaining(unknown) });
    const failed = codex.log.named('startup_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toMatch(/^resume_failed: .*019a0000-0000-7000-8000-000000000000/);
    const pid = failed[0]?.codexAppServerPid;
    expect(pid).toEqual(expect.any(Number));
    expect(groupAlive(pid!)).toBe(false);
    expect(codex.requests()).toEqual([]);
  });
});
