/**
 * Token totals of a resumed Codex thread (issue 9). After `thread/resume`, Codex 0.169 reports the
 * thread's whole usage, restored from its rollout: one `thread/tokenUsage/updated` before the first
 * turn carries what the run used before the daemon restarted, and every later total includes it.
 * Those tokens were already counted (the run journal carries the totals over), so a resumed
 * session reports totals counted from the resume, as a resumed Claude Code session does.
 */
import type { AgentEvent, AgentEventSink, TokenTotals } from '../../domain/agent-event.js';

/** `a - b` per field, never below zero. Pure. */
export function subtractTotals(a: TokenTotals, b: TokenTotals): TokenTotals {
  return {
    inputTokens: Math.max(0, a.inputTokens - b.inputTokens),
    outputTokens: Math.max(0, a.outputTokens - b.outputTokens),
    totalTokens: Math.max(0, a.totalTokens - b.totalTokens),
  };
}

/**
 * Wraps a resumed session's event sink: `token_usage_updated` events before the first turn starts
 * (`session_started`) set the baseline and are not forwarded; later ones carry their totals minus
 * that baseline. Every other event passes unchanged.
 */
export function resumedUsageSink(sink: AgentEventSink): AgentEventSink {
  let baseline: TokenTotals | null = null;
  let started = false;
  return (event: AgentEvent) => {
    if (event.event === 'session_started') started = true;
    if (event.event !== 'token_usage_updated' || event.usage === undefined) {
      sink(event);
      return;
    }
    if (!started) {
      baseline = event.usage;
      return;
    }
    sink(baseline === null ? event : { ...event, usage: subtractTotals(event.usage, baseline) });
  };
}
