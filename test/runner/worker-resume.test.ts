/**
 * `runWorker` resuming a run after a daemon restart (issue 9 item 2) with fake effects: the first
 * turn is the restart text (the rendered prompt is never used), the session is opened on the
 * recorded thread, later turns are the usual continuations, the workspace is the derived one, and
 * a thread's history is discarded unless the daemon is shutting down.
 */
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/domain/issue.js';
import type { ResumeRequest } from '../../src/domain/resume.js';
import { SymphonyError } from '../../src/errors.js';
import { restartGuidance } from '../../src/prompt/continuation.js';
import { runWorker, type SessionStopOptions, type WorkerDeps, type WorkerSession } from '../../src/runner/worker.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import { makeIssue } from '../support/issues.js';
import { deferred } from '../support/wait.js';

const WORKSPACE = '/ws/SYM-1';

/** A session whose turns complete at once, or hang until stopped once `hangFrom` is reached. */
class FakeSession implements WorkerSession {
  readonly turns: string[] = [];
  readonly calls: string[] = [];
  readonly turnStarted = deferred<void>();
  private readonly stopped = deferred<void>();

  constructor(private readonly hangFrom: number = Number.POSITIVE_INFINITY) {}

  runTurn(input: { text: string; title: string }): Promise<{ turnId: string; sessionId: string }> {
    this.turns.push(input.text);
    const n = this.turns.length;
    this.turnStarted.resolve();
    if (n >= this.hangFrom) return this.stopped.promise.then(() => Promise.reject(new SymphonyError('port_exit', 'stopped during the turn')));
    return Promise.resolve({ turnId: `turn-${n}`, sessionId: `thread-old-turn-${n}` });
  }

  answer() {
    return { ok: false as const, code: 'nothing_waiting' as const, message: 'nothing' };
  }

  stop(options: SessionStopOptions = {}): Promise<void> {
    this.calls.push(options.keepHistory === true ? 'stop keeping history' : 'stop');
    this.stopped.resolve();
    return Promise.resolve();
  }
}

interface Fixture {
  readonly deps: WorkerDeps;
  readonly session: FakeSession;
  readonly logs: LogRecord[];
  readonly rendered: number[];
  readonly restarts: { issue: Issue; resume: ResumeRequest }[];
  readonly starts: { path: string; resume: { readonly threadId: string } | null }[];
  readonly controller: AbortController;
  readonly issue: Issue;
  run(resume?: ResumeRequest): Promise<string>;
}

function fixture(options: { session?: FakeSession; deps?: Partial<WorkerDeps> } = {}): Fixture {
  const session = options.session ?? new FakeSession();
  const issue = makeIssue({ identifier: 'SYM-1', title: 'Fix the flux capacitor', state: 'In Progress' });
  const logs: LogRecord[] = [];
  const controller = new AbortController();
  const f: Fixture = {
    session,
    logs,
    rendered: [],
    restarts: [],
    starts: [],
    controller,
    issue,
    deps: {
      maxTurns: 3,
      ensureWorkspace: () => Promise.resolve({ path: WORKSPACE, createdNow: false }),
      beforeRun: () => Promise.resolve(),
      afterRun: () => Promise.resolve(),
      renderPrompt: () => {
        f.rendered.push(1);
        return 'FULL TASK PROMPT';
      },
      continuationText: (_i, turn, max) => `continue ${turn}/${max}`,
      restartText: (i, resume) => {
        f.restarts.push({ issue: i, resume });
        return `RESTART on ${resume.threadId}`;
      },
      startSession: (path, _onEvent, _signal, resume) => {
        f.starts.push({ path, resume });
        return Promise.resolve(session);
      },
      refreshIssue: () => Promise.resolve(issue),
      mayContinue: () => true,
      ...options.deps,
    },
    run: (resume) =>
      runWorker(
        { issue, attempt: 2, signal: controller.signal, logger: captureLogger(logs), onEvent: () => undefined, onWorkspaceReady: () => undefined, ...(resume === undefined ? {} : { resume }) },
        f.deps,
      ),
  };
  return f;
}

const resume: ResumeRequest = { threadId: 'thread-old', workspacePath: WORKSPACE, waiting: null };

