/**
 * `runWorker` (spec §7.1, §7.2, §10.7, §16.5) with fake effects: one attempt's workspace, hooks,
 * prompt, session and turn loop. Every dependency records into one ordered journal.
 */
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/domain/issue.js';
import { SymphonyError } from '../../src/errors.js';
import type { AgentEvent, AgentEventSink } from '../../src/domain/agent-event.js';
import type { AnswerResult } from '../../src/domain/operator.js';
import { runWorker, type WorkerDeps, type WorkerSession } from '../../src/runner/worker.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import { makeIssue } from '../support/issues.js';
import { deferred, Pulse, type Deferred } from '../support/wait.js';

const WORKSPACE = '/ws/SYM-1';
const PROMPT = 'FULL TASK PROMPT for SYM-1';

/** A session whose turns the test scripts; `stop()` fails an in-flight turn like the real one. */
class FakeSession implements WorkerSession {
  readonly threadId = 'thread-1';
  readonly turns: { text: string; title: string }[] = [];
  stopCalls = 0;
  /** Per-turn outcome: 'ok', an error to reject with, or 'hang' (until stopped). */
  script: ('ok' | 'hang' | Error)[] = [];
  #inFlight: Deferred<{ turnId: string; sessionId: string }> | null = null;

  constructor(
    private readonly journal: string[],
    private readonly pulse: Pulse,
  ) {}

  runTurn(input: { text: string; title: string }): Promise<{ turnId: string; sessionId: string }> {
    this.turns.push(input);
    const n = this.turns.length;
    this.journal.push(`turn ${n}`);
    const outcome = this.script[n - 1] ?? 'ok';
    const turn = deferred<{ turnId: string; sessionId: string }>();
    this.#inFlight = turn;
    if (outcome === 'ok') turn.resolve({ turnId: `turn-${n}`, sessionId: `${this.threadId}-turn-${n}` });
    else if (outcome instanceof Error) turn.reject(outcome);
    this.pulse.notify();
    return turn.promise;
  }

  answer(): AnswerResult {
    return { ok: false, code: 'nothing_waiting', message: 'no agent request is waiting for an operator' };
  }

  stop(): Promise<void> {
    this.stopCalls++;
    this.journal.push('stop session');
    if (this.#inFlight && !this.#inFlight.settled) {
      this.#inFlight.reject(new SymphonyError('port_exit', 'app-server stopped during the turn'));
    }
    return Promise.resolve();
  }
}

interface Fixture {
  readonly journal: string[];
  readonly logs: LogRecord[];
  readonly pulse: Pulse;
  readonly session: FakeSession;
  readonly deps: WorkerDeps;
  readonly controller: AbortController;
  readonly issue: Issue;
  readonly workspaceReady: string[];
  readonly events: AgentEvent[];
  /** Refresh answers, in order (then: the issue unchanged). An Error rejects. */
  readonly refreshes: (Issue | null | Error)[];
  readonly continuations: { issue: Issue; turnNumber: number; maxTurns: number }[];
  sessionSink: AgentEventSink | null;
  run(attempt?: number | null, notBefore?: Promise<void>): Promise<string>;
}

