/**
 * Agent events in plain words for people (spec §13.6 humanized summaries): observability only,
 * never used for decisions. Used by the status events (dashboard, API) and the terminal view.
 */
import { activityOf, type AgentActivity, type AgentEvent } from './agent-event.js';

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
 * An event name (and its message, for the events whose message says more) in plain words: the
 * fallback for a run with no shown activity yet. Pure.
 */
export function describeEvent(event: string | null, message: string | null): string {
  if (event === null) return 'no event yet';
  const msg = message === null ? '' : clean(message).trim();
  if (event === 'notification') return 'working';
  const words = EVENT_WORDS[event] ?? toWords(event);
  return WITH_MESSAGE.has(event) && msg !== '' ? `${words}: ${msg}` : words;
}

const quoted = (command: string): string => `\`${command}\``;
const withDetail = (words: string, detail: string | null): string => (detail === null ? words : `${words}: ${detail}`);

/**
 * A structured activity in plain words (spec §13.6 humanized summaries; issue 7 item 7), e.g.
 * `running \`npm test\``, `ran \`npm test\` (exit code 0)`, `called linear_graphql`,
 * `edited files: src/a.ts, src/b.ts`, `waiting for an operator: approve \`rm -rf build\``.
 * Reads only the structured fields. Pure; control characters are removed.
 */
export function describeActivity(activity: AgentActivity): string {
  const { phase } = activity;
  const detail = activity.detail === null ? null : clean(activity.detail).trim() || null;
  const command = activity.command === null ? null : clean(activity.command).trim() || null;
  const tool = activity.tool === null ? null : clean(activity.tool).trim() || null;
  const done = phase === 'completed';
  switch (activity.kind) {
    case 'launch':
      if (phase === 'waiting') return withDetail('waiting for a launch slot', detail);
      if (phase === 'failed') return withDetail('failed to start', detail);
      return done ? 'launched' : 'launching';
    case 'turn':
      if (phase === 'failed') return withDetail('turn failed', detail);
      return done ? 'turn completed' : (detail ?? 'turn started');
    case 'message':
      return phase === 'failed' ? 'reply failed' : done ? 'wrote a reply' : 'writing a reply';
    case 'reasoning':
      return done ? 'finished thinking' : 'thinking';
    case 'command': {
      const what = command === null ? 'a command' : quoted(command);
      if (phase === 'failed') return command === null ? withDetail('command failed', detail) : `command failed: ${quoted(command)}${detail === null ? '' : ` (${detail})`}`;
      if (done) return detail === null ? `ran ${what}` : `ran ${what} (${detail})`;
      return `running ${what}`;
    }
    case 'file_change':
      if (phase === 'failed') return withDetail('file change failed', detail);
      return withDetail(done ? 'edited files' : 'editing files', detail);
    case 'tool': {
      const what = tool ?? 'a tool';
      if (phase === 'failed') return withDetail(`${tool === null ? 'tool call' : tool} failed`, detail);
      return done ? `called ${what}` : withDetail(`calling ${what}`, detail);
    }
    case 'web_search':
      return withDetail(done ? 'searched the web' : 'searching the web', detail);
    case 'plan':
      return 'updated its plan';
    case 'prompt':
      return done ? 'read the prompt' : 'reading the prompt';
    case 'compaction':
      return done ? 'compacted its context' : 'compacting its context';
    case 'operator':
      if (phase === 'waiting') return withDetail('waiting for an operator', detail);
      return withDetail(done ? 'operator answered' : 'no operator answer', detail);
    case 'approval':
      return withDetail(phase === 'failed' ? 'request declined' : 'auto-approved', detail);
    case 'error':
      return withDetail('error', detail);
    case 'other': {
      if (detail === null) return 'working';
      const words = toWords(detail);
      return phase === 'started' ? `started ${words}` : done ? `finished ${words}` : words;
    }
    case 'internal':
      return detail ?? 'bookkeeping';
  }
}

/** `commandExecution` / `turn_failed` → "command execution" / "turn failed". */
function toWords(name: string): string {
  return name.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().trim();
}


/** One agent event in plain words: its {@link describeActivity}. */
export function describeAgentEvent(event: AgentEvent): string {
  return describeActivity(activityOf(event));
}

/** Control and bidi-override characters replaced by spaces: agent text must not drive a terminal or reorder a line. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ');
}
