/**
 * Review: an agent event delivered after the worker run has ended.
 *
 * A host-side tool call (`item/tool/call`) keeps running when the run is stopped. When it
 * finishes, `SessionCore.runTool` still emits `tool_call_completed` through the run's `onEvent`,
 * although the session is gone and `runWorker` has already settled. The orchestrator applies agent
 * events by issue id only (`core.ts` `agent_event`), so such a stale event is folded into whatever
 * run of the same issue is current — overwriting its thread/session ids and pid and refreshing
 * its liveness clock.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { liveGroupCount } from '../../src/process/group.js';
import { startAppServerSession } from '../../src/runner/app-server/session.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import type { ToolResult } from '../../src/tracker/tracker.js';
import { runWorker, type WorkerDeps } from '../../src/runner/worker.js';
import { EventLog, fakeServerCommand, makeWorkspace, sessionOptions, type TestWorkspace } from '../runner/helpers.js';
import { makeIssue } from '../support/issues.js';
import { deferred } from '../support/wait.js';

let ws: TestWorkspace;
beforeEach(async () => {
  ws = await makeWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

it('no agent event reaches the orchestrator after the worker run has settled (late tool-call completion)', async () => {
  const log = new EventLog();
  const toolResult = deferred<ToolResult>();
  const toolCalled = deferred<void>();
  const controller = new AbortController();
  const issue = makeIssue({ identifier: 'ABC-1', state: 'Todo' });
  const deps: WorkerDeps = {
    maxTurns: 1,
    ensureWorkspace: () => Promise.resolve({ path: ws.workspace }),
    beforeRun: () => Promise.resolve(),
    afterRun: () => Promise.resolve(),
    renderPrompt: () => 'prompt',
    continuationText: () => 'continue',
    startSession: (workspacePath, onEvent, signal) =>
      startAppServerSession(
        sessionOptions(ws, log, {
          workspacePath,
          command: fakeServerCommand('requests'),
          tools: [{ name: 'echo', description: 'Echo', inputSchema: { type: 'object' } }],
          executeTool: () => {
            toolCalled.resolve();
            return toolResult.promise;
          },
          onEvent,
          signal,
        }),
      ),
    refreshIssue: () => Promise.resolve(issue),
    mayContinue: () => true,
  };

  let settled = false;
  const afterSettle: AgentEvent[] = [];
  const done = runWorker(
    {
      issue,
      attempt: null,
      signal: controller.signal,
      logger: silentLogger(),
      onEvent: (event) => {
        log.sink(event);
        if (settled) afterSettle.push(event);
      },
      onWorkspaceReady: () => undefined,
    },
    deps,
  );
  const outcome = done.then(
    () => 'normal',
    (error: unknown) => error,
  );

  // The agent is waiting on the host-side tool call; the orchestrator stops the run (e.g. a stall).
  await toolCalled.promise;
  controller.abort('stalled');
  await expect(outcome).resolves.toMatchObject({ code: 'canceled' });
  settled = true;
  expect(liveGroupCount()).toBe(0);

  // The tracker request behind the tool call finishes later.
  toolResult.resolve({ success: true, text: 'issue moved' });
  await toolResult.promise;
  await new Promise((resolve) => setImmediate(resolve)); // flush runTool's continuation (no wall-clock wait)

  expect(afterSettle.map((event) => `${event.event} ${event.sessionId ?? ''}`)).toEqual([]);
});
