/**
 * Pure mapping of event data to bounded Prometheus label values: every label of the daemon's
 * metrics takes values from a closed set, or `unknown`, so no input can grow the series count
 * without bound.
 */

/** Value used for anything outside a label's known set. */
export const UNKNOWN_LABEL = 'unknown';

/** `retry_scheduled` causes (the `cause` label of `retries_total`). */
export { RETRY_CAUSES } from '../scheduler/state.js';

/** `run_ended` outcomes (the `outcome` label of `runs_total`). */
export const RUN_OUTCOMES = ['completed', 'failed', 'stopped', 'blocked'] as const;

/** Workflow reload outcomes (the `outcome` label of `workflow_reloads_total`). */
export const RELOAD_OUTCOMES = ['reloaded', 'rejected'] as const;

/** Token directions (the `direction` label of `tokens_total`). */
export const TOKEN_DIRECTIONS = ['input', 'output'] as const;

/** Spec §11.4 categories a single tracker request can end with (the `category` label of `tracker_errors_total`). */
export const TRACKER_REQUEST_ERRORS = ['tracker_request', 'tracker_status', 'tracker_response', 'tracker_rate_limited'] as const;

/** Every spec §11.4 tracker category; others are reported as `unknown`. */
const TRACKER_CATEGORIES: readonly string[] = [
  ...TRACKER_REQUEST_ERRORS,
  'tracker_pagination',
  'unsupported_tracker_kind',
  'invalid_tracker_config',
  'missing_tracker_secret',
];

/** At most this many distinct tracker operation labels; later new names become `unknown`. */
export const MAX_OPERATION_LABELS = 32;

/** A GraphQL operation name (spec `Name` token), at most 64 characters. */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** `value` when it is one of `allowed`, else {@link UNKNOWN_LABEL}. Pure. */
export function oneOf(value: unknown, allowed: readonly string[]): string {
  return typeof value === 'string' && allowed.includes(value) ? value : UNKNOWN_LABEL;
}

/** The `category` label for a tracker error code. Pure. */
export function trackerCategory(code: string): string {
  return oneOf(code, TRACKER_CATEGORIES);
}

/**
 * Bounds tracker operation labels: a well-formed GraphQL operation name keeps its name while fewer
 * than {@link MAX_OPERATION_LABELS} names have been seen (agents name their own `linear_graphql`
 * documents); anything else is `unknown`. `seen` is updated in place.
 */
export function operationLabel(operation: string, seen: Set<string>): string {
  if (!OPERATION_NAME.test(operation)) return UNKNOWN_LABEL;
  if (seen.has(operation)) return operation;
  if (seen.size >= MAX_OPERATION_LABELS) return UNKNOWN_LABEL;
  seen.add(operation);
  return operation;
}
