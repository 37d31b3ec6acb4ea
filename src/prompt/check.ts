/**
 * The prompt check of startup, reload and `symphony check` (spec §5.4, §6.3): the workflow's
 * template is parsed and rendered — through the very path dispatch uses — against a sample issue
 * with every documented field, so an unknown variable or an unclosed tag is reported before any
 * run, with its line in `WORKFLOW.md`.
 */
import type { PromptLocation } from '../config/load.js';
import type { Issue } from '../domain/issue.js';
import { oneLine, SymphonyError, toSymphonyError } from '../errors.js';
import { parsePromptTemplate, renderPrompt } from './render.js';

/**
 * The issue the template is rendered against: every field of spec §4.1.1 set, `labels` and
 * `blocked_by` non-empty, so `{{ issue.<field> }}` and loops over them resolve. `native_ref` is
 * adapter-defined, so it is null here (strict Liquid renders `issue.native_ref.<anything>` as empty).
 */
export const SAMPLE_ISSUE: Issue = Object.freeze({
  id: 'sample-issue-id',
  nativeRef: null,
  identifier: 'SAMPLE-1',
  title: 'Sample issue of the prompt check',
  description: 'The description of the sample issue.',
  priority: 2,
  state: 'Todo',
  branchName: 'sample-1-branch',
  url: 'https://tracker.invalid/SAMPLE-1',
  assigneeId: 'sample-assignee-id',
  labels: Object.freeze(['sample-label', 'another-label']),
  blockedBy: Object.freeze([Object.freeze({ id: 'sample-blocker-id', identifier: 'SAMPLE-0', state: 'Done' })]),
  dispatchable: true,
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
  updatedAt: new Date('2026-01-02T00:00:00.000Z'),
});

/** `, line:3, col:7` at the end of a liquidjs message (the position is reported separately). */
const POSITION_SUFFIX = /,\s*line:\d+,\s*col:\d+\s*$/;

/**
 * Parses `template` and renders it against {@link SAMPLE_ISSUE} twice, with `attempt` null (a first
 * run) and 1 (a retry or continuation), so both branches of `{% if attempt %}` are checked. A blank
 * template (the default prompt is then used) passes. Synchronous; parsed templates are cached.
 *
 * @param location - the workflow file and the file line the template starts on.
 * @throws SymphonyError `template_parse_error` (unclosed tag, unknown tag or filter) or
 *   `template_render_error` (unknown variable, failing partial), one line naming the file line,
 *   e.g. `/srv/WORKFLOW.md:14: prompt template: undefined variable issue.nope`; `details` carries
 *   `path`, `line` (file line, when liquidjs gives one) and `column`.
 *
 * Implements spec §5.4 (strict template) checked at §6.3 startup validation and §6.2 reload.
 */
export function checkPromptTemplate(template: string, location: PromptLocation): void {
  try {
    const parsed = parsePromptTemplate(template);
    for (const attempt of [null, 1]) renderPrompt(parsed, { issue: SAMPLE_ISSUE, attempt });
  } catch (error) {
    throw locatedError(toSymphonyError(error, 'template_render_error'), location);
  }
}

/**
 * A template error (from {@link parsePromptTemplate} or {@link renderPrompt}) re-stated with the
 * `WORKFLOW.md` line instead of the line in the template body: `<file>:<line>: prompt template:
 * <reason>`, plus ` (rendering <identifier>)` when `identifier` is given (dispatch). Same code. Pure.
 */
export function locatePromptError(error: SymphonyError, location: PromptLocation, identifier?: string): SymphonyError {
  return locatedError(error, location, identifier);
}

/** The same error, its message naming the file line instead of the line in the template body. */
function locatedError(error: SymphonyError, location: PromptLocation, identifier?: string): SymphonyError {
  const templateLine = typeof error.details.line === 'number' ? error.details.line : null;
  const fileLine = templateLine === null ? null : location.line + templateLine - 1;
  const cause: unknown = error.cause ?? error;
  const reason = oneLine(cause instanceof Error ? cause.message : String(cause), 300)
    .replace(POSITION_SUFFIX, '')
    .replace(/^undefined variable: /, 'undefined variable ');
  const where = fileLine === null ? location.workflowPath : `${location.workflowPath}:${fileLine}`;
  const rendering = identifier === undefined ? '' : ` (rendering ${identifier})`;
  return new SymphonyError(error.code, `${where}: prompt template: ${reason}${rendering}`, {
    cause: error,
    details: {
      path: location.workflowPath,
      ...(fileLine === null ? {} : { line: fileLine }),
      ...(typeof error.details.column === 'number' ? { column: error.details.column } : {}),
    },
  });
}
