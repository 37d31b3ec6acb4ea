/**
 * An in-memory {@link StatusSource} for the HTTP server's tests: canned snapshot and issues,
 * recorded refreshes and answers, and events pushed by the test. Every subscription change and
 * call wakes {@link FakeSource.pulse}.
 */
import type { AnswerResult, OperatorAnswer } from '../../src/domain/operator.js';
import type { AnswerOutcome, IssueDetail, StatusEvent, SessionLogLink, StatusEventType, StatusSnapshot, StatusSource } from '../../src/status/types.js';
import { Pulse } from '../support/wait.js';

/** A small but complete snapshot with one running issue (MT-1). */
export function sampleSnapshot(generatedAt = '2026-01-02T03:04:05.000Z'): StatusSnapshot {
  return {
    generated_at: generatedAt,
    counts: { running: 1, retrying: 0, claimed: 1, waiting: 0, blocked: 0 },
    running: [
      {
        issue_id: 'id-1',
        issue_identifier: 'MT-1',
        issue_url: 'https://tracker.example/MT-1',
        state: 'In Progress',
        session_id: 'thread-1-turn-1',
        turn_count: 2,
        last_event: 'notification',
        last_message: 'Working on tests',
        last_activity: { kind: 'command', phase: 'started', tool: null, command: 'npm test', detail: null, summary: 'running `npm test`' },
        started_at: '2026-01-02T03:00:00.000Z',
        last_event_at: '2026-01-02T03:04:00.000Z',
        workspace_path: '/tmp/ws/MT-1',
        retry_attempt: null,
        stopping: null,
        tokens: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
        waiting: false, issue_total_tokens: 15, resumed: false,
      },
    ],
    retrying: [],
    waiting: [],
    blocked: [],
    codex_totals: { input_tokens: 10, output_tokens: 5, total_tokens: 15, seconds_running: 245 },
    rate_limits: null,
    tokens_today: { day: '2026-01-02', total_tokens: 0 },
    max_concurrent_agents: 4,
    max_turns: 20,
    dispatch: { state: 'active', paused_since: null, reason: null, summary: 'dispatch: active' },
    config: { workflow_path: '/tmp/WORKFLOW.md', loaded_at: '2026-01-02T03:00:00.000Z', last_reload: null, last_rejected: null },
  };
}

/** Issue details for `identifier`, idle. */
export function sampleIssue(identifier: string): IssueDetail {
  return {
    issue_identifier: identifier,
    issue_id: `id-${identifier}`,
    issue_url: null,
    status: 'idle',
    workspace: null,
    attempts: { restart_count: 0, current_retry_attempt: null },
    running: null,
    retry: null,
    waiting: null,
    blocked: null,
    logs: { codex_session_logs: [] },
    recent_events: [],
    last_error: null,
    tracked: {},
  };
}

/** A {@link StatusSource} driven by the test. */
export class FakeSource implements StatusSource {
  readonly pulse = new Pulse();
  readonly issues = new Map<string, IssueDetail>();
  /** Session log paths by `<identifier>/<label>`. */
  readonly logs = new Map<string, string>();
  readonly answers: { identifier: string; answer: OperatorAnswer }[] = [];
  refreshes = 0;
  /** Replace to make `snapshot()` throw or vary. */
  snapshotImpl: () => StatusSnapshot = () => sampleSnapshot();
  /** Replace to vary what `answer()` returns (default: issue unknown → issue_not_found, else ok). */
  answerImpl: (identifier: string, answer: OperatorAnswer) => AnswerOutcome = (identifier) =>
    this.issues.has(identifier) ? ({ ok: true } satisfies AnswerResult) : { ok: false, code: 'issue_not_found', message: `issue ${identifier} is not running` };
  /** Set to make `issue()` throw. */
  issueError: Error | null = null;
  readonly #listeners = new Set<(event: StatusEvent) => void>();
  #nextId = 1;

  get listenerCount(): number {
    return this.#listeners.size;
  }

  snapshot(): StatusSnapshot {
    return this.snapshotImpl();
  }

  issue(identifier: string): IssueDetail | null {
    if (this.issueError !== null) throw this.issueError;
    return this.issues.get(identifier) ?? null;
  }

  refresh(): { readonly coalesced: boolean; readonly requested_at: string } {
    this.refreshes += 1;
    this.pulse.notify();
    return { coalesced: this.refreshes > 1, requested_at: '2026-01-02T03:04:05.000Z' };
  }

  answer(identifier: string, answer: OperatorAnswer): AnswerOutcome {
    this.answers.push({ identifier, answer });
    this.pulse.notify();
    return this.answerImpl(identifier, answer);
  }

  sessionLogPath(identifier: string, label: string): string | null {
    return this.logs.get(`${identifier}/${label}`) ?? null;
  }

  /** Session-log links per identifier, for issues the daemon does not hold (`sessionLogs`). */
  readonly logLinks = new Map<string, SessionLogLink[]>();

  sessionLogs(identifier: string): readonly SessionLogLink[] {
    return this.logLinks.get(identifier) ?? [];
  }

  subscribe(listener: (event: StatusEvent) => void): () => void {
    this.#listeners.add(listener);
    this.pulse.notify();
    return () => {
      this.#listeners.delete(listener);
      this.pulse.notify();
    };
  }

  /** Delivers a new event (ids from 1) to every listener and returns it. */
  emit(type: StatusEventType, message = `${type} happened`, data: Record<string, unknown> = {}): StatusEvent {
    const event: StatusEvent = { id: this.#nextId++, type, at: new Date(0).toISOString(), issue_id: 'id-1', issue_identifier: 'MT-1', message, data };
    for (const listener of [...this.#listeners]) listener(event);
    return event;
  }
}
