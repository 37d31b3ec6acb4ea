/**
 * How a run (one worker, dispatch to exit) ended, as the scheduler core decides it (issue 7 item
 * 7): status events, the dashboard, metrics and logs read this instead of re-deriving it.
 *
 * - `completed` — the worker exited normally (a continuation follows while the issue stays active);
 * - `failed` — the worker failed (a retry with backoff follows);
 * - `stopped` — the orchestrator stopped it (terminal, inactive, unroutable or missing issue, a
 *   stall, shutdown); the stop reason is given;
 * - `blocked` — it ended for want of an operator's answer; the issue stays claimed until its
 *   tracker state changes.
 */
export type RunOutcome = 'completed' | 'failed' | 'stopped' | 'blocked';

/** Every {@link RunOutcome}, in display order. */
export const RUN_OUTCOMES: readonly RunOutcome[] = ['completed', 'failed', 'stopped', 'blocked'];
