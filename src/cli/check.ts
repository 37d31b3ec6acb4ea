/**
 * `symphony check [WORKFLOW.md]`: a pre-flight for operators. Six checks, in order, one line each
 * on stdout as soon as it is known:
 *
 * 1. `workflow` — the file loads and validates (typed config, §5–§6) and its prompt template parses
 *    and renders against a sample issue (§5.4; `checkPromptTemplate`), as at startup; config
 *    warnings (unknown keys among them) go to stderr as `symphony check: warning: …`;
 * 2. `tracker` — the adapter's {@link TrackerAdapter.probe} reaches the tracker with the configured
 *    credentials (Linear: the viewer, and the project named by `project_slug`);
 * 3. `login shell` — one `bash -lc 'exit 0'` with the daemon's environment, timed: `WARN` above
 *    2 s (every hook and agent start pays it), `FAIL` when it does not end within
 *    `codex.startup_timeout_ms` (see `check-login-shell.ts`);
 * 4. the runtime of `agent.runtime`, named after its kind — its profile's probe
 *    (`RuntimeProfile.probe`); for `codex`, `codex.command` starts (`bash -lc`, own process group,
 *    tracker secrets removed, in a temporary directory) and answers `initialize` within
 *    `codex.startup_timeout_ms` of launch, then the whole process group is stopped
 *    (`src/runner/app-server/probe.ts`);
 * 5. `workspace root` — exists or can be created, and a probe file can be created and removed;
 * 6. `journal` — the run journal (issue 9) read-only: healthy (schema version, claims, runs), in
 *    use by a running daemon (ok), not there yet (ok when its directory can be made, else FAIL),
 *    or corrupt (`FAIL journal: journal_corrupt: …`, which the daemon would refuse to start with);
 *    `skip` with `journal.enabled: false`.
 *
 * Each line is `ok   <check>: …`, `WARN <check>: …` (a finding that does not fail the check),
 * `FAIL <check>: <code>: …` or `skip <check>: <why>`. When the workflow is invalid the other checks
 * are skipped; otherwise every check runs. Known secret values (env values of `$VAR` references
 * and adapter fallbacks, the tracker key, `server.auth_token`) are replaced by `[redacted]` in
 * every line. Exit code 0 when no check failed, 1 otherwise.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadEffectiveWorkflow } from '../config/load.js';
import type { ServiceConfig } from '../config/types.js';
import { oneLine, SymphonyError, toSymphonyError } from '../errors.js';
import { silentLogger } from '../logging/logger.js';
import { checkPromptTemplate } from '../prompt/check.js';
import type { TrackerProfile } from '../tracker/profile.js';
import { SecretString } from '../tracker/linear/secret.js';
import type { RuntimeKind } from '../runner/kinds.js';
import { runtimeProfile } from '../runner/registry.js';
import { trackerProfiles } from '../tracker/registry.js';
import type { TrackerAdapter } from '../tracker/tracker.js';
import { describeLoginShell, timeLoginShell } from './check-login-shell.js';
import { inspectJournal } from '../journal/inspect.js';
import { journalPathFor, type JournalLocation } from '../service/journal-setup.js';
import type { CliIo } from './main.js';

/** The outcome of one check; `WARN` reports a finding without failing (exit code 0). */
export type CheckStatus = 'ok' | 'WARN' | 'FAIL' | 'skip';

/** One reported check. `detail` never contains a known secret value (it is scrubbed before printing). */
export interface CheckResult {
  /** The check; a runtime's line is named after its kind (`codex`, …). */
  readonly name: 'workflow' | 'tracker' | 'login shell' | RuntimeKind | 'workspace root' | 'journal';
  readonly status: CheckStatus;
  /** One line: what was checked and found, or `<error code>: <message>` for a failure. */
  readonly detail: string;
}

/** Collaborators of {@link runCheck}; defaults are the real ones. */
export interface CheckDeps {
  /** Environment for `$VAR` resolution and the app-server. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Supported tracker kinds. Default: the built-in registry. */
  readonly profiles?: ReadonlyMap<string, TrackerProfile>;
  /** Where the codex check makes its temporary directory. Default `os.tmpdir()`. */
  readonly tmpDir?: string;
}

