/**
 * The "recently finished" list of the status snapshot (`StatusSnapshot.recent_runs`): the
 * scheduler core's `run_ended` effects turned into API rows, newest first and bounded. Pure.
 */
import type { Effect } from '../scheduler/events.js';
import { RECENT_RUNS_LIMIT, type RecentRun } from './types.js';

/** The `run_ended` effect of the scheduler core. */
export type RunEndedEffect = Extract<Effect, { readonly type: 'run_ended' }>;

/** The {@link RecentRun} row of one ended run; `endedAtMs` is epoch ms, `issueUrl` the tracker link when known. */
export function recentRunOf(effect: RunEndedEffect, issueUrl: string | null, endedAtMs: number): RecentRun {
  return {
    issue_id: effect.issueId,
    issue_identifier: effect.identifier,
    issue_url: issueUrl,
    outcome: effect.outcome,
    reason: effect.reason,
    ended_at: new Date(endedAtMs).toISOString(),
    duration_ms: effect.durationMs,
    attempt: effect.attempt,
    session_id: effect.sessionId,
  };
}

/**
 * `runs` with `run` in front, cut to `limit` rows (default {@link RECENT_RUNS_LIMIT}; below 1
 * counts as 1). A new array; `runs` is not changed.
 */
export function withRecentRun(runs: readonly RecentRun[], run: RecentRun, limit: number = RECENT_RUNS_LIMIT): RecentRun[] {
  return [run, ...runs].slice(0, Math.max(1, Math.floor(limit)));
}
