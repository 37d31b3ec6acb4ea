/**
 * The worker composition (`createWorkerStarter`) routes operator answers to the live session and
 * writes session logs under the logs root, with the workflow's `agent.operator_timeout_ms`.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import { createWorkerStarter } from '../../src/service/worker-factory.js';
import { workspaceKey } from '../../src/workspace/key.js';
import { loadWorkflow, TempDirs, writeWorkflow } from '../conformance/support.js';
import { MemoryTracker, memoryIssue } from '../support/memory-tracker.js';
import { deferred } from '../support/wait.js';
import { fakeAgentWorkflow } from './helpers.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

async function setup(operatorTimeoutMs: number) {
  const dir = await dirs.make('symphony-factory-');
  const file = await writeWorkflow(dir, fakeAgentWorkflow(dir, 'approval-wait', { codex: ['  approval_policy: untrusted'], agent: [`  operator_timeout_ms: ${operatorTimeoutMs}`] }));
  const workflow = await loadWorkflow(file, process.env);
  const issue = memoryIssue({ identifier: 'ABC/9', id: 'issue-9' });
  return { dir, workflow, issue, tracker: new MemoryTracker({ issues: [issue] }) };
}

function startWith(s: Awaited<ReturnType<typeof setup>>, options: { operatorChannel?: boolean; logsRoot?: string | null }) {
  const events: AgentEvent[] = [];
  const waiting = deferred<AgentEvent>();
  const start = createWorkerStarter({ logger: silentLogger(), env: process.env, currentWorkflow: () => s.workflow, clientVersion: '0.0.0-test', ...options });
  const handle = start(s.issue, null, s.workflow, s.tracker, {
    workspaceReady: () => undefined,
    agentEvent: (event) => {
      events.push(event);
      if (event.event === 'operator_waiting') waiting.resolve(event);
    },
  });
  const done = handle.done.then(
    (exit: unknown) => ({ ok: true as const, exit }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { handle, events, waiting: waiting.promise, done };
}

describe('worker composition: prompt errors at dispatch', () => {
  it('a template that passed the sample check but fails on a real issue names the WORKFLOW.md line and the issue', async () => {
    const dir = await dirs.make('symphony-factory-prompt-');
    const file = await writeWorkflow(dir, fakeAgentWorkflow(dir, 'ok'), 'Work on it.\n{% if issue.labels.size == 0 %}{{ issue.nope }}{% endif %}');
    const workflow = await loadWorkflow(file, process.env);
    const issue = memoryIssue({ identifier: 'ABC/10', id: 'issue-10', labels: [] });
    const run = startWith({ dir, workflow, issue, tracker: new MemoryTracker({ issues: [issue] }) }, {});
    // 8 front matter lines between the fences, a blank line, then the body: its line 2 is file line 13.
    const result = await run.done;
    expect(result).toMatchObject({ ok: false, error: { code: 'template_render_error' } });
    expect(result.ok ? null : (result.error as Error).message).toBe(`${file}:13: prompt template: undefined variable issue.nope (rendering ABC/10)`);
  });
});

describe('worker composition: operator channel and session logs', () => {
  it('the handle forwards answers to the live session; nothing_waiting before and after; the session log lands under the logs root', async () => {
    const s = await setup(60_000);
    const logsRoot = path.join(s.dir, 'logs');
    const run = startWith(s, { operatorChannel: true, logsRoot });
    expect(run.handle.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting', message: expect.stringContaining('ABC/9') });
    const waiting = await run.waiting;
    expect(waiting.operatorRequest?.command).toBe('touch approved.txt');
    expect(run.handle.answer({ decision: 'sure' } as never)).toMatchObject({ ok: false, code: 'invalid_answer', message: expect.stringMatching(/^ABC\/9: /) });
    expect(run.handle.answer({ decision: 'accept' })).toEqual({ ok: true });
    expect(await run.done).toEqual({ ok: true, exit: 'turns_exhausted' });
    expect(run.handle.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });

    const sessionDir = path.join(logsRoot, 'sessions', workspaceKey('ABC/9'));
    expect(await readdir(sessionDir)).toEqual([`${waiting.sessionId}.jsonl`]);
    const text = await readFile(path.join(sessionDir, `${waiting.sessionId}.jsonl`), 'utf8');
    expect(text).toContain('"dir":"send","msg":{"id":"approval-7","result":{"decision":"accept"}}');
  });

  it('agent.operator_timeout_ms from the workflow fails the run with operator_timeout', async () => {
    const s = await setup(300);
    const run = startWith(s, { operatorChannel: true });
    const result = await run.done;
    expect(result).toMatchObject({ ok: false, error: { code: 'operator_timeout', message: expect.stringContaining('300 ms') } });
    expect(run.events.map((event) => event.event)).toContain('operator_timeout');
  });

  it('without an operator channel nothing waits (the approval is declined) and no session log is written', async () => {
    const s = await setup(60_000);
    const run = startWith(s, {});
    expect(await run.done).toEqual({ ok: true, exit: 'turns_exhausted' });
    expect(run.events.map((event) => event.event)).not.toContain('operator_waiting');
    expect(run.events.map((event) => event.event)).toContain('approval_rejected');
    await expect(readdir(path.join(s.dir, 'logs'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
