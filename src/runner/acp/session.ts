/**
 * One ACP agent session (`agent.runtime: acp`): launch `acp.command` in the workspace, `initialize`
 * → optional `authenticate` → `session/new`, then one `session/prompt` per
 * {@link AcpSession.runTurn} on the same session until {@link AcpSession.stop}.
 *
 * A turn ends when its `session/prompt` answers: stop reason `end_turn` completes it, `cancelled`
 * ends it `turn_cancelled`, `max_tokens` / `max_turn_requests` / `refusal` fail it `turn_failed`.
 * While it runs, the agent's output resets a silence timer of `turnTimeoutMs` (held while a
 * permission request waits for an operator or a host-side tool runs); a failed turn is cancelled
 * on the agent (`session/cancel`).
 */
import { PROTOCOL_VERSION, type InitializeResponse, type NewSessionResponse, type PromptResponse } from '@agentclientprotocol/sdk';
import type { AcpApprovalPolicy } from '../../config/types.js';
import { DEFAULT_STARTUP_TIMEOUT_MS } from '../../config/types.js';
import type { Clock } from '../../domain/clock.js';
import type { AgentEventSink } from '../../domain/agent-event.js';
import type { AnswerResult, OperatorAnswer } from '../../domain/operator.js';
import { oneLine, SymphonyError, toSymphonyError } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { AgentToolSpec, ToolResult } from '../../tracker/tracker.js';
import { describeExit, isCommandNotFound, launchAppServer, resolveWorkspaceCwd, type LaunchedAppServer } from '../app-server/launch.js';
import { TurnWatch } from '../app-server/turn-watch.js';
import type { WorkerSession } from '../worker.js';
import { AcpClient } from './client.js';
import { AcpSessionCore } from './session-core.js';
import { hostTools } from './tool-host.js';
import { stdioStream } from './transport.js';

/** Options of {@link startAcpSession}. */
export interface AcpSessionOptions {
  /** `acp.command`, run as `bash -lc` in the workspace (own process group). */
  readonly command: string;
  /** Absolute workspace path: the child's cwd and `session/new` `cwd` (canonicalized). */
  readonly workspacePath: string;
  /** Absolute workspace root; launch is refused (`invalid_workspace_cwd`) unless the workspace is strictly inside it. */
  readonly workspaceRoot: string;
  /** Base environment (the daemon's); copied, never modified. */
  readonly env: NodeJS.ProcessEnv;
  /** Removed from the child environment and `unset` again inside the login shell. */
  readonly secretEnvNames: readonly string[];
  /** `acp.auth_method`: the `authenticate` method id sent after `initialize`; null: none. */
  readonly authMethod: string | null;
  /** `acp.approval_policy`: how permission requests are answered (see `permissions.ts`). */
  readonly approvalPolicy: AcpApprovalPolicy;
  /** Whether an operator can answer requests (the HTTP server is up). Default false. */
  readonly operatorChannel?: boolean;
  /** `agent.operator_timeout_ms`, ms. Default 30 minutes. */
  readonly operatorTimeoutMs?: number;
  /** From spawn to the `initialize` answer, ms (`acp.startup_timeout_ms`). Default 60 s. */
  readonly startupTimeoutMs?: number;
  /** Deadline of `authenticate` and `session/new`, ms (`acp.read_timeout_ms`). */
  readonly readTimeoutMs: number;
  /** Maximum agent silence during a turn, ms (`acp.turn_timeout_ms`). */
  readonly turnTimeoutMs: number;
  /** Tools served to the agent over a loopback MCP server (see `tool-host.ts`); empty: none. */
  readonly tools: readonly AgentToolSpec[];
  /** Executes an advertised tool host-side; should never reject (a rejection becomes a failure result). */
  readonly executeTool: (name: string, args: unknown) => Promise<ToolResult>;
  /** Receives agent events; a throwing sink is caught and logged. */
  readonly onEvent: AgentEventSink;
  readonly logger: Logger;
  /** `clientInfo` of `initialize`. Default `{name: 'symphony-ts', version: '0.0.0'}`. */
  readonly clientInfo?: { readonly name: string; readonly version: string };
  /** Raw stream log (`<logsRoot>/sessions/<workspaceKey>/<sessionId>-1.jsonl`); omitted: none. */
  readonly sessionLog?: { readonly logsRoot: string; readonly workspaceKey: string; readonly maxBytes?: number };
  /** SIGTERM → SIGKILL grace on stop, ms. Default 2000. */
  readonly stopGraceMs?: number;
  /** Timers and event timestamps. Default: the system clock. */
  readonly clock?: Clock;
  /** Aborts startup: the process group is stopped and the call rejects with `canceled`. */
  readonly signal?: AbortSignal;
}

