/**
 * The Claude half of the runtime-neutral activity (issue 7 item 7): Claude Agent SDK messages
 * (`assistant` content blocks, `user` tool results, `system` notices, rate-limit events) mapped to
 * agent events with an {@link AgentActivity}, from their structured fields (`tool_use.name`,
 * `input.command`, `input.file_path`, `tool_result.is_error`…). Pure; unknown shapes give `other`
 * or `internal`, never an exception. Turn ends (`result`) and token usage are the session's.
 */
import { oneLine } from '../../errors.js';
import type { AgentActivity, AgentActivityKind, AgentActivityPhase, AgentEventName } from '../../domain/agent-event.js';

const MAX = 200;

/** One event to emit for a message. */
export interface MessageEvent {
  readonly event: Extract<AgentEventName, 'notification' | 'other_message' | 'rate_limits_updated'>;
  /** The SDK message type (`assistant`, `user`, `system/compact_boundary`…). */
  readonly method: string;
  readonly message: string;
  readonly activity: AgentActivity;
  /** The rate-limit snapshot, on `rate_limits_updated`. */
  readonly rateLimits?: unknown;
}

/** A `tool_use` block seen earlier, by id, so its `tool_result` can be named. */
export interface ToolUseRecord {
  readonly name: string;
  readonly input: unknown;
}

/** What {@link messageEvents} reads and updates besides the message. */
export interface ActivityContext {
  /** `tool_use` blocks by id; {@link messageEvents} adds the ones it sees. */
  readonly toolUses: Map<string, ToolUseRecord>;
  /** Full names of the host-side tools (their results are reported by the tool host). */
  readonly hostTools: ReadonlySet<string>;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const line = oneLine(value, MAX);
  return line === '' ? null : line;
}

/** A string or number as text, else `fallback`. */
function scalar(value: unknown, fallback: string): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
}

function activity(kind: AgentActivityKind, phase: AgentActivityPhase, parts: Partial<Pick<AgentActivity, 'tool' | 'command' | 'detail'>> = {}): AgentActivity {
  return { kind, phase, tool: parts.tool ?? null, command: parts.command ?? null, detail: parts.detail ?? null };
}

/** `server/tool` for an MCP tool name `mcp__server__tool`, else the name unchanged. */
export function displayToolName(name: string): string {
  const match = /^mcp__(.+?)__(.+)$/.exec(name);
  return match === null ? name : `${match[1]}/${match[2]}`;
}

/** The activity of a tool call by Claude Code tool name and input. */
export function toolActivity(name: string, input: unknown, phase: AgentActivityPhase, detail: string | null = null): AgentActivity {
  switch (name) {
    case 'Bash':
      return activity('command', phase, { command: text(field(input, 'command')), detail });
    case 'Edit':
    case 'Write':
    case 'MultiEdit':
    case 'NotebookEdit':
      return activity('file_change', phase, { detail: detail ?? text(field(input, 'file_path')) ?? text(field(input, 'notebook_path')) });
    case 'WebSearch':
      return activity('web_search', phase, { detail: detail ?? text(field(input, 'query')) });
    case 'WebFetch':
      return activity('web_search', phase, { detail: detail ?? text(field(input, 'url')) });
    case 'TodoWrite':
      return activity('plan', phase, { detail });
    default:
      return activity('tool', phase, {
        tool: oneLine(displayToolName(name), MAX),
        detail: detail ?? text(field(input, 'file_path')) ?? text(field(input, 'pattern')) ?? text(field(input, 'description')),
      });
  }
}

function blocks(content: unknown): unknown[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content : [];
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return blocks(content)
    .map((block) => (typeof field(block, 'text') === 'string' ? String(field(block, 'text')) : ''))
    .join(' ');
}

