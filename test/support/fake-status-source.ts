/**
 * A controllable {@link StatusSource} for tests of the status surfaces (HTTP API, dashboard):
 * the test sets the snapshot and issue details, emits {@link StatusEvent}s to subscribers, and
 * reads back the answers and refreshes it received. Builders make realistic rows.
 */
import type { OperatorAnswer } from '../../src/domain/operator.js';
import type { BlockedRow, RetryRow, RunningRow, WaitingRow } from '../../src/scheduler/snapshot.js';
import type { AnswerOutcome, IssueDetail, StatusEvent, StatusEventType, StatusSnapshot, StatusSource } from '../../src/status/types.js';
import { Pulse } from './wait.js';

/** One answer the source received. */
export interface RecordedAnswer {
  readonly identifier: string;
  readonly answer: OperatorAnswer;
}

/** The fake. Every mutation notifies {@link FakeStatusSource.pulse}. */
export class FakeStatusSource implements StatusSource {
  /** Notified on every call and mutation, for event-driven waits. */
  readonly pulse = new Pulse();
  /** Answers received, in order. */
  readonly answers: RecordedAnswer[] = [];
  /** Number of `refresh()` calls. */
  refreshes = 0;
  /** Number of `snapshot()` calls. */
  snapshotReads = 0;
  /** Issue details by identifier (`issue()` returns null for others). */
  readonly issues = new Map<string, IssueDetail>();
  /** Session log paths by `<identifier>/<label>`. */
  readonly logPaths = new Map<string, string>();
  /** When set, `snapshot()` throws it. */
  snapshotError: Error | null = null;
  /** Decides what `answer()` returns; default: ok when the snapshot lists the issue as waiting, else `nothing_waiting`. */
  answerOutcome: (identifier: string, answer: OperatorAnswer) => AnswerOutcome = (identifier) =>
    this.#snapshot.waiting.some((row) => row.issue_identifier === identifier)
      ? { ok: true }
      : { ok: false, code: 'nothing_waiting', message: `${identifier} is not waiting for an operator` };

  #snapshot: StatusSnapshot;
  readonly #listeners = new Set<(event: StatusEvent) => void>();
  #nextId = 1;

  constructor(snapshot: StatusSnapshot = statusSnapshot()) {
    this.#snapshot = snapshot;
  }

  /** Number of current subscribers (open event streams). */
  get subscribers(): number {
    return this.#listeners.size;
  }

  /** Replaces the snapshot (build one with {@link statusSnapshot}). */
  setSnapshot(snapshot: StatusSnapshot): void {
    this.#snapshot = snapshot;
    this.pulse.notify();
  }

  /** Sets (or with null removes) an issue's details. */
  setIssue(identifier: string, detail: IssueDetail | null): void {
    if (detail === null) this.issues.delete(identifier);
    else this.issues.set(identifier, detail);
    this.pulse.notify();
  }

