/**
 * `symphony check` for the Claude Code runtime (issue 8 item 4: the check is the runtime
 * profile's probe). See {@link probeClaude}.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { toSymphonyError } from '../../errors.js';
import { silentLogger } from '../../logging/logger.js';
import { packageVersion } from '../../version.js';
import type { RuntimeProbeRequest, RuntimeProbeResult } from '../runtime.js';
import { startClaudeSession } from './session.js';

/**
 * Environment variables through which Claude Code can authenticate without a stored login (the
 * per-run `CLAUDE_CONFIG_DIR` holds none): an API key, an OAuth token (`claude setup-token`), a
 * bearer token for a gateway, or a cloud provider.
 */
export const CLAUDE_CREDENTIAL_ENV: readonly string[] = ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY'];

/** The credential variables set (non-empty) in `env` and not stripped as secrets. Pure. */
export function claudeCredentials(env: NodeJS.ProcessEnv, secretEnvNames: readonly string[]): string[] {
  return CLAUDE_CREDENTIAL_ENV.filter((name) => (env[name] ?? '').trim() !== '' && !secretEnvNames.includes(name));
}

/**
 * The Claude runtime's probe: Claude Code starts as in the daemon (own process group, secrets
 * removed, per-run config dir, in a temporary workspace) and answers the SDK's initialize request
 * within `claude.startup_timeout_ms`; then it is stopped. No model request is made. `WARN` when no
 * credential variable reaches Claude Code (a stored `claude login` is not used). Never rejects; no
 * process outlives it.
 */
export async function probeClaude({ config, env, tmpDir }: RuntimeProbeRequest): Promise<RuntimeProbeResult> {
  let root: string | null = null;
  try {
    root = await mkdtemp(path.join(tmpDir, 'symphony-claude-probe-'));
    const workspace = path.join(root, 'probe');
    await mkdir(workspace);
    const startedAt = Date.now();
    const session = await startClaudeSession({
      config: config.claude,
      workspacePath: workspace,
      workspaceRoot: root,
      env,
      secretEnvNames: config.secretEnvNames,
      operatorChannel: false,
      tools: [],
      executeTool: () => Promise.resolve({ success: false, text: 'no tools in the probe' }),
      onEvent: () => undefined,
      logger: silentLogger(),
      clientVersion: packageVersion(),
      tmpDir: root,
    });
    const elapsedMs = Date.now() - startedAt;
    await session.stop();
    const started = `Claude Code answered initialize in ${elapsedMs} ms (claude.startup_timeout_ms ${config.claude.startupTimeoutMs})`;
    const credentials = claudeCredentials(env, config.secretEnvNames);
    if (credentials.length === 0) {
      return { status: 'WARN', detail: `${started}, but none of ${CLAUDE_CREDENTIAL_ENV.join(', ')} is set: runs use an empty CLAUDE_CONFIG_DIR, so a stored claude login is not used` };
    }
    return { status: 'ok', detail: `${started}; credentials from ${credentials.join(', ')}` };
  } catch (error) {
    return { status: 'FAIL', detail: toSymphonyError(error, 'port_exit').toLine() };
  } finally {
    if (root !== null) await rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
}
