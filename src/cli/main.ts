/**
 * The `symphony` entry point (spec §17.7) and the daemon's one top-level error boundary: the only
 * place that decides the process exit code.
 *
 * - `symphony [path/to/WORKFLOW.md] [--port N] [--logs-root DIR]`; `--help`; `--version`.
 * - Exit 0 after a normal shutdown; 1 when startup fails (missing file, invalid workflow);
 *   2 for a usage error.
 * - SIGINT/SIGTERM/SIGHUP: stop polling, stop every agent (its whole process group), run
 *   `after_run` hooks, exit 0 within {@link SHUTDOWN_DEADLINE_MS} (8 s); a second signal exits at once (129/130/143) after
 *   killing the whole process tree. During startup a signal kills startup cleanup hooks and exits 0.
 *
 * The daemon (`service.ts` and what it loads), `symphony check` and the terminal status view are
 * imported when used, so `--help`, `--version` and usage errors load none of them, and the daemon
 * never loads the check code or, off a terminal, the view.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { SHUTDOWN_DEADLINE_MS } from '../domain/shutdown.js';
import { isSymphonyError, toSymphonyError } from '../errors.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { killAllGroups } from '../process/group.js';
import { snapshotDescendants } from '../runner/app-server/descendants.js';
import type { RunningService } from '../service/service.js';
import { packageVersion } from '../version.js';
import { parseArgs, usageText } from './args.js';
import { shouldUseTerminalStatus } from './use-terminal.js';

/** Graceful shutdown budget: agents and hooks get this long before the process exits anyway. */
export { SHUTDOWN_DEADLINE_MS };

/** Signals that stop the daemon gracefully (SIGHUP: the terminal or ssh session went away). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Exit code when a second stop signal ends the daemon at once (128 + signal number). */
const SECOND_SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Streams the CLI writes to (injectable for tests). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/**
 * Runs the CLI. Resolves with the exit code once the daemon has stopped (or failed to start).
 * Never rejects.
 */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let command;
  try {
    command = parseArgs(argv);
  } catch (error) {
    io.stderr(`symphony: ${toSymphonyError(error).message}\n${usageText()}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    io.stdout(`${usageText()}\n`);
    return 0;
  }
  if (command.kind === 'version') {
    io.stdout(`symphony ${packageVersion()}\n`);
    return 0;
  }
  if (command.kind === 'check') return (await import('./check.js')).runCheck(command, io);
  if (!existsSync(command.workflowPath) || !statSync(command.workflowPath).isFile()) {
    io.stderr(`Workflow file not found: ${command.workflowPath}\n`);
    return 1;
  }
  // On a terminal, a live status view replaces the JSON lines, which then go to the log file
  // (`<workflow dir>/log` unless --logs-root says otherwise). Under a service manager: JSON on stdout.
  const useTerminalStatus = shouldUseTerminalStatus(process.stdout, process.env);
  const terminalView = useTerminalStatus ? await import('./terminal-status.js') : null;
  const logsRoot = command.logsRoot ?? (useTerminalStatus ? path.join(path.dirname(command.workflowPath), 'log') : null);
  const logger = createLogger({ logsRoot, console: !useTerminalStatus });
  // Until the service runs, a stop signal only has startup cleanup hooks to stop; nothing is
  // dispatched yet, and the next start repeats the cleanup.
  const duringStartup = (signal: NodeJS.Signals): void => {
    logger.warn({ signal }, 'signal during startup: exiting (startup cleanup runs again at the next start)');
    killProcessTree();
    logger.flush(() => process.exit(0));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, duringStartup);
  // A stray rejection must never take the daemon (and its agents) down.
  process.on('unhandledRejection', (reason) => {
    logger.error({ reason: isSymphonyError(reason) ? reason.toLine() : String(reason) }, 'unhandled rejection (ignored)');
  });
  let service: RunningService;
  try {
    const { startService } = await import('../service/service.js');
    service = await startService({ workflowPath: command.workflowPath, logger, port: command.port, logsRoot, journalLogsRoot: command.logsRoot, journalPath: command.journalPath, resetJournal: command.resetJournal });
  } catch (error) {
    for (const signal of STOP_SIGNALS) process.off(signal, duringStartup);
    const err = toSymphonyError(error);
    logger.error({ code: err.code, reason: err.message, outcome: 'failed' }, 'startup failed');
    logger.flush();
    io.stderr(`symphony: startup failed: ${err.toLine()}\n`);
    return 1;
  }
  const terminal =
    terminalView?.startTerminalStatus(service.status, {
      stream: process.stdout,
      version: packageVersion(),
      dashboardUrl: service.server === null ? null : `${service.server.url}/`,
      logFile: logsRoot === null ? null : path.resolve(logsRoot, 'symphony.log'),
    }) ?? null;
  // The running handlers go in before the startup ones come out: removing a signal's last listener
  // drops a signal Node has received but not yet dispatched, so a SIGTERM arriving just as startup
  // ends (with the first tracker answer) was lost and the daemon kept running.
  const stopped = waitForSignals(service, logger, () => terminal?.stop());
  for (const signal of STOP_SIGNALS) process.off(signal, duringStartup);
  return stopped;
}

/**
 * Last resort before exiting: SIGKILL every process group the daemon started and every other
 * descendant (some leave their group with `setsid`), read from /proc before the groups die.
 */
function killProcessTree(): void {
  const tree = snapshotDescendants(process.pid);
  killAllGroups();
  for (const ref of tree) {
    try {
      process.kill(ref.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function waitForSignals(service: RunningService, logger: Logger, beforeExit: () => void): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    let exitCode = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        logger.flush();
        killProcessTree();
        process.exit(SECOND_SIGNAL_EXIT[signal] ?? 143);
      }
      stopping = true;
      logger.info({ signal }, 'shutdown requested');
      void service.stop(SHUTDOWN_DEADLINE_MS).then(
        (clean) => {
          if (!clean) logger.warn({ deadline_ms: SHUTDOWN_DEADLINE_MS }, 'shutdown deadline passed; killing remaining agents');
          killProcessTree();
          for (const stop of STOP_SIGNALS) process.off(stop, onSignal);
          beforeExit();
          logger.flush(() => resolve(exitCode));
        },
        (error: unknown) => {
          logger.error({ reason: toSymphonyError(error).toLine() }, 'shutdown failed');
          killProcessTree();
          beforeExit();
          logger.flush(() => resolve(1));
        },
      );
    };
    for (const stop of STOP_SIGNALS) process.on(stop, onSignal);
    process.on('uncaughtException', (error) => {
      logger.fatal({ reason: String(error), stack: error.stack }, 'uncaught exception; shutting down');
      exitCode = 1;
      onSignal('SIGTERM');
    });
  });
}
