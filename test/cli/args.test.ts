import { describe, expect, it } from 'vitest';
import { parseArgs, usageText } from '../../src/cli/args.js';
import { SymphonyError } from '../../src/errors.js';

const cwd = '/home/op/repo';

function usageError(argv: string[]): SymphonyError {
  try {
    parseArgs(argv, { cwd });
  } catch (error) {
    if (error instanceof SymphonyError) return error;
    throw error;
  }
  throw new Error(`expected cli_usage for ${JSON.stringify(argv)}`);
}

describe('parseArgs (spec §17.7)', () => {
  it('§17.7 CLI accepts a positional workflow path argument', () => {
    expect(parseArgs(['config/WORKFLOW.md'], { cwd })).toEqual({ kind: 'run', workflowPath: '/home/op/repo/config/WORKFLOW.md', port: null, logsRoot: null, journalPath: null, resetJournal: false });
    expect(parseArgs(['/etc/symphony/flow.md'], { cwd })).toMatchObject({ workflowPath: '/etc/symphony/flow.md' });
  });

  it('§17.7 CLI uses ./WORKFLOW.md when no workflow path argument is provided', () => {
    expect(parseArgs([], { cwd })).toEqual({ kind: 'run', workflowPath: '/home/op/repo/WORKFLOW.md', port: null, logsRoot: null, journalPath: null, resetJournal: false });
    expect(parseArgs([])).toMatchObject({ workflowPath: `${process.cwd()}/WORKFLOW.md` });
  });

  it('parses --port and --logs-root in both spaced and = forms, in any order', () => {
    const expected = { kind: 'run', workflowPath: '/home/op/repo/W.md', port: 4000, logsRoot: '/home/op/repo/logs', journalPath: null, resetJournal: false };
    expect(parseArgs(['--port', '4000', 'W.md', '--logs-root', 'logs'], { cwd })).toEqual(expected);
    expect(parseArgs(['--logs-root=logs', '--port=4000', 'W.md'], { cwd })).toEqual(expected);
    expect(parseArgs(['--logs-root', '/var/log/sym'], { cwd })).toMatchObject({ logsRoot: '/var/log/sym', port: null });
  });

  it('--journal takes a file, resolved against the working directory, for run and check', () => {
    expect(parseArgs(['--journal', 'state/j.db'], { cwd })).toMatchObject({ kind: 'run', journalPath: '/home/op/repo/state/j.db' });
    expect(parseArgs(['check', '--journal=/var/lib/symphony/journal.db'], { cwd })).toMatchObject({ kind: 'check', journalPath: '/var/lib/symphony/journal.db' });
  });

  it('--reset-journal is a flag without a value, anywhere on the line', () => {
    expect(parseArgs(['--reset-journal', 'W.md'], { cwd })).toMatchObject({ workflowPath: '/home/op/repo/W.md', resetJournal: true });
    expect(parseArgs(['W.md', '--port', '1', '--reset-journal'], { cwd })).toMatchObject({ port: 1, resetJournal: true });
  });

  it('accepts --port 0 (ephemeral) and keeps the last of repeated flags', () => {
    expect(parseArgs(['--port', '0'], { cwd })).toMatchObject({ port: 0 });
    expect(parseArgs(['--port', '1', '--port=65535'], { cwd })).toMatchObject({ port: 65535 });
  });

  it('-h/--help and -V/--version', () => {
    expect(parseArgs(['-h'], { cwd })).toEqual({ kind: 'help' });
    expect(parseArgs(['W.md', '--help'], { cwd })).toEqual({ kind: 'help' });
    expect(parseArgs(['-V'], { cwd })).toEqual({ kind: 'version' });
    expect(parseArgs(['--version', 'a', 'b'], { cwd })).toEqual({ kind: 'version' });
  });

  it('treats arguments after -- as paths', () => {
    expect(parseArgs(['--', '--odd-name.md'], { cwd })).toMatchObject({ workflowPath: '/home/op/repo/--odd-name.md' });
  });

  it('rejects bad usage with one-line cli_usage errors', () => {
    const cases: [string[], string][] = [
      [['--bogus'], 'unknown option "--bogus"'],
      [['-x'], 'unknown option "-x"'],
      [['--verbose=1'], 'unknown option "--verbose"'],
      [['a.md', 'b.md'], 'expected at most one workflow path, got 2: "a.md" "b.md"'],
      [['--port'], '--port requires a value'],
      [['--port', '--logs-root', 'x'], '--port requires a value'],
      [['--port='], '--port requires a value'],
      [['--port', 'http'], '--port must be an integer from 0 to 65535 (got "http")'],
      [['--port', '-1'], '--port must be an integer from 0 to 65535 (got "-1")'],
      [['--port', '65536'], '--port must be an integer from 0 to 65535 (got "65536")'],
      [['--port', '80.5'], '--port must be an integer from 0 to 65535 (got "80.5")'],
      [['--logs-root', ''], '--logs-root requires a value'],
      [[''], 'the workflow path must not be empty'],
    ];
    for (const [argv, reason] of cases) {
      const error = usageError(argv);
      expect(error.code).toBe('cli_usage');
      expect(error.message).toBe(`${reason}; run symphony --help for usage`);
      expect(error.details.reason).toBe(reason);
    }
  });

  it('usageText() documents every option and the check command', () => {
    const text = usageText();
    expect(text.startsWith('Usage: symphony [path/to/WORKFLOW.md] [--port N] [--logs-root DIR] [--journal FILE] [--reset-journal]\n       symphony check [path/to/WORKFLOW.md]\n')).toBe(true);
    for (const option of ['--port N', '--logs-root DIR', '--journal FILE', '--reset-journal', '-h, --help', '-V, --version']) expect(text).toContain(option);
    expect(text).not.toContain('not part of this build');
  });
});