function fixture(overrides: Partial<WorkerDeps> = {}): Fixture {
  const journal: string[] = [];
  const logs: LogRecord[] = [];
  const pulse = new Pulse();
  const session = new FakeSession(journal, pulse);
  const controller = new AbortController();
  const issue = makeIssue({ identifier: 'SYM-1', title: 'Fix the flux capacitor', state: 'Todo' });
  const refreshes: (Issue | null | Error)[] = [];
  const f: Fixture = {
    journal,
    logs,
    pulse,
    session,
    controller,
    issue,
    workspaceReady: [],
    events: [],
    refreshes,
    continuations: [],
    sessionSink: null,
    deps: {
      maxTurns: 3,
      ensureWorkspace: (i) => {
        journal.push(`ensure workspace ${i.identifier}`);
        return Promise.resolve({ path: WORKSPACE });
      },
      beforeRun: (path) => {
        journal.push(`before_run ${path}`);
        return Promise.resolve();
      },
      afterRun: (path, i) => {
        journal.push(`after_run ${path} ${i.state}`);
        pulse.notify();
        return Promise.resolve();
      },
      renderPrompt: (i, attempt) => {
        journal.push(`render prompt attempt=${String(attempt)}`);
        return `FULL TASK PROMPT for ${i.identifier}`;
      },
      continuationText: (i, turnNumber, maxTurns) => {
        f.continuations.push({ issue: i, turnNumber, maxTurns });
        return `continue ${turnNumber}/${maxTurns} (${i.state})`;
      },
      startSession: (path, onEvent) => {
        journal.push(`start session ${path}`);
        f.sessionSink = onEvent;
        pulse.notify();
        return Promise.resolve(session);
      },
      refreshIssue: (id) => {
        journal.push(`refresh ${id}`);
        const next = refreshes.shift();
        if (next instanceof Error) return Promise.reject(next);
        return Promise.resolve(next === undefined ? issue : next);
      },
      mayContinue: (i) => ['todo', 'in progress'].includes(i.state.toLowerCase()),
      ...overrides,
    },
    run: (attempt = null, notBefore?: Promise<void>) =>
      runWorker(
        {
          issue,
          attempt,
          ...(notBefore ? { notBefore } : {}),
          signal: controller.signal,
          logger: captureLogger(logs),
          onEvent: (event) => f.events.push(event),
          onWorkspaceReady: (path) => {
            journal.push(`workspace ready ${path}`);
            f.workspaceReady.push(path);
          },
        },
        f.deps,
      ),
  };
  return f;
}

async function failure(promise: Promise<unknown>): Promise<SymphonyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SymphonyError) return error;
    throw new Error(`expected a SymphonyError, got ${String(error)}`);
  }
  throw new Error('expected the worker to fail');
}

describe('runWorker turn loop (§7.1, §16.5)', () => {
  it('first turn gets the rendered prompt, continuation turns only guidance, all on one session, until max_turns', async () => {
    const f = fixture();
    const inProgress = { ...f.issue, state: 'In Progress' };
    f.refreshes.push(inProgress, inProgress, inProgress);
    expect(await f.run(2)).toBe('turns_exhausted');
    expect(f.session.turns.map((t) => t.text)).toEqual([PROMPT, 'continue 2/3 (In Progress)', 'continue 3/3 (In Progress)']);
    expect(f.session.turns.slice(1).some((t) => t.text.includes(PROMPT))).toBe(false);
    expect(f.session.turns.every((t) => t.title === 'SYM-1: Fix the flux capacitor')).toBe(true);
    expect(f.continuations.map((c) => [c.issue.state, c.turnNumber, c.maxTurns])).toEqual([
      ['In Progress', 2, 3],
      ['In Progress', 3, 3],
    ]);
    expect(f.journal).toEqual([
      'ensure workspace SYM-1',
      `workspace ready ${WORKSPACE}`,
      `before_run ${WORKSPACE}`,
      'render prompt attempt=2',
      `start session ${WORKSPACE}`,
      'turn 1',
      `refresh ${f.issue.id}`,
      'turn 2',
      `refresh ${f.issue.id}`,
      'turn 3',
      `refresh ${f.issue.id}`,
      'stop session',
      `after_run ${WORKSPACE} In Progress`,
    ]);
    expect(f.workspaceReady).toEqual([WORKSPACE]);
    expect(f.logs.filter((l) => l.msg === 'turn completed').map((l) => [l.turn, l.session_id])).toEqual([
      [1, 'thread-1-turn-1'],
      [2, 'thread-1-turn-2'],
      [3, 'thread-1-turn-3'],
    ]);
  });

  it('stops after a turn when the refreshed issue is no longer active', async () => {
    const f = fixture();
    f.refreshes.push({ ...f.issue, state: 'Human Review' });
    expect(await f.run()).toBe('issue_not_active');
    expect(f.session.turns).toHaveLength(1);
    expect(f.journal.slice(-2)).toEqual(['stop session', `after_run ${WORKSPACE} Human Review`]);
  });

  it('stops after a turn when the refreshed issue is missing', async () => {
    const f = fixture();
    f.refreshes.push(null);
    expect(await f.run()).toBe('issue_missing');
    expect(f.session.turns).toHaveLength(1);
    expect(f.session.stopCalls).toBeGreaterThanOrEqual(1);
    expect(f.journal.at(-1)).toBe(`after_run ${WORKSPACE} Todo`);
  });

  it('max_turns 1 runs a single turn even while the issue stays active', async () => {
    const f = fixture({ maxTurns: 1 });
    expect(await f.run()).toBe('turns_exhausted');
    expect(f.session.turns.map((t) => t.text)).toEqual([PROMPT]);
  });

  it('forwards the session events to the orchestrator sink', async () => {
    const f = fixture();
    f.session.script = ['hang'];
    const running = f.run();
    await f.pulse.waitFor(() => f.session.turns.length === 1, 'the first turn');
    const event: AgentEvent = { event: 'session_started', timestamp: new Date(), codexAppServerPid: 7, sessionId: 'thread-1-turn-1' };
    f.sessionSink?.(event);
    expect(f.events).toEqual([event]);
    f.controller.abort('test over');
    await failure(running);
  });
});

