/**
 * `symphony check` for the ACP runtime (issue 8 item 4): `acp.command` starts in a temporary
 * workspace and completes the handshake the daemon uses — `initialize`, `authenticate` when
 * `acp.auth_method` is set, `session/new` — within the configured timeouts; then the session is
 * stopped and the directory removed. Never rejects; no process outlives it.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SymphonyError, toSymphonyError } from '../../errors.js';
import { silentLogger } from '../../logging/logger.js';
import { packageVersion } from '../../version.js';
import type { RuntimeProbeRequest, RuntimeProbeResult } from '../runtime.js';
import { startAcpSession } from './session.js';

/** The ACP probe; see the module comment. */
export async function probeAcp({ config, env, tmpDir }: RuntimeProbeRequest): Promise<RuntimeProbeResult> {
  const command = config.acp.command;
  if (command === null) return { status: 'FAIL', detail: new SymphonyError('invalid_config', 'acp.command is not set (agent.runtime is acp)').toLine() };
  let root: string;
  try {
    root = await mkdtemp(path.join(tmpDir, 'symphony-check-acp-'));
  } catch (error) {
    return { status: 'FAIL', detail: new SymphonyError('workspace_error', `cannot create a temporary directory in ${tmpDir}`, { cause: error }).toLine() };
  }
  const workspace = path.join(root, 'CHECK-1');
  const startedAt = performance.now();
  try {
    await mkdir(workspace);
    const session = await startAcpSession({
      command,
      workspacePath: workspace,
      workspaceRoot: root,
      env,
      secretEnvNames: config.secretEnvNames,
      authMethod: config.acp.authMethod,
      approvalPolicy: config.acp.approvalPolicy,
      operatorChannel: false,
      operatorTimeoutMs: config.agent.operatorTimeoutMs,
      startupTimeoutMs: config.acp.startupTimeoutMs,
      readTimeoutMs: config.acp.readTimeoutMs,
      turnTimeoutMs: config.acp.turnTimeoutMs,
      tools: [],
      executeTool: () => Promise.resolve({ success: false, text: 'symphony check runs no tools' }),
      onEvent: () => undefined,
      logger: silentLogger(),
      clientInfo: { name: 'symphony-ts', version: packageVersion() },
      signal: new AbortController().signal,
    });
    const elapsedMs = Math.round(performance.now() - startedAt);
    await session.stop();
    const auth = config.acp.authMethod === null ? '' : `authenticate (${config.acp.authMethod}), `;
    return { status: 'ok', detail: `acp.command answered initialize, ${auth}session/new in ${elapsedMs} ms` };
  } catch (error) {
    return { status: 'FAIL', detail: toSymphonyError(error, 'response_error').toLine() };
  } finally {
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
}
