/**
 * The mutable heart of one app-server session: the connection and process it owns, event
 * emission (a throwing sink cannot break the client), server-request answering, telemetry, the
 * active turn, and shutdown. `session.ts` drives it; nothing else should.
 */
import { DEFAULT_OPERATOR_TIMEOUT_MS } from '../../config/types.js';
import { settledWithin, systemClock, type Clock } from '../../domain/clock.js';
import { oneLine, SymphonyError } from '../../errors.js';
import { SessionLog, type StreamDirection } from '../../logging/session-log.js';
import type { GroupExit } from '../../process/group.js';
import { defaultActivity, type AgentEvent, type AgentEventName, type TokenTotals } from '../../domain/agent-event.js';
import type { ConnectionHandlers, JsonRpcConnection } from '../jsonrpc/connection.js';
import type { JsonRpcNotification, JsonRpcRequest, RequestId } from '../jsonrpc/messages.js';
import type { AnswerResult } from '../../domain/operator.js';
import { notificationActivity } from './activity.js';
import { reapSession, snapshotSession } from './descendants.js';
import { describeExit, type LaunchedAppServer } from './launch.js';
import { OperatorDesk } from './operator-desk.js';
import { unansweredResponse, type OperatorRequestDraft } from './operator-requests.js';
import { approvalPosture, decideServerRequest, toolCallResponse } from './server-requests.js';
import type { AppServerSessionOptions, TurnOutcome } from './session.js';
import { extractRateLimits, extractTokenTotals, maxTotals, readCompletedTurn, ServerNotificationMethod, summarizeNotification, ZERO_TOTALS, type CompletedTurn } from './telemetry.js';
import type { TurnWatch } from './turn-watch.js';

type EventFields = Omit<AgentEvent, 'event' | 'timestamp' | 'codexAppServerPid'>;

const DEFAULT_STOP_GRACE_MS = 2000;
/** How long descendants outside the group get to exit after the group is gone, ms (then SIGKILL). */
const DESCENDANT_GRACE_MS = 1000;
/** How long to wait for the exit status once the output stream closed (or vice versa), ms. */
const EXIT_SETTLE_MS = 1000;

/**
 * State and behaviour shared by the startup path and the live session: owns the connection,
 * the process group and the active {@link TurnWatch}; emits every {@link AgentEvent}.
 */
export class SessionCore {
  /** Set once `thread/start` answered; '' before. */
  threadId = '';
  private launched: LaunchedAppServer | null = null;
  private connection: JsonRpcConnection | null = null;
  private watch: TurnWatch | null = null;
  private turnId: string | null = null;
  private turnCount = 0;
  private rejectedThisTurn = 0;
  private totals: TokenTotals = ZERO_TOTALS;
  private gone: SymphonyError | null = null;
  private stopping: Promise<void> | null = null;
  private readonly advertised: ReadonlySet<string>;
  private readonly desk: OperatorDesk;
  /** Operator requests that arrived before our turn id was known; queued once the turn started. */
  private early: { id: RequestId; params: unknown; request: OperatorRequestDraft }[] = [];
  /** While set, the session log records this in place of the line being sent. */
  private redactedLine: string | null = null;
  private readonly sessionLog: SessionLog | null;

  private readonly clock: Clock;

  constructor(private readonly options: AppServerSessionOptions) {
    this.clock = options.clock ?? systemClock;
    this.advertised = new Set(options.tools.map((tool) => tool.name));
    this.desk = new OperatorDesk({
      timers: this.clock,
      timeoutMs: options.operatorTimeoutMs ?? DEFAULT_OPERATOR_TIMEOUT_MS,
      respond: (id, result, request) => this.respondToOperatorRequest(id, result, request),
      emit: (event, fields) => this.emit(event, fields),
    });
    const log = options.sessionLog;
    this.sessionLog = log === undefined ? null : new SessionLog({ logsRoot: log.logsRoot, workspaceKey: log.workspaceKey, maxBytes: log.maxBytes, logger: options.logger });
  }

  /** The raw-stream observer for the connection (feeds the session log), or undefined without one. */
  streamTap(): ((direction: StreamDirection, line: string) => void) | undefined {
    const log = this.sessionLog;
    if (log === null) return undefined;
    return (direction, line) => {
      const redacted = direction === 'send' ? this.redactedLine : null;
      log.record(direction, redacted ?? line);
    };
  }

