import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/domain/issue.js';
import { isSymphonyError, type SymphonyError } from '../../src/errors.js';
import { DEFAULT_PROMPT_TEMPLATE, parsePromptTemplate, renderPrompt } from '../../src/prompt/render.js';

function issue(overrides: Partial<Issue> = {}): Issue {
  return {
    id: 'lin-1',
    nativeRef: { linearId: 'uuid-1' },
    identifier: 'ABC-123',
    title: 'Fix the login bug',
    description: null,
    priority: 2,
    state: 'In Progress',
    branchName: 'abc-123-fix-login',
    url: 'https://linear.example/ABC-123',
    assigneeId: null,
    labels: ['bug', 'backend'],
    blockedBy: [
      { id: 'lin-9', identifier: 'ABC-9', state: 'Done' },
      { id: null, identifier: 'ABC-10', state: null },
    ],
    dispatchable: true,
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
    updatedAt: null,
    ...overrides,
  };
}

function thrown(run: () => unknown): SymphonyError {
  try {
    run();
  } catch (error) {
    return error as SymphonyError;
  }
  throw new Error('expected a throw');
}

describe('renderPrompt', () => {
  it('§17.1 prompt template renders issue fields and attempt (null on first run, integer later)', () => {
    const source = [
      '{{ issue.identifier }} — {{ issue.title }} [{{ issue.state }}] p{{ issue.priority }}',
      '{{ issue.url }} {{ issue.branch_name }} {{ issue.native_ref.linearId }} {{ issue.created_at }}',
      'desc="{{ issue.description }}" assignee="{{ issue.assignee_id }}"',
      '{% if attempt %}retry #{{ attempt }}{% else %}first run{% endif %}',
    ].join('\n');
    const expected = (tail: string): string =>
      [
        'ABC-123 — Fix the login bug [In Progress] p2',
        'https://linear.example/ABC-123 abc-123-fix-login uuid-1 2026-01-02T03:04:05.000Z',
        'desc="" assignee=""',
        tail,
      ].join('\n');
    expect(renderPrompt(source, { issue: issue(), attempt: null })).toBe(expected('first run'));
    expect(renderPrompt(source, { issue: issue() })).toBe(expected('first run'));
    expect(renderPrompt(source, { issue: issue(), attempt: 3 })).toBe(expected('retry #3'));
  });

  it('§17.1 labels and blocked_by are iterable', () => {
    const source =
      '{% for label in issue.labels %}[{{ label }}]{% endfor %} {{ issue.labels | join: "," }} {{ issue.labels.size }}\n' +
      '{% for b in issue.blocked_by %}{{ b.identifier }}:{{ b.state | default: "unknown" }};{% endfor %}';
    expect(renderPrompt(source, { issue: issue(), attempt: null })).toBe('[bug][backend] bug,backend 2\nABC-9:Done;ABC-10:unknown;');
  });

  it('§17.1 prompt rendering fails on unknown variables (strict mode)', () => {
    for (const source of ['{{ nope }}', 'line one\n{{ issue.nope }}', '{% if issue.missing %}x{% endif %}']) {
      const error = thrown(() => renderPrompt(source, { issue: issue(), attempt: null }));
      expect(isSymphonyError(error, 'template_render_error')).toBe(true);
      expect(error.message).toContain('ABC-123');
      expect(error.message).not.toContain('\n');
    }
    const error = thrown(() => renderPrompt('line one\n{{ issue.nope }}', { issue: issue() }));
    expect(error.message).toContain('line:2');
    expect(error.details).toMatchObject({ line: 2 });
  });

  it('§17.1 prompt rendering fails on unknown filters (strict mode)', () => {
    const error = thrown(() => renderPrompt('{{ issue.title | shout }}', { issue: issue(), attempt: null }));
    expect(isSymphonyError(error, 'template_parse_error')).toBe(true);
    expect(error.message).toContain('undefined filter: shout');
  });

  it('§17.1 a malformed template fails with template_parse_error naming the line', () => {
    const error = thrown(() => parsePromptTemplate('ok\nstill ok\n{% if attempt %}never closed', 'WORKFLOW.md'));
    expect(isSymphonyError(error, 'template_parse_error')).toBe(true);
    expect(error.message).toMatch(/^WORKFLOW\.md: prompt template parse error: .*line:3/);
    expect(error.message).not.toContain('\n');
    expect(isSymphonyError(thrown(() => renderPrompt('{% bogus %}', { issue: issue() })), 'template_parse_error')).toBe(true);
  });

  it('§17.1 an empty template uses the minimal default prompt with identifier and title', () => {
    const expected = 'You are working on an issue from the configured tracker.\n\nIssue: ABC-123: Fix the login bug\n';
    expect(renderPrompt('', { issue: issue(), attempt: null })).toBe(expected);
    expect(renderPrompt('  \n\t', { issue: issue(), attempt: 2 })).toBe(expected);
    expect(parsePromptTemplate('').isDefault).toBe(true);
    expect(DEFAULT_PROMPT_TEMPLATE).toContain('You are working on an issue from the configured tracker.');
  });

  it('does not re-interpret Liquid syntax inside issue values', () => {
    expect(renderPrompt('{{ issue.title }}', { issue: issue({ title: '{{ attempt }} {% if %}' }) })).toBe('{{ attempt }} {% if %}');
  });

  it('partials never read files: include fails as a render error', () => {
    const error = thrown(() => renderPrompt('{% include "package.json" %}', { issue: issue() }));
    expect(isSymphonyError(error, 'template_render_error')).toBe(true);
  });

  it('hides prototype properties from templates', () => {
    expect(isSymphonyError(thrown(() => renderPrompt('{{ issue.constructor }}', { issue: issue() })), 'template_render_error')).toBe(true);
  });

  it('caches parsed templates by source', () => {
    const source = 'cached {{ issue.identifier }}';
    expect(parsePromptTemplate(source)).toBe(parsePromptTemplate(source));
    const parsed = parsePromptTemplate(source);
    for (let i = 0; i < 20; i++) parsePromptTemplate(`filler ${i}`);
    expect(parsePromptTemplate(source)).not.toBe(parsed);
    expect(renderPrompt(parsed, { issue: issue() })).toBe('cached ABC-123');
  });
});
