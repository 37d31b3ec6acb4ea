/**
 * An operator sees a waiting agent in the daemon's log: when a run's request starts waiting for an
 * operator, the worker composition (`createWorkerStarter`, the path agent events take to the
 * service) logs `operator waiting` at warn through the real daemon logger (`createLogger`, here at
 * level warn), naming the issue, the kind, the method and the command when there is one. The
 * agent is the scripted fake app-server holding an approval / a user-input request open.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import { operatorWaitingFields } from '../../src/logging/agent-events.js';
import { createLogger } from '../../src/logging/logger.js';
import { createWorkerStarter } from '../../src/service/worker-factory.js';
import { loadWorkflow, TempDirs, writeWorkflow } from '../conformance/support.js';
import { MemoryTracker, memoryIssue } from '../support/memory-tracker.js';
import { deferred, Pulse } from '../support/wait.js';
import { fakeAgentWorkflow } from './helpers.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

/** Starts one run of `scenario` with the operator channel on; its log lines (level warn and up) are kept raw and parsed. */
async function startRun(scenario: string) {
  const dir = await dirs.make('symphony-operator-log-');
  const file = await writeWorkflow(dir, fakeAgentWorkflow(dir, scenario, { codex: ['  approval_policy: untrusted'], agent: ['  operator_timeout_ms: 600000'] }));
  const workflow = await loadWorkflow(file, process.env);
  const issue = memoryIssue({ identifier: 'OPS-7', id: 'issue-ops-7' });
  const raw: string[] = [];
  const pulse = new Pulse();
  const logger = createLogger({
    level: 'warn',
    stdout: {
      write: (line: string) => {
        raw.push(line);
        pulse.notify();
      },
    },
  });
  const waiting = deferred<AgentEvent>();
  const start = createWorkerStarter({ logger, env: process.env, currentWorkflow: () => workflow, clientVersion: '0.0.0-test', operatorChannel: true });
  const handle = start(issue, null, workflow, new MemoryTracker({ issues: [issue] }), {
    workspaceReady: () => undefined,
    agentEvent: (event) => {
      if (event.event === 'operator_waiting') waiting.resolve(event);
    },
  });
  const settled = handle.done.then(
    () => undefined,
    () => undefined,
  );
  const lines = (): Record<string, unknown>[] => raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  const waitingLine = (): Promise<Record<string, unknown>> =>
    pulse.waitFor(() => lines().find((line) => line.msg === 'operator waiting'), 'the operator waiting log line');
  return {
    raw,
    lines,
    waiting: waiting.promise,
    waitingLine,
    /** Stops the run (its fake app-server process group included) and waits for its end. */
    stop: async (): Promise<void> => {
      handle.stop('shutdown');
      await settled;
    },
  };
}

describe('operator waiting in the daemon log', () => {
  it('an approval: one warn line with the issue, kind approval, the method, the command, the summary and the deadline', async () => {
    const run = await startRun('approval-wait');
    try {
      const event = await run.waiting;
      const line = await run.waitingLine();
      expect(line).toMatchObject({
        level: 'warn',
        msg: 'operator waiting',
        service: 'symphony',
        issue_id: 'issue-ops-7',
        issue_identifier: 'OPS-7',
        session_id: event.sessionId,
        kind: 'approval',
        method: 'item/commandExecution/requestApproval',
        command: 'touch approved.txt',
        summary: 'touch approved.txt',
        deadline: new Date(event.operatorRequest!.deadlineMs).toISOString(),
      });
      expect(typeof line.session_id).toBe('string');
      // The issue fields come from the run's child logger: present once, not duplicated.
      const text = run.raw.find((l) => l.includes('"operator waiting"')) ?? '';
      expect(text.match(/"issue_id"/g)).toHaveLength(1);
      expect(run.lines().filter((l) => l.msg === 'operator waiting')).toHaveLength(1);
    } finally {
      await run.stop();
    }
  });

  it('a user-input question: kind user_input, the method and the first question, no command', async () => {
    const run = await startRun('user-input-wait');
    try {
      const event = await run.waiting;
      const line = await run.waitingLine();
      expect(line).toMatchObject({
        level: 'warn',
        issue_id: 'issue-ops-7',
        issue_identifier: 'OPS-7',
        kind: 'user_input',
        method: 'item/tool/requestUserInput',
        summary: event.operatorRequest!.summary,
      });
      expect(line.summary).toContain('Which color?');
      expect(line).not.toHaveProperty('command');
    } finally {
      await run.stop();
    }
  });
});

describe('operatorWaitingFields', () => {
  const base = { timestamp: new Date(0), codexAppServerPid: 1 } as const;

  it('is null for every other event, and for operator_waiting without its request', () => {
    for (const event of ['operator_answered', 'operator_timeout', 'turn_started', 'notification'] as const) {
      expect(operatorWaitingFields({ ...base, event })).toBeNull();
    }
    expect(operatorWaitingFields({ ...base, event: 'operator_waiting' })).toBeNull();
  });

  it('keeps the command and the summary on one bounded line', () => {
    const long = `echo ${'x'.repeat(400)}\nrm -rf build`;
    const fields = operatorWaitingFields({
      ...base,
      event: 'operator_waiting',
      sessionId: 'thread-1-turn-1',
      operatorRequest: { kind: 'approval', method: 'item/commandExecution/requestApproval', summary: long, command: long, cwd: null, reason: null, decisions: ['accept'], questions: [], sinceMs: 0, deadlineMs: 60_000 },
    });
    expect(fields).toMatchObject({ session_id: 'thread-1-turn-1', kind: 'approval', deadline: '1970-01-01T00:01:00.000Z' });
    for (const key of ['command', 'summary'] as const) {
      const value = String(fields?.[key]);
      expect(value).not.toContain('\n');
      expect(value.length).toBeLessThanOrEqual(200);
    }
  });
});
