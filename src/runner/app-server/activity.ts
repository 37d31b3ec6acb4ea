/**
 * The Codex half of the runtime-neutral activity (issue 7 item 7): Codex 0.169 notifications and
 * thread items mapped to an {@link AgentActivity} from their structured fields (`item.type`,
 * `item.command`, `item.tool`, `item.changes[].path`, `error.message`…). Pure; unknown shapes
 * give `other` or `internal`, never an exception.
 */
import { oneLine } from '../../errors.js';
import type { AgentActivity, AgentActivityKind, AgentActivityPhase } from '../../domain/agent-event.js';

const MAX = 200;

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const line = oneLine(value, MAX);
  return line === '' ? null : line;
}

function activity(kind: AgentActivityKind, phase: AgentActivityPhase, parts: Partial<Pick<AgentActivity, 'tool' | 'command' | 'detail'>> = {}): AgentActivity {
  return { kind, phase, tool: parts.tool ?? null, command: parts.command ?? null, detail: parts.detail ?? null };
}

/** Thread item types (schema `ThreadItem.type`) and the activity kind each stands for. */
const ITEM_KINDS: Readonly<Record<string, AgentActivityKind>> = {
  agentMessage: 'message',
  reasoning: 'reasoning',
  commandExecution: 'command',
  fileChange: 'file_change',
  mcpToolCall: 'tool',
  dynamicToolCall: 'tool',
  collabAgentToolCall: 'tool',
  webSearch: 'web_search',
  plan: 'plan',
  userMessage: 'prompt',
  hookPrompt: 'prompt',
  contextCompaction: 'compaction',
};

/** `a.ts, b.ts and 3 more` for a file change's paths. */
function changedPaths(changes: unknown): string | null {
  if (!Array.isArray(changes)) return null;
  const paths = changes.map((change) => field(change, 'path')).filter((p): p is string => typeof p === 'string' && p !== '');
  if (paths.length === 0) return null;
  const shown = paths.slice(0, 3).join(', ');
  return oneLine(paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown, MAX);
}

function toolName(item: unknown): string | null {
  const tool = text(field(item, 'tool'));
  const owner = text(field(item, 'server')) ?? text(field(item, 'namespace'));
  if (tool === null) return null;
  return owner === null ? tool : oneLine(`${owner}/${tool}`, MAX);
}

/** The activity of an `item/started` or `item/completed` thread item. */
export function itemActivity(item: unknown, phase: 'started' | 'completed'): AgentActivity {
  const type = typeof field(item, 'type') === 'string' ? (field(item, 'type') as string) : '';
  const kind = ITEM_KINDS[type] ?? 'other';
  const status = text(field(item, 'status'));
  const failed = phase === 'completed' && (status === 'failed' || status === 'declined' || field(item, 'success') === false);
  const ended: AgentActivityPhase = failed ? 'failed' : phase;
  switch (kind) {
    case 'command': {
      const exitCode = field(item, 'exitCode');
      const detail = phase === 'completed' && typeof exitCode === 'number' ? `exit code ${exitCode}` : null;
      return activity('command', typeof exitCode === 'number' && exitCode !== 0 ? 'failed' : ended, { command: text(field(item, 'command')), detail });
    }
    case 'file_change':
      return activity('file_change', ended, { detail: changedPaths(field(item, 'changes')) });
    case 'tool':
      return activity('tool', ended, { tool: toolName(item), detail: text(field(field(item, 'error'), 'message')) });
    case 'web_search':
      return activity('web_search', ended, { detail: text(field(item, 'query')) });
    case 'other':
      return activity('other', ended, { detail: type === '' ? null : type });
    default:
      return activity(kind, ended);
  }
}

/**
 * The activity of any notification that is not turn completion, token usage or rate limits (those
 * have their own events): items, streaming deltas, plan and diff updates, errors; anything else
 * (thread status, account, MCP startup and similar notices) is `internal` with the method as detail.
 */
export function notificationActivity(method: string, params: unknown): AgentActivity {
  const item = field(params, 'item');
  if (method === 'item/started') return itemActivity(item, 'started');
  if (method === 'item/completed') return itemActivity(item, 'completed');
  if (method === 'item/agentMessage/delta') return activity('message', 'progress');
  if (method.startsWith('item/reasoning/')) return activity('reasoning', 'progress');
  if (method === 'item/commandExecution/outputDelta' || method === 'item/commandExecution/terminalInteraction') return activity('command', 'progress');
  if (method === 'item/fileChange/outputDelta' || method === 'item/fileChange/patchUpdated' || method === 'turn/diff/updated') return activity('file_change', 'progress');
  if (method === 'thread/compacted') return activity('compaction', 'completed');
  if (method === 'item/mcpToolCall/progress') return activity('tool', 'progress', { detail: text(field(params, 'message')) });
  if (method === 'turn/plan/updated' || method === 'item/plan/delta') return activity('plan', 'progress');
  if (method === 'error') return activity('error', 'failed', { detail: text(field(field(params, 'error'), 'message')) });
  if (method === 'turn/started') return activity('turn', 'started');
  return activity('internal', 'progress', { detail: oneLine(method, MAX) });
}
