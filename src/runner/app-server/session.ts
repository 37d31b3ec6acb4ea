/**
 * The Codex app-server session (spec §10): launch in the workspace, `initialize` → `initialized`
 * → `thread/start` (or `thread/resume` of an earlier run's thread after a daemon restart), then one `turn/start` per {@link AppServerSession.runTurn} on the same thread
 * until {@link AppServerSession.stop}. Server requests are answered per the posture documented in
 * `server-requests.ts`; telemetry per `telemetry.ts`.
 *
 * States: `ready` (idle between turns) → `in_turn` → `ready` …; `gone` once the subprocess exited
 * or {@link AppServerSession.stop} ran. A turn may only start in `ready`.
 */
import { DEFAULT_STARTUP_TIMEOUT_MS } from '../../config/types.js';
import { SymphonyError, toSymphonyError } from '../../errors.js';
import { packageVersion } from '../../version.js';
import type { Logger } from '../../logging/logger.js';
import type { Clock } from '../../domain/clock.js';
import type { AgentToolSpec, ToolResult } from '../../tracker/tracker.js';
import type { AgentEventSink } from '../../domain/agent-event.js';
import type { AnswerResult, OperatorAnswer } from '../../domain/operator.js';
import { JsonRpcConnection } from '../jsonrpc/connection.js';
import { describeExit, isCommandNotFound, launchAppServer, resolveWorkspaceCwd, type LaunchedAppServer } from './launch.js';
import { ClientMethod, defaultTurnSandboxPolicy, initializeParams, readThreadId, readTurnId, threadResumeParams, threadSetNameParams, threadStartParams, turnStartParams, type ClientInfo } from './protocol.js';
import { resumedUsageSink } from './resumed-usage.js';
import { SessionCore } from './session-core.js';
import { TurnWatch } from './turn-watch.js';