describe('parseArgs: symphony check', () => {
  it('a first positional `check` selects the check command; the path follows the same rules', () => {
    expect(parseArgs(['check'], { cwd })).toEqual({ kind: 'check', workflowPath: '/home/op/repo/WORKFLOW.md', logsRoot: null, journalPath: null });
    expect(parseArgs(['check', 'flows/W.md'], { cwd })).toEqual({ kind: 'check', workflowPath: '/home/op/repo/flows/W.md', logsRoot: null, journalPath: null });
    expect(parseArgs(['check', '/etc/symphony/W.md'], { cwd })).toEqual({ kind: 'check', workflowPath: '/etc/symphony/W.md', logsRoot: null, journalPath: null });
  });

  it('accepts and ignores --port / --logs-root (validated), so a service\'s arguments can be reused', () => {
    expect(parseArgs(['check', 'W.md', '--logs-root', '/var/log/sym', '--port', '8080'], { cwd })).toEqual({ kind: 'check', workflowPath: '/home/op/repo/W.md', logsRoot: '/var/log/sym', journalPath: null });
    expect(parseArgs(['--port=0', 'check', 'W.md'], { cwd })).toEqual({ kind: 'check', workflowPath: '/home/op/repo/W.md', logsRoot: null, journalPath: null });
    expect(usageError(['check', '--port', 'x']).message).toBe('--port must be an integer from 0 to 65535 (got "x"); run symphony --help for usage');
  });

  it('a workflow file named check is reachable as ./check or after --; check check checks ./check', () => {
    expect(parseArgs(['./check'], { cwd })).toMatchObject({ kind: 'run', workflowPath: '/home/op/repo/check' });
    expect(parseArgs(['--', 'check'], { cwd })).toMatchObject({ kind: 'run', workflowPath: '/home/op/repo/check' });
    expect(parseArgs(['check', 'check'], { cwd })).toEqual({ kind: 'check', workflowPath: '/home/op/repo/check', logsRoot: null, journalPath: null });
    expect(usageError(['W.md', 'check']).details.reason).toBe('expected at most one workflow path, got 2: "W.md" "check"');
  });

  it('--help wins over check; extra paths and unknown flags are usage errors', () => {
    expect(parseArgs(['check', '--help'], { cwd })).toEqual({ kind: 'help' });
    expect(usageError(['check', 'a.md', 'b.md']).details.reason).toBe('expected at most one workflow path, got 2: "a.md" "b.md"');
    expect(usageError(['check', '--deep']).details.reason).toBe('unknown option "--deep"');
  });
});
