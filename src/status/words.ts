/**
 * Agent events in plain words for people (spec §13.6 humanized summaries): observability only,
 * never used for decisions. Used by the status events (dashboard, API) and the terminal view.
 */
import type { AgentEvent } from '../runner/events.js';

const STARTED: Readonly<Record<string, string>> = {
  agentMessage: 'writing a reply',
  reasoning: 'thinking',
  commandExecution: 'running a command',
  fileChange: 'editing files',
  mcpToolCall: 'calling a tool',
  dynamicToolCall: 'calling a tool',
  webSearch: 'searching the web',
  userMessage: 'reading the prompt',
  contextCompaction: 'compacting its context',
};
const COMPLETED: Readonly<Record<string, string>> = {
  agentMessage: 'wrote a reply',
  reasoning: 'finished thinking',
  commandExecution: 'ran a command',
  fileChange: 'edited files',
  mcpToolCall: 'called a tool',
  dynamicToolCall: 'called a tool',
  webSearch: 'searched the web',
  userMessage: 'read the prompt',
  contextCompaction: 'compacted its context',
};
const EVENT_WORDS: Readonly<Record<string, string>> = {
  launch_queued: 'waiting for a launch slot',
  launch_started: 'launching',
  session_started: 'session started',
  startup_failed: 'failed to start',
  turn_started: 'turn started',
  turn_completed: 'turn completed',
  turn_failed: 'turn failed',
  turn_cancelled: 'turn cancelled',
  turn_ended_with_error: 'turn ended with an error',
  turn_input_required: 'asked for input',
  operator_waiting: 'waiting for operator',
  operator_answered: 'operator answered',
  operator_timeout: 'no operator answer in time',
  approval_auto_approved: 'auto-approved',
  approval_rejected: 'request declined',
  tool_call_completed: 'tool call done',
  tool_call_failed: 'tool call failed',
  unsupported_tool_call: 'unsupported tool call',
  token_usage_updated: 'token usage updated',
  rate_limits_updated: 'rate limits updated',
  other_message: 'unrecognised message',
  malformed: 'malformed message',
};
/** Events whose message adds something worth showing after the words. */
const WITH_MESSAGE = new Set(['launch_queued', 'operator_waiting', 'operator_answered', 'operator_timeout', 'startup_failed', 'turn_failed', 'turn_cancelled', 'turn_ended_with_error', 'approval_auto_approved', 'approval_rejected', 'tool_call_completed', 'tool_call_failed', 'unsupported_tool_call']);

/**
 * The last agent event in plain words (spec §13.6, optional humanized summaries): the event name
 * becomes a phrase; a `notification` is read from its `<method>: <detail>` message
 * (`item/started: commandExecution` → "running a command"). Pure.
 */
export function describeEvent(event: string | null, message: string | null): string {
  if (event === null) return 'no event yet';
  const msg = message === null ? '' : clean(message).trim();
  if (event === 'notification') return describeNotification(msg);
  const words = EVENT_WORDS[event] ?? toWords(event);
  return WITH_MESSAGE.has(event) && msg !== '' ? `${words}: ${msg}` : words;
}

function describeNotification(message: string): string {
  const colon = message.indexOf(': ');
  const method = colon < 0 ? message : message.slice(0, colon);
  const detail = colon < 0 ? '' : message.slice(colon + 2);
  if (method === 'item/started') return STARTED[detail] ?? `started ${toWords(detail)}`;
  if (method === 'item/completed') return COMPLETED[detail] ?? `finished ${toWords(detail)}`;
  if (method === 'item/agentMessage/delta') return 'writing a reply';
  if (method.startsWith('item/reasoning/')) return 'thinking';
  if (method === 'item/commandExecution/outputDelta') return 'running a command';
  if (method === 'item/fileChange/outputDelta' || method === 'turn/diff/updated') return 'editing files';
  if (method === 'turn/plan/updated') return 'updated its plan';
  if (method === 'error') return `error: ${detail}`;
  if (method === '') return 'notification';
  return detail === '' ? method.replaceAll('/', ' ') : `${method.replaceAll('/', ' ')}: ${detail}`;
}

/** `commandExecution` / `turn_failed` → "command execution" / "turn failed". */
function toWords(name: string): string {
  return name.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().trim();
}


/** {@link describeEvent} for one agent event. */
export function describeAgentEvent(event: Pick<AgentEvent, 'event' | 'message'>): string {
  return describeEvent(event.event, event.message ?? null);
}

/** Control and bidi-override characters replaced by spaces: agent text must not drive a terminal or reorder a line. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ');
}