/** Options of {@link startAppServerSession}. */
export interface AppServerSessionOptions {
  /** `codex.command`, run as `bash -lc` in the workspace (own process group). */
  command: string;
  /** Absolute workspace path; the child's cwd and `cwd` of thread/turn params (canonicalized). */
  workspacePath: string;
  /** Absolute workspace root; launch is refused (`invalid_workspace_cwd`) unless the workspace is strictly inside it (realpaths compared). */
  workspaceRoot: string;
  /** Base environment (the daemon passes `process.env`); copied, never modified. */
  env: NodeJS.ProcessEnv;
  /** Removed from the child environment and `unset` again inside the login shell. */
  secretEnvNames: readonly string[];
  /**
   * Codex `AskForApproval`, passed through. The string `never` also makes this client
   * auto-approve requests; otherwise they wait for an operator or are declined (see
   * `server-requests.ts`).
   */
  approvalPolicy: string | Readonly<Record<string, unknown>>;
  /**
   * Whether an operator can answer requests (the HTTP server is enabled). When true, approvals
   * (unless the policy is `never`) and user-input requests are held open until
   * {@link AppServerSession.answer} or `operatorTimeoutMs`. Default false.
   */
  operatorChannel?: boolean;
  /** `agent.operator_timeout_ms`: how long a request may wait for an operator, ms. Default 30 minutes. */
  operatorTimeoutMs?: number;
  /**
   * Where to write the raw stream (`src/logging/session-log.ts`): `<logsRoot>/sessions/<workspaceKey>/
   * <session_id>.jsonl`, capped at `maxBytes` (default 10 MiB). Omitted: no session log.
   */
  sessionLog?: { readonly logsRoot: string; readonly workspaceKey: string; readonly maxBytes?: number };
  /** Codex `SandboxMode` for `thread/start`. */
  threadSandbox: string;
  /** Codex `SandboxPolicy` for `turn/start`; null ⇒ derived from `threadSandbox` with `writableRoots: [workspace]`. */
  turnSandboxPolicy: Readonly<Record<string, unknown>> | null;
  /** Request/response timeout, ms (`codex.read_timeout_ms`), for every request but `initialize`. */
  readTimeoutMs: number;
  /**
   * Deadline of the `initialize` response, ms from spawn (`codex.startup_timeout_ms`): the login
   * shell's start, the process start and the answer all count against it, `readTimeoutMs` does not
   * apply. Default {@link DEFAULT_STARTUP_TIMEOUT_MS} (60 s).
   */
  startupTimeoutMs?: number;
  /** Maximum stream silence during a turn, ms (`codex.turn_timeout_ms`). */
  turnTimeoutMs: number;
  /**
   * Time for every timer of the session (request timeouts, the turn's silence timer, operator
   * deadlines, exit settling) and for event timestamps. Default: the system clock.
   */
  clock?: Clock;
  /**
   * Tools advertised on `thread/start` (Codex dynamic tools). A resumed thread keeps the tools its
   * `thread/start` advertised (`thread/resume` has no tools field); calls are still executed only
   * for the names listed here.
   */
  tools: readonly AgentToolSpec[];
  /**
   * Continue this thread instead of starting one (issue 9: a run resumed after a daemon restart):
   * the handshake sends `thread/resume {threadId, approvalPolicy, sandbox, cwd}` in place of
   * `thread/start`. Its rollout must still be in the app-server's `CODEX_HOME`. Token totals then
   * count from the resume (`resumed-usage.ts`). Omitted: a new thread.
   */
  resume?: { readonly threadId: string };
  /** Executes an advertised tool host-side; should never reject (a rejection becomes a failure result). */
  executeTool: (name: string, args: unknown) => Promise<ToolResult>;
  /** Receives agent events; a throwing sink is caught and logged. */
  onEvent: AgentEventSink;
  logger: Logger;
  /** Default `{ name: 'symphony-ts', version: <package version> }`. */
  clientInfo?: { name: string; version: string };
  /** Observes every message sent to the app-server (tests validate them against the schema). */
  onSend?: (message: Record<string, unknown>) => void;
  /** Observes every JSON message received from the app-server (tests pair responses with requests). */
  onReceive?: (message: unknown) => void;
  /** SIGTERM → SIGKILL grace on stop, ms. Default 2000. */
  stopGraceMs?: number;
  /**
   * Aborts startup: the process group is stopped and the call rejects with `canceled`. Only
   * startup listens to it; a started session is stopped with {@link AppServerSession.stop}.
   */
  signal?: AbortSignal;
}

/** A successfully completed turn. */
export interface TurnOutcome {
  turnId: string;
  /** `<threadId>-<turnId>` (spec §10.2). */
  sessionId: string;
  status: 'completed';
  /** Approval requests declined during this turn (they do not fail the turn). */
  approvalsRejected: number;
}

/** A live app-server session bound to one thread. */
export interface AppServerSession {
  /** PID of the `bash -lc` group leader (also the process-group id), or null. */
  readonly pid: number | null;
  readonly threadId: string;
  /**
   * Runs one turn to its end.
   *
   * @throws SymphonyError `turn_failed`, `turn_cancelled`, `turn_timeout`, `turn_input_required`,
   * `operator_timeout` (a request waited for an operator longer than `operatorTimeoutMs`),
   * `port_exit` (subprocess exit, or {@link AppServerSession.stop} during the turn),
   * `response_timeout`, `response_error`; `internal` when a turn is already running.
   */
  runTurn(input: { text: string; title: string }): Promise<TurnOutcome>;
  /**
   * Delivers an operator's answer (untrusted input) to the oldest request waiting for one: the
   * response goes to that request's JSON-RPC id on the live connection, `operator_answered` is
   * emitted and the turn goes on.
   *
   * @returns `{ok: true}`; `nothing_waiting` when no request waits (also after stop);
   * `invalid_answer` when the answer does not fit the request, which keeps waiting. Never throws.
   */
  answer(answer: OperatorAnswer): AnswerResult;
  /**
   * Idempotent: closes stdin, SIGTERMs the whole process group, SIGKILLs it after `stopGraceMs`;
   * then gives descendants that left the group (sandboxed agent commands) 1 s to exit before
   * SIGKILLing them. Resolves once all of them are gone. A running turn rejects with `port_exit`.
   */
  stop(): Promise<void>;
}

