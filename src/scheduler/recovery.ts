/**
 * The `recovered` step (issue 9 item 2): the previous daemon's claims, as the journal's
 * `recover` turned them into scheduler entries, become this daemon's starting state. Pure.
 *
 * Retries are armed for their original due times (a due time in the past fires at once, in
 * due-time order), blocked issues stay blocked, usage and today's tokens carry over. A resumable
 * live run arrives as a retry with cause `restart` carrying `resume`; the retry path re-reads the
 * issue and dispatches it on its thread (or releases it when it left the active states meanwhile).
 */
import type { Draft } from './draft.js';
import type { RecoveredClaims } from './events.js';
import { utcDay } from './budgets.js';

/** Applies the recovered claims to an empty state (claims already present are left alone). */
export function onRecovered(d: Draft, recovered: RecoveredClaims): void {
  for (const [issueId, usage] of recovered.usage) d.usage.set(issueId, usage);
  if (recovered.dayUsage !== null && recovered.dayUsage.day === utcDay(d.nowMs)) d.dayUsage = recovered.dayUsage;
  let retries = 0;
  let resumes = 0;
  const ordered = [...recovered.retryAttempts.values()].sort((a, b) => a.dueAtMs - b.dueAtMs);
  for (const retry of ordered) {
    if (d.claimed.has(retry.issueId)) continue;
    d.retryAttempts.set(retry.issueId, retry);
    d.claimed.add(retry.issueId);
    // Existing retries are re-armed, not new; a `restart` retry is new (metrics count it by cause).
    d.effects.push({ type: 'arm_retry_timer', issueId: retry.issueId, delayMs: Math.max(0, retry.dueAtMs - d.nowMs), rearmed: retry.cause !== 'restart' });
    if (retry.resume !== undefined) resumes += 1;
    else retries += 1;
  }
  let blocked = 0;
  for (const entry of recovered.blocked.values()) {
    if (d.claimed.has(entry.issueId)) continue;
    d.blocked.set(entry.issueId, entry);
    d.claimed.add(entry.issueId);
    blocked += 1;
  }
  d.log('info', 'recovered from the run journal', { retries, resumes, blocked, issues_with_usage: recovered.usage.size, outcome: 'recovered' });
}