describe('runWorker failures (§10.7, §16.5)', () => {
  it('a failed issue refresh fails the attempt; the session is stopped and after_run runs', async () => {
    const f = fixture();
    f.refreshes.push(new SymphonyError('tracker_status', 'linear answered 500'));
    const error = await failure(f.run());
    expect(error.code).toBe('tracker_status');
    expect(f.session.turns).toHaveLength(1);
    expect(f.journal.slice(-2)).toEqual(['stop session', `after_run ${WORKSPACE} Todo`]);
  });

  it('a prompt render error fails before any session starts, and after_run still runs', async () => {
    const f = fixture({
      renderPrompt: () => {
        throw new SymphonyError('template_render_error', 'WORKFLOW.md: unknown variable issue.nope');
      },
    });
    const error = await failure(f.run());
    expect(error.code).toBe('template_render_error');
    expect(f.journal).toEqual(['ensure workspace SYM-1', `workspace ready ${WORKSPACE}`, `before_run ${WORKSPACE}`, `after_run ${WORKSPACE} Todo`]);
    expect(f.session.turns).toEqual([]);
  });

  it('a before_run failure fails the attempt, no session starts, and after_run still runs (§5.3.4: once the workspace exists)', async () => {
    const f = fixture({ beforeRun: () => Promise.reject(new SymphonyError('hook_failed', 'before_run hook failed for SYM-1 (exit 3): boom')) });
    const error = await failure(f.run());
    expect(error.code).toBe('hook_failed');
    expect(f.journal.some((entry) => entry.startsWith('start session'))).toBe(false);
    expect(f.session.turns).toEqual([]);
    expect(f.journal[f.journal.length - 1]).toBe(`after_run ${WORKSPACE} Todo`);
  });

  it('a workspace failure fails the attempt before any hook, session or workspace report', async () => {
    const f = fixture({ ensureWorkspace: () => Promise.reject(new SymphonyError('workspace_error', 'cannot create /ws/SYM-1')) });
    const error = await failure(f.run());
    expect(error.code).toBe('workspace_error');
    expect(f.journal).toEqual([]);
    expect(f.workspaceReady).toEqual([]);
  });

  it('a session startup failure fails the attempt with its code, and after_run runs', async () => {
    const f = fixture({ startSession: () => Promise.reject(new SymphonyError('codex_not_found', 'codex: command not found')) });
    const error = await failure(f.run());
    expect(error.code).toBe('codex_not_found');
    expect(f.journal.at(-1)).toBe(`after_run ${WORKSPACE} Todo`);
    expect(f.session.stopCalls).toBe(0);
  });

  it('a turn failure stops the session, runs after_run and propagates the error with its code', async () => {
    const f = fixture();
    f.refreshes.push({ ...f.issue, state: 'In Progress' });
    f.session.script = ['ok', new SymphonyError('turn_failed', 'turn turn-2 failed: model provider returned 500')];
    const error = await failure(f.run());
    expect(error.code).toBe('turn_failed');
    expect(error.message).toContain('model provider returned 500');
    expect(f.session.turns).toHaveLength(2);
    expect(f.journal.slice(-2)).toEqual(['stop session', `after_run ${WORKSPACE} In Progress`]);
  });

  it('a non-SymphonyError failure is wrapped, keeping its cause', async () => {
    const f = fixture();
    const boom = new TypeError('cannot read properties of undefined');
    f.session.script = [boom];
    const error = await failure(f.run());
    expect(error.code).toBe('internal');
    expect(error.cause).toBe(boom);
  });
});