/** `{ name: 'symphony-ts', version }` with the version of this package (`0.0.0` if unreadable). */
function clientInfoDefault(): ClientInfo {
  return { name: 'symphony-ts', version: packageVersion() };
}

/**
 * Launches the app-server and performs the handshake: `initialize` (client identity, experimental
 * API), `initialized`, `thread/start` (approval policy, sandbox, cwd, dynamic tools) — or, with
 * `options.resume`, `thread/resume` of that thread (approval policy, sandbox, cwd).
 *
 * Implements spec §10.1, §10.2 (resume: issue 9). Emits `startup_failed` before rejecting.
 *
 * @throws SymphonyError `invalid_workspace_cwd` (before launch), `codex_not_found` (exit 127 /
 * "command not found"), `response_timeout` (no `initialize` answer within `startupTimeoutMs` of the
 * spawn, or no `thread/start` / `thread/resume` answer within `readTimeoutMs`), `resume_failed`
 * (the app-server refused `thread/resume`: unknown thread, rollout gone; the message names the
 * thread id), `response_error`, `port_exit`.
 */
export async function startAppServerSession(options: AppServerSessionOptions): Promise<AppServerSession> {
  // A resumed thread's totals count from the resume: the restored usage was counted before the restart.
  const core = new SessionCore(options.resume === undefined ? options : { ...options, onEvent: resumedUsageSink(options.onEvent) });
  let cwd: string;
  try {
    cwd = await resolveWorkspaceCwd(options.workspacePath, options.workspaceRoot);
  } catch (error) {
    throw core.startupFailed(toSymphonyError(error, 'invalid_workspace_cwd'));
  }
  let launched: LaunchedAppServer;
  try {
    launched = launchAppServer({ command: options.command, cwd, env: options.env, secretEnvNames: options.secretEnvNames, logger: options.logger });
  } catch (error) {
    throw core.startupFailed(toSymphonyError(error, 'port_exit'));
  }
  const connection = new JsonRpcConnection(launched.stdout, launched.stdin, core.handlers(), {
    onSend: options.onSend,
    onReceive: options.onReceive,
    onLine: core.streamTap(),
    ...(options.clock === undefined ? {} : { timers: options.clock }),
  });
  core.attach(launched, connection);
  const { signal } = options;
  const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const onAbort = (): void => void core.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) throw new SymphonyError('canceled', 'app-server startup canceled before initialize');
    // The request goes out right after the spawn (the pipe buffers it while the login shell starts),
    // so its timer measures the whole startup: spawn, login profile, process start, answer.
    await connection.request(ClientMethod.initialize, initializeParams(options.clientInfo ?? clientInfoDefault()), startupTimeoutMs);
    connection.notify(ClientMethod.initialized);
    core.threadId = await openThread(connection, options, cwd);
  } catch (error) {
    let failure = toSymphonyError(error, 'response_error');
    if (signal?.aborted) {
      failure = new SymphonyError('canceled', 'app-server startup canceled', { cause: error });
    } else if (failure.code === 'response_timeout' && failure.details.method === ClientMethod.initialize) {
      failure = new SymphonyError('response_timeout', `app-server did not answer initialize within ${startupTimeoutMs} ms of launch (codex.startup_timeout_ms; a slow login shell profile counts against it)`, { cause: error, details: { method: ClientMethod.initialize, timeoutMs: startupTimeoutMs } });
    } else if (failure.code === 'response_error' && options.resume !== undefined && failure.details.method === ClientMethod.threadResume) {
      failure = new SymphonyError('resume_failed', `Codex could not resume thread ${options.resume.threadId}: ${failure.message}`, { cause: error, details: { threadId: options.resume.threadId } });
    } else if (failure.code === 'port_exit') {
      const exit = await core.exitWithin(1000);
      const stderr = launched.stderrTail();
      failure =
        exit !== null && isCommandNotFound(exit, stderr)
          ? new SymphonyError('codex_not_found', `codex.command not found: ${describeExit(exit, stderr)}`, { cause: error })
          : new SymphonyError('port_exit', `${describeExit(exit, stderr)} during startup`, { cause: error });
    }
    await core.stop();
    throw core.startupFailed(failure);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return new LiveSession(core, options, cwd);
}

