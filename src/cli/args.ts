/**
 * Pure command-line parsing for `symphony [path/to/WORKFLOW.md] [--port N] [--logs-root DIR] [--reset-journal]`
 * (spec §17.7, §13.7 `--port`, §13.2 logs root) and `symphony check [path/to/WORKFLOW.md]`.
 * No I/O: whether the file exists is the loader's call.
 */
import path from 'node:path';
import { SymphonyError } from '../errors.js';

/** What the command line asks for. */
export type CliCommand =
  | {
      readonly kind: 'run';
      /** Absolute workflow path: the positional argument, else `<cwd>/WORKFLOW.md` (spec §5.1). */
      readonly workflowPath: string;
      /** `--port N` (0..65535; 0 = ephemeral); overrides `server.port`. Null when not given. */
      readonly port: number | null;
      /** Absolute `--logs-root` directory, or null when not given. */
      readonly logsRoot: string | null;
      /**
       * Absolute `--journal FILE`, or null: the run journal's file, over `journal.path` (an
       * operator's location, such as systemd's state directory, outside the repository's file).
       */
      readonly journalPath: string | null;
      /**
       * `--reset-journal`: when the run journal is corrupt, move it aside (kept as
       * `<path>.corrupt-<time>`) and start with an empty one instead of refusing to start (issue 9).
       */
      readonly resetJournal: boolean;
    }
  | {
      readonly kind: 'check';
      /** Absolute workflow path, resolved like the `run` command's. */
      readonly workflowPath: string;
      /** Absolute `--logs-root`, or null: only locates the run journal the check inspects. */
      readonly logsRoot: string | null;
      /** Absolute `--journal FILE`, or null: the journal the check inspects. */
      readonly journalPath: string | null;
    }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

/** Options of {@link parseArgs}. */
export interface ParseArgsOptions {
  /** Directory relative paths resolve against. Default `process.cwd()`. */
  readonly cwd?: string;
}

const VALUE_FLAGS = ['--port', '--logs-root', '--journal'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

/**
 * Parses the arguments after the executable and script (`process.argv.slice(2)`).
 *
 * `-h`/`--help` and `-V`/`--version` win as soon as they are seen. Value flags accept
 * `--flag value` and `--flag=value`; a repeated flag keeps its last value; `--` ends flags.
 * A first positional `check` (before any `--`) selects the `check` command; its workflow path
 * follows the same rules, and `--port` / `--logs-root` / `--reset-journal` are validated there
 * but only `--logs-root` is used (it locates the run journal), so a service's arguments can be
 * reused as they are. (`symphony ./check` or `symphony -- check`
 * names a workflow file called `check`.)
 *
 * @throws SymphonyError `cli_usage` with a one-line reason for an unknown flag, a missing or bad
 *   value, or more than one positional path.
 *
 * Implements the CLI part of spec §17.7 and §5.1 (explicit path, else `./WORKFLOW.md`).
 */
export function parseArgs(argv: readonly string[], options: ParseArgsOptions = {}): CliCommand {
  const cwd = options.cwd ?? process.cwd();
  const values: Partial<Record<ValueFlag, string>> = {};
  const positionals: string[] = [];
  let flagsDone = false;
  let isCheck = false;
  let resetJournal = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!flagsDone && !isCheck && positionals.length === 0 && arg === 'check') {
      isCheck = true;
      continue;
    }
    if (flagsDone || arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') flagsDone = true;
    else if (arg === '-h' || arg === '--help') return { kind: 'help' };
    else if (arg === '-V' || arg === '--version') return { kind: 'version' };
    else if (arg === '--reset-journal') resetJournal = true;
    else {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      if (!isValueFlag(name)) throw usage(`unknown option ${JSON.stringify(name)}`);
      let value: string | undefined;
      if (eq !== -1) value = arg.slice(eq + 1);
      else {
        const next = argv[i + 1];
        if (next !== undefined && !(next.startsWith('-') && next.length > 1 && !/^-\d/.test(next))) {
          value = next;
          i++;
        }
      }
      if (value === undefined || value.trim() === '') throw usage(`${name} requires a value`);
      values[name] = value;
    }
  }
  if (positionals.length > 1) {
    throw usage(`expected at most one workflow path, got ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  }
  const positional = positionals[0];
  if (positional !== undefined && positional.trim() === '') throw usage('the workflow path must not be empty');
  const workflowPath = path.resolve(cwd, positional ?? 'WORKFLOW.md');
  const port = values['--port'] === undefined ? null : parsePort(values['--port']);
  const logsRoot = values['--logs-root'] === undefined ? null : path.resolve(cwd, values['--logs-root']);
  const journalPath = values['--journal'] === undefined ? null : path.resolve(cwd, values['--journal']);
  if (isCheck) return { kind: 'check', workflowPath, logsRoot, journalPath };
  return { kind: 'run', workflowPath, port, logsRoot, journalPath, resetJournal };
}

/** The `--help` text (multi-line, ends with a newline). */
export function usageText(): string {
  return [
    'Usage: symphony [path/to/WORKFLOW.md] [--port N] [--logs-root DIR] [--journal FILE] [--reset-journal]',
    '       symphony check [path/to/WORKFLOW.md]',
    '',
    'Polls the configured issue tracker and runs one coding-agent session per eligible issue,',
    'as described by WORKFLOW.md (default: ./WORKFLOW.md). Edits to the file apply without restart.',
    '',
    'check: validates the workflow (config and prompt template), reaches the tracker with the',
    'configured credentials (viewer and project), starts codex.command and completes the',
    'app-server handshake, checks that the workspace root is writable and reads the run journal.',
    'One line per check (ok / WARN / FAIL / skip); exits 0 only when none failed. --port is',
    'accepted and ignored there; --journal and --logs-root locate the journal. (A workflow file named',
    '"check": symphony ./check)',
    '',
    'Options:',
    '  --port N          port of the HTTP dashboard/API (0 = ephemeral); overrides server.port',
    '  --logs-root DIR   also write JSON logs to DIR/symphony.log',
    '  --journal FILE    the run journal (SQLite); overrides journal.path',
    '  --reset-journal   a corrupt run journal is moved aside (kept) and a new one started,',
    '                    instead of refusing to start',
    '  -h, --help        show this help and exit',
    '  -V, --version     print the version and exit',
    '',
  ].join('\n');
}

function isValueFlag(name: string): name is ValueFlag {
  return (VALUE_FLAGS as readonly string[]).includes(name);
}

function parsePort(raw: string): number {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 0 && port <= 65_535)) throw usage(`--port must be an integer from 0 to 65535 (got ${JSON.stringify(raw)})`);
  return port;
}

function usage(reason: string): SymphonyError {
  return new SymphonyError('cli_usage', `${reason}; run symphony --help for usage`, { details: { reason } });
}
