/**
 * The prompt check of startup, reload and `symphony check` (issue 8 item 3): the template is
 * rendered against a sample issue through the dispatch path, and errors give the WORKFLOW.md line.
 */
import { describe, expect, it } from 'vitest';
import { effectiveWorkflowFromText } from '../../src/config/load.js';
import { parseWorkflowText } from '../../src/config/workflow.js';
import { issueToTemplateObject } from '../../src/domain/issue.js';
import { isSymphonyError, type SymphonyError } from '../../src/errors.js';
import { checkPromptTemplate, SAMPLE_ISSUE } from '../../src/prompt/check.js';
import { renderPrompt } from '../../src/prompt/render.js';
import { stubProfiles } from '../config/support.js';

const FILE = '/srv/acme/WORKFLOW.md';
const at = { workflowPath: FILE, line: 10 };

function thrown(run: () => unknown): SymphonyError {
  try {
    run();
  } catch (error) {
    if (isSymphonyError(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

/** Fences on lines 1 and 6: the body starts on file line 7. */
const FRONT = '---\ntracker:\n  kind: stub\n  provider:\n    api_key: k\n---\n';

describe('checkPromptTemplate', () => {
  it('the sample issue sets every documented field, with non-empty lists', () => {
    const fields = issueToTemplateObject(SAMPLE_ISSUE);
    for (const [key, value] of Object.entries(fields)) {
      if (key !== 'native_ref') expect(value, key).not.toBeNull();
    }
    expect(SAMPLE_ISSUE.labels.length).toBeGreaterThan(0);
    expect(SAMPLE_ISSUE.blockedBy.length).toBeGreaterThan(0);
  });

  it('passes a template using every field, loops, attempt and the adapter-defined native_ref', () => {
    const template = [
      '{{ issue.id }} {{ issue.identifier }} {{ issue.title }} {{ issue.description }} {{ issue.priority }} {{ issue.state }}',
      '{{ issue.branch_name }} {{ issue.url }} {{ issue.assignee_id }} {{ issue.dispatchable }} {{ issue.created_at }} {{ issue.updated_at }}',
      '{% for label in issue.labels %}{{ label }}{% endfor %} {% for b in issue.blocked_by %}{{ b.identifier }} {{ b.state }} {{ b.id }}{% endfor %}',
      '{{ issue.native_ref.team_key }}',
      '{% if attempt %}retry {{ attempt }}{% else %}first run{% endif %}',
    ].join('\n');
    expect(() => checkPromptTemplate(template, at)).not.toThrow();
    expect(() => checkPromptTemplate('', at)).not.toThrow();
  });

  it('an unknown variable is a template_render_error naming the file line', () => {
    const error = thrown(() => checkPromptTemplate('Work on {{ issue.identifier }}.\n\n{{ issue.nope }}', at));
    expect(error.code).toBe('template_render_error');
    expect(error.message).toBe(`${FILE}:12: prompt template: undefined variable issue.nope`);
    expect(error.details).toMatchObject({ path: FILE, line: 12 });
  });

  it('an unknown variable in either branch of {% if attempt %} is found (rendered with attempt null and 1)', () => {
    const first = thrown(() => checkPromptTemplate('{% if attempt %}ok{% else %}{{ issue.first_only }}{% endif %}', at));
    expect(first.message).toBe(`${FILE}:10: prompt template: undefined variable issue.first_only`);
    const retry = thrown(() => checkPromptTemplate('{% if attempt %}\n{{ issue.retry_only }}{% endif %}', at));
    expect(retry.message).toBe(`${FILE}:11: prompt template: undefined variable issue.retry_only`);
  });

  it('an unclosed tag or an unknown filter is a template_parse_error naming the file line', () => {
    const unclosed = thrown(() => checkPromptTemplate('Hello\n{% if attempt %}\nretry', at));
    expect(unclosed.code).toBe('template_parse_error');
    expect(unclosed.message).toBe(`${FILE}:11: prompt template: tag {% if attempt %} not closed`);
    const filter = thrown(() => checkPromptTemplate('{{ issue.title | shout }}', at));
    expect(filter.code).toBe('template_parse_error');
    expect(filter.message).toBe(`${FILE}:10: prompt template: undefined filter: shout`);
  });

  it('renders through the dispatch path: what passes the check renders for a real run', () => {
    const template = 'Work on {{ issue.identifier }} ({{ issue.labels | join: ", " }}){% if attempt %}, attempt {{ attempt }}{% endif %}';
    checkPromptTemplate(template, at);
    expect(renderPrompt(template, { issue: SAMPLE_ISSUE, attempt: 2 })).toBe('Work on SAMPLE-1 (sample-label, another-label), attempt 2');
  });
});

describe('template line numbers are WORKFLOW.md lines', () => {
  it('parseWorkflowText reports the file line the trimmed body starts on', () => {
    expect(parseWorkflowText(`${FRONT}Body`, FILE).promptLine).toBe(7);
    expect(parseWorkflowText(`${FRONT}\nBody`, FILE).promptLine).toBe(8);
    expect(parseWorkflowText(`${FRONT}\n\n  \n  Body\n`, FILE).promptLine).toBe(10);
    expect(parseWorkflowText(FRONT.replace(/\n/g, '\r\n') + '\r\nBody', FILE).promptLine).toBe(8);
    expect(parseWorkflowText('\n\nNo front matter', FILE).promptLine).toBe(3);
  });

  it('a workflow whose body uses an unknown variable fails the load with its file line (lines counted past the front matter)', () => {
    const text = `${FRONT}\nWork on {{ issue.identifier }}.\n\n{{ issue.nope }}\n`;
    let error: unknown;
    try {
      effectiveWorkflowFromText(text, FILE, { env: {}, profiles: stubProfiles, validatePrompt: checkPromptTemplate });
    } catch (caught) {
      error = caught;
    }
    expect(isSymphonyError(error, 'template_render_error')).toBe(true);
    // Line 7 is blank, 8 is "Work on …", 9 blank, 10 the unknown variable.
    expect((error as SymphonyError).toLine()).toBe(`template_render_error: ${FILE}:10: prompt template: undefined variable issue.nope`);
  });

  it('without validatePrompt the template is not checked', () => {
    const workflow = effectiveWorkflowFromText(`${FRONT}\n{{ issue.nope }}\n`, FILE, { env: {}, profiles: stubProfiles });
    expect(workflow.promptTemplate).toBe('{{ issue.nope }}');
  });
});
