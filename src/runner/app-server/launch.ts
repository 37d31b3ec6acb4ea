/**
 * Launching the app-server subprocess (spec §10.1, §9.5, §15.3): `bash -lc <codex.command>` in the
 * workspace, in its own process group, with tracker secrets removed; stdout is the protocol
 * stream, stderr is diagnostics only (logged line by line, never parsed as protocol).
 */
import { randomUUID } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { oneLine, SymphonyError } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import { spawnShell, type GroupExit, type GroupProcess } from '../../process/group.js';
import { agentEnvironment, launchScript } from '../agent-env.js';
import { createLineDecoder } from '../jsonrpc/framing.js';
import { SESSION_MARKER_ENV } from './descendants.js';

/**
 * Canonical workspace path, checked to lie strictly inside the canonical workspace root
 * (spec §9.5: the agent's cwd is the per-issue workspace, never the root or anything outside it).
 *
 * @throws SymphonyError `invalid_workspace_cwd` when either path is relative or unresolvable, or the
 * workspace is the root itself or outside it (also via symlinks).
 */
export async function resolveWorkspaceCwd(workspacePath: string, workspaceRoot: string): Promise<string> {
  if (!path.isAbsolute(workspacePath) || !path.isAbsolute(workspaceRoot)) {
    throw new SymphonyError('invalid_workspace_cwd', `workspace ${workspacePath} and root ${workspaceRoot} must be absolute paths`);
  }
  let workspace: string;
  let root: string;
  try {
    [workspace, root] = await Promise.all([realpath(workspacePath), realpath(workspaceRoot)]);
  } catch (error) {
    throw new SymphonyError('invalid_workspace_cwd', `workspace ${workspacePath} or root ${workspaceRoot} cannot be resolved`, { cause: error });
  }
  const relative = path.relative(root, workspace);
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new SymphonyError('invalid_workspace_cwd', `workspace ${workspace} is not inside workspace root ${root}`, { details: { workspace, root } });
  }
  return workspace;
}

/** Options for {@link launchAppServer}. */
export interface LaunchOptions {
  /** `codex.command`, run as `bash -lc`. */
  readonly command: string;
  /** Canonical workspace path (from {@link resolveWorkspaceCwd}). */
  readonly cwd: string;
  /** Base environment; secrets are removed from a copy. */
  readonly env: NodeJS.ProcessEnv;
  readonly secretEnvNames: readonly string[];
  readonly logger: Logger;
}

/** A launched app-server. */
export interface LaunchedAppServer {
  readonly group: GroupProcess;
  /** Protocol stream from the server. */
  readonly stdout: Readable;
  /** Protocol stream to the server. */
  readonly stdin: Writable;
  /** The last few stderr lines (ANSI-stripped, ≤ 300 chars each), for error messages. */
  stderrTail(): readonly string[];
  /** This launch's `SYMPHONY_AGENT_SESSION` value (see `descendants.ts`): every process it starts inherits it. */
  readonly marker: string;
}

const STDERR_LINE_CHARS = 300;
const STDERR_TAIL_LINES = 5;
const ANSI_ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** Starts `bash -lc <unset secrets; command>` in `cwd` as a new process group. */
export function launchAppServer(options: LaunchOptions): LaunchedAppServer {
  const marker = randomUUID();
  const group = spawnShell(launchScript(options.command, options.secretEnvNames), {
    cwd: options.cwd,
    env: { ...agentEnvironment(options.env, options.secretEnvNames), [SESSION_MARKER_ENV]: marker },
    stdin: 'pipe',
  });
  const { stdout, stdin, stderr } = group.subprocess;
  if (stdout === null || stdin === null || stderr === null) {
    throw new SymphonyError('internal', 'app-server subprocess has no stdio pipes');
  }
  const tail: string[] = [];
  const decoder = createLineDecoder(64 * 1024);
  const onStderrLine = (raw: string): void => {
    const line = oneLine(raw.replace(ANSI_ESCAPES, ''), STDERR_LINE_CHARS);
    if (line === '') return;
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
    options.logger.debug({ stream: 'stderr', codex_app_server_pid: group.pid, line }, 'app-server stderr');
  };
  stderr.on('data', (chunk: Buffer | string) => {
    for (const event of decoder.push(chunk)) onStderrLine(event.kind === 'line' ? event.text : '[over-long stderr line skipped]');
  });
  stderr.once('end', () => {
    for (const event of decoder.end()) if (event.kind === 'line') onStderrLine(event.text);
  });
  stderr.on('error', () => undefined);
  return { group, stdout, stdin, stderrTail: () => [...tail], marker };
}

/**
 * True when the shell could not find `codex.command`: bash exits 127 for that. The exit code decides
 * alone, because an unrelated "command not found" from a login profile may precede any failure.
 */
export function isCommandNotFound(exit: GroupExit, _stderrTail: readonly string[]): boolean {
  return exit.exitCode === 127;
}

/** One-line description of how the app-server exited, with the last stderr line if any. */
export function describeExit(exit: GroupExit | null, stderrTail: readonly string[]): string {
  const how = exit === null ? 'closed its output' : exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
  const last = stderrTail[stderrTail.length - 1];
  return last === undefined ? `app-server ${how}` : `app-server ${how} (stderr: ${last})`;
}
