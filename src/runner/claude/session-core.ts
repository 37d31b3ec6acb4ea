/**
 * The mutable heart of one Claude Code session: the process group it owns, the SDK message pump,
 * event emission (a throwing sink cannot break the session), permission prompts (answered per
 * `permissions.ts`, or held for an operator on the shared {@link OperatorDesk}), host-side tool
 * calls, token accounting, the active turn, and shutdown. `session.ts` drives it; nothing else should.
 */
import type { UUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { CanUseTool, PermissionResult, Query, SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { DEFAULT_OPERATOR_TIMEOUT_MS } from '../../config/types.js';
import { systemClock, type Clock } from '../../domain/clock.js';
import { defaultActivity, type AgentEvent, type AgentEventName } from '../../domain/agent-event.js';
import type { AnswerResult } from '../../domain/operator.js';
import { oneLine, SymphonyError } from '../../errors.js';
import { SessionLog } from '../../logging/session-log.js';
import type { GroupExit } from '../../process/group.js';
import type { ToolResult } from '../../tracker/tracker.js';
import { reapSession, snapshotSession } from '../app-server/descendants.js';
import type { LaunchedAppServer } from '../app-server/launch.js';
import { OperatorDesk } from '../app-server/operator-desk.js';
import type { OperatorRequestDraft } from '../app-server/operator-requests.js';
import type { TurnWatch } from '../app-server/turn-watch.js';
import { messageEvents, type ToolUseRecord } from './activity.js';
import type { UserMessageQueue } from './input-queue.js';
import { decidePermission, interrupts, operatorPermissionResult, promptCommand, type ToolPrompt } from './permissions.js';
import { endsTurn, readTurnResult } from './result.js';
import type { ClaudeSessionOptions } from './session.js';
import { hostToolName } from './tools.js';
import { TokenLedger } from './usage.js';

type EventFields = Omit<Partial<AgentEvent>, 'event' | 'timestamp' | 'codexAppServerPid'>;

/** SIGTERM → SIGKILL grace on stop, ms. */
const DEFAULT_STOP_GRACE_MS = 2000;
/** How long descendants that left the group get to exit after it is gone, ms. */
const DESCENDANT_GRACE_MS = 1000;

interface HeldPrompt {
  readonly prompt: ToolPrompt;
  readonly resolve: (result: PermissionResult) => void;
}

/** One session's state; see the module comment. */
export class ClaudeSessionCore {
  private launched: LaunchedAppServer | null = null;
  private query: Query | null = null;
  private watch: TurnWatch | null = null;
  private turnId: string | null = null;
  private turnCount = 0;
  private cancelRequested = false;
  private gone: SymphonyError | null = null;
  private stopping: Promise<void> | null = null;
  private readonly held = new Map<string, HeldPrompt>();
  private readonly toolUses = new Map<string, ToolUseRecord>();
  private readonly ledger = new TokenLedger();
  private readonly desk: OperatorDesk;
  private readonly hostTools: ReadonlySet<string>;
  private readonly clock: Clock;
  private readonly sessionLog: SessionLog | null;

  constructor(
    private readonly options: ClaudeSessionOptions,
    /** The session id Claude Code runs under (a UUID). */
    readonly sessionId: string,
    private readonly input: UserMessageQueue,
    private readonly configDir: string,
    private readonly cwd: string,
  ) {
    this.clock = options.clock ?? systemClock;
    this.hostTools = new Set(options.tools.map((spec) => hostToolName(spec.name)));
    this.desk = new OperatorDesk({
      timers: this.clock,
      now: () => this.clock.now(),
      timeoutMs: options.operatorTimeoutMs ?? DEFAULT_OPERATOR_TIMEOUT_MS,
      respond: (id, result, draft) => this.answerHeld(String(id), result, draft),
      emit: (event, fields) => this.emit(event, fields),
    });
    const log = options.sessionLog;
    this.sessionLog = log === undefined ? null : new SessionLog({ logsRoot: log.logsRoot, workspaceKey: log.workspaceKey, maxBytes: log.maxBytes, logger: options.logger });
  }

  /** PID of the Claude Code process (also its process-group id), or null before the spawn. */
  get pid(): number | null {
    const pid = this.launched?.group.pid ?? -1;
    return pid > 0 ? pid : null;
  }

  /** The launched group, once the SDK spawned it. */
  get process(): LaunchedAppServer | null {
    return this.launched;
  }

  /** The error new turns are rejected with once the session is gone, else null. */
  goneError(): SymphonyError | null {
    return this.gone;
  }

  /** Records the process the SDK's spawn hook launched; its exit makes the session gone. */
  attachProcess(launched: LaunchedAppServer): void {
    this.launched = launched;
    void launched.group.exited.then((exit) => this.markGone(new SymphonyError('port_exit', describeClaudeExit(exit, launched.stderrTail()), { details: { exitCode: exit.exitCode, signal: exit.signal } })));
  }

  /** Binds the SDK query and starts reading its messages. */
  attachQuery(query: Query): void {
    this.query = query;
    void this.pump(query);
  }

  /** Emits `startup_failed` and returns `error` for throwing. */
  startupFailed(error: SymphonyError): SymphonyError {
    this.emit('startup_failed', { message: error.toLine() });
    return error;
  }

  /** Starts turn `turnId` on `watch`: emits `session_started` (first turn) or `turn_started` and sends `text`. */
  beginTurn(watch: TurnWatch, turnId: UUID, text: string): void {
    this.watch = watch;
    this.turnId = turnId;
    this.cancelRequested = false;
    this.turnCount++;
    watch.bind(turnId);
    if (this.turnCount === 1) this.sessionLog?.begin(`${this.sessionId}-${turnId}`);
    this.emit(this.turnCount === 1 ? 'session_started' : 'turn_started', { message: `turn ${this.turnCount} started` });
    this.record('send', { type: 'user', message: { role: 'user', content: text }, uuid: turnId });
    this.input.push(text, turnId);
  }

  /** Whether the operator cancelled a prompt during the current turn (its failure is `turn_cancelled`). */
  get cancelled(): boolean {
    return this.cancelRequested;
  }

  /** Emits `event` for the current turn. */
  emitTurn(event: AgentEventName, message: string): void {
    this.emit(event, { method: 'result', message });
  }

  /** Clears the active turn; prompts still waiting get their fallback answer. A turn that ended without its `result` is interrupted. */
  endTurn(settledByResult: boolean): void {
    this.desk.settle();
    this.watch = null;
    if (!settledByResult && this.gone === null) void this.query?.interrupt().catch(() => undefined);
  }

  /** Delivers an operator's answer to the oldest waiting prompt (see `OperatorDesk.answer`). */
  answer(answer: unknown): AnswerResult {
    return this.desk.answer(answer);
  }

  /** The SDK's permission callback. */
  readonly canUseTool: CanUseTool = (toolName, input, options) => {
    this.watch?.activity();
    const prompt: ToolPrompt = {
      toolName,
      input,
      suggestions: options.suggestions ?? [],
      title: options.title ?? null,
      decisionReason: options.decisionReason ?? null,
      suppressAlwaysAllow: options.suppressAlwaysAllowRule === true,
      cwd: this.cwd,
    };
    const decision = decidePermission(prompt, { policy: this.options.config.approvalPolicy, operatorChannel: this.options.operatorChannel, hostTools: this.hostTools });
    const command = promptCommand(prompt);
    switch (decision.kind) {
      case 'answer':
        if (decision.event !== null) {
          const approved = decision.event === 'approval_auto_approved';
          this.emit(decision.event, { method: 'can_use_tool', message: oneLine(decision.message, 200), activity: { kind: 'approval', phase: approved ? 'completed' : 'failed', tool: toolName, command, detail: oneLine(decision.message, 200) } });
        }
        return Promise.resolve(decision.result);
      case 'input_required':
        this.emit('turn_input_required', { method: 'can_use_tool', message: decision.message });
        this.watch?.fail(new SymphonyError('turn_input_required', `turn ${this.turnCount}: ${decision.message}`));
        return Promise.resolve(decision.result);
      case 'operator': {
        const watch = this.watch;
        if (watch === null || this.gone !== null) return Promise.resolve({ behavior: 'deny', message: 'no turn is running', interrupt: true });
        const id = options.toolUseID;
        return new Promise<PermissionResult>((resolve) => {
          this.held.set(id, { prompt, resolve });
          this.desk.enqueue(id, { toolName, input }, decision.request, watch);
        });
      }
    }
  };

  /** Runs a host-side tool for the MCP server; the turn's silence timer is held meanwhile. */
  readonly runHostTool = async (name: string, args: unknown): Promise<ToolResult> => {
    const watch = this.watch;
    watch?.hold();
    let result: ToolResult;
    try {
      result = await this.options.executeTool(name, args);
    } catch (error) {
      result = { success: false, text: `tool ${name} failed: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      watch?.release();
    }
    if (this.gone === null) {
      const detail = result.success ? null : oneLine(result.text, 150);
      this.emit(result.success ? 'tool_call_completed' : 'tool_call_failed', { method: 'mcp/tools/call', message: `${name}: ${oneLine(result.text, 150)}`, activity: { kind: 'tool', phase: result.success ? 'completed' : 'failed', tool: name, command: null, detail } });
    } else {
      this.options.logger.info({ tool: name }, 'tool call finished after the session ended; result dropped');
    }
    return result;
  };

  /** Idempotent: ends input, closes the query, terminates the group, reaps escaped descendants, removes the config dir. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.markGone(new SymphonyError('port_exit', 'Claude Code session stopped by the client'));
    const group = this.launched?.group;
    // Claude Code runs each Bash command in a process group of its own: remember the tree first.
    const marker = this.launched?.marker ?? null;
    const tree = group !== undefined ? snapshotSession(group.pid, marker) : [];
    try {
      this.query?.close();
    } catch (error) {
      this.options.logger.debug({ error: error instanceof Error ? error.message : String(error) }, 'closing the Claude Code query failed');
    }
    if (group !== undefined) await group.terminate(this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
    await reapSession(tree, marker, DESCENDANT_GRACE_MS, this.clock);
    await rm(this.configDir, { recursive: true, force: true }).catch(() => undefined);
    await this.sessionLog?.close();
  }

  /** Marks the session gone (first reason wins): fails the turn, drops waiting prompts, ends input. */
  markGone(reason: SymphonyError): void {
    if (this.gone !== null) return;
    this.gone = reason;
    this.desk.abandon();
    for (const { resolve } of this.held.values()) resolve({ behavior: 'deny', message: 'the session ended', interrupt: true });
    this.held.clear();
    this.input.end();
    this.watch?.fail(reason);
  }

  private answerHeld(id: string, result: unknown, draft: OperatorRequestDraft): void {
    const held = this.held.get(id);
    if (held === undefined) return;
    this.held.delete(id);
    const permission = operatorPermissionResult(draft, result, held.prompt);
    if (interrupts(permission) && draft.kind === 'approval') this.cancelRequested = true;
    this.record('send', { type: 'can_use_tool_response', tool_use_id: id, result: permission });
    held.resolve(permission);
  }

  private async pump(query: Query): Promise<void> {
    try {
      for await (const message of query) this.onMessage(message);
      this.markGone(new SymphonyError('port_exit', 'Claude Code ended the session'));
    } catch (error) {
      this.markGone(new SymphonyError('port_exit', `Claude Code session failed: ${oneLine(error instanceof Error ? error.message : String(error), 300)}`, { cause: error }));
    }
  }

  private onMessage(message: SDKMessage): void {
    this.watch?.activity();
    this.record('recv', message);
    try {
      if (message.type === 'assistant') this.usage(this.ledger.onAssistant(message), 'assistant');
      if (message.type === 'result') {
        this.usage(this.ledger.onResult(message), 'result');
        this.onResult(message);
        return;
      }
      for (const spec of messageEvents(message, { toolUses: this.toolUses, hostTools: this.hostTools })) {
        const { event, ...fields } = spec;
        this.emit(event, fields);
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ type: message.type, reason }, 'could not handle a Claude Code message');
      this.emit('malformed', { method: message.type, message: oneLine(reason, 200) });
    }
  }

  private onResult(message: SDKMessage): void {
    const result = readTurnResult(message);
    const watch = this.watch;
    if (watch === null || this.turnId === null || !endsTurn(result, this.turnId)) {
      this.options.logger.debug({ subtype: result.subtype }, 'result of an earlier turn ignored');
      return;
    }
    const status = result.ok ? 'completed' : this.cancelRequested ? 'interrupted' : 'failed';
    watch.offerCompletion({ turnId: this.turnId, status, errorMessage: result.errorMessage });
  }

  /** Appends `message` to the session log (when there is one); never throws. */
  private record(direction: 'recv' | 'send', message: unknown): void {
    if (this.sessionLog === null) return;
    try {
      this.sessionLog.record(direction, JSON.stringify(message));
    } catch {
      this.sessionLog.record(direction, `[unserializable ${direction} message]`);
    }
  }

  private usage(totals: ReturnType<TokenLedger['onResult']>, method: string): void {
    if (totals !== null) this.emit('token_usage_updated', { method, usage: totals });
  }

  private emit(event: AgentEventName, fields: EventFields): void {
    const ids: EventFields = this.turnId === null ? { threadId: this.sessionId } : { threadId: this.sessionId, turnId: this.turnId, sessionId: `${this.sessionId}-${this.turnId}` };
    const payload: AgentEvent = { event, timestamp: new Date(this.clock.now()), codexAppServerPid: this.pid, ...ids, ...fields, activity: fields.activity ?? defaultActivity({ event, ...fields }) };
    try {
      this.options.onEvent(payload);
    } catch (error) {
      this.options.logger.warn({ event, error: error instanceof Error ? error.message : String(error) }, 'agent event sink threw; event dropped');
    }
  }
}

/** One line on how Claude Code exited, with the last stderr line if any. */
export function describeClaudeExit(exit: GroupExit | null, stderrTail: readonly string[]): string {
  const how = exit === null ? 'closed its output' : exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
  const last = stderrTail[stderrTail.length - 1];
  return last === undefined ? `Claude Code ${how}` : `Claude Code ${how} (stderr: ${last})`;
}
