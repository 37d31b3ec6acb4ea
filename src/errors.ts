/**
 * One error vocabulary for the whole daemon.
 *
 * Every failure that crosses a module boundary is a {@link SymphonyError} whose `code` is one of the
 * category names used by the Symphony specification (§5.5 workflow errors, §10.6 agent errors,
 * §11.4 tracker errors) or one of this implementation's documented additions. The `message` is a
 * single operator-readable line naming the file, key, value or issue involved; the `cause` is kept.
 */

/** Workflow loading and prompt errors (spec §5.5). */
export type WorkflowErrorCode =
  | 'missing_workflow_file'
  | 'workflow_parse_error'
  | 'workflow_front_matter_not_a_map'
  | 'template_parse_error'
  | 'template_render_error';

/** Typed config validation errors (spec §6.3); `invalid_config` names the key path in its message. */
export type ConfigErrorCode = 'invalid_config';

/** Tracker adapter error categories (spec §11.4). */
export type TrackerErrorCode =
  | 'unsupported_tracker_kind'
  | 'invalid_tracker_config'
  | 'missing_tracker_secret'
  | 'tracker_request'
  | 'tracker_status'
  | 'tracker_response'
  | 'tracker_pagination'
  | 'tracker_rate_limited';

/** Coding-agent error categories (spec §10.6), plus `stalled` (§8.5), `canceled`
 * (reconciliation) and `operator_timeout` (a request waited for an operator longer than
 * `agent.operator_timeout_ms`). */
export type AgentErrorCode =
  | 'codex_not_found'
  /** The command of a runtime other than Codex was not found (exit 127); Codex keeps `codex_not_found` (§10.6). */
  | 'agent_not_found'
  | 'invalid_workspace_cwd'
  | 'response_timeout'
  | 'turn_timeout'
  | 'port_exit'
  | 'response_error'
  | 'turn_failed'
  | 'turn_cancelled'
  | 'turn_input_required'
  | 'operator_timeout'
  | 'stalled'
  | 'canceled'
  /** `agent.runtime` or a `runtime:<kind>` label names a runtime this build does not have (issue 8). */
  | 'unsupported_runtime_kind'
  /** A run resumed after a daemon restart could not continue its thread (issue 9): the runtime
   * does not know the thread id, or its stored history is gone. The message names the thread id. */
  | 'resume_failed';

/** Workspace and hook errors (spec §9, §14.1 "Workspace Failures"). */
export type WorkspaceErrorCode =
  | 'workspace_error'
  | 'workspace_outside_root'
  | 'hook_failed'
  | 'hook_timeout';

/** Run journal errors (issue 9, `src/journal/store.ts`). */
export type JournalErrorCode =
  /** The journal file is not a SQLite database, fails `PRAGMA integrity_check`, is not a Symphony
   * journal or has a newer schema than this build; the message names the path and the reason. */
  | 'journal_corrupt'
  /** Another process (normally a second daemon) holds the journal's lock. */
  | 'journal_locked';

/** Every error code the daemon produces. */
export type ErrorCode =
  | WorkflowErrorCode
  | ConfigErrorCode
  | TrackerErrorCode
  | AgentErrorCode
  | WorkspaceErrorCode
  | JournalErrorCode
  /** The HTTP status server could not start (port in use, bad host, missing auth token). */
  | 'http_server_failed'
  | 'cli_usage'
  | 'internal';

/** Construction options for {@link SymphonyError}. */
export interface SymphonyErrorOptions {
  /** The underlying error, kept for logs and debugging. */
  cause?: unknown;
  /** Structured, non-secret detail (key path, HTTP status, retry-after…), safe to log. */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The daemon's only error type.
 *
 * @example new SymphonyError('invalid_config', 'WORKFLOW.md: polling.interval_ms must be a positive integer, got "fast"')
 */
export class SymphonyError extends Error {
  /** Stable category; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** Structured, non-secret detail. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: SymphonyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SymphonyError';
    this.code = code;
    this.details = options.details ?? {};
  }

  /** `code: message` on one line, as shown to operators. */
  toLine(): string {
    return `${this.code}: ${oneLine(this.message)}`;
  }
}

/** True when `value` is a {@link SymphonyError}, optionally of one of `codes`. */
export function isSymphonyError(value: unknown, ...codes: ErrorCode[]): value is SymphonyError {
  return value instanceof SymphonyError && (codes.length === 0 || codes.includes(value.code));
}

/**
 * Wraps any thrown value as a {@link SymphonyError}; an existing one is returned unchanged.
 *
 * @param fallbackCode - code used when `value` is not already a SymphonyError.
 */
export function toSymphonyError(value: unknown, fallbackCode: ErrorCode = 'internal'): SymphonyError {
  if (value instanceof SymphonyError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new SymphonyError(fallbackCode, message, { cause: value });
}

/** Collapses whitespace runs (including newlines) so a message fits on one log line. */
export function oneLine(text: string, maxLength = 500): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
}
