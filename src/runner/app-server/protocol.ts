/**
 * Codex 0.169 app-server request payloads (spec §10.2), built as plain data. Shapes follow the
 * generated schema (`codex app-server generate-json-schema --experimental`): `InitializeParams`,
 * `v2/ThreadStartParams`, `v2/ThreadResumeParams`, `v2/TurnStartParams`, `v2/ThreadSetNameParams`. Pure.
 */
import { SymphonyError } from '../../errors.js';
import type { AgentToolSpec } from '../../tracker/tracker.js';

/** Method names this client sends. */
export const ClientMethod = {
  initialize: 'initialize',
  initialized: 'initialized',
  threadStart: 'thread/start',
  threadResume: 'thread/resume',
  threadSetName: 'thread/name/set',
  turnStart: 'turn/start',
} as const;

/** Identity sent in `initialize.clientInfo`. */
export interface ClientInfo {
  readonly name: string;
  readonly version: string;
}

/** `InitializeParams`: client identity plus the experimental API opt-in (needed for dynamic tools). */
export function initializeParams(clientInfo: ClientInfo): Record<string, unknown> {
  return { clientInfo: { name: clientInfo.name, version: clientInfo.version }, capabilities: { experimentalApi: true } };
}

/** Codex `FunctionDynamicToolSpec` for one advertised tool. */
export function toDynamicToolSpec(tool: AgentToolSpec): Record<string, unknown> {
  return { type: 'function', name: tool.name, description: tool.description, inputSchema: tool.inputSchema };
}

/** Inputs of {@link threadStartParams}. */
export interface ThreadStartInput {
  readonly approvalPolicy: string | Readonly<Record<string, unknown>>;
  /** Codex `SandboxMode`. */
  readonly threadSandbox: string;
  /** Absolute workspace path. */
  readonly cwd: string;
  readonly tools: readonly AgentToolSpec[];
}

/** `ThreadStartParams`: policy, sandbox, cwd and the dynamic tools (omitted when there are none). */
export function threadStartParams(input: ThreadStartInput): Record<string, unknown> {
  const params: Record<string, unknown> = { approvalPolicy: input.approvalPolicy, sandbox: input.threadSandbox, cwd: input.cwd };
  if (input.tools.length > 0) params.dynamicTools = input.tools.map(toDynamicToolSpec);
  return params;
}

/** Inputs of {@link threadResumeParams}. */
export interface ThreadResumeInput {
  /** The thread to continue (a `thread/start` result's `thread.id`, kept by the run journal). */
  readonly threadId: string;
  readonly approvalPolicy: string | Readonly<Record<string, unknown>>;
  /** Codex `SandboxMode`. */
  readonly threadSandbox: string;
  /** Absolute workspace path. */
  readonly cwd: string;
}

/**
 * `ThreadResumeParams` (issue 9): reopens a thread whose rollout Codex persisted under
 * `CODEX_HOME`, with the run's policy, sandbox and cwd. `excludeTurns: true`: the answer carries
 * the thread's metadata without its whole history, which the client does not read. There is no
 * `dynamicTools` field: Codex keeps the tools advertised at `thread/start` with the thread.
 */
export function threadResumeParams(input: ThreadResumeInput): Record<string, unknown> {
  return { threadId: input.threadId, approvalPolicy: input.approvalPolicy, sandbox: input.threadSandbox, cwd: input.cwd, excludeTurns: true };
}

/** Inputs of {@link turnStartParams}. */
export interface TurnStartInput {
  readonly threadId: string;
  /** Prompt or continuation guidance, sent as one `text` user input. */
  readonly text: string;
  readonly cwd: string;
  readonly approvalPolicy: string | Readonly<Record<string, unknown>>;
  /** Codex `SandboxPolicy`; null leaves the thread's sandbox in force. */
  readonly sandboxPolicy: Readonly<Record<string, unknown>> | null;
}

/**
 * `TurnStartParams`. The 0.169 schema has no turn title; the issue title travels through
 * `thread/name/set` instead (see {@link threadSetNameParams}).
 */
export function turnStartParams(input: TurnStartInput): Record<string, unknown> {
  const params: Record<string, unknown> = {
    threadId: input.threadId,
    input: [{ type: 'text', text: input.text }],
    cwd: input.cwd,
    approvalPolicy: input.approvalPolicy,
  };
  if (input.sandboxPolicy !== null) params.sandboxPolicy = input.sandboxPolicy;
  return params;
}

/** `ThreadSetNameParams`: carries `<identifier>: <title>` as the thread's name. */
export function threadSetNameParams(threadId: string, name: string): Record<string, unknown> {
  return { threadId, name };
}

/**
 * The turn `SandboxPolicy` used when `codex.turn_sandbox_policy` is not configured: the
 * counterpart of the thread's `SandboxMode`, with the workspace as the only extra writable root.
 * Unknown modes yield null (the thread's sandbox stays in force).
 */
export function defaultTurnSandboxPolicy(threadSandbox: string, workspacePath: string): Record<string, unknown> | null {
  switch (threadSandbox) {
    case 'workspace-write':
      return { type: 'workspaceWrite', writableRoots: [workspacePath] };
    case 'read-only':
      return { type: 'readOnly' };
    case 'danger-full-access':
      return { type: 'dangerFullAccess' };
    default:
      return null;
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * `thread.id` of a `thread/start` or `thread/resume` result (`method` names it in the error).
 *
 * @throws SymphonyError `response_error` when absent.
 */
export function readThreadId(result: unknown, method: string = ClientMethod.threadStart): string {
  const id = field(field(result, 'thread'), 'id');
  if (typeof id !== 'string' || id === '') throw new SymphonyError('response_error', `${method} result has no thread.id`);
  return id;
}

/** `turn.id` of a `turn/start` result. @throws SymphonyError `response_error` when absent. */
export function readTurnId(result: unknown): string {
  const id = field(field(result, 'turn'), 'id');
  if (typeof id !== 'string' || id === '') throw new SymphonyError('response_error', 'turn/start result has no turn.id');
  return id;
}
