/**
 * The Claude Code runtime (`agent.runtime: claude`, label `runtime:claude`): Claude Code through
 * `@anthropic-ai/claude-agent-sdk` (streaming input, one session per run), as a
 * {@link RuntimeProfile} of the runner contract (issue 8 item 1). Its settings are the `claude.*`
 * section (`ServiceConfig.claude`).
 */
import type { RuntimeProfile, RuntimeStartRequest } from '../runtime.js';
import type { WorkerSession } from '../worker.js';
import { probeClaude } from './probe.js';
import { startClaudeSession } from './session.js';

/** Starts a Claude Code session for one run with the run's `claude.*` settings. */
function startClaude(request: RuntimeStartRequest): Promise<WorkerSession> {
  const { config } = request;
  return startClaudeSession({
    config: config.claude,
    workspacePath: request.workspacePath,
    workspaceRoot: config.workspaceRoot,
    env: request.env,
    secretEnvNames: request.secretEnvNames,
    operatorChannel: request.operatorChannel,
    operatorTimeoutMs: config.agent.operatorTimeoutMs,
    tools: request.tools,
    executeTool: request.executeTool,
    onEvent: request.onEvent,
    logger: request.logger,
    signal: request.signal,
    clientVersion: request.clientVersion,
    ...(request.sessionLog === null ? {} : { sessionLog: request.sessionLog }),
    ...(request.clock === undefined ? {} : { clock: request.clock }),
    ...(request.resume === undefined ? {} : { resume: request.resume }),
  });
}

/** The Claude Code runtime profile. */
export const claudeRuntime: RuntimeProfile = {
  kind: 'claude',
  displayName: 'Claude Code',
  canResume: true,
  start: startClaude,
  probe: probeClaude,
};