/** A live ACP session: a {@link WorkerSession} plus its ids. */
export interface AcpSession extends WorkerSession {
  /** PID of the `bash -lc` group leader (also the process-group id), or null. */
  readonly pid: number | null;
  /** The agent's session id (`session/new`). */
  readonly acpSessionId: string;
}

/** The ACP protocol version this client speaks. */
export const ACP_PROTOCOL_VERSION = PROTOCOL_VERSION;

/** `initialize` params: protocol v1, no client fs/terminal capabilities (the agent uses its own tools). */
export function initializeParams(clientInfo: { readonly name: string; readonly version: string }): Record<string, unknown> {
  return { protocolVersion: ACP_PROTOCOL_VERSION, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false }, clientInfo };
}

/** Read through a call, so a check after an `await` is not narrowed away by the one before it. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function canceled(cause?: unknown): SymphonyError {
  return new SymphonyError('canceled', 'ACP agent startup canceled', cause === undefined ? {} : { cause });
}

/**
 * Launches the agent and opens its session.
 *
 * @throws SymphonyError `canceled` (signal aborted), `invalid_workspace_cwd` (before launch),
 * `agent_not_found` (exit 127: `acp.command` not found), `response_timeout` (no `initialize`
 * answer within `startupTimeoutMs` of the spawn, or no `authenticate` / `session/new` answer within
 * `readTimeoutMs`), `response_error` (an error answer, or an unsupported protocol version),
 * `port_exit`. Emits `startup_failed` before rejecting.
 */
export async function startAcpSession(options: AcpSessionOptions): Promise<AcpSession> {
  const core = new AcpSessionCore(options);
  const { signal } = options;
  if (signal?.aborted === true) throw core.startupFailed(canceled(signal.reason));
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
  const client = new AcpClient(stdioStream(launched.stdout, launched.stdin, core.tap()), { requestPermission: (params) => core.requestPermission(params) }, options.clock);
  core.attach(launched, client);
  const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const onAbort = (): void => void core.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (isAborted(signal)) throw canceled(signal?.reason);
    const init = await core.request<InitializeResponse>('initialize', initializeParams(options.clientInfo ?? { name: 'symphony-ts', version: '0.0.0' }), startupTimeoutMs);
    if (init.protocolVersion !== ACP_PROTOCOL_VERSION) {
      throw new SymphonyError('response_error', `ACP agent speaks protocol version ${String(init.protocolVersion)}; this client speaks ${ACP_PROTOCOL_VERSION}`);
    }
    if (options.authMethod !== null) await authenticate(core, options.authMethod, init, options.readTimeoutMs);
    const mcpServers = await hostTools(core, options, init);
    const created = await core.request<NewSessionResponse>('session/new', { cwd, mcpServers }, options.readTimeoutMs);
    if (typeof created.sessionId !== 'string' || created.sessionId === '') throw new SymphonyError('response_error', 'ACP session/new answered without a sessionId');
    core.sessionId = created.sessionId;
  } catch (error) {
    const failure = await startupFailure(core, launched, error, signal, startupTimeoutMs);
    await core.stop();
    throw core.startupFailed(failure);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return new LiveAcpSession(core, options);
}

async function authenticate(core: AcpSessionCore, methodId: string, init: InitializeResponse, readTimeoutMs: number): Promise<void> {
  const offered = (init.authMethods ?? []).map((method) => method.id);
  if (offered.length > 0 && !offered.includes(methodId)) {
    throw new SymphonyError('response_error', `acp.auth_method ${JSON.stringify(methodId)} is not offered by the agent (offered: ${offered.join(', ')})`);
  }
  try {
    await core.request('authenticate', { methodId }, readTimeoutMs);
  } catch (error) {
    const failure = toSymphonyError(error, 'response_error');
    if (failure.code !== 'response_error') throw failure;
    throw new SymphonyError('response_error', `acp.auth_method ${JSON.stringify(methodId)}: ${failure.message}`, { cause: error });
  }
}