/** `thread/start`, or `thread/resume` of `options.resume`; resolves with the thread id Codex answered. */
async function openThread(connection: JsonRpcConnection, options: AppServerSessionOptions, cwd: string): Promise<string> {
  const { approvalPolicy, threadSandbox, readTimeoutMs } = options;
  if (options.resume === undefined) {
    const result = await connection.request(ClientMethod.threadStart, threadStartParams({ approvalPolicy, threadSandbox, cwd, tools: options.tools }), readTimeoutMs);
    return readThreadId(result);
  }
  const params = threadResumeParams({ threadId: options.resume.threadId, approvalPolicy, threadSandbox, cwd });
  return readThreadId(await connection.request(ClientMethod.threadResume, params, readTimeoutMs), ClientMethod.threadResume);
}

class LiveSession implements AppServerSession {
  private inTurn = false;
  private lastTitle: string | null = null;
  private readonly sandboxPolicy: Readonly<Record<string, unknown>> | null;

  constructor(
    private readonly core: SessionCore,
    private readonly options: AppServerSessionOptions,
    private readonly cwd: string,
  ) {
    this.sandboxPolicy = options.turnSandboxPolicy ?? defaultTurnSandboxPolicy(options.threadSandbox, cwd);
  }

  get pid(): number | null {
    return this.core.pid;
  }

  get threadId(): string {
    return this.core.threadId;
  }

  async runTurn(input: { text: string; title: string }): Promise<TurnOutcome> {
    if (this.inTurn) throw new SymphonyError('internal', `thread ${this.threadId}: a turn is already running`);
    const gone = this.core.goneError();
    if (gone !== null) throw gone;
    this.inTurn = true;
    const watch = new TurnWatch(this.options.turnTimeoutMs, this.options.clock);
    this.core.beginTurn(watch);
    try {
      await this.nameThread(input.title);
      const params = turnStartParams({ threadId: this.threadId, text: input.text, cwd: this.cwd, approvalPolicy: this.options.approvalPolicy, sandboxPolicy: this.sandboxPolicy });
      const turnId = readTurnId(await this.core.request(ClientMethod.turnStart, params));
      watch.bind(turnId);
      this.core.turnStarted(turnId);
      const turn = await watch.result;
      return this.core.turnEnded(turn);
    } catch (error) {
      throw this.core.turnErrored(toSymphonyError(error, 'response_error'));
    } finally {
      watch.dispose();
      this.core.endTurn();
      this.inTurn = false;
    }
  }

  answer(answer: OperatorAnswer): AnswerResult {
    return this.core.answer(answer);
  }

  stop(): Promise<void> {
    return this.core.stop();
  }

  /** Sets the thread name to `title` when it changed; failures other than exit are only logged. */
  private async nameThread(title: string): Promise<void> {
    if (title.trim() === '' || title === this.lastTitle) return;
    this.lastTitle = title;
    try {
      await this.core.request(ClientMethod.threadSetName, threadSetNameParams(this.threadId, title));
    } catch (error) {
      const failure = toSymphonyError(error);
      if (failure.code === 'port_exit') throw failure;
      this.options.logger.warn({ thread_id: this.threadId, error: failure.toLine() }, 'could not set the thread name; continuing');
    }
  }
}
