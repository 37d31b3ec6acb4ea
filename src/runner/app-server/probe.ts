/**
 * `symphony check` for the Codex runtime (issue 8 item 4: the check is the runtime profile's
 * probe). See {@link probeCodex}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { oneLine, SymphonyError, toSymphonyError } from '../../errors.js';
import { silentLogger } from '../../logging/logger.js';
import { settledWithin } from '../../domain/clock.js';
import { packageVersion } from '../../version.js';
import { JsonRpcConnection } from '../jsonrpc/connection.js';
import type { RuntimeProbeRequest, RuntimeProbeResult } from '../runtime.js';
import { reapDescendants, snapshotDescendants } from './descendants.js';
import { describeExit, isCommandNotFound, launchAppServer, type LaunchedAppServer } from './launch.js';
import { ClientMethod, initializeParams } from './protocol.js';

/** SIGTERM → SIGKILL grace when stopping the app-server after the handshake, ms. */
const CODEX_STOP_GRACE_MS = 2000;

/**
 * The Codex runtime's `symphony check` probe: `codex.command` starts (`bash -lc`, own process
 * group, tracker secrets removed, in a temporary directory) and answers `initialize` within
 * `codex.startup_timeout_ms` of launch, as in the daemon; `initialized` is sent, then the whole
 * process group is stopped. Never rejects; no process outlives it.
 */
export async function probeCodex({ config, env, tmpDir: tmpRoot }: RuntimeProbeRequest): Promise<RuntimeProbeResult> {
  // As in the daemon: initialize is allowed the startup allowance from launch (login shell included).
  const timeoutMs = config.codex.startupTimeoutMs;
  let dir: string;
  try {
    dir = await mkdtemp(path.join(tmpRoot, 'symphony-check-'));
  } catch (error) {
    return { status: 'FAIL', detail: new SymphonyError('workspace_error', `cannot create a temporary directory in ${tmpRoot}`, { cause: error }).toLine() };
  }
  let launched: LaunchedAppServer | null = null;
  try {
    launched = launchAppServer({ command: config.codex.command, cwd: dir, env, secretEnvNames: config.secretEnvNames, logger: silentLogger() });
    const server = launched;
    const connection: JsonRpcConnection = new JsonRpcConnection(server.stdout, server.stdin, {
      onRequest: (request) => connection.respondError(request.id, { code: -32601, message: 'symphony check answers no requests' }),
      onNotification: () => undefined,
      onMalformed: () => undefined,
    });
    try {
      const result = await connection.request(ClientMethod.initialize, initializeParams({ name: 'symphony-ts', version: packageVersion() }), timeoutMs);
      connection.notify(ClientMethod.initialized);
      const userAgent = field(result, 'userAgent');
      const identity = userAgent === null ? 'no userAgent given' : `userAgent ${oneLine(userAgent, 160)}`;
      return { status: 'ok', detail: `codex.command answered initialize within ${timeoutMs} ms of launch (${identity})` };
    } finally {
      connection.close(new SymphonyError('canceled', 'symphony check is done with the app-server'));
    }
  } catch (error) {
    return { status: 'FAIL', detail: (await describeCodexFailure(toSymphonyError(error, 'response_error'), launched, timeoutMs)).toLine() };
  } finally {
    if (launched !== null) {
      const strays = snapshotDescendants(launched.group.pid);
      await launched.group.terminate(CODEX_STOP_GRACE_MS);
      await reapDescendants(strays, 1000);
    }
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Turns a handshake failure into the §10.6 category an operator can act on. */
async function describeCodexFailure(error: SymphonyError, launched: LaunchedAppServer | null, timeoutMs: number): Promise<SymphonyError> {
  if (error.code === 'response_timeout') {
    return new SymphonyError('response_timeout', `codex.command did not answer initialize within ${timeoutMs} ms of launch (codex.startup_timeout_ms)`, { cause: error });
  }
  if (error.code !== 'port_exit' || launched === null) return error;
  const exit = await settledWithin(launched.group.exited, 1000);
  const stderr = launched.stderrTail();
  if (exit !== null && isCommandNotFound(exit, stderr)) {
    return new SymphonyError('codex_not_found', `codex.command not found: ${describeExit(exit, stderr)}`, { cause: error });
  }
  return new SymphonyError('port_exit', `${describeExit(exit, stderr)} before answering initialize`, { cause: error });
}


function field(value: unknown, key: string): string | null {
  const found = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof found === 'string' && found.trim() !== '' ? found : null;
}

