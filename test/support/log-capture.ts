/** A pino logger that keeps every line as a parsed record (tests assert on structured fields). */
import { pino } from 'pino';
import type { Logger } from '../../src/logging/logger.js';

/** One captured log line: pino's `level` label, `msg`, and the structured fields. */
export interface LogRecord {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/**
 * A debug-level logger appending each line to `records`, then calling `onLine` (e.g. a pulse).
 * Child loggers write to the same list.
 */
export function captureLogger(records: LogRecord[], onLine: () => void = () => undefined): Logger {
  return pino(
    { level: 'debug', base: null, formatters: { level: (label) => ({ level: label }) } },
    {
      write: (line: string) => {
        records.push(JSON.parse(line) as LogRecord);
        onLine();
      },
    },
  );
}
