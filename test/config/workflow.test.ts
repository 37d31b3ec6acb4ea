import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkflowFile, parseWorkflowText } from '../../src/config/workflow.js';
import { SymphonyError } from '../../src/errors.js';
import { TempDirs } from './support.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

function thrown(fn: () => unknown): SymphonyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SymphonyError) return error;
    throw error;
  }
  throw new Error('expected a SymphonyError');
}

describe('parseWorkflowText (spec §5.2)', () => {
  it('splits front matter from a trimmed prompt body', () => {
    const parsed = parseWorkflowText('---\ntracker:\n  kind: linear\npolling:\n  interval_ms: 5000\n---\n\n  Hello {{ issue.title }}\n\n', '/w/WORKFLOW.md');
    expect(parsed.config).toEqual({ tracker: { kind: 'linear' }, polling: { interval_ms: 5000 } });
    expect(parsed.promptTemplate).toBe('Hello {{ issue.title }}');
  });

  it('treats a file without a leading --- line as all prompt and an empty config map', () => {
    const parsed = parseWorkflowText('\n---\na: 1\n---\nbody\n', '/w/WORKFLOW.md');
    expect(parsed.config).toEqual({});
    expect(parsed.promptTemplate).toBe('---\na: 1\n---\nbody');
  });

  it('returns {} for empty front matter and for a comment-only front matter', () => {
    expect(parseWorkflowText('---\n---\nbody', '/w/WORKFLOW.md')).toEqual({ config: {}, promptTemplate: 'body', promptLine: 3 });
    expect(parseWorkflowText('---\n# nothing yet\n---\n', '/w/WORKFLOW.md')).toEqual({ config: {}, promptTemplate: '', promptLine: 4 });
  });

  it('accepts CRLF line endings and a UTF-8 BOM', () => {
    const parsed = parseWorkflowText('\uFEFF---\r\nagent:\r\n  max_turns: 3\r\n---\r\nPrompt\r\n', '/w/WORKFLOW.md');
    expect(parsed.config).toEqual({ agent: { max_turns: 3 } });
    expect(parsed.promptTemplate).toBe('Prompt');
  });

  it('keeps later --- lines in the body', () => {
    const parsed = parseWorkflowText('---\na: 1\n---\none\n---\ntwo', '/w/WORKFLOW.md');
    expect(parsed.promptTemplate).toBe('one\n---\ntwo');
  });

  it('reads an unclosed front matter to end of file, with an empty body', () => {
    expect(parseWorkflowText('---\na: 1\n', '/w/WORKFLOW.md')).toEqual({ config: { a: 1 }, promptTemplate: '', promptLine: 4 });
  });

  it('§17.1 invalid YAML front matter returns typed error naming file, line and column', () => {
    const error = thrown(() => parseWorkflowText('---\ntracker:\n  kind: linear\n   bad: [1,\n---\nbody', '/w/WORKFLOW.md'));
    expect(error.code).toBe('workflow_parse_error');
    expect(error.message).toMatch(/^\/w\/WORKFLOW\.md:\d+:\d+: invalid YAML front matter: /);
    expect(error.message).not.toContain('\n');
    expect(error.details.line).toBeGreaterThanOrEqual(3);
  });

  it('reports file line numbers (front matter starts on line 2)', () => {
    const error = thrown(() => parseWorkflowText('---\na: 1\na: 2\n---\n', '/w/WORKFLOW.md'));
    expect(error.code).toBe('workflow_parse_error');
    expect(error.details).toMatchObject({ line: 3, col: 1 });
    expect(error.message).toContain('/w/WORKFLOW.md:3:1:');
  });

  it('hints at a missing closing --- when the YAML of an unclosed front matter fails', () => {
    const error = thrown(() => parseWorkflowText('---\na: 1\n# Title\nSome: text: here\n', '/w/WORKFLOW.md'));
    expect(error.code).toBe('workflow_parse_error');
    expect(error.message).toContain('no closing --- line');
  });

  it('§17.1 front matter non-map returns typed error (list and scalar)', () => {
    const list = thrown(() => parseWorkflowText('---\n- a\n- b\n---\nbody', '/w/WORKFLOW.md'));
    expect(list.code).toBe('workflow_front_matter_not_a_map');
    expect(list.message).toBe('/w/WORKFLOW.md: front matter must be a YAML map (got a list)');
    const scalar = thrown(() => parseWorkflowText('---\njust text\n---\nbody', '/w/WORKFLOW.md'));
    expect(scalar.code).toBe('workflow_front_matter_not_a_map');
    expect(scalar.message).toContain('got a string "just text"');
  });
});

describe('loadWorkflowFile (spec §5.1)', () => {
  it('reads a file from disk', async () => {
    const dir = await dirs.make();
    const file = path.join(dir, 'WORKFLOW.md');
    await writeFile(file, '---\ncodex:\n  command: codex app-server\n---\nDo it.\n');
    await expect(loadWorkflowFile(file)).resolves.toEqual({ config: { codex: { command: 'codex app-server' } }, promptTemplate: 'Do it.', promptLine: 5 });
  });

  it('§17.1 missing WORKFLOW.md returns typed error with the absolute path', async () => {
    const dir = await dirs.make();
    const file = path.join(dir, 'nope', 'WORKFLOW.md');
    await expect(loadWorkflowFile(file)).rejects.toMatchObject({
      code: 'missing_workflow_file',
      message: `Workflow file not found: ${file}`,
    });
  });

  it('reports a directory in place of the file as missing_workflow_file with the reason', async () => {
    const dir = await dirs.make();
    const file = path.join(dir, 'WORKFLOW.md');
    await mkdir(file);
    await expect(loadWorkflowFile(file)).rejects.toMatchObject({
      code: 'missing_workflow_file',
      message: `Workflow file cannot be read: ${file} (EISDIR)`,
    });
  });

  it('resolves a relative path against the process cwd', async () => {
    await expect(loadWorkflowFile('definitely-not-here/WORKFLOW.md')).rejects.toMatchObject({
      message: `Workflow file not found: ${path.resolve('definitely-not-here/WORKFLOW.md')}`,
    });
  });
});
