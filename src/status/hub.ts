/**
 * The daemon's {@link StatusSource} (spec §13.3, §13.7): reads the orchestrator snapshot, numbers
 * and fans out status events, keeps a bounded history per issue (recent events, last error,
 * dispatch count), the last runs that ended (`recent_runs`) and the workflow reload status.
 * Observability only: nothing here feeds back into scheduling (spec §13.4).
 */
import path from 'node:path';
import type { EffectiveWorkflow } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import type { OperatorAnswer } from '../domain/operator.js';
import { schedulerConfigOf, type Orchestrator, type OrchestratorChange } from '../scheduler/orchestrator.js';
import { SafeListeners } from '../scheduler/listeners.js';
import { recentRunOf, withRecentRun } from './recent-runs.js';
import { skippedCandidates } from './skipped.js';
import { listSessionLogs, sessionLogFile } from './session-logs.js';
import { statusEventsOf, type UnnumberedEvent } from './translate.js';
import {
  RECENT_EVENTS_PER_ISSUE,
  type AnswerOutcome,
  type ConfigStatus,
  type DispatchStatus,
  type IssueDetail,
  type RecentEvent,
  type RecentRun,
  type SessionLogLink,
  type SkippedIssue,
  type StatusEvent,
  type StatusSnapshot,
  type StatusSource,
} from './types.js';

/** Issues whose history is kept (least recently active dropped first). */
export const TRACKED_ISSUES_LIMIT = 500;

/** What the hub reads the workflow and its reload events from (the {@link import('../config/store.js').WorkflowStore}). */
export interface WorkflowStatusSource {
  readonly path: string;
  current(): EffectiveWorkflow;
  on(event: 'reloaded', listener: (payload: { readonly changedSections: readonly string[] }) => void): () => void;
  on(event: 'rejected', listener: (payload: { readonly line: string }) => void): () => void;
}

/** Options of {@link StatusHub}. */
export interface StatusHubOptions {
  readonly orchestrator: Orchestrator;
  readonly workflow: WorkflowStatusSource;
  /** `--logs-root`; session logs are listed from `<logsRoot>/sessions`. Null: no session logs. */
  readonly logsRoot: string | null;
  readonly logger: Logger;
  /** Epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

interface IssueHistory {
  readonly issueId: string;
  identifier: string;
  issueUrl: string | null;
  readonly events: RecentEvent[];
  lastError: string | null;
  dispatches: number;
  workspacePath: string | null;
}

/** Implements {@link StatusSource} over one orchestrator and workflow store. */
export class StatusHub implements StatusSource {
  private readonly listeners: SafeListeners<StatusEvent>;
  private readonly history = new Map<string, IssueHistory>();
  private readonly unsubscribe: (() => void)[] = [];
  private nextId = 1;
  private readonly now: () => number;
  private readonly loadedAt: string;
  private lastReload: ConfigStatus['last_reload'] = null;
  private lastRejected: ConfigStatus['last_rejected'] = null;
  /** The last runs that ended, newest first (at most `RECENT_RUNS_LIMIT`). */
  private recentRuns: readonly RecentRun[] = [];
  /** Candidates of the last poll not dispatched for a setup reason (a bad runtime label). */
  private skipped: readonly SkippedIssue[] = [];
  /** Set while the workflow file on disk is invalid (dispatch paused). */
  private paused: { readonly since: string; reason: string } | null = null;

  constructor(private readonly options: StatusHubOptions) {
    this.now = options.now ?? Date.now;
    this.listeners = new SafeListeners((error) => options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'status subscriber failed'));
    this.loadedAt = new Date(this.now()).toISOString();
    this.unsubscribe.push(
      options.orchestrator.onChange((change) => this.onChange(change)),
      options.workflow.on('reloaded', ({ changedSections }) => {
        const at = new Date(this.now()).toISOString();
        this.lastReload = { at, changed: [...changedSections] };
        this.paused = null;
        this.publish({ type: 'config_reloaded', at, issue_id: null, issue_identifier: null, message: `workflow reloaded (${changedSections.join(', ') || 'no section changed'})`, data: { changed: [...changedSections] } });
      }),
      options.workflow.on('rejected', ({ line }) => {
        const at = new Date(this.now()).toISOString();
        this.lastRejected = { at, reason: line };
        if (this.paused === null) this.paused = { since: at, reason: line };
        else this.paused.reason = line;
        this.publish({
          type: 'config_rejected',
          at,
          issue_id: null,
          issue_identifier: null,
          message: `workflow edit rejected; dispatch paused until WORKFLOW.md is valid (running agents go on): ${line}`,
          data: { reason: line, paused_since: this.paused.since },
        });
      }),
    );
  }