async function startupFailure(core: AcpSessionCore, launched: LaunchedAppServer, error: unknown, signal: AbortSignal | undefined, startupTimeoutMs: number): Promise<SymphonyError> {
  const failure = toSymphonyError(error, 'response_error');
  if (isAborted(signal)) return canceled(error);
  if (failure.code === 'response_timeout' && failure.details.method === 'initialize') {
    return new SymphonyError('response_timeout', `ACP agent did not answer initialize within ${startupTimeoutMs} ms of launch (acp.startup_timeout_ms; a slow login shell profile counts against it)`, { cause: error, details: { method: 'initialize', timeoutMs: startupTimeoutMs } });
  }
  if (failure.code !== 'port_exit') return failure;
  const exit = await core.exitWithin(1000);
  const stderr = launched.stderrTail();
  const how = describeExit(exit, stderr).replace(/^app-server/, 'ACP agent');
  return exit !== null && isCommandNotFound(exit, stderr)
    ? new SymphonyError('agent_not_found', `acp.command not found: ${how}`, { cause: error })
    : new SymphonyError('port_exit', `${how} during startup`, { cause: error });
}

/** Stop reasons that end a turn without completing it, and the error code each gives. */
function stopFailure(turnId: string, stopReason: string): SymphonyError | null {
  if (stopReason === 'end_turn') return null;
  if (stopReason === 'cancelled') return new SymphonyError('turn_cancelled', `turn ${turnId} was cancelled by the agent`);
  return new SymphonyError('turn_failed', `turn ${turnId} ended with stop reason ${oneLine(stopReason, 60)}`, { details: { stopReason } });
}

class LiveAcpSession implements AcpSession {
  private inTurn = false;

  constructor(
    private readonly core: AcpSessionCore,
    private readonly options: AcpSessionOptions,
  ) {}

  get pid(): number | null {
    return this.core.pid;
  }

  get acpSessionId(): string {
    return this.core.sessionId;
  }

  async runTurn(input: { text: string; title: string }): Promise<{ turnId: string; sessionId: string }> {
    if (this.inTurn) throw new SymphonyError('internal', `ACP session ${this.acpSessionId}: a turn is already running`);
    const gone = this.core.goneError();
    if (gone !== null) throw gone;
    this.inTurn = true;
    const watch = new TurnWatch(this.options.turnTimeoutMs, this.options.clock);
    const turnId = this.core.beginTurn(watch);
    watch.bind(turnId);
    const params = { sessionId: this.acpSessionId, prompt: [{ type: 'text', text: input.text }] };
    this.core.request<PromptResponse>('session/prompt', params, null).then(
      (result) => {
        this.core.recordUsage(result);
        watch.offerCompletion({ turnId, status: typeof result.stopReason === 'string' ? result.stopReason : 'unknown', errorMessage: null });
      },
      (error: unknown) => watch.fail(toSymphonyError(error, 'response_error')),
    );
    try {
      const ended = await watch.result;
      const failure = stopFailure(turnId, ended.status);
      if (failure !== null) {
        this.core.turnEvent(failure.code === 'turn_cancelled' ? 'turn_cancelled' : 'turn_failed', failure.toLine());
        throw failure;
      }
      this.core.turnEvent('turn_completed', 'turn completed');
      return { turnId, sessionId: `${this.acpSessionId}-${turnId}` };
    } catch (error) {
      let failure = toSymphonyError(error, 'response_error');
      if (failure.code === 'turn_timeout') {
        failure = new SymphonyError('turn_timeout', `turn ${turnId}: no ACP agent output for ${this.options.turnTimeoutMs} ms (acp.turn_timeout_ms)`, { cause: error, details: failure.details });
      }
      const reported = failure.code === 'turn_failed' || failure.code === 'turn_cancelled' || failure.code === 'operator_timeout';
      if (!reported) this.core.turnEvent('turn_ended_with_error', failure.toLine());
      this.core.notify('session/cancel', { sessionId: this.acpSessionId });
      throw failure;
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
}
