/**
 * The worker composition resuming a run after a daemon restart (issue 9 item 2): `startWorker`'s
 * `resume` reaches the runtime (the real Codex 0.169 against the scripted model; the real Claude
 * Code against the fake Anthropic server), the first turn is the restart guidance with the lost
 * operator request, the workspace is the derived one, and a runtime that cannot resume fails the
 * run with `resume_failed` before anything starts.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import type { Issue } from '../../src/domain/issue.js';
import type { ResumeRequest } from '../../src/domain/resume.js';
import type { EffectiveWorkflow } from '../../src/config/types.js';
import { restartGuidance } from '../../src/prompt/continuation.js';
import { createWorkerStarter } from '../../src/service/worker-factory.js';
import { codexCommand, makeCodexHome, type CodexHome } from '../support/codex.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic/index.js';
import { startFakeModel, type FakeModel } from '../support/fake-model/index.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import { MemoryTracker, memoryIssue } from '../support/memory-tracker.js';
import { deferred } from '../support/wait.js';
import { loadWorkflow, memoryWorkflowFrontMatter, TempDirs, writeWorkflow } from '../conformance/support.js';

const dirs = new TempDirs();
let model: FakeModel;
let anthropic: FakeAnthropic;
let home: CodexHome;

beforeAll(async () => {
  model = await startFakeModel((request) => ({ type: 'message', text: `codex answer ${request.turnIndex}` }));
  anthropic = await startFakeAnthropic((request) => ({ type: 'text', text: `claude answer ${request.turnIndex}` }));
  home = await makeCodexHome();
});

afterAll(async () => {
  await model.close();
  await anthropic.close();
  await home.cleanup();
  await dirs.cleanup();
});

interface Run {
  readonly outcome: { ok: true; exit: unknown } | { ok: false; error: unknown };
  readonly events: AgentEvent[];
  readonly workspaces: string[];
  readonly logs: LogRecord[];
}

async function runOnce(workflow: EffectiveWorkflow, issue: Issue, resume: ResumeRequest | null, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  const events: AgentEvent[] = [];
  const workspaces: string[] = [];
  const logs: LogRecord[] = [];
  const start = createWorkerStarter({ logger: captureLogger(logs), env, currentWorkflow: () => workflow, clientVersion: '0.0.0-test' });
  const handle = start(issue, resume === null ? null : 1, workflow, new MemoryTracker({ issues: [issue] }), { workspaceReady: (p) => workspaces.push(p), agentEvent: (event) => events.push(event) }, resume);
  const outcome = await handle.done.then(
    (exit: unknown) => ({ ok: true as const, exit }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { outcome, events, workspaces, logs };
}

async function workflowIn(prefix: string): Promise<EffectiveWorkflow> {
  const dir = await dirs.make(prefix);
  const file = await writeWorkflow(dir, memoryWorkflowFrontMatter({ root: path.join(dir, 'ws'), command: codexCommand({ modelBaseUrl: model.baseUrl, codexHome: home.path }), maxTurns: 1 }), 'Work on {{ issue.identifier }}: the original prompt.');
  return loadWorkflow(file, process.env);
}

const waiting = 'command approval: npm publish';

describe('worker composition: resume after a daemon restart', () => {
  it('Codex: the resumed run continues the thread in the derived workspace, its first turn the restart guidance with the lost request', async () => {
    const workflow = await workflowIn('symphony-resume-codex-');
    const issue = memoryIssue({ identifier: 'RES-1', id: 'res-1', state: 'In Progress' });
    const first = await runOnce(workflow, issue, null);
    expect(first.outcome).toEqual({ ok: true, exit: 'turns_exhausted' });
    const threadId = first.events.find((event) => event.event === 'session_started')?.threadId;
    expect(threadId).toEqual(expect.any(String));

    const before = model.requests.length;
    const resumed = await runOnce(workflow, issue, { threadId: threadId!, workspacePath: '/somewhere/else/RES-1', waiting });
    expect(resumed.outcome).toEqual({ ok: true, exit: 'turns_exhausted' });
    expect(resumed.workspaces).toEqual(first.workspaces);
    expect(resumed.events.find((event) => event.event === 'session_started')?.threadId).toBe(threadId);
    const request = model.requests[before];
    expect(request?.lastUserText).toBe(restartGuidance({ issue, waiting }));
    expect(request?.input.some((item) => JSON.stringify(item).includes('Work on RES-1: the original prompt.'))).toBe(true);
    expect(model.requests.slice(before).every((req) => req.lastUserText !== 'Work on RES-1: the original prompt.')).toBe(true);
    expect(resumed.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('recorded workspace differs'), resume_workspace: '/somewhere/else/RES-1' }));
  });

  it('Claude Code (runtime:claude label): the resumed session carries the earlier conversation and the restart guidance', async () => {
    const workflow = await workflowIn('symphony-resume-claude-');
    const env = { ...process.env, ANTHROPIC_BASE_URL: anthropic.baseUrl, ANTHROPIC_API_KEY: 'sk-ant-test' };
    const issue = memoryIssue({ identifier: 'RES-2', id: 'res-2', state: 'In Progress', labels: ['runtime:claude'] });
    // The first run is stopped by a "shutdown" abort so its transcript is kept, as at a daemon stop.
    const events: AgentEvent[] = [];
    const start = createWorkerStarter({ logger: captureLogger([]), env, currentWorkflow: () => workflow, clientVersion: '0.0.0-test' });
    const completed = deferred<void>();
    const handle = start(issue, null, workflow, new MemoryTracker({ issues: [issue] }), {
      workspaceReady: () => undefined,
      agentEvent: (event) => {
        events.push(event);
        if (event.event === 'turn_completed') completed.resolve();
      },
    }, null);
    await completed.promise;
    handle.stop('shutdown');
    await handle.done.catch(() => undefined);
    const threadId = events.find((event) => event.event === 'session_started')?.threadId;
    expect(threadId).toMatch(/^[0-9a-f-]{36}$/);

    const before = anthropic.requests.length;
    const resumed = await runOnce(workflow, issue, { threadId: threadId!, workspacePath: '/somewhere/else/RES-2', waiting: null }, env);
    expect(resumed.outcome).toEqual({ ok: true, exit: 'turns_exhausted' });
    expect(resumed.events.find((event) => event.event === 'session_started')?.threadId).toBe(threadId);
    const request = anthropic.requests[before];
    expect(request?.lastUserText).toBe(restartGuidance({ issue, waiting: null }));
    expect(JSON.stringify(request?.messages)).toContain('Work on RES-2: the original prompt.');
    // That run ended on its own: its transcript is gone, so another resume is refused.
    const again = await runOnce(workflow, issue, { threadId: threadId!, workspacePath: resumed.workspaces[0]!, waiting: null }, env);
    expect(again.outcome).toMatchObject({ ok: false, error: { code: 'resume_failed' } });
  });

  it('a runtime that cannot resume (runtime:acp) fails the run with resume_failed before anything starts', async () => {
    const workflow = await workflowIn('symphony-resume-acp-');
    const issue = memoryIssue({ identifier: 'RES-3', id: 'res-3', state: 'In Progress', labels: ['runtime:acp'] });
    const run = await runOnce(workflow, issue, { threadId: 'acp-session-1', workspacePath: '/x/RES-3', waiting: null });
    expect(run.outcome).toMatchObject({ ok: false, error: { code: 'resume_failed', message: expect.stringMatching(/RES-3: cannot resume thread acp-session-1: the acp runtime/) } });
    expect(run.events.map((event) => event.event)).not.toContain('launch_started');
  });
});