/**
 * `ok   workflow: …` — the status padded to four characters, the check's name, its detail with
 * every non-empty string in `secrets` replaced by `[redacted]`. Pure.
 */
export function formatCheckLine(result: CheckResult, secrets: readonly string[] = []): string {
  let detail = oneLine(result.detail, 400);
  for (const secret of secrets) if (secret !== '') detail = detail.split(secret).join('[redacted]');
  return `${result.status.padEnd(4)} ${result.name}: ${detail}`;
}

/**
 * Runs the six checks against `command.workflowPath` (`logsRoot` locates the journal), writing one line per check to `io.stdout`
 * (and prompt/config warnings to `io.stderr`). Never rejects.
 *
 * @returns 0 when no check failed (a `skip` for a tracker without a probe does not fail), else 1.
 */
export async function runCheck(command: { readonly workflowPath: string; readonly logsRoot?: string | null; readonly journalPath?: string | null }, io: CliIo, deps: CheckDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const profiles = deps.profiles ?? trackerProfiles;
  let secrets: string[] = [];
  let failed = false;
  const report = (result: CheckResult): void => {
    if (result.status === 'FAIL') failed = true;
    io.stdout(`${formatCheckLine(result, secrets)}\n`);
  };

  let config: ServiceConfig;
  try {
    const workflow = await loadEffectiveWorkflow(command.workflowPath, { env, profiles, validatePrompt: checkPromptTemplate });
    config = workflow.config;
    secrets = secretValues(config, env);
    for (const warning of workflow.warnings) io.stderr(`symphony check: warning: ${oneLine(warning)}\n`);
    report({ name: 'workflow', status: 'ok', detail: `${config.workflowPath} is valid (tracker.kind ${config.tracker.kind}; prompt template renders)` });
  } catch (error) {
    report({ name: 'workflow', status: 'FAIL', detail: toSymphonyError(error).toLine() });
    for (const name of ['tracker', 'login shell', 'codex', 'workspace root', 'journal'] as const) report({ name, status: 'skip', detail: 'no valid workflow to check against' });
    return 1;
  }

  report(await checkTracker(config, profiles));
  report(await checkLoginShell(config, env, deps.tmpDir ?? tmpdir()));
  report(await checkRuntime(config, env, deps.tmpDir ?? tmpdir()));
  report(await checkWorkspaceRoot(config.workspaceRoot));
  report(checkJournal(config, { logsRoot: command.logsRoot ?? null, journalPath: command.journalPath ?? null }));
  return failed ? 1 : 0;
}

/** Check 6: the run journal, read-only (`inspectJournal`). */
function checkJournal(config: ServiceConfig, where: JournalLocation): CheckResult {
  const name = 'journal';
  if (!config.journal.enabled) return { name, status: 'skip', detail: 'journal.enabled is false: restarts forget claims, retries and usage' };
  const file = journalPathFor(config, where);
  const found = inspectJournal(file);
  switch (found.state) {
    case 'ok':
      return { name, status: 'ok', detail: `${file} is healthy (schema version ${found.schemaVersion}; ${found.claims} claims, ${found.runs} runs)` };
    case 'in_use':
      return { name, status: 'ok', detail: `${file} is in use by a running symphony daemon` };
    case 'missing':
      return found.writable
        ? { name, status: 'ok', detail: `${file} does not exist yet; the daemon creates it at start` }
        : { name, status: 'FAIL', detail: `internal: ${file} cannot be created: ${found.directory} is not writable` };
    case 'corrupt':
      return { name, status: 'FAIL', detail: `journal_corrupt: ${file}: ${found.reason}; move it away or start with --reset-journal` };
  }
}

/** Env values of every secret name, the tracker settings' secrets and `server.auth_token`. */
function secretValues(config: ServiceConfig, env: NodeJS.ProcessEnv): string[] {
  const values = config.secretEnvNames.map((name) => env[name] ?? '');
  if (config.server.authToken !== null) values.push(config.server.authToken);
  const settings = config.tracker.settings;
  if (typeof settings === 'object' && settings !== null) {
    for (const value of Object.values(settings)) if (value instanceof SecretString) values.push(value.reveal());
  }
  return values.filter((value) => value.trim() !== '');
}

