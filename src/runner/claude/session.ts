/**
 * The Claude Code session (the Claude runtime's equivalent of spec §10): one SDK `query()` per run
 * with streaming input, in the workspace, with a per-run `CLAUDE_CONFIG_DIR`; each
 * {@link ClaudeSession.runTurn} pushes one user message and ends at that message's `result`.
 * The transcript is kept outside the config dir (`transcripts.ts`), so a later session can continue
 * it with the SDK's `resume` option after a daemon restart (issue 9).
 *
 * States: `ready` (idle between turns) → `in_turn` → `ready` …; `gone` once Claude Code exited or
 * {@link ClaudeSession.stop} ran. A turn may only start in `ready`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { query } from '@anthropic-ai/claude-agent-sdk';
import type { ClaudeConfig } from '../../config/types.js';
import type { Clock, TimerHandle } from '../../domain/clock.js';
import { settledWithin, systemClock } from '../../domain/clock.js';
import type { AgentEventSink } from '../../domain/agent-event.js';
import type { AnswerResult, OperatorAnswer } from '../../domain/operator.js';
import { SymphonyError, toSymphonyError } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { AgentToolSpec, ToolResult } from '../../tracker/tracker.js';
import { resolveWorkspaceCwd } from '../app-server/launch.js';
import { TurnWatch } from '../app-server/turn-watch.js';
import type { SessionStopOptions, WorkerSession } from '../worker.js';
import { UserMessageQueue } from './input-queue.js';
import { claudeEnvironment, queryOptions } from './options.js';
import { ClaudeSessionCore, describeClaudeExit } from './session-core.js';
import { spawnClaudeCode } from './spawn.js';
import { hostToolServer } from './tools.js';
import { discardTranscript, hasTranscript, isSessionId, linkTranscript, pruneTranscripts, transcriptDir } from './transcripts.js';

/** Options of {@link startClaudeSession}. */
export interface ClaudeSessionOptions {
  /** The run's `claude.*` settings. */
  readonly config: ClaudeConfig;
  /** Absolute workspace path: Claude Code's cwd (canonicalized; must lie strictly inside `workspaceRoot`). */
  readonly workspacePath: string;
  readonly workspaceRoot: string;
  /** Base environment (the daemon's); copied, never modified. */
  readonly env: NodeJS.ProcessEnv;
  /** Removed from Claude Code's environment and `unset` again in its login shell. */
  readonly secretEnvNames: readonly string[];
  /** Whether an operator can answer prompts (the HTTP server is up). */
  readonly operatorChannel: boolean;
  /** `agent.operator_timeout_ms`, ms. Default 30 minutes. */
  readonly operatorTimeoutMs?: number;
  /** Host-side tools, served as the `symphony` MCP server. */
  readonly tools: readonly AgentToolSpec[];
  /** Executes a host-side tool; should never reject (a rejection becomes a failure result). */
  readonly executeTool: (name: string, args: unknown) => Promise<ToolResult>;
  /** Receives agent events; a throwing sink is caught and logged. */
  readonly onEvent: AgentEventSink;
  readonly logger: Logger;
  /** Aborts the startup: everything started is stopped and the call rejects with `canceled`. */
  readonly signal?: AbortSignal;
  /** The daemon's version, for the SDK client identity. */
  readonly clientVersion: string;
  /** Timers (turn silence, operator deadlines, startup) and event timestamps. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Where the per-run `CLAUDE_CONFIG_DIR` is created (`symphony-claude-XXXXXX`, removed by stop)
   * and where transcripts are kept for resume (`symphony-claude-sessions/<session id>/`, see
   * `transcripts.ts`; a resumed session must use the same directory). Default `os.tmpdir()`.
   */
  readonly tmpDir?: string;
  /**
   * Continue this Claude Code session instead of starting one (issue 9: a run resumed after a
   * daemon restart): `threadId` is the session id (a UUID) the earlier run's events carried as
   * `threadId`; its transcript must still be kept under `tmpDir`. Omitted: a new session.
   */
  readonly resume?: { readonly threadId: string };
  /** SIGTERM → SIGKILL grace on stop, ms. Default 2000. */
  readonly stopGraceMs?: number;
  /**
   * Where to log the SDK stream (`src/logging/session-log.ts`): every SDK message received, each
   * user message and permission answer sent, in `<logsRoot>/sessions/<workspaceKey>/<session_id>.jsonl`.
   * Omitted: no session log.
   */
  readonly sessionLog?: { readonly logsRoot: string; readonly workspaceKey: string; readonly maxBytes?: number };
}

/** A live Claude Code session. */
export interface ClaudeSession extends WorkerSession {
  /** PID of the Claude Code process (its process-group id), or null. */
  readonly pid: number | null;
  /** Claude Code's session id (a UUID chosen by this client). */
  readonly claudeSessionId: string;
  /** The per-run `CLAUDE_CONFIG_DIR` (removed by stop). */
  readonly configDir: string;
  /**
   * Where this session's transcript is kept (`<tmpDir>/symphony-claude-sessions/<session id>`):
   * removed by `stop()`, kept by `stop({keepHistory: true})` and when the daemon dies.
   */
  readonly transcriptDir: string;
}