function assistantEvents(message: unknown, context: ActivityContext): MessageEvent[] {
  const events: MessageEvent[] = [];
  const error = text(field(message, 'error'));
  if (error !== null) events.push({ event: 'notification', method: 'assistant', message: `assistant error: ${error}`, activity: activity('error', 'failed', { detail: error }) });
  for (const block of blocks(field(field(message, 'message'), 'content'))) {
    const type = field(block, 'type');
    if (type === 'text') {
      const said = text(field(block, 'text'));
      if (said !== null) events.push({ event: 'notification', method: 'assistant', message: `assistant: ${oneLine(said, 150)}`, activity: activity('message', 'completed') });
    } else if (type === 'thinking' || type === 'redacted_thinking') {
      events.push({ event: 'notification', method: 'assistant', message: 'assistant: thinking', activity: activity('reasoning', 'completed') });
    } else if (type === 'tool_use') {
      const name = typeof field(block, 'name') === 'string' ? String(field(block, 'name')) : 'unknown';
      const id = field(block, 'id');
      const input = field(block, 'input');
      if (typeof id === 'string') context.toolUses.set(id, { name, input });
      events.push({ event: 'notification', method: 'assistant', message: oneLine(`tool_use ${displayToolName(name)}`, MAX), activity: toolActivity(name, input, 'started') });
    }
  }
  return events;
}

function userEvents(message: unknown, context: ActivityContext): MessageEvent[] {
  const events: MessageEvent[] = [];
  for (const block of blocks(field(field(message, 'message'), 'content'))) {
    if (field(block, 'type') !== 'tool_result') continue;
    const id = field(block, 'tool_use_id');
    const use = typeof id === 'string' ? context.toolUses.get(id) : undefined;
    if (typeof id === 'string') context.toolUses.delete(id);
    const name = use?.name ?? 'unknown';
    if (context.hostTools.has(name)) continue;
    const failed = field(block, 'is_error') === true;
    const detail = failed ? text(resultText(field(block, 'content'))) : null;
    events.push({
      event: 'notification',
      method: 'user',
      message: oneLine(`tool_result ${displayToolName(name)}${failed ? ' (error)' : ''}`, MAX),
      activity: toolActivity(name, use?.input, failed ? 'failed' : 'completed', detail),
    });
  }
  return events;
}

function systemEvents(message: unknown): MessageEvent[] {
  const subtype = typeof field(message, 'subtype') === 'string' ? String(field(message, 'subtype')) : 'unknown';
  const method = `system/${subtype}`;
  switch (subtype) {
    case 'init':
      return [];
    case 'compact_boundary':
      return [{ event: 'notification', method, message: 'context compacted', activity: activity('compaction', 'completed') }];
    case 'status':
      if (field(message, 'status') === 'compacting') return [{ event: 'notification', method, message: 'compacting context', activity: activity('compaction', 'started') }];
      return [{ event: 'other_message', method, message: method, activity: activity('internal', 'progress', { detail: method }) }];
    case 'api_retry': {
      const detail = text(`API retry ${scalar(field(message, 'attempt'), '?')}/${scalar(field(message, 'max_retries'), '?')}: ${scalar(field(message, 'error') ?? field(message, 'error_status'), 'error')}`);
      return [{ event: 'notification', method, message: detail ?? 'API retry', activity: activity('error', 'progress', { detail }) }];
    }
    default:
      return [{ event: 'other_message', method, message: method, activity: activity('internal', 'progress', { detail: method }) }];
  }
}

/**
 * The events one SDK message stands for (often none or one; an assistant message with several
 * content blocks gives one per block). `result` messages give none: the session ends the turn.
 * Never throws.
 */
export function messageEvents(message: unknown, context: ActivityContext): MessageEvent[] {
  const type = typeof field(message, 'type') === 'string' ? String(field(message, 'type')) : 'unknown';
  switch (type) {
    case 'assistant':
      return assistantEvents(message, context);
    case 'user':
      return userEvents(message, context);
    case 'system':
      return systemEvents(message);
    case 'result':
      return [];
    case 'rate_limit_event':
      return [{ event: 'rate_limits_updated', method: type, message: 'rate limits updated', activity: activity('internal', 'progress'), rateLimits: field(message, 'rate_limit_info') ?? null }];
    case 'tool_progress': {
      const name = typeof field(message, 'tool_name') === 'string' ? String(field(message, 'tool_name')) : 'unknown';
      return [{ event: 'notification', method: type, message: oneLine(`${displayToolName(name)} running`, MAX), activity: toolActivity(name, undefined, 'progress') }];
    }
    default:
      return [{ event: 'other_message', method: type, message: type, activity: activity('internal', 'progress', { detail: oneLine(type, MAX) }) }];
  }
}