/** Check 2: the adapter's probe, with a silent logger. */
async function checkTracker(config: ServiceConfig, profiles: ReadonlyMap<string, TrackerProfile>): Promise<CheckResult> {
  const name = 'tracker';
  const { kind } = config.tracker;
  let adapter: TrackerAdapter;
  try {
    const profile = profiles.get(kind);
    if (profile === undefined) throw new SymphonyError('unsupported_tracker_kind', `tracker.kind ${JSON.stringify(kind)} is not supported`);
    adapter = profile.create(config.tracker.settings, { activeStates: config.tracker.activeStates, terminalStates: config.tracker.terminalStates }, { logger: silentLogger() });
  } catch (error) {
    return { name, status: 'FAIL', detail: toSymphonyError(error).toLine() };
  }
  if (adapter.probe === undefined) return { name, status: 'skip', detail: `tracker.kind ${kind} offers no connectivity probe` };
  try {
    const probe = await adapter.probe();
    let detail = `${kind} reached`;
    if (probe.viewer !== null) {
      const who = [probe.viewer.name, probe.viewer.email === null ? null : `<${probe.viewer.email}>`].filter((p) => p !== null).join(' ');
      detail += ` as ${who === '' ? '(unnamed user)' : who}`;
    }
    if (probe.scope !== null) detail += `; ${probe.scope.kind} ${JSON.stringify(probe.scope.key)} is ${JSON.stringify(probe.scope.name)}`;
    return { name, status: 'ok', detail };
  } catch (error) {
    return { name, status: 'FAIL', detail: toSymphonyError(error, 'tracker_request').toLine() };
  }
}

/** Check 3: one timed `bash -lc 'exit 0'` (the cost every hook and agent start pays). */
async function checkLoginShell(config: ServiceConfig, env: NodeJS.ProcessEnv, cwd: string): Promise<CheckResult> {
  const limitMs = config.codex.startupTimeoutMs;
  const timing = await timeLoginShell({ env, secretEnvNames: config.secretEnvNames, cwd, limitMs });
  return { name: 'login shell', ...describeLoginShell(timing, { home: env.HOME ?? null, startupTimeoutMs: limitMs }) };
}

/**
 * Check 4: the default runtime (`agent.runtime`) starts — its profile's probe (Codex: the
 * app-server answers `initialize` within `codex.startup_timeout_ms` of launch). The line is named
 * after the runtime kind. Runtimes chosen only by `runtime:<kind>` labels are not probed.
 */
async function checkRuntime(config: ServiceConfig, env: NodeJS.ProcessEnv, tmpDir: string): Promise<CheckResult> {
  const name = config.agent.runtime;
  const profile = runtimeProfile(name);
  if (profile.probe === undefined) return { name, status: 'skip', detail: `the ${profile.displayName} runtime offers no probe` };
  try {
    return { name, ...(await profile.probe({ config, env, tmpDir })) };
  } catch (error) {
    return { name, status: 'FAIL', detail: toSymphonyError(error, 'internal').toLine() };
  }
}

/** Check 5: the root exists (or is created, then removed again) and a probe file can be created and removed. */
async function checkWorkspaceRoot(root: string): Promise<CheckResult> {
  const name = 'workspace root';
  let created: string | undefined;
  try {
    const existing = await stat(root).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    });
    if (existing !== null && !existing.isDirectory()) {
      throw new SymphonyError('workspace_error', `workspace.root ${root} exists but is not a directory`);
    }
    if (existing === null) created = await mkdir(root, { recursive: true });
    const probe = path.join(root, `.symphony-check-${randomUUID()}`);
    await writeFile(probe, '', { flag: 'wx' });
    await rm(probe);
    const note = created === undefined ? '' : ' (it did not exist: created for the check and removed again; the daemon creates it when needed)';
    return { name, status: 'ok', detail: `${root} is writable${note}` };
  } catch (error) {
    const failure = error instanceof SymphonyError ? error : new SymphonyError('workspace_error', `workspace.root ${root} is not usable: ${errorText(error)}`, { cause: error });
    return { name, status: 'FAIL', detail: failure.toLine() };
  } finally {
    if (created !== undefined) await rm(created, { recursive: true, force: true }).catch(() => undefined);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
