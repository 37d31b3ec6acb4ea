/**
 * Prompt rendering (`renderPrompt`) with the repository's own `WORKFLOW.md` body, parsed through
 * `parseWorkflowText`: renders/s with a cached parse versus a fresh parse every time. Prints figures only.
 *
 * Run: `npm run build && node --expose-gc bench/prompt.bench.ts`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseWorkflowText } from '../dist/config/workflow.js';
import { parsePromptTemplate, renderPrompt } from '../dist/prompt/render.js';
import type * as Harness from './lib/harness.js';
import type * as Fixtures from './lib/issues.js';

// Node needs the real `.ts` extension, which tsc rejects in a static import: load dynamically, typed above.
const { measure, toRow, printTable, printEnvironment } = (await import(new URL('./lib/harness.ts', import.meta.url).href)) as typeof Harness;
const { makeIssues } = (await import(new URL('./lib/issues.ts', import.meta.url).href)) as typeof Fixtures;

const workflowPath = fileURLToPath(new URL('../WORKFLOW.md', import.meta.url));
const workflowText = readFileSync(workflowPath, 'utf8');
const body = parseWorkflowText(workflowText, workflowPath).promptTemplate;
if (body === '') throw new Error(`bench prompt: ${workflowPath} has an empty prompt body`);

const issues = makeIssues(64);
let turn = 0;
/** Alternates first runs (attempt null) and retries so both `{% if attempt %}` branches render. */
const input = (): { issue: (typeof issues)[number]; attempt: number | null } => {
  turn++;
  return { issue: issues[turn % issues.length]!, attempt: turn % 2 === 0 ? null : turn % 5 };
};

printEnvironment('prompt.bench.ts');

const template = parsePromptTemplate(body, workflowPath);
const sample = renderPrompt(template, input());
let unique = 0;

printTable(`renderPrompt, WORKFLOW.md body (${body.length} chars → ~${sample.length} chars rendered)`, [
  measure({ name: 'render, pre-parsed template', run: () => renderPrompt(template, input()) }),
  measure({ name: 'render, source string (parse cache hit)', run: () => renderPrompt(body, input()) }),
  // A different source every time (a trailing Liquid comment) defeats the 16-entry parse cache.
  measure({ name: 'parse + render, uncached', run: () => renderPrompt(`${body}{% comment %}${unique++}{% endcomment %}`, input()) }),
  measure({ name: 'parseWorkflowText (YAML + body), whole file', bytes: Buffer.byteLength(workflowText), run: () => parseWorkflowText(workflowText, workflowPath) }),
].map(toRow));
