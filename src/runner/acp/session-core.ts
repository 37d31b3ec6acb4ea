/**
 * The mutable heart of one ACP session: the agent process and connection it owns, event emission
 * (a throwing sink cannot break the client), `session/update` events, permission requests (posture
 * or operator), token totals, the active turn and shutdown. `session.ts` drives it; nothing else
 * should.
 *
 * States: `starting` (before `session/new` answered) → `ready` ⇄ `in_turn`; `gone` once the
 * process exited or {@link AcpSessionCore.stop} ran (final: every later request or turn rejects
 * with the recorded reason, nothing more is written).
 */
import type { RequestPermissionRequest, RequestPermissionResponse } from '@agentclientprotocol/sdk';
import { DEFAULT_OPERATOR_TIMEOUT_MS } from '../../config/types.js';
import { settledWithin, systemClock, type Clock } from '../../domain/clock.js';
import { defaultActivity, type AgentEvent, type AgentEventName, type TokenTotals } from '../../domain/agent-event.js';
import { APPROVAL_DECISIONS, type AnswerResult } from '../../domain/operator.js';
import { oneLine, SymphonyError } from '../../errors.js';
import { SessionLog } from '../../logging/session-log.js';
import type { GroupExit } from '../../process/group.js';
import { reapSession, snapshotSession } from '../app-server/descendants.js';
import { describeExit, type LaunchedAppServer } from '../app-server/launch.js';
import { OperatorDesk } from '../app-server/operator-desk.js';
import type { TurnWatch } from '../app-server/turn-watch.js';
import { ZERO_TOTALS } from '../app-server/telemetry.js';
import type { AcpClient } from './client.js';
import { decidePermission, outcomeForDecision, type PermissionOption } from './permissions.js';
import type { AcpSessionOptions } from './session.js';
import type { StreamTap } from './transport.js';
import { describeUpdate, withToolCallState, type ToolCallBook } from './updates.js';
import { addTotals, turnUsage } from './usage.js';

type EventFields = Omit<AgentEvent, 'event' | 'timestamp' | 'codexAppServerPid'>;

const DEFAULT_STOP_GRACE_MS = 2000;
/** How long descendants outside the group get to exit after the group is gone, ms (then SIGKILL). */
const DESCENDANT_GRACE_MS = 1000;
/** How long to wait for the exit status once the output stream closed, ms. */
const EXIT_SETTLE_MS = 1000;

const CANCELLED: RequestPermissionResponse = { outcome: { outcome: 'cancelled' } };

/** A permission request held for an operator: how to answer it. */
interface HeldPermission {
  readonly options: readonly PermissionOption[];
  readonly resolve: (response: RequestPermissionResponse) => void;
}

/** State and behaviour shared by the startup path and the live session. */
export class AcpSessionCore {
  /** The agent's session id once `session/new` answered; '' before. */
  sessionId = '';
  private launched: LaunchedAppServer | null = null;
  private client: AcpClient | null = null;
  private watch: TurnWatch | null = null;
  private turnId: string | null = null;
  private turnCount = 0;
  private totals: TokenTotals = ZERO_TOTALS;
  private gone: SymphonyError | null = null;
  private stopping: Promise<void> | null = null;
  private nextHeldId = 1;
  private readonly held = new Map<number, HeldPermission>();
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly toolCalls: ToolCallBook = new Map();
  private readonly secrets: string[] = [];
  private hostTools: { readonly serverName: string; readonly toolNames: readonly string[] } | null = null;
  private readonly desk: OperatorDesk;
  private readonly sessionLog: SessionLog | null;
  private readonly clock: Clock;

  constructor(private readonly options: AcpSessionOptions) {
    this.clock = options.clock ?? systemClock;
    this.desk = new OperatorDesk({
      timers: this.clock,
      now: () => this.clock.now(),
      timeoutMs: options.operatorTimeoutMs ?? DEFAULT_OPERATOR_TIMEOUT_MS,
      respond: (id, result) => this.answerHeld(Number(id), result),
      emit: (event, fields) => this.emit(event, fields),
    });
    const log = options.sessionLog;
    this.sessionLog = log === undefined ? null : new SessionLog({ logsRoot: log.logsRoot, workspaceKey: log.workspaceKey, maxBytes: log.maxBytes, logger: options.logger });
  }

  /** PID of the `bash -lc` group leader, or null before launch / when spawning failed. */
  get pid(): number | null {
    const pid = this.launched?.group.pid ?? -1;
    return pid > 0 ? pid : null;
  }

