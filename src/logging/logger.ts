/**
 * Structured logging (spec §13.1, §13.2) on pino: JSON lines on stdout (unless `console: false`)
 * and, when a logs root is given, in `<logs-root>/symphony.log`. Secrets are redacted by key name as a second line of
 * defence; the first is never putting them in a log call.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { SymphonyError } from '../errors.js';

/** The logger type used everywhere. Child loggers carry `issue_id`, `issue_identifier`, `session_id`. */
export type Logger = PinoLogger;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Directory for `symphony.log`; created if missing. Omit for stdout only. */
  readonly logsRoot?: string | null;
  /**
   * The level: one of {@link LOG_LEVELS}, case-insensitive. Default: `LOG_LEVEL` from the
   * environment, else `info` (see {@link resolveLogLevel}; an unknown value throws).
   */
  readonly level?: string;
  /** Replaces stdout (tests). */
  readonly stdout?: DestinationStream;
  /**
   * Whether JSON lines go to stdout (or {@link LoggerOptions.stdout}). Default `true`. `false` is
   * for the terminal status view (`src/cli/terminal-status.ts`), which owns the terminal: logs then
   * go to `<logsRoot>/symphony.log` only, and nowhere at all when no `logsRoot` is given. When the
   * view is on and no `--logs-root` was given, the CLI defaults `logsRoot` to `<workflow dir>/log`.
   * If the log file cannot be opened at startup, stdout is used anyway (with a warning) so that
   * logs are never silently lost; if it fails later, logging stops there.
   */
  readonly console?: boolean;
}

/** Key names whose values are always replaced by `[redacted]`. */
export const REDACTED_KEYS = [
  'api_key',
  'apiKey',
  'authorization',
  'Authorization',
  'token',
  'auth_token',
  'password',
  'secret',
] as const;

const redactPaths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/** The levels `LOG_LEVEL` accepts, from the fewest lines to the most; `silent` logs nothing. */
export const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The level for `value` (`LOG_LEVEL`, or {@link LoggerOptions.level}): trimmed and lower-cased,
 * so `DEBUG` is `debug`; `undefined` or a blank value is `info`. Pure.
 *
 * @throws SymphonyError `invalid_config` (`LOG_LEVEL must be one of …, got "verbose"`) for any
 *   other value; the daemon then does not start.
 */
export function resolveLogLevel(value: string | undefined): LogLevel {
  const wanted = (value ?? '').trim().toLowerCase();
  if (wanted === '') return 'info';
  const level = LOG_LEVELS.find((known) => known === wanted);
  if (level === undefined) {
    throw new SymphonyError('invalid_config', `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`, { details: { key: 'LOG_LEVEL' } });
  }
  return level;
}

/**
 * Creates the daemon's root logger: stdout and/or `<logsRoot>/symphony.log` (see
 * {@link LoggerOptions.console}), at {@link LoggerOptions.level} or else `LOG_LEVEL` (default
 * `info`), read once here.
 *
 * A file sink that cannot be opened does not stop the daemon (spec §13.2): the error is logged as
 * a warning on stdout and logging continues there.
 *
 * @throws SymphonyError `invalid_config` when the level is not one of {@link LOG_LEVELS}.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = resolveLogLevel(options.level ?? process.env.LOG_LEVEL);
  const stdout = (): { stream: DestinationStream; level: pino.Level } => ({ stream: options.stdout ?? pino.destination({ fd: 1, sync: false }), level: 'trace' });
  const streams: { stream: DestinationStream; level: pino.Level }[] = options.console === false ? [] : [stdout()];
  let fileError: unknown = null;
  let logger: Logger | null = null;
  if (options.logsRoot) {
    const logsRoot = options.logsRoot;
    try {
      mkdirSync(logsRoot, { recursive: true });
      const file = pino.destination({ dest: path.join(logsRoot, 'symphony.log'), sync: false, mkdir: true });
      const onFailure = (error: unknown): void => {
        // Not from inside the failing write: warn on the remaining sink once the stack unwinds.
        const where = options.console === false ? 'logging stopped' : 'logging to stdout only';
        setImmediate(() => logger?.warn({ logs_root: logsRoot, err: describeError(error) }, `log file sink failed; ${where}`));
      };
      streams.push({ stream: guardedSink(file, onFailure), level: 'trace' });
    } catch (error) {
      fileError = error;
      if (options.console === false) streams.push(stdout());
    }
  }
  logger = pino(
    {
      level,
      base: { service: 'symphony' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.multistream(streams),
  );
  if (fileError !== null) {
    logger.warn({ logs_root: options.logsRoot, err: describeError(fileError) }, 'log file sink unavailable; logging to stdout only');
  }
  return logger;
}

/**
 * Wraps the file destination so that a failure to open it or to write to it (EACCES, EISDIR,
 * ENOSPC…) disables the sink instead of throwing into the code that logged (spec §13.2).
 * `onFailure` is called once, with the first error.
 */
function guardedSink(file: FileSink, onFailure: (error: unknown) => void): DestinationStream & { flushSync(): void; end(): void } {
  let failed = false;
  const fail = (error: unknown): void => {
    if (failed) return;
    failed = true;
    try {
      file.destroy();
    } catch {
      // already unusable
    }
    onFailure(error);
  };
  file.on('error', fail);
  const guard = (action: () => void): void => {
    if (failed) return;
    try {
      action();
    } catch (error) {
      fail(error);
    }
  };
  return {
    write: (line: string) => guard(() => void file.write(line)),
    flushSync: () => guard(() => file.flushSync()),
    end: () => guard(() => file.end()),
  };
}

type FileSink = ReturnType<typeof pino.destination>;

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}

/** A logger that drops everything (tests and tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