  /**
   * Answers an operator request. Answers to secret questions (`isSecret`) go to the app-server
   * as given, but the session log gets them as `[redacted]` (the send is synchronous, so the
   * substitution applies to exactly this line).
   */
  private respondToOperatorRequest(id: RequestId, result: unknown, request: OperatorRequestDraft): void {
    const secret = request.questions.filter((question) => question.isSecret).map((question) => question.id);
    if (secret.length === 0 || this.sessionLog === null) {
      this.connection?.respond(id, result);
      return;
    }
    this.redactedLine = JSON.stringify({ id, result: redactAnswers(result, secret) });
    try {
      this.connection?.respond(id, result);
    } finally {
      this.redactedLine = null;
    }
  }

  /** Delivers an operator's answer to the oldest waiting request (see `OperatorDesk.answer`). */
  answer(answer: unknown): AnswerResult {
    return this.desk.answer(answer);
  }

  /** PID of the `bash -lc` group leader, or null before launch / when spawning failed. */
  get pid(): number | null {
    const pid = this.launched?.group.pid ?? -1;
    return pid > 0 ? pid : null;
  }

  /** Binds the launched process and its connection; watches for the process going away. */
  attach(launched: LaunchedAppServer, connection: JsonRpcConnection): void {
    this.launched = launched;
    this.connection = connection;
    void launched.group.exited.then((exit) => {
      // Let buffered output drain first; the stream close usually follows at once.
      this.clock.setTimeout(() => this.markGone(exit), EXIT_SETTLE_MS, { unref: true });
    });
  }

  /** Resolves with the exit status, or null if the process is still running after `ms`. */
  async exitWithin(ms: number): Promise<GroupExit | null> {
    const exited = this.launched?.group.exited;
    return exited === undefined ? null : settledWithin(exited, ms, this.clock);
  }

  /** The error to reject new turns with once the process is gone, else null. */
  goneError(): SymphonyError | null {
    return this.gone;
  }

  /** Sends a request with the read timeout. */
  request(method: string, params: unknown): Promise<unknown> {
    if (this.connection === null) return Promise.reject(new SymphonyError('internal', 'app-server session is not attached'));
    return this.connection.request(method, params, this.options.readTimeoutMs);
  }

  /** Emits `startup_failed` and returns `error` for throwing. */
  startupFailed(error: SymphonyError): SymphonyError {
    this.emit('startup_failed', { message: error.toLine() });
    return error;
  }

  /** Makes `watch` the active turn (notifications and server requests are routed to it). */
  beginTurn(watch: TurnWatch): void {
    this.watch = watch;
    this.turnId = null;
    this.rejectedThisTurn = 0;
  }

  /** Records the turn id and emits `session_started` (first turn) or `turn_started`. */
  turnStarted(turnId: string): void {
    this.turnId = turnId;
    this.turnCount++;
    if (this.turnCount === 1) this.sessionLog?.begin(`${this.threadId}-${turnId}`);
    this.emit(this.turnCount === 1 ? 'session_started' : 'turn_started', { message: `turn ${this.turnCount} started` });
    const watch = this.watch;
    if (watch !== null) for (const { id, params, request } of this.early.splice(0)) this.desk.enqueue(id, params, request, watch);
  }

  /** Maps a `turn/completed` to an outcome, emitting the matching event. @throws SymphonyError on non-success. */
  turnEnded(turn: CompletedTurn): TurnOutcome {
    const turnId = this.turnId ?? turn.turnId ?? '';
    if (turn.status === 'completed') {
      this.emit('turn_completed', { method: ServerNotificationMethod.turnCompleted, message: 'turn completed' });
      return { turnId, sessionId: `${this.threadId}-${turnId}`, status: 'completed', approvalsRejected: this.rejectedThisTurn };
    }
    const detail = turn.errorMessage === null ? '' : `: ${turn.errorMessage}`;
    if (turn.status === 'interrupted') {
      const error = new SymphonyError('turn_cancelled', `turn ${turnId} was interrupted${detail}`);
      this.emit('turn_cancelled', { method: ServerNotificationMethod.turnCompleted, message: error.toLine() });
      throw error;
    }
    const error = new SymphonyError('turn_failed', `turn ${turnId} ended with status ${turn.status}${detail}`, { details: { status: turn.status } });
    this.emit('turn_failed', { method: ServerNotificationMethod.turnCompleted, message: error.toLine() });
    throw error;
  }