describe('runWorker with a resume (issue 9)', () => {
  it('the first turn is the restart text, never the rendered prompt; the session opens the recorded thread; later turns are continuations', async () => {
    const f = fixture();
    expect(await f.run(resume)).toBe('turns_exhausted');
    expect(f.session.turns).toEqual(['RESTART on thread-old', 'continue 2/3', 'continue 3/3']);
    expect(f.rendered).toEqual([]);
    expect(f.restarts).toEqual([{ issue: f.issue, resume }]);
    expect(f.starts).toEqual([{ path: WORKSPACE, resume: { threadId: 'thread-old' } }]);
    expect(f.logs.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('without restartText the default restart guidance is sent, with the lost operator request when one was waiting', async () => {
    const f = fixture({ deps: { restartText: undefined } });
    const waiting: ResumeRequest = { ...resume, waiting: 'command approval: npm publish' };
    await f.run(waiting);
    const first = f.session.turns[0];
    expect(first).toBe(restartGuidance({ issue: f.issue, waiting: 'command approval: npm publish' }));
    expect(first).toContain('The Symphony daemon restarted while your previous turn was running');
    expect(first).toContain('same thread, in the same workspace');
    expect(first).toContain('git status');
    expect(first).toContain('continue the task from where you left off');
    expect(first).toContain('Your request "command approval: npm publish" was waiting for an operator when the daemon restarted, and its answer was lost. If you still need it, make the request again.');
    expect(restartGuidance({ issue: f.issue, waiting: null })).not.toContain('waiting for an operator');
    expect(f.rendered).toEqual([]);
  });

  it('an ordinary run renders the prompt and opens a new thread', async () => {
    const f = fixture();
    await f.run();
    expect(f.session.turns[0]).toBe('FULL TASK PROMPT');
    expect(f.starts).toEqual([{ path: WORKSPACE, resume: null }]);
    expect(f.restarts).toEqual([]);
  });

  it('a recorded workspace other than the derived one is logged and ignored; a workspace created afresh is logged too', async () => {
    const f = fixture({ deps: { ensureWorkspace: () => Promise.resolve({ path: WORKSPACE, createdNow: true }) } });
    await f.run({ ...resume, workspacePath: '/elsewhere/SYM-1' });
    expect(f.starts.map((start) => start.path)).toEqual([WORKSPACE]);
    const warnings = f.logs.filter((line) => line.level === 'warn');
    expect(warnings).toEqual([
      expect.objectContaining({ msg: expect.stringContaining('recorded workspace differs'), workspace: WORKSPACE, resume_workspace: '/elsewhere/SYM-1', thread_id: 'thread-old' }),
      expect.objectContaining({ msg: expect.stringContaining('created afresh'), workspace: WORKSPACE }),
    ]);
  });

  it('resume_failed from the runtime fails the run with that code, and no turn runs', async () => {
    const f = fixture({ deps: { startSession: () => Promise.reject(new SymphonyError('resume_failed', 'Codex could not resume thread thread-old: no rollout')) } });
    await expect(f.run(resume)).rejects.toMatchObject({ code: 'resume_failed', message: expect.stringContaining('thread-old') });
    expect(f.session.turns).toEqual([]);
    expect(f.rendered).toEqual([]);
  });
});

describe('runWorker: the thread history kept for a resume', () => {
  it('is not kept when the run ends on its own', async () => {
    const f = fixture();
    await f.run();
    expect(f.session.calls).toEqual(['stop']);
  });

  it('is not kept when the orchestrator stops the run for a reason other than shutdown', async () => {
    const f = fixture({ session: new FakeSession(1) });
    const done = f.run(resume);
    await f.session.turnStarted.promise;
    f.controller.abort('terminal');
    await expect(done).rejects.toMatchObject({ code: 'canceled' });
    expect(new Set(f.session.calls)).toEqual(new Set(['stop']));
  });

  it('is kept when the daemon shuts down (the run is resumed after the restart)', async () => {
    const f = fixture({ session: new FakeSession(1) });
    const done = f.run();
    await f.session.turnStarted.promise;
    f.controller.abort('shutdown');
    await expect(done).rejects.toMatchObject({ code: 'canceled' });
    expect(new Set(f.session.calls)).toEqual(new Set(['stop keeping history']));
  });
});
