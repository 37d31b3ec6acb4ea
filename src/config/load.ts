/**
 * The thin shell over the config core: read `WORKFLOW.md`, parse it, build the typed config, and
 * turn the first issue into one operator-readable {@link SymphonyError} (spec §5.5, §6.1, §6.3).
 */
import path from 'node:path';
import { SymphonyError, toSymphonyError } from '../errors.js';
import type { TrackerProfile } from '../tracker/profile.js';
import { buildServiceConfig, type ConfigIssue } from './build.js';
import type { EffectiveWorkflow } from './types.js';
import { parseWorkflowText, readWorkflowText } from './workflow.js';

/** Where a prompt template sits in its workflow file, for error messages that give file lines. */
export interface PromptLocation {
  /** Absolute path of the workflow file. */
  readonly workflowPath: string;
  /** 1-based file line on which the (trimmed) template starts. */
  readonly line: number;
}

/** Options of {@link loadEffectiveWorkflow}. */
export interface LoadOptions {
  /** Environment for `$VAR` references and adapter fallbacks. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Supported tracker kinds → adapter profile (the real map comes from `src/tracker/registry.ts`). */
  readonly profiles: ReadonlyMap<string, TrackerProfile>;
  /**
   * The prompt-template check (owned by the prompt module: `checkPromptTemplate` in
   * `src/prompt/check.ts`), run after the config validated. Its throw fails the load like a config
   * error: startup and `symphony check` fail, a reload is rejected. Absent: the template is not
   * checked (it can then only fail runs).
   */
  readonly validatePrompt?: (template: string, location: PromptLocation) => void;
  /** System temp dir for the default workspace root. Default `os.tmpdir()`. */
  readonly tmpDir?: string;
}

/**
 * Loads, parses and validates a workflow file into its effective typed form.
 *
 * @param workflowPath - path of `WORKFLOW.md`; made absolute against the process cwd.
 * @throws SymphonyError `missing_workflow_file`, `workflow_parse_error`,
 *   `workflow_front_matter_not_a_map`, or the first config issue's code (`invalid_config`,
 *   `unsupported_tracker_kind`, `invalid_tracker_config`, `missing_tracker_secret`) with the
 *   message `<absolute path>: <key path> ...` and every issue in `details.issues`; then whatever
 *   `options.validatePrompt` throws (`template_parse_error`, `template_render_error`).
 *
 * Implements spec §5.1-§5.5, §6.1 and the config part of §6.3.
 */
export async function loadEffectiveWorkflow(workflowPath: string, options: LoadOptions): Promise<EffectiveWorkflow> {
  const absolute = path.resolve(workflowPath);
  return effectiveWorkflowFromText(await readWorkflowText(absolute), absolute, options);
}

/**
 * The pure part of {@link loadEffectiveWorkflow}: `text` is the file's content, `absolutePath` its
 * absolute path. Same result and errors, no I/O (the store uses it to parse exactly the bytes it hashed).
 */
export function effectiveWorkflowFromText(text: string, absolutePath: string, options: LoadOptions): EffectiveWorkflow {
  const file = parseWorkflowText(text, absolutePath);
  const built = buildServiceConfig(file.config, {
    workflowPath: absolutePath,
    env: options.env ?? process.env,
    profiles: options.profiles,
    ...(options.tmpDir === undefined ? {} : { tmpDir: options.tmpDir }),
  });
  if (built.config === undefined) throw configError(absolutePath, built.errors);
  if (options.validatePrompt) {
    try {
      options.validatePrompt(file.promptTemplate, { workflowPath: absolutePath, line: file.promptLine });
    } catch (error) {
      throw toSymphonyError(error, 'template_parse_error');
    }
  }
  return { config: built.config, promptTemplate: file.promptTemplate, promptLine: file.promptLine, warnings: built.warnings };
}

/** One error for a failed build: the first issue's code and message, all issues in `details.issues`. */
export function configError(absolutePath: string, issues: readonly ConfigIssue[]): SymphonyError {
  const first = issues[0] ?? { code: 'invalid_config', keyPath: '', message: 'configuration is invalid' };
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
  return new SymphonyError(first.code, `${absolutePath}: ${first.message}${more}`, {
    details: { path: absolutePath, keyPath: first.keyPath, issues: issues.map((issue) => ({ ...issue })) },
  });
}
