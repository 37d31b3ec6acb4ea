/**
 * ACP `session/update` notifications mapped to the runtime-neutral activity (issue 7 item 7) and a
 * short summary. Pure; fields are read leniently (an agent's update that does not match the
 * schema gives `other` or `internal`, never an exception).
 *
 * | `update.sessionUpdate` | activity |
 * |---|---|
 * | `agent_message_chunk` | `message` progress |
 * | `agent_thought_chunk` | `reasoning` progress |
 * | `user_message_chunk` | `prompt` progress |
 * | `tool_call`, `tool_call_update` with `kind: execute` | `command` (the title, or `rawInput.command`) |
 * | `tool_call`, `tool_call_update` with `kind: edit`, `delete`, `move` | `file_change` (the paths of `locations`) |
 * | `tool_call`, `tool_call_update` with `kind: fetch` | `web_search` |
 * | other tool calls | `tool` (the title as tool) |
 * | `plan` | `plan` progress (`n/m done`) |
 * | `compaction_update`, `compaction_summary_chunk` | `compaction` |
 * | `notice` with severity `error` | `error` |
 * | anything else (commands, modes, usage, session info) | `internal` |
 *
 * Tool phases: status `pending` / `in_progress` → `started` / `progress`, `completed` →
 * `completed`, `failed` → `failed`.
 */
import { oneLine } from '../../errors.js';
import type { AgentActivity, AgentActivityKind, AgentActivityPhase } from '../../domain/agent-event.js';

const MAX = 200;

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown, max = MAX): string | null {
  if (typeof value !== 'string') return null;
  const line = oneLine(value, max);
  return line === '' ? null : line;
}

function activity(kind: AgentActivityKind, phase: AgentActivityPhase, parts: Partial<Pick<AgentActivity, 'tool' | 'command' | 'detail'>> = {}): AgentActivity {
  return { kind, phase, tool: parts.tool ?? null, command: parts.command ?? null, detail: parts.detail ?? null };
}

/** What one `session/update` stands for: an activity and a one-line summary (≤ 200 chars). */
export interface UpdateView {
  readonly activity: AgentActivity;
  readonly message: string;
}

function toolPhase(status: unknown, first: boolean): AgentActivityPhase {
  if (status === 'completed') return 'completed';
  if (status === 'failed') return 'failed';
  return first ? 'started' : 'progress';
}

/** `a.ts, b.ts and 3 more` for the paths of a tool call's `locations`. */
function locationPaths(locations: unknown): string | null {
  if (!Array.isArray(locations)) return null;
  const paths = locations.map((location) => field(location, 'path')).filter((p): p is string => typeof p === 'string' && p !== '');
  if (paths.length === 0) return null;
  const shown = paths.slice(0, 3).join(', ');
  return oneLine(paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown, MAX);
}

/**
 * The command line of an `execute` tool call: `rawInput.command` (a string, or an argv list)
 * when given, else the title (Gemini CLI titles a shell call with its command). Null when neither.
 */
export function toolCommand(toolCall: unknown): string | null {
  const raw = field(field(toolCall, 'rawInput'), 'command');
  if (Array.isArray(raw)) return text(raw.filter((part) => typeof part === 'string').join(' '));
  return text(raw) ?? text(field(toolCall, 'title'));
}

/** The activity of a `tool_call` (first = true) or `tool_call_update`. */
export function toolCallActivity(update: unknown, first: boolean): AgentActivity {
  const kind = field(update, 'kind');
  const phase = toolPhase(field(update, 'status'), first);
  const title = text(field(update, 'title'));
  switch (kind) {
    case 'execute':
      return activity('command', phase, { command: toolCommand(update) });
    case 'edit':
    case 'delete':
    case 'move':
      return activity('file_change', phase, { detail: locationPaths(field(update, 'locations')) ?? title });
    case 'fetch':
      return activity('web_search', phase, { detail: title });
    default:
      return activity('tool', phase, { tool: text(field(update, 'name')) ?? title, detail: typeof kind === 'string' && kind !== 'other' ? kind : null });
  }
}

function planDetail(entries: unknown): string | null {
  if (!Array.isArray(entries) || entries.length === 0) return null;
  const done = entries.filter((entry) => field(entry, 'status') === 'completed').length;
  return `${done}/${entries.length} done`;
}

/** Tool call state by `toolCallId`: what `tool_call` said, updated by each `tool_call_update`. */
export type ToolCallBook = Map<string, Readonly<Record<string, unknown>>>;

/**
 * The `session/update` params with a tool call update completed from `book` (an update carries
 * only the fields that changed: kind, title and input come from the `tool_call`), and `book`
 * updated; finished calls (`completed` / `failed`) leave it. Other updates come back unchanged.
 */
export function withToolCallState(params: unknown, book: ToolCallBook): unknown {
  const update = field(params, 'update');
  const kind = field(update, 'sessionUpdate');
  const id = field(update, 'toolCallId');
  if ((kind !== 'tool_call' && kind !== 'tool_call_update') || typeof id !== 'string') return params;
  const merged: Record<string, unknown> = { ...(kind === 'tool_call_update' ? book.get(id) : undefined) };
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) if (value !== undefined && value !== null) merged[key] = value;
  const status = merged.status;
  if (status === 'completed' || status === 'failed') book.delete(id);
  else book.set(id, merged);
  return { ...(params as Record<string, unknown>), update: merged };
}

/** Maps the `params` of one `session/update` notification. Never throws. */
export function describeUpdate(params: unknown): UpdateView {
  const update = field(params, 'update');
  const kind = typeof field(update, 'sessionUpdate') === 'string' ? (field(update, 'sessionUpdate') as string) : '';
  const chunk = text(field(field(update, 'content'), 'text'), 120);
  switch (kind) {
    case 'agent_message_chunk':
      return { activity: activity('message', 'progress'), message: chunk === null ? 'agent message' : `agent: ${chunk}` };
    case 'agent_thought_chunk':
      return { activity: activity('reasoning', 'progress'), message: 'agent thinking' };
    case 'user_message_chunk':
      return { activity: activity('prompt', 'progress'), message: 'user message' };
    case 'tool_call':
    case 'tool_call_update': {
      const view = toolCallActivity(update, kind === 'tool_call');
      const what = view.command ?? view.tool ?? view.detail ?? 'tool call';
      const status = text(field(update, 'status')) ?? (kind === 'tool_call' ? 'started' : 'updated');
      return { activity: view, message: oneLine(`${view.kind} ${status}: ${what}`, MAX) };
    }
    case 'plan': {
      const detail = planDetail(field(update, 'entries'));
      return { activity: activity('plan', 'progress', { detail }), message: detail === null ? 'plan updated' : `plan: ${detail}` };
    }
    case 'compaction_update':
    case 'compaction_summary_chunk':
      return { activity: activity('compaction', 'progress'), message: 'context compaction' };
    case 'notice': {
      const detail = text(field(update, 'message'));
      const severity = field(update, 'severity');
      return { activity: activity(severity === 'error' ? 'error' : 'internal', severity === 'error' ? 'failed' : 'progress', { detail }), message: detail ?? 'notice' };
    }
    default:
      return { activity: activity('internal', 'progress', { detail: kind === '' ? 'session/update' : kind }), message: kind === '' ? 'session update' : kind };
  }
}
