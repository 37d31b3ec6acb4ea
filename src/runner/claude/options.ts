/**
 * The `query()` options of one Claude Code session, from the run's `claude.*` settings (spec
 * §10.1 for the Claude runtime). Pure: the effectful pieces (permission callback, spawn hook, the
 * host-tool server) come in as arguments.
 *
 * Isolation: Claude Code gets a `CLAUDE_CONFIG_DIR` of its own (an empty per-run directory), reads
 * no settings file (`settingSources: []`: no user, project or local settings, hooks or permission
 * rules) and no MCP server but ours (`strictMcpConfig`). So neither the operator's own Claude Code
 * setup nor the repository can stall or change a run's posture. The transcript is persisted (into
 * the config dir's `projects/`, a link to the kept transcript directory of `transcripts.ts`) so a
 * run can be resumed after a daemon restart (issue 9).
 */
import type { CanUseTool, McpSdkServerConfigWithInstance, Options, SpawnedProcess, SpawnOptions } from '@anthropic-ai/claude-agent-sdk';
import type { ClaudeConfig } from '../../config/types.js';
import { agentEnvironment } from '../agent-env.js';
import { HOST_MCP_SERVER } from './tools.js';

/**
 * The agent's environment: the daemon's without the secret names, plus `CLAUDE_CONFIG_DIR`
 * and `CLAUDE_CODE_TMPDIR` (both `configDir`, removed at stop), `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1` (no telemetry, update checks or
 * other side traffic), `ENABLE_TOOL_SEARCH=false` (MCP tools offered directly, not deferred) and
 * the SDK client identity. Pure; `base` is not modified.
 */
export function claudeEnvironment(base: NodeJS.ProcessEnv, secretEnvNames: readonly string[], configDir: string, clientVersion: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(agentEnvironment(base, secretEnvNames))) if (value !== undefined) env[name] = value;
  env.CLAUDE_CONFIG_DIR = configDir;
  // Claude Code's own temporary files (task and probe dirs) go under the per-run dir, removed at stop.
  env.CLAUDE_CODE_TMPDIR = configDir;
  env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
  env.ENABLE_TOOL_SEARCH = 'false';
  env.CLAUDE_AGENT_SDK_CLIENT_APP = `symphony-ts/${clientVersion}`;
  return env;
}

/** Inputs of {@link queryOptions}. */
export interface QueryOptionsInput {
  readonly config: ClaudeConfig;
  /** Canonical workspace path: Claude Code's cwd. */
  readonly cwd: string;
  /** The session id (a UUID) Claude Code is to use, or, with `resume`, the session to continue. */
  readonly sessionId: string;
  /** Continue `sessionId`'s transcript (the SDK's `resume`) instead of starting that session. Default false. */
  readonly resume?: boolean;
  /** From {@link claudeEnvironment}. */
  readonly env: Record<string, string>;
  /** The host-tool server, or null when the run has no host-side tools. */
  readonly hostTools: McpSdkServerConfigWithInstance | null;
  readonly canUseTool: CanUseTool;
  readonly spawn: (options: SpawnOptions) => SpawnedProcess;
  readonly abortController: AbortController;
}

/**
 * The SDK options of a session. Pure. A resumed session passes `resume: <session id>` and no
 * `sessionId` (the SDK accepts both only when forking, which would change the id).
 */
export function queryOptions(input: QueryOptionsInput): Options {
  const { config } = input;
  return {
    cwd: input.cwd,
    ...(input.resume === true ? { resume: input.sessionId } : { sessionId: input.sessionId }),
    ...(config.model === null ? {} : { model: config.model }),
    systemPrompt: { type: 'preset', preset: 'claude_code' },
    permissionMode: config.permissionMode,
    ...(config.permissionMode === 'bypassPermissions' ? { allowDangerouslySkipPermissions: true } : {}),
    allowedTools: [...config.allowedTools],
    disallowedTools: [...config.disallowedTools],
    canUseTool: input.canUseTool,
    settingSources: [],
    strictMcpConfig: true,
    persistSession: true,
    mcpServers: input.hostTools === null ? {} : { [HOST_MCP_SERVER]: input.hostTools },
    mcpServersDelivery: 'initialize',
    env: input.env,
    ...(config.pathToExecutable === null ? {} : { pathToClaudeCodeExecutable: config.pathToExecutable }),
    spawnClaudeCodeProcess: input.spawn,
    abortController: input.abortController,
  };
}