  /** The observers of the agent's stdio (silence timer, session log, `session/update` events). */
  tap(): StreamTap {
    return {
      onLine: (direction, line) => this.sessionLog?.record(direction, this.redacted(line)),
      onMessage: (message) => {
        this.watch?.activity();
        if (message.method === 'session/update' && !('id' in message)) this.onUpdate(message.params);
      },
      onMalformed: (reason, line) => {
        this.options.logger.warn({ reason, line: line === null ? null : oneLine(line, 200) }, 'malformed ACP agent output');
        this.emit('malformed', { message: oneLine(reason, 200) });
      },
    };
  }

  /** Binds the launched process and its connection; watches for the process going away. */
  attach(launched: LaunchedAppServer, client: AcpClient): void {
    this.launched = launched;
    this.client = client;
    void launched.group.exited.then((exit) => {
      // Let buffered output drain first; the stream close usually follows at once.
      this.clock.setTimeout(() => this.markGone(exit), EXIT_SETTLE_MS, { unref: true });
    });
    void client.closed.then(() => this.exitWithin(EXIT_SETTLE_MS).then((exit) => this.markGone(exit)));
  }

  /** Records the daemon's tool server for this session: permission requests for its tools are allowed. */
  servingTools(serverName: string, toolNames: readonly string[]): void {
    this.hostTools = { serverName, toolNames };
  }

  /** Replaces `secret` by `[redacted]` in every session-log line from now on. */
  redact(secret: string): void {
    if (secret !== '') this.secrets.push(secret);
  }

  private redacted(line: string): string {
    let out = line;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    return out;
  }

