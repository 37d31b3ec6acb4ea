/**
 * Reads `WORKFLOW.md` into a raw front-matter map and a trimmed prompt body (spec §5.1, §5.2).
 * No defaults, no validation beyond "the front matter is a YAML map": that is `build.ts`'s job.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { SymphonyError, oneLine } from '../errors.js';

/** The raw contents of a workflow file (spec §5.2 "Returned workflow object"). */
export interface WorkflowFile {
  /** Front matter root map; `{}` when the file has no (or empty) front matter. */
  readonly config: Record<string, unknown>;
  /** Markdown body after the front matter, trimmed; may be empty. */
  readonly promptTemplate: string;
  /**
   * 1-based line of the file on which `promptTemplate` starts (after the closing `---` and any
   * blank lines the trim removed), so a template error's line N is file line `promptLine + N - 1`.
   */
  readonly promptLine: number;
}

const FENCE = /^---[ \t]*$/;

/**
 * Reads and parses a workflow file.
 *
 * @param filePath - path of `WORKFLOW.md`; resolved to absolute against the process cwd.
 * @throws SymphonyError `missing_workflow_file` when the file cannot be read (message
 *   `Workflow file not found: <absolute path>` for ENOENT), or any error of {@link parseWorkflowText}.
 *
 * Implements spec §5.1 and §5.2.
 */
export async function loadWorkflowFile(filePath: string): Promise<WorkflowFile> {
  const absolute = path.resolve(filePath);
  return parseWorkflowText(await readWorkflowText(absolute), absolute);
}

/**
 * Reads the workflow file's text as UTF-8.
 *
 * @throws SymphonyError `missing_workflow_file` naming the absolute path (and the reason when it
 *   is not plain ENOENT, e.g. a directory or a permission problem).
 */
export async function readWorkflowText(filePath: string): Promise<string> {
  const absolute = path.resolve(filePath);
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    throw missingWorkflowError(absolute, error);
  }
}

/** The `missing_workflow_file` error for an unreadable workflow file (spec §5.5). */
export function missingWorkflowError(absolutePath: string, cause: unknown): SymphonyError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const message =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? `Workflow file not found: ${absolutePath}`
      : `Workflow file cannot be read: ${absolutePath} (${code ?? oneLine(String(cause), 200)})`;
  return new SymphonyError('missing_workflow_file', message, { cause, details: { path: absolutePath } });
}

/**
 * Splits and parses workflow text (pure). Front matter exists only when the first line is `---`;
 * it ends at the next `---` line (or at end of file when never closed). CRLF and a leading BOM
 * are tolerated.
 *
 * @param text - the whole file.
 * @param filePath - used in error messages only.
 * @throws SymphonyError `workflow_parse_error` (one line: `<file>:<line>:<col>: ...`, with
 *   `details.line`/`details.col` counted in the whole file) or `workflow_front_matter_not_a_map`.
 *
 * Implements spec §5.2.
 */
export function parseWorkflowText(text: string, filePath: string): WorkflowFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  if (lines.length === 0 || !FENCE.test(lines[0] ?? '')) {
    return { config: {}, ...trimmedBody(lines, 1) };
  }
  const closing = lines.findIndex((line, index) => index > 0 && FENCE.test(line));
  const yamlLines = closing === -1 ? lines.slice(1) : lines.slice(1, closing);
  const body = closing === -1 ? [] : lines.slice(closing + 1);
  const config = parseFrontMatter(yamlLines.join('\n'), filePath, closing === -1);
  return { config, ...trimmedBody(body, closing === -1 ? lines.length + 1 : closing + 2) };
}

/** The trimmed body and the file line it starts on; `firstLine` is the file line of `lines[0]`. */
function trimmedBody(lines: readonly string[], firstLine: number): { promptTemplate: string; promptLine: number } {
  const joined = lines.join('\n');
  const promptTemplate = joined.trim();
  const leading = joined.slice(0, joined.length - joined.trimStart().length);
  return { promptTemplate, promptLine: firstLine + (leading.match(/\n/g)?.length ?? 0) };
}

/** Parses the YAML between the fences; line numbers in errors are file lines (YAML starts on line 2). */
function parseFrontMatter(yamlText: string, filePath: string, unclosed: boolean): Record<string, unknown> {
  const hint = unclosed ? ' (the front matter opened on line 1 has no closing --- line)' : '';
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    const fileLine = line + 1;
    throw new SymphonyError(
      'workflow_parse_error',
      `${filePath}:${fileLine}:${col}: invalid YAML front matter: ${oneLine(first.message, 200)}${hint}`,
      { cause: first, details: { path: filePath, line: fileLine, col, yamlCode: first.code } },
    );
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SymphonyError('workflow_parse_error', `${filePath}: invalid YAML front matter: ${oneLine(reason, 200)}${hint}`, {
      cause: error,
      details: { path: filePath },
    });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'a list' : `a ${typeof value} ${oneLine(JSON.stringify(value), 60)}`;
    throw new SymphonyError('workflow_front_matter_not_a_map', `${filePath}: front matter must be a YAML map (got ${got})`, {
      details: { path: filePath },
    });
  }
  return value as Record<string, unknown>;
}