  /** Stops listening to the orchestrator and the store; subscribers get nothing more. */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.listeners.clear();
  }

  snapshot(): StatusSnapshot {
    const config = this.options.workflow.current().config;
    return {
      ...this.options.orchestrator.snapshot(),
      max_concurrent_agents: config.agent.maxConcurrentAgents,
      max_turns: config.agent.maxTurns,
      dispatch: dispatchStatus(this.paused, path.basename(this.options.workflow.path)),
      config: { workflow_path: this.options.workflow.path, loaded_at: this.loadedAt, last_reload: this.lastReload, last_rejected: this.lastRejected },
      recent_runs: [...this.recentRuns],
      skipped: [...this.skipped],
    };
  }

  issue(identifier: string): IssueDetail | null {
    const snapshot = this.options.orchestrator.snapshot();
    const wanted = identifier.toLowerCase();
    const match = (row: { readonly issue_identifier: string }): boolean => row.issue_identifier.toLowerCase() === wanted;
    const running = snapshot.running.find(match) ?? null;
    const retry = snapshot.retrying.find(match) ?? null;
    const blocked = snapshot.blocked.find(match) ?? null;
    const waiting = snapshot.waiting.find(match) ?? null;
    const history = [...this.history.values()].find((h) => h.identifier.toLowerCase() === wanted) ?? null;
    const issueId = running?.issue_id ?? retry?.issue_id ?? blocked?.issue_id ?? history?.issueId;
    const canonical = running?.issue_identifier ?? retry?.issue_identifier ?? blocked?.issue_identifier ?? history?.identifier;
    if (issueId === undefined || canonical === undefined) return null;
    const status: IssueDetail['status'] = waiting ? 'waiting' : running ? 'running' : retry ? 'retrying' : blocked ? 'blocked' : 'idle';
    const workspacePath = running?.workspace_path ?? blocked?.workspace_path ?? history?.workspacePath ?? null;
    return {
      issue_identifier: canonical,
      issue_id: issueId,
      issue_url: running?.issue_url ?? retry?.issue_url ?? blocked?.issue_url ?? history?.issueUrl ?? null,
      status,
      workspace: workspacePath === null ? null : { path: workspacePath },
      attempts: { restart_count: Math.max(0, (history?.dispatches ?? 1) - 1), current_retry_attempt: running?.retry_attempt ?? retry?.attempt ?? null },
      running,
      retry,
      waiting,
      blocked,
      logs: { codex_session_logs: listSessionLogs(this.options.logsRoot, canonical) },
      recent_events: history ? [...history.events] : [],
      last_error: history?.lastError ?? null,
      tracked: {},
    };
  }

  refresh(): { readonly coalesced: boolean; readonly requested_at: string } {
    const coalesced = this.options.orchestrator.requestRefresh();
    return { coalesced, requested_at: new Date(this.now()).toISOString() };
  }

  answer(identifier: string, answer: OperatorAnswer): AnswerOutcome {
    return this.options.orchestrator.answer(identifier, answer);
  }

  sessionLogs(identifier: string): readonly SessionLogLink[] {
    return listSessionLogs(this.options.logsRoot, identifier);
  }

  sessionLogPath(identifier: string, label: string): string | null {
    return sessionLogFile(this.options.logsRoot, identifier, label);
  }

  subscribe(listener: (event: StatusEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Current subscribers (metrics, the terminal view, one per open event stream). */
  get subscriberCount(): number {
    return this.listeners.size;
  }

  private onChange(change: OrchestratorChange): void {
    if (change.event.type === 'candidates_fetched') {
      const config = schedulerConfigOf(this.options.workflow.current().config);
      this.skipped = skippedCandidates(change.event.issues, config, this.skipped, change.nowMs);
    }
    for (const effect of change.effects) {
      if (effect.type !== 'run_ended') continue;
      const url = change.previous.running.get(effect.issueId)?.issue.url ?? null;
      this.recentRuns = withRecentRun(this.recentRuns, recentRunOf(effect, url, change.nowMs));
    }
    for (const event of statusEventsOf(change)) {
      this.remember(event, change);
      this.publish(event);
    }
    if (change.event.type === 'workspace_ready') {
      const history = this.history.get(change.event.issueId);
      if (history) history.workspacePath = change.event.workspacePath;
    }
  }

  /** Folds an event into the issue's bounded history. */
  private remember(event: UnnumberedEvent, change: OrchestratorChange): void {
    if (event.issue_id === null || event.issue_identifier === null) return;
    // Token and rate-limit updates would crowd out everything else.
    if (event.type === 'agent_event' && (event.data.event === 'token_usage_updated' || event.data.event === 'rate_limits_updated')) return;
    let history = this.history.get(event.issue_id);
    if (history === undefined) {
      history = { issueId: event.issue_id, identifier: event.issue_identifier, issueUrl: null, events: [], lastError: null, dispatches: 0, workspacePath: null };
    } else {
      this.history.delete(event.issue_id); // re-inserted below: most recently active last
    }
    this.history.set(event.issue_id, history);
    if (this.history.size > TRACKED_ISSUES_LIMIT) {
      const oldest = this.history.keys().next().value;
      if (oldest !== undefined) this.history.delete(oldest);
    }
    const entry = change.state.running.get(event.issue_id) ?? change.previous.running.get(event.issue_id);
    if (entry) history.issueUrl = entry.issue.url;
    if (event.type === 'dispatch') history.dispatches++;
    if (event.type === 'run_ended' && (event.data.outcome === 'failed' || event.data.outcome === 'blocked')) history.lastError = typeof event.data.reason === 'string' ? event.data.reason : event.message;
    const kind = event.type === 'agent_event' ? String(event.data.event) : event.type;
    history.events.push({ at: event.at, event: kind, message: event.message });
    if (history.events.length > RECENT_EVENTS_PER_ISSUE) history.events.splice(0, history.events.length - RECENT_EVENTS_PER_ISSUE);
  }

  private publish(event: UnnumberedEvent): void {
    this.listeners.emit({ id: this.nextId++, ...event });
  }
}

/** The {@link DispatchStatus} for a pause (or none); `fileName` names the workflow file. Pure. */
export function dispatchStatus(paused: { readonly since: string; readonly reason: string } | null, fileName: string): DispatchStatus {
  if (paused === null) return { state: 'active', paused_since: null, reason: null, summary: 'dispatch: active' };
  return { state: 'paused', paused_since: paused.since, reason: paused.reason, summary: `dispatch: paused — ${fileName} invalid since ${paused.since}: ${paused.reason}` };
}
