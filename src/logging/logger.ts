/**
 * Structured logging (spec §13.1, §13.2) on pino: JSON lines on stdout and, when a logs root is
 * given, in `<logs-root>/symphony.log`. Secrets are redacted by key name as a second line of
 * defence; the first is never putting them in a log call.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** The logger type used everywhere. Child loggers carry `issue_id`, `issue_identifier`, `session_id`. */
export type Logger = PinoLogger;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Directory for `symphony.log`; created if missing. Omit for stdout only. */
  readonly logsRoot?: string | null;
  /** pino level. Default `info`, or `LOG_LEVEL` from the environment. */
  readonly level?: string;
  /** Replaces stdout (tests). */
  readonly stdout?: DestinationStream;
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

/**
 * Creates the daemon's root logger.
 *
 * A file sink that cannot be opened does not stop the daemon (spec §13.2): the error is logged as
 * a warning on stdout and logging continues there.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const streams: { stream: DestinationStream; level: pino.Level }[] = [
    { stream: options.stdout ?? pino.destination({ fd: 1, sync: false }), level: 'trace' },
  ];
  let fileError: unknown = null;
  if (options.logsRoot) {
    try {
      mkdirSync(options.logsRoot, { recursive: true });
      const file = pino.destination({ dest: path.join(options.logsRoot, 'symphony.log'), sync: false, mkdir: true });
      file.on('error', () => {
        /* a failing sink must not crash the daemon (spec §13.2) */
      });
      streams.push({ stream: file, level: 'trace' });
    } catch (error) {
      fileError = error;
    }
  }
  const logger = pino(
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
    logger.warn({ logs_root: options.logsRoot, err: fileError instanceof Error ? fileError.message : 'unknown error' }, 'log file sink unavailable; logging to stdout only');
  }
  return logger;
}

/** A logger that drops everything (tests and tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
