/**
 * The SQL statements of the run journal's store (issue 9), prepared once per open journal. Column
 * names are the snake_case of the record fields (`rows.ts`); the tables are in `schema.ts`.
 */

/** The SQL of every statement the store reuses. */
export const SQL = {
  putClaim: `INSERT INTO claims (issue_id, identifier, issue_url, issue_state, kind, runtime, attempt, session_id, thread_id,
      workspace_path, started_at_ms, waiting, retry_attempt, retry_due_at_ms, retry_error, retry_error_code, retry_kind,
      retry_cause, blocked_state, blocked_reason, blocked_since_ms, blocked_cause, updated_at_ms)
    VALUES (:issue_id, :identifier, :issue_url, :issue_state, :kind, :runtime, :attempt, :session_id, :thread_id,
      :workspace_path, :started_at_ms, :waiting, :retry_attempt, :retry_due_at_ms, :retry_error, :retry_error_code, :retry_kind,
      :retry_cause, :blocked_state, :blocked_reason, :blocked_since_ms, :blocked_cause, :updated_at_ms)
    ON CONFLICT (issue_id) DO UPDATE SET identifier = excluded.identifier, issue_url = excluded.issue_url,
      issue_state = excluded.issue_state, waiting = excluded.waiting, blocked_cause = excluded.blocked_cause,
      kind = excluded.kind, runtime = excluded.runtime, attempt = excluded.attempt, session_id = excluded.session_id,
      thread_id = excluded.thread_id, workspace_path = excluded.workspace_path, started_at_ms = excluded.started_at_ms,
      retry_attempt = excluded.retry_attempt, retry_due_at_ms = excluded.retry_due_at_ms,
      retry_error = excluded.retry_error, retry_error_code = excluded.retry_error_code,
      retry_kind = excluded.retry_kind, retry_cause = excluded.retry_cause, blocked_state = excluded.blocked_state,
      blocked_reason = excluded.blocked_reason, blocked_since_ms = excluded.blocked_since_ms,
      updated_at_ms = excluded.updated_at_ms`,
  deleteClaim: 'DELETE FROM claims WHERE issue_id = ?',
  putUsage: `INSERT INTO usage (issue_id, input_tokens, output_tokens, total_tokens, runtime_ms, budget_tokens, budget_runtime_ms)
    VALUES (:issue_id, :input_tokens, :output_tokens, :total_tokens, :runtime_ms, :budget_tokens, :budget_runtime_ms)
    ON CONFLICT (issue_id) DO UPDATE SET input_tokens = excluded.input_tokens,
      output_tokens = excluded.output_tokens, total_tokens = excluded.total_tokens, runtime_ms = excluded.runtime_ms,
      budget_tokens = excluded.budget_tokens, budget_runtime_ms = excluded.budget_runtime_ms`,
  putDay: `INSERT INTO days (day, total_tokens) VALUES (?, ?)
    ON CONFLICT (day) DO UPDATE SET total_tokens = excluded.total_tokens`,
  startRun: `INSERT INTO runs (issue_id, identifier, attempt, runtime, started_at_ms, workflow_revision)
    VALUES (:issue_id, :identifier, :attempt, :runtime, :started_at_ms, :workflow_revision)`,
  endRun: `UPDATE runs SET ended_at_ms = :ended_at_ms, outcome = :outcome, reason = :reason, turns = :turns,
      input_tokens = :input_tokens, output_tokens = :output_tokens, total_tokens = :total_tokens
    WHERE run_id = :run_id`,
  markHandoff: 'UPDATE runs SET handed_off_at_ms = ? WHERE run_id = ?',
  interruptOpenRuns: `UPDATE runs SET ended_at_ms = MAX(started_at_ms, :ended_at_ms), outcome = 'interrupted', reason = :reason
    WHERE ended_at_ms IS NULL`,
  pruneRuns: 'DELETE FROM runs WHERE ended_at_ms IS NOT NULL AND ended_at_ms < ?',
  pruneDays: 'DELETE FROM days WHERE day < ?',
  claims: 'SELECT * FROM claims ORDER BY issue_id',
  usage: 'SELECT * FROM usage ORDER BY issue_id',
  days: 'SELECT * FROM days ORDER BY day',
  runs: 'SELECT * FROM runs ORDER BY run_id',
  runsSince: 'SELECT * FROM runs WHERE started_at_ms >= ? ORDER BY run_id DESC LIMIT ?',
  runsOf: 'SELECT * FROM runs WHERE issue_id = ? ORDER BY run_id DESC LIMIT ?',
  runsOfIdentifier: 'SELECT * FROM runs WHERE identifier = ? COLLATE NOCASE ORDER BY run_id DESC LIMIT ?',
} as const;
