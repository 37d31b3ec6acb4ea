/**
 * `LOG_LEVEL` (read once by `createLogger` when the daemon starts): the accepted values, the
 * default `info`, case-insensitivity, and one clear error for anything else. The daemon itself
 * (`bin/symphony.js` under Node 24) refuses an unknown level with one line and exit 1.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isSymphonyError } from '../../src/errors.js';
import { createLogger, LOG_LEVELS, resolveLogLevel } from '../../src/logging/logger.js';
import { NODE_BIN, SYMPHONY_BIN, assertBuilt } from '../support/daemon.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

/** A logger at `level` (or from LOG_LEVEL) writing parsed lines into the returned list. */
function capture(level?: string): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ ...(level === undefined ? {} : { level }), stdout: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { lines, logger };
}

function logEveryLevel(logger: ReturnType<typeof createLogger>): void {
  logger.trace('t');
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
  logger.fatal('f');
}

describe('LOG_LEVEL', () => {
  it('accepts silent, fatal, error, warn, info, debug, trace in any case; blank or unset means info', () => {
    expect(LOG_LEVELS).toEqual(['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace']);
    for (const level of LOG_LEVELS) {
      expect(resolveLogLevel(level)).toBe(level);
      expect(resolveLogLevel(` ${level.toUpperCase()} `)).toBe(level);
    }
    expect(resolveLogLevel(undefined)).toBe('info');
    expect(resolveLogLevel('')).toBe('info');
    expect(resolveLogLevel('  ')).toBe('info');
  });

  it('rejects any other value with invalid_config naming LOG_LEVEL and the accepted values', () => {
    let thrown: unknown;
    try {
      resolveLogLevel('verbose');
    } catch (error) {
      thrown = error;
    }
    expect(isSymphonyError(thrown, 'invalid_config')).toBe(true);
    expect((thrown as Error).message).toBe('LOG_LEVEL must be one of silent, fatal, error, warn, info, debug, trace, got "verbose"');
  });

  it('createLogger reads LOG_LEVEL when no level is given, and defaults to info', () => {
    vi.stubEnv('LOG_LEVEL', 'WARN');
    const warn = capture();
    logEveryLevel(warn.logger);
    expect(warn.lines.map((line) => line.msg)).toEqual(['w', 'e', 'f']);

    vi.stubEnv('LOG_LEVEL', undefined);
    const info = capture();
    logEveryLevel(info.logger);
    expect(info.lines.map((line) => line.msg)).toEqual(['i', 'w', 'e', 'f']);

    vi.stubEnv('LOG_LEVEL', 'error');
    const explicit = capture('trace');
    logEveryLevel(explicit.logger);
    expect(explicit.lines).toHaveLength(6);
  });

  it('the daemon refuses an unknown LOG_LEVEL with one line and exit 1', async () => {
    assertBuilt();
    const dir = await mkdtemp(path.join(tmpdir(), 'symphony-log-level-'));
    try {
      const workflowPath = path.join(dir, 'WORKFLOW.md');
      await writeFile(workflowPath, '---\ntracker:\n  kind: linear\n  provider:\n    api_key: $SYMPHONY_LOG_LEVEL_TEST_KEY\n    project_slug: levels\n    endpoint: http://127.0.0.1:9/graphql\n---\nWork on {{ issue.identifier }}.\n');
      const result = await execa(NODE_BIN, [SYMPHONY_BIN, workflowPath], {
        cwd: dir,
        env: { ...process.env, LOG_LEVEL: 'verbose', SYMPHONY_NO_TUI: '1', SYMPHONY_LOG_LEVEL_TEST_KEY: 'lin_api_levels' },
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: 30_000,
      });
      expect({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({
        exitCode: 1,
        stdout: '',
        stderr: 'symphony: fatal: LOG_LEVEL must be one of silent, fatal, error, warn, info, debug, trace, got "verbose"',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