/** How long a failed startup waits for the process's exit status, ms. */
const EXIT_SETTLE_MS = 1000;

function canceled(reason: unknown, cause?: unknown): SymphonyError {
  const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'stopped';
  return new SymphonyError('canceled', `Claude Code startup canceled: ${why}`, cause === undefined ? {} : { cause });
}

/** Resolves on the SDK's initialize answer; rejects on exit, timeout or abort. */
async function initialized(core: ClaudeSessionCore, pending: Promise<unknown>, options: ClaudeSessionOptions): Promise<void> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.config.startupTimeoutMs;
  let timer: TimerHandle | undefined;
  let onAbort: (() => void) | undefined;
  const failure = new Promise<never>((_resolve, reject) => {
    timer = clock.setTimeout(() => reject(new SymphonyError('response_timeout', `Claude Code did not answer initialize within ${timeoutMs} ms of launch (claude.startup_timeout_ms)`, { details: { timeoutMs } })), timeoutMs);
    onAbort = () => reject(canceled(options.signal?.reason));
    if (options.signal?.aborted === true) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([pending, failure]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    if (onAbort !== undefined) options.signal?.removeEventListener('abort', onAbort);
  }
  const gone = core.goneError();
  if (gone !== null) throw gone;
}

/** The startup error for `error` once the process is known (exit 127 → `agent_not_found`). */
async function startupError(core: ClaudeSessionCore, error: unknown, options: ClaudeSessionOptions): Promise<SymphonyError> {
  if (options.signal?.aborted === true) return canceled(options.signal.reason, error);
  const failure = toSymphonyError(error, 'port_exit');
  if (failure.code === 'response_timeout' || failure.code === 'canceled') return failure;
  const launched = core.process;
  if (launched === null) return new SymphonyError('port_exit', `Claude Code did not start: ${failure.message}`, { cause: error });
  const clock = options.clock ?? systemClock;
  const exit = await settledWithin(launched.group.exited, EXIT_SETTLE_MS, clock);
  const described = describeClaudeExit(exit, launched.stderrTail());
  if (exit?.exitCode === 127) return new SymphonyError('agent_not_found', `Claude Code executable not found (claude.path_to_executable): ${described}`, { cause: error });
  return new SymphonyError('port_exit', `${described} during startup`, { cause: error });
}

/** @throws SymphonyError `resume_failed` unless a transcript of `threadId` is kept under `tmpDir`. */
async function checkResumable(threadId: string, tmpDir: string): Promise<void> {
  if (!isSessionId(threadId)) throw new SymphonyError('resume_failed', `cannot resume Claude Code session ${threadId}: not a Claude Code session id (a UUID)`, { details: { threadId } });
  if (!(await hasTranscript(tmpDir, threadId))) {
    throw new SymphonyError('resume_failed', `cannot resume Claude Code session ${threadId}: no transcript of it is kept in ${transcriptDir(tmpDir, threadId)}`, { details: { threadId } });
  }
}

/**
 * Spawns Claude Code in the workspace and waits for it to answer the SDK's initialize request.
 * With `options.resume`, Claude Code continues that session's kept transcript (the SDK's `resume`
 * option) under the same session id. Emits `startup_failed` before rejecting.
 *
 * @throws SymphonyError `canceled` (the signal aborted), `invalid_workspace_cwd`, `resume_failed`
 * (`options.resume` names no kept transcript, or Claude Code could not load it; the message names
 * the session id), `agent_not_found` (the executable is missing: exit 127), `response_timeout` (no
 * initialize answer within `claude.startup_timeout_ms`), `port_exit` (Claude Code exited during startup).
 */
export async function startClaudeSession(options: ClaudeSessionOptions): Promise<ClaudeSession> {
  const resume = options.resume?.threadId;
  const sessionId = resume ?? randomUUID();
  const tmpDir = options.tmpDir ?? os.tmpdir();
  const input = new UserMessageQueue();
  let cwd: string;
  try {
    if (options.signal?.aborted === true) throw canceled(options.signal.reason);
    cwd = await resolveWorkspaceCwd(options.workspacePath, options.workspaceRoot);
    if (resume !== undefined) await checkResumable(resume, tmpDir);
  } catch (error) {
    const failure = toSymphonyError(error, 'invalid_workspace_cwd');
    options.onEvent({ event: 'startup_failed', timestamp: new Date((options.clock ?? systemClock).now()), codexAppServerPid: null, message: failure.toLine(), activity: { kind: 'launch', phase: 'failed', tool: null, command: null, detail: failure.toLine() } });
    throw failure;
  }
  const configDir = await mkdtemp(path.join(tmpDir, 'symphony-claude-'));
  const core = new ClaudeSessionCore(options, sessionId, input, configDir, cwd);
  // File mtimes are wall-clock time, so the retention is measured against the wall clock too.
  void pruneTranscripts(tmpDir, Date.now(), sessionId);
  try {
    await linkTranscript(configDir, tmpDir, sessionId);
    const sdkOptions = queryOptions({
      config: options.config,
      cwd,
      sessionId,
      resume: resume !== undefined,
      env: claudeEnvironment(options.env, options.secretEnvNames, configDir, options.clientVersion),
      hostTools: options.tools.length === 0 ? null : hostToolServer(options.tools, core.runHostTool),
      canUseTool: core.canUseTool,
      spawn: (spawnOptions) =>
        spawnClaudeCode(spawnOptions, { cwd, secretEnvNames: options.secretEnvNames, logger: options.logger, graceMs: options.stopGraceMs ?? 2000, onLaunch: (launched) => core.attachProcess(launched) }),
      abortController: new AbortController(),
    });
    const session = query({ prompt: input, options: sdkOptions });
    core.attachQuery(session);
    await initialized(core, session.initializationResult(), options);
  } catch (error) {
    const failure = await startupError(core, error, options);
    await core.stop();
    // A new session that never started has nothing worth resuming; a resumed one keeps its transcript.
    if (resume === undefined) await discardTranscript(tmpDir, sessionId);
    throw core.startupFailed(resume === undefined || failure.code === 'canceled' ? failure : resumeFailed(resume, failure));
  }
  return new LiveSession(core, options, configDir, transcriptDir(tmpDir, sessionId), tmpDir);
}

/** A startup failure of a resumed session as `resume_failed`, unless it says nothing about the transcript. */
function resumeFailed(threadId: string, failure: SymphonyError): SymphonyError {
  if (failure.code === 'response_timeout' || failure.code === 'agent_not_found') return failure;
  return new SymphonyError('resume_failed', `Claude Code could not resume session ${threadId}: ${failure.message}`, { cause: failure, details: { threadId } });
}

class LiveSession implements ClaudeSession {
  private inTurn = false;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly core: ClaudeSessionCore,
    private readonly options: ClaudeSessionOptions,
    readonly configDir: string,
    readonly transcriptDir: string,
    private readonly tmpDir: string,
  ) {}

  get pid(): number | null {
    return this.core.pid;
  }

  get claudeSessionId(): string {
    return this.core.sessionId;
  }

  async runTurn(input: { text: string; title: string }): Promise<{ turnId: string; sessionId: string }> {
    if (this.inTurn) throw new SymphonyError('internal', `Claude Code session ${this.core.sessionId}: a turn is already running`);
    const gone = this.core.goneError();
    if (gone !== null) throw gone;
    this.inTurn = true;
    const turnId = randomUUID();
    const watch = new TurnWatch(this.options.config.turnTimeoutMs, this.options.clock);
    let settledByResult = false;
    try {
      this.core.beginTurn(watch, turnId, input.text);
      const turn = await watch.result;
      settledByResult = true;
      if (turn.status === 'completed') {
        this.core.emitTurn('turn_completed', 'turn completed');
        return { turnId, sessionId: `${this.core.sessionId}-${turnId}` };
      }
      const detail = turn.errorMessage === null ? '' : `: ${turn.errorMessage}`;
      const error =
        turn.status === 'interrupted'
          ? new SymphonyError('turn_cancelled', `turn ${turnId} was cancelled by the operator${detail}`)
          : new SymphonyError('turn_failed', `turn ${turnId} failed${detail}`, { details: { status: turn.status } });
      this.core.emitTurn(error.code === 'turn_cancelled' ? 'turn_cancelled' : 'turn_failed', error.toLine());
      throw error;
    } catch (error) {
      throw this.turnErrored(toSymphonyError(error, 'turn_failed'), turnId);
    } finally {
      watch.dispose();
      this.core.endTurn(settledByResult);
      this.inTurn = false;
    }
  }

  answer(answer: OperatorAnswer): AnswerResult {
    return this.core.answer(answer);
  }

  stop(options: SessionStopOptions = {}): Promise<void> {
    this.stopping ??= this.core.stop().then(() => (options.keepHistory === true ? undefined : discardTranscript(this.tmpDir, this.core.sessionId)));
    return this.stopping;
  }

  /** Rewords a silence timeout for Claude and emits `turn_ended_with_error` for failures not already reported. */
  private turnErrored(error: SymphonyError, turnId: string): SymphonyError {
    const reported = ['turn_failed', 'turn_cancelled', 'turn_input_required', 'operator_timeout'].includes(error.code);
    const failure =
      error.code === 'turn_timeout'
        ? new SymphonyError('turn_timeout', `turn ${turnId}: no Claude Code output for ${this.options.config.turnTimeoutMs} ms (claude.turn_timeout_ms)`, { cause: error, details: error.details })
        : error;
    if (!reported) this.core.emitTurn('turn_ended_with_error', failure.toLine());
    return failure;
  }
}
