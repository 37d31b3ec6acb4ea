/**
 * The coding agent's environment (spec §10.5, §15.3): tracker secrets are never inherited by the
 * app-server or anything it runs. They are removed twice — from the environment handed to
 * `bash -lc`, and again with `unset` inside the login shell, because a login profile may export
 * them anew before `codex.command` runs.
 */

const SHELL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `name` can be a shell variable name (and so can be `unset`). */
export function isShellIdentifier(name: string): boolean {
  return SHELL_IDENTIFIER.test(name);
}

/**
 * Copy of `base` without the secret names and without undefined values.
 *
 * @param base - the daemon's environment (usually `process.env`); not modified.
 * @param secretEnvNames - names to drop (exact, case-sensitive matches).
 */
export function agentEnvironment(base: NodeJS.ProcessEnv, secretEnvNames: readonly string[]): NodeJS.ProcessEnv {
  const secrets = new Set(secretEnvNames);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !secrets.has(name)) env[name] = value;
  }
  return env;
}

/**
 * The script run as `bash -lc <script>`: `unset` of every secret name that is a valid shell
 * identifier (others cannot be shell variables and are only removed from the environment), then
 * `codex.command` unchanged on the next line, so it may stay any shell command string (even one
 * starting with a comment).
 *
 * @example launchScript('codex app-server', ['LINEAR_API_KEY']) === 'unset LINEAR_API_KEY\ncodex app-server'
 */
export function launchScript(command: string, secretEnvNames: readonly string[]): string {
  const names = [...new Set(secretEnvNames.filter(isShellIdentifier))];
  return names.length === 0 ? command : `unset ${names.join(' ')}\n${command}`;
}
