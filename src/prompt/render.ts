/**
 * The per-issue prompt: the workflow's Markdown body rendered as a strict Liquid template
 * (spec §5.4, §12).
 */
import { createRequire } from 'node:module';
import type { Liquid, Template } from 'liquidjs';
import type * as LiquidJs from 'liquidjs';
import { issueToTemplateObject, type Issue } from '../domain/issue.js';
import { oneLine, SymphonyError } from '../errors.js';

/**
 * The template used when the workflow body is empty (spec §5.4 "Fallback prompt behavior"): the
 * spec's minimal sentence plus the issue identifier and title, so the agent knows what to open.
 */
export const DEFAULT_PROMPT_TEMPLATE =
  'You are working on an issue from the configured tracker.\n\nIssue: {{ issue.identifier }}: {{ issue.title }}\n';

/** A parsed prompt template, ready for {@link renderPrompt}. Immutable; safe to share. */
export interface PromptTemplate {
  /** The source as given (empty when the default prompt is used). */
  readonly source: string;
  /** True when `source` was blank and {@link DEFAULT_PROMPT_TEMPLATE} is used instead. */
  readonly isDefault: boolean;
  /** @internal liquidjs parse tree. */
  readonly parsed: readonly Template[];
}

/** Inputs of {@link renderPrompt} (spec §12.1). */
export interface PromptInput {
  /** The normalized issue; exposed to the template as `issue` with the spec's snake_case keys. */
  readonly issue: Issue;
  /** Null (or absent) on the first run; the 1-based retry/continuation count afterwards (§12.3). */
  readonly attempt?: number | null;
}

/**
 * Strict Liquid: unknown variables and filters fail; only own properties are visible; partials
 * (`include`, `render`, `layout`) resolve against an empty in-memory map, so they always fail
 * instead of reading files relative to the daemon's cwd; no HTML escaping.
 */
let engine: Liquid | null = null;

/**
 * The engine, built at the first parse: liquidjs is loaded then, not when this module is imported
 * (`symphony --help` never needs it; the daemon needs it for the startup validation of the
 * template). `require` keeps parsing synchronous; liquidjs's entry point is CommonJS anyway.
 */
function liquid(): Liquid {
  if (engine === null) {
    const { Liquid: Engine } = createRequire(import.meta.url)('liquidjs') as typeof LiquidJs;
    engine = new Engine({ strictVariables: true, strictFilters: true, ownPropertyOnly: true, templates: {} });
  }
  return engine;
}

/** Parsed templates by source; small LRU (Map insertion order) since workflows rarely change. */
const CACHE_LIMIT = 16;
const cache = new Map<string, PromptTemplate>();

/**
 * Parses a prompt template. A blank `source` yields the default prompt
 * ({@link DEFAULT_PROMPT_TEMPLATE}). Results are cached by source (last 16 sources).
 *
 * Unknown filters are detected here (liquidjs checks filters at parse time under `strictFilters`),
 * so they fail as `template_parse_error`.
 *
 * @param origin - optional label for error messages, e.g. the `WORKFLOW.md` path.
 * @throws SymphonyError `template_parse_error`: one line with liquidjs's message, which carries
 *   `line:N, col:M` when known.
 *
 * Implements spec §5.4 (strict engine, fallback prompt) and §12.2.
 */
export function parsePromptTemplate(source: string, origin?: string): PromptTemplate {
  const cached = cache.get(source);
  if (cached !== undefined) {
    cache.delete(source);
    cache.set(source, cached);
    return cached;
  }
  const isDefault = source.trim() === '';
  let parsed: Template[];
  try {
    parsed = liquid().parse(isDefault ? DEFAULT_PROMPT_TEMPLATE : source);
  } catch (error) {
    throw new SymphonyError('template_parse_error', oneLine(`${prefix(origin)}prompt template parse error: ${messageOf(error)}`), {
      cause: error,
      details: lineDetails(error),
    });
  }
  const template: PromptTemplate = Object.freeze({ source, isDefault, parsed: Object.freeze(parsed) });
  cache.set(source, template);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  return template;
}

/**
 * Renders the prompt for one run (spec §12): the template sees `issue` (from
 * `issueToTemplateObject`: snake_case keys, `labels` and `blocked_by` as arrays, timestamps as
 * RFC 3339 strings) and `attempt` (always defined: null on the first run, so `{% if attempt %}`
 * works under strict variables). Synchronous.
 *
 * @param template - a parsed template or its source (parsed through the cache).
 * @throws SymphonyError `template_parse_error` (when given an unparsable source) or
 *   `template_render_error` (unknown variable, failing partial, filter error), one line with the
 *   issue identifier and liquidjs's `line:N, col:M`.
 *
 * Implements spec §5.4, §12.1–§12.4.
 */
export function renderPrompt(template: PromptTemplate | string, input: PromptInput): string {
  const compiled = typeof template === 'string' ? parsePromptTemplate(template) : template;
  const scope = { issue: issueToTemplateObject(input.issue), attempt: input.attempt ?? null };
  try {
    return liquid().renderSync(compiled.parsed as Template[], scope) as string;
  } catch (error) {
    throw new SymphonyError(
      'template_render_error',
      oneLine(`prompt template render error for ${input.issue.identifier}: ${messageOf(error)}`),
      { cause: error, details: { issue_identifier: input.issue.identifier, ...lineDetails(error) } },
    );
  }
}

function prefix(origin: string | undefined): string {
  return origin === undefined ? '' : `${origin}: `;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `{ line, column }` from a liquidjs error's token, when it has one. */
function lineDetails(error: unknown): Record<string, number> {
  const token = (error as { token?: { getPosition?: () => unknown } } | null)?.token;
  const position = typeof token?.getPosition === 'function' ? token.getPosition() : null;
  if (Array.isArray(position) && typeof position[0] === 'number' && typeof position[1] === 'number') {
    return { line: position[0], column: position[1] };
  }
  return {};
}
