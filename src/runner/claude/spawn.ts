/**
 * Spawning Claude Code for the SDK (`spawnClaudeCodeProcess`), the Claude runtime's launch (spec
 * §10.1, §15.3 for Claude): the SDK's command line run as `bash -lc 'exec <command> <args>'` in the
 * workspace, in its own process group (`src/process/group.ts` via the app-server launcher), with
 * tracker secrets removed from the environment and `unset` again in the login shell. stdout is the
 * SDK's stream-json channel; stderr is logged line by line and kept as a short tail.
 *
 * The SDK's `kill(signal)` signals the whole group; the session's stop terminates the group and
 * reaps descendants that left it (Claude Code runs each Bash command in a process group of its own).
 */
import type { SpawnedProcess, SpawnOptions } from '@anthropic-ai/claude-agent-sdk';
import type { Logger } from '../../logging/logger.js';
import { launchAppServer, type LaunchedAppServer } from '../app-server/launch.js';

/** `'…'` with embedded quotes escaped: one shell word whatever `word` holds. */
export function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The script `bash -lc` runs: `exec` of the SDK's command line, each word quoted. */
export function execScript(command: string, args: readonly string[]): string {
  return ['exec', shellWord(command), ...args.map(shellWord)].join(' ');
}

/** What {@link spawnClaudeCode} needs besides the SDK's options. */
export interface ClaudeSpawnDeps {
  /** The workspace (used when the SDK gives no cwd). */
  readonly cwd: string;
  readonly secretEnvNames: readonly string[];
  readonly logger: Logger;
  /** SIGTERM → SIGKILL grace when the SDK's forwarded abort signal fires, ms. */
  readonly graceMs: number;
  /** Receives the launched group (the session owns its shutdown). */
  onLaunch(launched: LaunchedAppServer): void;
}

/** Adapts a launched group to the SDK's {@link SpawnedProcess}: same streams, group-wide `kill`. */
function asSpawnedProcess(launched: LaunchedAppServer): SpawnedProcess {
  const child = launched.group.subprocess.nodeChildProcess;
  return {
    stdin: launched.stdin,
    stdout: launched.stdout,
    get killed() {
      return child.killed;
    },
    get exitCode() {
      return child.exitCode;
    },
    get signalCode() {
      return child.signalCode;
    },
    kill(signal) {
      launched.group.signalGroup(signal);
      return true;
    },
    on: ((event: 'exit' | 'error', listener: (...args: unknown[]) => void) => {
      child.on(event, listener);
    }) as SpawnedProcess['on'],
    once: ((event: 'exit' | 'error', listener: (...args: unknown[]) => void) => {
      child.once(event, listener);
    }) as SpawnedProcess['once'],
    off: ((event: 'exit' | 'error', listener: (...args: unknown[]) => void) => {
      child.off(event, listener);
    }) as SpawnedProcess['off'],
  };
}

/**
 * The SDK's spawn hook: launches the command line the SDK built in its own process group.
 *
 * @throws SymphonyError `internal` when the child has no stdio pipes (the SDK reports it as a
 *   startup failure). A missing executable surfaces as exit code 127.
 */
export function spawnClaudeCode(options: SpawnOptions, deps: ClaudeSpawnDeps): SpawnedProcess {
  const launched = launchAppServer({
    command: execScript(options.command, options.args),
    cwd: options.cwd ?? deps.cwd,
    env: options.env,
    secretEnvNames: deps.secretEnvNames,
    logger: deps.logger,
  });
  deps.onLaunch(launched);
  options.signal.addEventListener('abort', () => void launched.group.terminate(deps.graceMs), { once: true });
  return asSpawnedProcess(launched);
}