  /** Emits `turn_ended_with_error` for failures not already reported, and returns the error. */
  turnErrored(error: SymphonyError): SymphonyError {
    const reported = error.code === 'turn_failed' || error.code === 'turn_cancelled' || error.code === 'turn_input_required' || error.code === 'operator_timeout';
    if (!reported) this.emit('turn_ended_with_error', { message: error.toLine() });
    return error;
  }

  /** Clears the active turn; requests still waiting for an operator get their fallback answer. */
  endTurn(): void {
    for (const { id, params, request } of this.early.splice(0)) {
      if (this.gone === null) this.connection?.respond(id, unansweredResponse(request, params).result);
    }
    this.desk.settle();
    this.watch = null;
  }

  /** Idempotent staged stop; fails a running turn with `port_exit`. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.markGone(null, new SymphonyError('port_exit', 'app-server session stopped by the client'));
    const group = this.launched?.group;
    if (group === undefined) return;
    // Sandboxed agent commands live outside the group; remember them before the tree unravels.
    const marker = this.launched?.marker ?? null;
    const tree = snapshotSession(group.pid, marker);
    await group.terminate(this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
    await reapSession(tree, marker, DESCENDANT_GRACE_MS, this.clock);
    await this.sessionLog?.close();
  }

  private markGone(exit: GroupExit | null, reason?: SymphonyError): void {
    if (this.gone !== null) return;
    this.desk.abandon();
    this.early = [];
    this.gone = reason ?? new SymphonyError('port_exit', describeExit(exit, this.launched?.stderrTail() ?? []), { details: { exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null } });
    this.connection?.close(this.gone);
    this.watch?.fail(this.gone);
  }

  /** Connection callbacks. */
  handlers(): ConnectionHandlers {
    return {
      onActivity: () => this.watch?.activity(),
      onRequest: (request) => this.onRequest(request),
      onNotification: (notification) => this.onNotification(notification),
      onUnmatchedResponse: (id: RequestId) => this.options.logger.warn({ request_id: id }, 'app-server answered an unknown request id'),
      onMalformed: (reason, line) => {
        this.options.logger.warn({ reason, line: line === null ? null : oneLine(line, 200) }, 'malformed app-server output');
        this.emit('malformed', { message: oneLine(reason, 200) });
      },
      onOther: (value) => this.emit('other_message', { message: preview(value) }),
      onClose: () => {
        void this.exitWithin(EXIT_SETTLE_MS).then((exit) => this.markGone(exit));
      },
    };
  }

  private onNotification({ method, params }: JsonRpcNotification): void {
    if (method === ServerNotificationMethod.turnCompleted && this.watch?.offerCompletion(readCompletedTurn(params))) return;
    if (method === ServerNotificationMethod.tokenUsageUpdated) {
      const totals = extractTokenTotals(params);
      if (totals !== null) {
        this.totals = maxTotals(this.totals, totals);
        this.emit('token_usage_updated', { method, usage: this.totals });
        return;
      }
    }
    if (method === ServerNotificationMethod.rateLimitsUpdated) {
      this.emit('rate_limits_updated', { method, rateLimits: extractRateLimits(params) });
      return;
    }
    this.emit('notification', { method, message: summarizeNotification(method, params), activity: notificationActivity(method, params) });
  }

