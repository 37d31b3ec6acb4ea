/**
 * Agent events in plain words for people (spec §13.6 humanized summaries): observability only,
 * never used for decisions.
 */
import type { AgentEvent, AgentEventName } from '../runner/events.js';

const PHRASES: Readonly<Record<AgentEventName, string>> = {
  session_started: 'session started',
  startup_failed: 'agent failed to start',
  turn_started: 'turn started',
  turn_completed: 'turn completed',
  turn_failed: 'turn failed',
  turn_cancelled: 'turn cancelled',
  turn_ended_with_error: 'turn ended with an error',
  turn_input_required: 'agent asked for input',
  operator_waiting: 'waiting for an operator',
  operator_answered: 'operator answered',
  operator_timeout: 'nobody answered in time',
  approval_auto_approved: 'approved automatically',
  approval_rejected: 'approval declined',
  tool_call_completed: 'tool call done',
  tool_call_failed: 'tool call failed',
  unsupported_tool_call: 'unsupported tool call',
  token_usage_updated: 'token usage updated',
  rate_limits_updated: 'rate limits updated',
  notification: 'working',
  other_message: 'other message',
  malformed: 'unreadable agent output',
};

/** A short plain-words line for an agent event: its phrase, then its message when it adds something. */
export function describeAgentEvent(event: Pick<AgentEvent, 'event' | 'message'>): string {
  const phrase = PHRASES[event.event] ?? event.event.replaceAll('_', ' ');
  const message = event.message?.trim() ?? '';
  if (message === '' || message === phrase || event.event === 'token_usage_updated' || event.event === 'rate_limits_updated') return phrase;
  return `${phrase}: ${message}`;
}