describe('runWorker abort (reconciliation, stall, shutdown)', () => {
  it('abort mid-turn ends the run as canceled; the session is stopped and after_run runs', async () => {
    const f = fixture();
    f.session.script = ['hang'];
    const running = f.run();
    await f.pulse.waitFor(() => f.session.turns.length === 1, 'the first turn');
    f.controller.abort('terminal');
    const error = await failure(running);
    expect(error.code).toBe('canceled');
    expect(error.message).toContain('terminal');
    expect(error.cause).toMatchObject({ code: 'port_exit' });
    expect(f.session.stopCalls).toBeGreaterThanOrEqual(1);
    expect(f.journal.at(-1)).toBe(`after_run ${WORKSPACE} Todo`);
    expect(f.journal.filter((entry) => entry.startsWith('refresh'))).toEqual([]);
  });

  it('abort while the session starts stops the fresh session before any turn', async () => {
    const f = fixture();
    const started = deferred<WorkerSession>();
    const running = runWorkerWith(f, started);
    await f.pulse.waitFor(() => f.journal.includes('awaiting session'), 'session start');
    f.controller.abort('shutdown');
    started.resolve(f.session);
    const error = await failure(running);
    expect(error.code).toBe('canceled');
    expect(f.session.turns).toEqual([]);
    expect(f.session.stopCalls).toBeGreaterThanOrEqual(1);
    expect(f.journal.at(-1)).toBe(`after_run ${WORKSPACE} Todo`);
  });

  it('an already-aborted signal cancels before the workspace is touched', async () => {
    const f = fixture();
    f.controller.abort('stalled');
    const error = await failure(f.run());
    expect(error.code).toBe('canceled');
    expect(f.journal).toEqual([]);
  });
});

/** Runs the fixture's worker with a session start the test resolves itself. */
function runWorkerWith(f: Fixture, started: Deferred<WorkerSession>): Promise<string> {
  return runWorker(
    {
      issue: f.issue,
      attempt: null,
      signal: f.controller.signal,
      logger: captureLogger(f.logs),
      onEvent: (event) => f.events.push(event),
      onWorkspaceReady: (path) => f.workspaceReady.push(path),
    },
    {
      ...f.deps,
      startSession: () => {
        f.journal.push('awaiting session');
        f.pulse.notify();
        return started.promise;
      },
    },
  );
}

describe('runWorker and workspace removal', () => {
  it('waits for a workspace removal still running at dispatch before touching the workspace', async () => {
    const f = fixture();
    const removal = deferred<void>();
    const running = f.run(null, removal.promise);
    await Promise.resolve();
    await Promise.resolve();
    expect(f.journal).toEqual([]);
    removal.resolve();
    await running;
    expect(f.journal[0]).toBe('ensure workspace SYM-1');
  });
});
