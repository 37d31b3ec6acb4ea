/**
 * Maps journal records to SQL parameters and SQL rows back to records (issue 9). Pure.
 * Column names are the snake_case of the record fields; `retry` and `blocked` are flattened into
 * `retry_*` and `blocked_*` columns, all null when the object is null.
 */

import type { SQLInputValue, SQLOutputValue } from 'node:sqlite';
import type { JournalClaim, JournalClaimKind, JournalDay, JournalRetry, JournalRun, JournalUsage } from './types.js';

/** Named parameters of one statement (bare names; SQL uses `:name`). */
export type SqlParams = Record<string, SQLInputValue>;
/** One result row as `node:sqlite` returns it. */
export type SqlRow = Record<string, SQLOutputValue>;

/** A run as stored: the record plus its journal id (`runs.run_id`, from `startRun`). */
export interface StoredJournalRun extends JournalRun {
  /** The id `startRun` returned; increases with every run, never reused. */
  readonly runId: number;
}

/** Thrown when a stored row does not have the shape this build wrote (a corrupt or foreign file). */
export class JournalRowError extends Error {
  override readonly name = 'JournalRowError';
}

/** Parameters of the `claims` upsert. */
export function claimParams(claim: JournalClaim): SqlParams {
  const { retry, blocked } = claim;
  return {
    issue_id: claim.issueId,
    identifier: claim.identifier,
    issue_url: claim.issueUrl,
    issue_state: claim.issueState,
    kind: claim.kind,
    runtime: claim.runtime,
    attempt: claim.attempt,
    session_id: claim.sessionId,
    thread_id: claim.threadId,
    workspace_path: claim.workspacePath,
    started_at_ms: claim.startedAtMs,
    waiting: claim.waiting,
    retry_attempt: retry?.attempt ?? null,
    retry_due_at_ms: retry?.dueAtMs ?? null,
    retry_error: retry?.error ?? null,
    retry_error_code: retry?.errorCode ?? null,
    retry_kind: retry?.kind ?? null,
    retry_cause: retry?.cause ?? null,
    blocked_state: blocked?.state ?? null,
    blocked_reason: blocked?.reason ?? null,
    blocked_since_ms: blocked?.sinceMs ?? null,
    blocked_cause: blocked?.cause ?? null,
    updated_at_ms: claim.updatedAtMs,
  };
}

/** A `claims` row back as a record. @throws JournalRowError on an unexpected column type. */
export function claimFromRow(row: SqlRow): JournalClaim {
  const retryKind = nullableText(row, 'retry_kind');
  const retryAttempt = nullableInt(row, 'retry_attempt');
  const blockedState = nullableText(row, 'blocked_state');
  return {
    issueId: text(row, 'issue_id'),
    identifier: text(row, 'identifier'),
    issueUrl: nullableText(row, 'issue_url'),
    issueState: nullableText(row, 'issue_state'),
    kind: claimKind(text(row, 'kind')),
    runtime: text(row, 'runtime'),
    attempt: nullableInt(row, 'attempt'),
    sessionId: nullableText(row, 'session_id'),
    threadId: nullableText(row, 'thread_id'),
    workspacePath: nullableText(row, 'workspace_path'),
    startedAtMs: nullableInt(row, 'started_at_ms'),
    waiting: nullableText(row, 'waiting'),
    retry:
      retryAttempt === null
        ? null
        : {
            attempt: retryAttempt,
            dueAtMs: int(row, 'retry_due_at_ms'),
            error: nullableText(row, 'retry_error'),
            errorCode: nullableText(row, 'retry_error_code'),
            kind: retryKindOf(retryKind),
            cause: text(row, 'retry_cause'),
          },
    blocked:
      blockedState === null
        ? null
        : {
            state: blockedState,
            reason: text(row, 'blocked_reason'),
            sinceMs: int(row, 'blocked_since_ms'),
            cause: nullableText(row, 'blocked_cause') ?? 'operator',
          },
    updatedAtMs: int(row, 'updated_at_ms'),
  };
}

/** Parameters of the `usage` upsert. */
export function usageParams(usage: JournalUsage): SqlParams {
  return {
    issue_id: usage.issueId,
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
    runtime_ms: usage.runtimeMs,
    budget_tokens: usage.budgetTokens,
    budget_runtime_ms: usage.budgetRuntimeMs,
  };
}

/** A `usage` row back as a record. @throws JournalRowError on an unexpected column type. */
export function usageFromRow(row: SqlRow): JournalUsage {
  return {
    issueId: text(row, 'issue_id'),
    inputTokens: int(row, 'input_tokens'),
    outputTokens: int(row, 'output_tokens'),
    totalTokens: int(row, 'total_tokens'),
    runtimeMs: int(row, 'runtime_ms'),
    budgetTokens: int(row, 'budget_tokens'),
    budgetRuntimeMs: int(row, 'budget_runtime_ms'),
  };
}

/** A `days` row back as a record. @throws JournalRowError on an unexpected column type. */
export function dayFromRow(row: SqlRow): JournalDay {
  return { day: text(row, 'day'), totalTokens: int(row, 'total_tokens') };
}

/** A `runs` row back as a record with its id. @throws JournalRowError on an unexpected column type. */
export function runFromRow(row: SqlRow): StoredJournalRun {
  return {
    runId: int(row, 'run_id'),
    issueId: text(row, 'issue_id'),
    identifier: text(row, 'identifier'),
    attempt: nullableInt(row, 'attempt'),
    runtime: text(row, 'runtime'),
    startedAtMs: int(row, 'started_at_ms'),
    endedAtMs: nullableInt(row, 'ended_at_ms'),
    outcome: nullableText(row, 'outcome'),
    reason: nullableText(row, 'reason'),
    turns: int(row, 'turns'),
    inputTokens: int(row, 'input_tokens'),
    outputTokens: int(row, 'output_tokens'),
    totalTokens: int(row, 'total_tokens'),
    workflowRevision: text(row, 'workflow_revision'),
    handedOffAtMs: nullableInt(row, 'handed_off_at_ms'),
  };
}

function claimKind(value: string): JournalClaimKind {
  if (value === 'running' || value === 'waiting' || value === 'retrying' || value === 'blocked') return value;
  throw new JournalRowError(`claims.kind: unknown value "${value}"`);
}

function retryKindOf(value: string | null): JournalRetry['kind'] {
  if (value === 'continuation' || value === 'failure') return value;
  throw new JournalRowError(`claims.retry_kind: unknown value "${value}"`);
}

function text(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new JournalRowError(`${column}: expected text, got ${describe(value)}`);
  return value;
}

function nullableText(row: SqlRow, column: string): string | null {
  return row[column] === null ? null : text(row, column);
}

function int(row: SqlRow, column: string): number {
  const value = row[column];
  if (typeof value !== 'number') throw new JournalRowError(`${column}: expected an integer, got ${describe(value)}`);
  return value;
}

function nullableInt(row: SqlRow, column: string): number | null {
  return row[column] === null ? null : int(row, column);
}

function describe(value: SQLOutputValue | undefined): string {
  if (value === undefined) return 'no such column';
  if (value === null) return 'null';
  return value instanceof Uint8Array ? 'a blob' : typeof value;
}
