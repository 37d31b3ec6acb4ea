/**
 * What a valid workflow reload does to waiting retries (issue 10 item 7): a failure retry whose
 * error the reload may have fixed is brought forward. Part of the pure core (`core.ts`).
 */
import type { WorkflowSection } from '../config/store.js';
import type { Draft } from './draft.js';
import { CONTINUATION_DELAY_MS } from './policy.js';

/**
 * Worker failure codes a workflow reload may fix, each with the sections whose change may fix it
 * (`any`: every valid reload, even one that only restored validity). A failure retry with one of
 * these codes is re-armed by `workflow_reloaded` when one of its sections changed.
 */
export const RELOAD_MAY_FIX: Readonly<Record<string, readonly WorkflowSection[] | 'any'>> = {
  template_parse_error: ['prompt'],
  template_render_error: ['prompt'],
  invalid_config: 'any',
  missing_workflow_file: 'any',
  workflow_parse_error: 'any',
  workflow_front_matter_not_a_map: 'any',
  unsupported_tracker_kind: ['tracker'],
  invalid_tracker_config: ['tracker'],
  missing_tracker_secret: ['tracker'],
  codex_not_found: ['codex'],
  agent_not_found: ['acp', 'claude'],
  hook_failed: ['hooks'],
  hook_timeout: ['hooks'],
};

/**
 * Delay of a retry re-armed by a workflow reload, ms: the continuation delay (1 s), so a burst of
 * saves settles and the re-armed retry runs with the newest workflow.
 */
export const RELOAD_RETRY_DELAY_MS = CONTINUATION_DELAY_MS;

/** True when a reload changing `changed` may fix a failure with `code` (see {@link RELOAD_MAY_FIX}). */
export function reloadMayFix(code: string, changed: readonly WorkflowSection[]): boolean {
  const sections = Object.hasOwn(RELOAD_MAY_FIX, code) ? RELOAD_MAY_FIX[code] : undefined;
  if (sections === undefined) return false;
  return sections === 'any' || sections.some((section) => changed.includes(section));
}

/**
 * A valid reload (issue 10 item 7): every failure retry still waiting whose error code the reload
 * may fix ({@link reloadMayFix}) is re-armed to come due in {@link RELOAD_RETRY_DELAY_MS}, keeping
 * its attempt number; one already due sooner keeps its time. Continuations, retries of other
 * causes and re-reads in flight are left alone.
 */
export function onWorkflowReloaded(d: Draft, changed: readonly WorkflowSection[]): void {
  if (d.shuttingDown) return;
  const dueAtMs = d.nowMs + RELOAD_RETRY_DELAY_MS;
  for (const retry of [...d.retryAttempts.values()]) {
    if (retry.kind !== 'failure' || retry.errorCode === null || retry.dueAtMs <= dueAtMs) continue;
    if (!reloadMayFix(retry.errorCode, changed)) continue;
    d.retryAttempts.set(retry.issueId, { ...retry, dueAtMs });
    d.effects.push({ type: 'arm_retry_timer', issueId: retry.issueId, delayMs: RELOAD_RETRY_DELAY_MS, rearmed: true });
    d.log('info', 'retry re-armed: the workflow reload may fix its error', {
      issue_id: retry.issueId,
      issue_identifier: retry.identifier,
      attempt: retry.attempt,
      delay_ms: RELOAD_RETRY_DELAY_MS,
      error_code: retry.errorCode,
      changed_sections: [...changed],
      outcome: 'retrying',
    });
  }
}