  private onRequest({ id, method, params }: JsonRpcRequest): void {
    const connection = this.connection;
    if (connection === null) return;
    const decision = decideServerRequest(method, params, {
      posture: approvalPosture(this.options.approvalPolicy),
      operatorChannel: this.options.operatorChannel === true,
      advertisedTools: this.advertised,
      nowMs: this.clock.now(),
    });
    switch (decision.kind) {
      case 'answer':
        connection.respond(id, decision.result);
        if (decision.event === 'approval_rejected') this.rejectedThisTurn++;
        if (decision.event !== null) this.emit(decision.event, { method, message: oneLine(decision.message, 200) });
        return;
      case 'unsupported_tool':
        connection.respond(id, decision.result);
        this.emit('unsupported_tool_call', { method, message: decision.message, activity: { kind: 'tool', phase: 'failed', tool: decision.tool, command: null, detail: 'not offered to this session' } });
        return;
      case 'input_required': {
        connection.respond(id, decision.result);
        this.emit('turn_input_required', { method, message: decision.message });
        this.watch?.fail(new SymphonyError('turn_input_required', `turn ${this.turnId ?? '?'}: ${decision.message}`));
        return;
      }
      case 'error':
        connection.respondError(id, decision.error);
        this.options.logger.warn({ method }, 'unsupported app-server request answered with -32601');
        this.emit('other_message', { method, message: decision.error.message });
        return;
      case 'operator': {
        if (this.watch === null) {
          // Outside a turn nothing can wait: answer as if unanswered.
          connection.respond(id, unansweredResponse(decision.request, params).result);
          this.options.logger.warn({ method }, 'operator request outside a turn answered with its fallback');
          return;
        }
        // A request can overtake the turn/start response; present it once the turn (and its id) is known.
        if (this.turnId === null) this.early.push({ id, params, request: decision.request });
        else this.desk.enqueue(id, params, decision.request, this.watch);
        return;
      }
      case 'tool_call': {
        const watch = this.watch;
        watch?.hold();
        void this.runTool(id, method, decision.tool, decision.arguments).finally(() => watch?.release());
        return;
      }
    }
  }

  private async runTool(id: RequestId, method: string, tool: string, args: unknown): Promise<void> {
    let success = false;
    let text: string;
    try {
      const result = await this.options.executeTool(tool, args);
      success = result.success === true;
      text = typeof result.text === 'string' ? result.text : JSON.stringify(result.text ?? null);
    } catch (error) {
      text = `tool ${tool} failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (this.gone !== null) {
      // The session ended while the tool ran: nobody is waiting for this answer or event.
      this.options.logger.info({ tool, method }, 'tool call finished after the session ended; result dropped');
      return;
    }
    this.connection?.respond(id, toolCallResponse({ success, text }));
    this.emit(success ? 'tool_call_completed' : 'tool_call_failed', {
      method,
      message: `${tool}: ${oneLine(text, 150)}`,
      activity: { kind: 'tool', phase: success ? 'completed' : 'failed', tool, command: null, detail: success ? null : oneLine(text, 150) },
    });
  }

  private emit(event: AgentEventName, fields: EventFields): void {
    const ids: EventFields =
      this.turnId === null
        ? this.threadId === '' ? {} : { threadId: this.threadId }
        : { threadId: this.threadId, turnId: this.turnId, sessionId: `${this.threadId}-${this.turnId}` };
    // Every event leaves with its structured activity (issue 7 item 7).
    const payload: AgentEvent = { event, timestamp: new Date(this.clock.now()), codexAppServerPid: this.pid, ...ids, ...fields, activity: fields.activity ?? defaultActivity({ event, ...fields }) };
    try {
      this.options.onEvent(payload);
    } catch (error) {
      this.options.logger.warn({ event, error: error instanceof Error ? error.message : String(error) }, 'agent event sink threw; event dropped');
    }
  }
}

/** One-line preview (≤ 200 chars) of a non-JSON-RPC value; never throws (deep nesting overflows JSON.stringify). */
function preview(value: unknown): string {
  try {
    return oneLine(JSON.stringify(value) ?? String(value), 200);
  } catch {
    return `non-JSON-RPC ${Array.isArray(value) ? 'array' : typeof value} (too deeply nested to show)`;
  }
}

/** A user-input response with the answers to `secretIds` replaced by `[redacted]`. */
function redactAnswers(result: unknown, secretIds: readonly string[]): unknown {
  const answers = (result as { answers?: Record<string, unknown> } | null)?.answers;
  if (typeof answers !== 'object' || answers === null) return result;
  const copy: Record<string, unknown> = { ...answers };
  for (const id of secretIds) if (id in copy) copy[id] = { answers: ['[redacted]'] };
  return { answers: copy };
}