  /** Delivers an event to every subscriber; `id` and `at` are filled in. Returns the event. */
  emit(type: StatusEventType, fields: Partial<Omit<StatusEvent, 'id' | 'type'>> = {}): StatusEvent {
    const event: StatusEvent = {
      id: this.#nextId++,
      type,
      at: fields.at ?? new Date().toISOString(),
      issue_id: fields.issue_id ?? null,
      issue_identifier: fields.issue_identifier ?? null,
      message: fields.message ?? type,
      data: fields.data ?? {},
    };
    for (const listener of [...this.#listeners]) listener(event);
    this.pulse.notify();
    return event;
  }

  snapshot(): StatusSnapshot {
    this.snapshotReads += 1;
    this.pulse.notify();
    if (this.snapshotError) throw this.snapshotError;
    // Like the daemon, the snapshot is generated at read time.
    return { ...this.#snapshot, generated_at: new Date().toISOString() };
  }

  issue(identifier: string): IssueDetail | null {
    return this.issues.get(identifier) ?? null;
  }

  refresh(): { readonly coalesced: boolean; readonly requested_at: string } {
    this.refreshes += 1;
    this.pulse.notify();
    return { coalesced: this.refreshes > 1, requested_at: new Date().toISOString() };
  }

  answer(identifier: string, answer: OperatorAnswer): AnswerOutcome {
    this.answers.push({ identifier, answer });
    this.pulse.notify();
    return this.answerOutcome(identifier, answer);
  }

  sessionLogPath(identifier: string, label: string): string | null {
    return this.logPaths.get(`${identifier}/${label}`) ?? null;
  }

  subscribe(listener: (event: StatusEvent) => void): () => void {
    this.#listeners.add(listener);
    this.pulse.notify();
    return () => {
      this.#listeners.delete(listener);
      this.pulse.notify();
    };
  }
}

const iso = (offsetMs = 0): string => new Date(Date.now() + offsetMs).toISOString();

/** A snapshot with the given rows; counts follow the rows unless `counts` is given. */
export function statusSnapshot(overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  const running = overrides.running ?? [];
  const retrying = overrides.retrying ?? [];
  const waiting = overrides.waiting ?? [];
  const blocked = overrides.blocked ?? [];
  return {
    generated_at: iso(),
    counts: { running: running.length, retrying: retrying.length, claimed: running.length + retrying.length + blocked.length, waiting: waiting.length, blocked: blocked.length },
    codex_totals: { input_tokens: 0, output_tokens: 0, total_tokens: 0, seconds_running: 0 },
    rate_limits: null,
    tokens_today: { day: '2026-01-02', total_tokens: 0 },
    max_concurrent_agents: 10,
    max_turns: 20,
    dispatch: { state: 'active', paused_since: null, reason: null, summary: 'dispatch: active' },
    config: { workflow_path: '/srv/symphony/WORKFLOW.md', loaded_at: iso(-3_600_000), last_reload: null, last_rejected: null },
    ...overrides,
    running,
    retrying,
    waiting,
    blocked,
  };
}

/** A running row of `identifier` (started a few minutes ago, some tokens). */
export function runningRow(identifier: string, overrides: Partial<RunningRow> = {}): RunningRow {
  return {
    issue_id: `id-${identifier}`,
    issue_identifier: identifier,
    issue_url: `https://linear.app/acme/issue/${identifier}`,
    state: 'In Progress',
    session_id: `thread-${identifier}-turn-1`,
    turn_count: 3,
    last_event: 'notification',
    last_message: 'item/started: commandExecution',
    last_activity: { kind: 'command', phase: 'started', tool: null, command: 'npm test', detail: null, summary: 'running `npm test`' },
    runtime: 'codex',
    started_at: iso(-245_000),
    last_event_at: iso(-4_000),
    workspace_path: `/srv/symphony/workspaces/${identifier}`,
    retry_attempt: null,
    stopping: null,
    tokens: { input_tokens: 18_250, output_tokens: 3_120, total_tokens: 21_370 },
    waiting: false, issue_total_tokens: 21_370, resumed: false,
    ...overrides,
  };
}

/** A retry row of `identifier`, due in a minute. */
export function retryRow(identifier: string, overrides: Partial<RetryRow> = {}): RetryRow {
  return {
    issue_id: `id-${identifier}`,
    issue_identifier: identifier,
    issue_url: `https://linear.app/acme/issue/${identifier}`,
    attempt: 2,
    due_at: iso(60_000),
    kind: 'failure',
    error: 'turn_failed: the model returned an error',
    cause: 'worker_failed',
    resumes: false,
    ...overrides,
  };
}

/** An approval request of `identifier` for a command. */
export function waitingApproval(identifier: string, overrides: Partial<WaitingRow> = {}): WaitingRow {
  return {
    issue_id: `id-${identifier}`,
    issue_identifier: identifier,
    issue_url: `https://linear.app/acme/issue/${identifier}`,
    kind: 'approval',
    method: 'item/commandExecution/requestApproval',
    summary: 'npm publish --dry-run',
    command: 'npm publish --dry-run',
    cwd: `/srv/symphony/workspaces/${identifier}`,
    reason: 'needs network access to check the registry',
    decisions: ['accept', 'acceptForSession', 'decline', 'cancel'],
    questions: [],
    since: iso(-90_000),
    deadline: iso(1_710_000),
    ...overrides,
  };
}

/** A user-input request of `identifier` with one choice question and one secret free-text question. */
export function waitingQuestions(identifier: string, overrides: Partial<WaitingRow> = {}): WaitingRow {
  return {
    issue_id: `id-${identifier}`,
    issue_identifier: identifier,
    issue_url: `https://linear.app/acme/issue/${identifier}`,
    kind: 'user_input',
    method: 'item/tool/requestUserInput',
    summary: 'Which database should the migration target?',
    command: null,
    cwd: null,
    reason: null,
    decisions: [],
    questions: [
      {
        id: 'target',
        header: 'Target',
        question: 'Which database should the migration target?',
        options: [
          { label: 'staging', description: 'the shared staging cluster' },
          { label: 'local', description: 'a throwaway local database' },
        ],
        is_other: true,
        is_secret: false,
      },
      { id: 'password', header: 'Password', question: 'Database password?', options: [], is_other: false, is_secret: true },
    ],
    since: iso(-30_000),
    deadline: iso(1_770_000),
    ...overrides,
  };
}

/** A blocked row of `identifier`. */
export function blockedRow(identifier: string, overrides: Partial<BlockedRow> = {}): BlockedRow {
  return {
    issue_id: `id-${identifier}`,
    issue_identifier: identifier,
    issue_url: `https://linear.app/acme/issue/${identifier}`,
    state: 'In Progress',
    reason: 'operator_timeout: nobody answered the approval of `rm -rf build` within 30m',
    since: iso(-1_200_000),
    workspace_path: `/srv/symphony/workspaces/${identifier}`,
    cause: 'operator',
    ...overrides,
  };
}

/** Issue details of `identifier` (running unless overridden). */
export function issueDetail(identifier: string, overrides: Partial<IssueDetail> = {}): IssueDetail {
  return {
    issue_identifier: identifier,
    issue_id: `id-${identifier}`,
    issue_url: `https://linear.app/acme/issue/${identifier}`,
    status: 'running',
    workspace: { path: `/srv/symphony/workspaces/${identifier}` },
    attempts: { restart_count: 0, current_retry_attempt: null },
    running: runningRow(identifier),
    retry: null,
    waiting: null,
    blocked: null,
    logs: { codex_session_logs: [] },
    recent_events: [],
    last_error: null,
    tracked: {},
    ...overrides,
  };
}
