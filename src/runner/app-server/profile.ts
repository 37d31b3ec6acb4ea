/**
 * The Codex runtime (`agent.runtime: codex`, the default): the Codex app-server over stdio
 * JSON-RPC (spec §10), as a {@link RuntimeProfile} of the runner contract (issue 8 item 1). Its
 * settings are the `codex.*` section (`ServiceConfig.codex`).
 */
import type { RuntimeProfile, RuntimeStartRequest } from '../runtime.js';
import type { WorkerSession } from '../worker.js';
import { probeCodex } from './probe.js';
import { startAppServerSession } from './session.js';

/** Starts a Codex app-server session for one run with the run's `codex.*` settings. */
function startCodex(request: RuntimeStartRequest): Promise<WorkerSession> {
  const { config } = request;
  return startAppServerSession({
    command: config.codex.command,
    workspacePath: request.workspacePath,
    workspaceRoot: config.workspaceRoot,
    env: request.env,
    secretEnvNames: request.secretEnvNames,
    approvalPolicy: config.codex.approvalPolicy,
    operatorChannel: request.operatorChannel,
    operatorTimeoutMs: config.agent.operatorTimeoutMs,
    ...(request.sessionLog === null ? {} : { sessionLog: request.sessionLog }),
    threadSandbox: config.codex.threadSandbox,
    turnSandboxPolicy: config.codex.turnSandboxPolicy,
    readTimeoutMs: config.codex.readTimeoutMs,
    startupTimeoutMs: config.codex.startupTimeoutMs,
    ...(request.clock === undefined ? {} : { clock: request.clock }),
    turnTimeoutMs: config.codex.turnTimeoutMs,
    tools: request.tools,
    executeTool: request.executeTool,
    onEvent: request.onEvent,
    logger: request.logger,
    clientInfo: { name: 'symphony-ts', version: request.clientVersion },
    signal: request.signal,
    ...(request.resume === undefined ? {} : { resume: request.resume }),
  });
}

/** The Codex runtime profile. */
export const codexRuntime: RuntimeProfile = {
  kind: 'codex',
  displayName: 'Codex',
  canResume: true,
  start: startCodex,
  probe: probeCodex,
};
