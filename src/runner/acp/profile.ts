/**
 * The ACP runtime (`agent.runtime: acp`, label `runtime:acp`): any agent speaking the Agent Client
 * Protocol on stdio (Gemini CLI's `gemini --acp` first), as a {@link RuntimeProfile} of the runner
 * contract (issue 8). Its settings are the `acp.*` section (`ServiceConfig.acp`).
 */
import { SymphonyError } from '../../errors.js';
import type { RuntimeProfile, RuntimeStartRequest } from '../runtime.js';
import type { WorkerSession } from '../worker.js';
import { probeAcp } from './probe.js';
import { startAcpSession } from './session.js';

/**
 * Starts an ACP session for one run with the run's `acp.*` settings.
 *
 * @throws SymphonyError `canceled` when the signal aborted; `invalid_config` when `acp.command` is
 *   not set (a `runtime:acp` label on a workflow without an `acp` section); the startup errors of
 *   `startAcpSession` otherwise.
 */
function startAcp(request: RuntimeStartRequest): Promise<WorkerSession> {
  const { config } = request;
  if (request.signal.aborted) return Promise.reject(new SymphonyError('canceled', 'ACP agent startup canceled before launch'));
  const command = config.acp.command;
  if (command === null) {
    return Promise.reject(new SymphonyError('invalid_config', `${config.workflowPath}: acp.command is not set, so this run cannot use the acp runtime (set acp.command, e.g. "gemini --acp")`));
  }
  return startAcpSession({
    command,
    workspacePath: request.workspacePath,
    workspaceRoot: config.workspaceRoot,
    env: request.env,
    secretEnvNames: request.secretEnvNames,
    authMethod: config.acp.authMethod,
    approvalPolicy: config.acp.approvalPolicy,
    operatorChannel: request.operatorChannel,
    operatorTimeoutMs: config.agent.operatorTimeoutMs,
    startupTimeoutMs: config.acp.startupTimeoutMs,
    readTimeoutMs: config.acp.readTimeoutMs,
    turnTimeoutMs: config.acp.turnTimeoutMs,
    tools: request.tools,
    executeTool: request.executeTool,
    onEvent: request.onEvent,
    logger: request.logger,
    clientInfo: { name: 'symphony-ts', version: request.clientVersion },
    ...(request.sessionLog === null ? {} : { sessionLog: request.sessionLog }),
    ...(request.clock === undefined ? {} : { clock: request.clock }),
    signal: request.signal,
  });
}

/** The ACP runtime profile. */
export const acpRuntime: RuntimeProfile = {
  kind: 'acp',
  displayName: 'ACP agent',
  start: startAcp,
  probe: probeAcp,
};