  /** Suspends the running turn's silence timer (a host-side tool runs); call the result to resume. */
  holdTurn(): () => void {
    const watch = this.watch;
    watch?.hold();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      watch?.release();
    };
  }

  /** Runs `cleanup` during {@link AcpSessionCore.stop} (after the process group is gone). */
  onStop(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Resolves with the exit status, or null if the process is still running after `ms`. */
  async exitWithin(ms: number): Promise<GroupExit | null> {
    const exited = this.launched?.group.exited;
    return exited === undefined ? null : settledWithin(exited, ms, this.clock);
  }

  /** The error new turns reject with once the session is gone, else null. */
  goneError(): SymphonyError | null {
    return this.gone;
  }

  /** Sends a request; `timeoutMs` null: no deadline. Rejects with the gone reason once gone. */
  async request<T>(method: string, params: unknown, timeoutMs: number | null): Promise<T> {
    if (this.gone !== null) throw this.gone;
    if (this.client === null) throw new SymphonyError('internal', 'ACP session is not attached');
    try {
      return await this.client.request<T>(method, params, timeoutMs);
    } catch (error) {
      // The connection closed: the exit status (once known) says why.
      if (this.gone === null && error instanceof SymphonyError && error.code === 'port_exit') this.markGone(await this.exitWithin(EXIT_SETTLE_MS));
      throw this.gone ?? error;
    }
  }

  /** Sends a notification unless the session is gone. */
  notify(method: string, params: unknown): void {
    if (this.gone === null) this.client?.notify(method, params);
  }

  /** Emits `startup_failed` and returns `error` for throwing. */
  startupFailed(error: SymphonyError): SymphonyError {
    this.emit('startup_failed', { message: error.toLine() });
    return error;
  }

  /** Starts turn number n+1 on `watch`: emits `session_started` (first) or `turn_started`. Returns its turn id. */
  beginTurn(watch: TurnWatch): string {
    this.turnCount++;
    const turnId = String(this.turnCount);
    this.watch = watch;
    this.turnId = turnId;
    if (this.turnCount === 1) this.sessionLog?.begin(`${this.sessionId}-${turnId}`);
    this.emit(this.turnCount === 1 ? 'session_started' : 'turn_started', { message: `turn ${this.turnCount} started` });
    return turnId;
  }

  /** Adds the turn's reported tokens to the session totals and emits `token_usage_updated` (absolute). */
  recordUsage(promptResult: unknown): void {
    const used = turnUsage(promptResult);
    if (used === null) return;
    this.totals = addTotals(this.totals, used);
    this.emit('token_usage_updated', { method: 'session/prompt', usage: this.totals, message: `${this.totals.totalTokens} tokens in this session` });
  }

  /** Emits a turn-end event. */
  turnEvent(event: 'turn_completed' | 'turn_failed' | 'turn_cancelled' | 'turn_ended_with_error', message: string): void {
    this.emit(event, { method: 'session/prompt', message });
  }

  /** Clears the active turn; permission requests still waiting are answered `cancelled`. */
  endTurn(): void {
    this.desk.settle();
    this.watch = null;
  }

  /** Delivers an operator's answer to the oldest waiting permission request (see `OperatorDesk.answer`). */
  answer(answer: unknown): AnswerResult {
    return this.desk.answer(answer);
  }

  /** Idempotent staged stop (stdin end → SIGTERM → SIGKILL); fails a running turn with `port_exit`. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.watch !== null && this.sessionId !== '') this.notify('session/cancel', { sessionId: this.sessionId });
    this.markGone(null, new SymphonyError('port_exit', 'ACP session stopped by the client'));
    const group = this.launched?.group;
    if (group !== undefined) {
      // Commands the agent started may have left the group; remember them before the tree unravels.
      // And commands detached from the tree entirely (re-parented to init) still carry the marker.
      const marker = this.launched?.marker ?? null;
      const tree = snapshotSession(group.pid, marker);
      await group.terminate(this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
      await reapSession(tree, marker, DESCENDANT_GRACE_MS, this.clock);
    }
    for (const cleanup of this.cleanups.splice(0)) await cleanup().catch(() => undefined);
    await this.sessionLog?.close();
  }

  private markGone(exit: GroupExit | null, reason?: SymphonyError): void {
    if (this.gone !== null) return;
    this.desk.abandon();
    this.held.clear();
    this.gone = reason ?? new SymphonyError('port_exit', describeExit(exit, this.launched?.stderrTail() ?? []).replace(/^app-server/, 'ACP agent'), { details: { exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null } });
    this.client?.close(this.gone);
    this.watch?.fail(this.gone);
  }

  private onUpdate(params: unknown): void {
    const view = describeUpdate(withToolCallState(params, this.toolCalls));
    this.emit('notification', { method: 'session/update', message: view.message, activity: view.activity });
  }

  /** The `session/request_permission` handler: posture answer, or held for an operator. */
  requestPermission(params: RequestPermissionRequest): Promise<RequestPermissionResponse> {
    const method = 'session/request_permission';
    const decision = decidePermission(params, {
      policy: this.options.approvalPolicy,
      operatorChannel: this.options.operatorChannel === true,
      ...(this.hostTools === null ? {} : { hostTools: this.hostTools }),
    });
    if (decision.kind === 'answer') {
      this.emit(decision.event, { method, message: oneLine(decision.message, 200) });
      return Promise.resolve({ outcome: decision.outcome });
    }
    const watch = this.watch;
    if (watch === null || this.gone !== null) {
      this.options.logger.warn({ method }, 'permission request outside a turn answered cancelled');
      return Promise.resolve(CANCELLED);
    }
    return new Promise((resolve) => {
      const id = this.nextHeldId++;
      this.held.set(id, { options: decision.options, resolve });
      // A command runs in the session's workspace (ACP's tool call carries no cwd): show it as Codex does.
      const request = decision.request.command === null ? decision.request : { ...decision.request, cwd: this.options.workspacePath };
      this.desk.enqueue(id, params, request, watch);
    });
  }

  /** Answers held request `id` with the decision the desk chose (operator, timeout or turn end). */
  private answerHeld(id: number, result: unknown): void {
    const held = this.held.get(id);
    if (held === undefined) return;
    this.held.delete(id);
    const given = (result as { decision?: unknown } | null)?.decision;
    const decision = APPROVAL_DECISIONS.find((candidate) => candidate === given) ?? 'cancel';
    held.resolve({ outcome: outcomeForDecision(decision, held.options) });
  }

  /** Emits one event with the session's ids and its structured activity. */
  emit(event: AgentEventName, fields: EventFields): void {
    const ids: EventFields =
      this.turnId === null
        ? this.sessionId === '' ? {} : { threadId: this.sessionId }
        : { threadId: this.sessionId, turnId: this.turnId, sessionId: `${this.sessionId}-${this.turnId}` };
    const payload: AgentEvent = { event, timestamp: new Date(this.clock.now()), codexAppServerPid: this.pid, ...ids, ...fields, activity: fields.activity ?? defaultActivity({ event, ...fields }) };
    try {
      this.options.onEvent(payload);
    } catch (error) {
      this.options.logger.warn({ event, error: error instanceof Error ? error.message : String(error) }, 'agent event sink threw; event dropped');
    }
  }
}
