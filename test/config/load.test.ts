import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEffectiveWorkflow } from '../../src/config/load.js';
import { parseArgs } from '../../src/cli/args.js';
import { SymphonyError } from '../../src/errors.js';
import { MINIMAL_FRONT_MATTER, TempDirs, stubProfiles, workflowText } from './support.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

async function workflowIn(dir: string, text: string, name = 'WORKFLOW.md'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('loadEffectiveWorkflow (spec §5, §6.1)', () => {
  it('loads typed config, trimmed prompt and warnings', async () => {
    const dir = await dirs.make();
    const file = await workflowIn(dir, workflowText(`${MINIMAL_FRONT_MATTER}\nworkspace:\n  root: ws\ncodex:\n  thread_sandbox: danger-full-access`, '  Fix {{ issue.identifier }}  '));
    const workflow = await loadEffectiveWorkflow(file, { env: {}, profiles: stubProfiles });
    expect(workflow.promptTemplate).toBe('Fix {{ issue.identifier }}');
    expect(workflow.config.workflowPath).toBe(file);
    expect(workflow.config.workspaceRoot).toBe(path.join(dir, 'ws'));
    expect(workflow.warnings).toHaveLength(1);
    expect(workflow.warnings[0]).toContain('permissive posture');
  });

  it('§17.1 explicit runtime path is used when provided', async () => {
    const dir = await dirs.make();
    await workflowIn(dir, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 1111`));
    const explicit = await workflowIn(dir, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 2222`), 'other.md');
    const command = parseArgs(['other.md'], { cwd: dir });
    expect(command).toEqual({ kind: 'run', workflowPath: explicit, port: null, logsRoot: null, journalPath: null, resetJournal: false });
    const workflow = await loadEffectiveWorkflow(command.kind === 'run' ? command.workflowPath : '', { env: {}, profiles: stubProfiles });
    expect(workflow.config.pollIntervalMs).toBe(2222);
  });

  it('§17.1 cwd default is WORKFLOW.md when no explicit runtime path is provided', async () => {
    const dir = await dirs.make();
    const defaultFile = await workflowIn(dir, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 1111`));
    const command = parseArgs([], { cwd: dir });
    expect(command).toMatchObject({ kind: 'run', workflowPath: defaultFile });
    const workflow = await loadEffectiveWorkflow(command.kind === 'run' ? command.workflowPath : '', { env: {}, profiles: stubProfiles });
    expect(workflow.config.pollIntervalMs).toBe(1111);
  });

  it('§17.7 a nonexistent explicit path or missing default ./WORKFLOW.md is a typed error', async () => {
    const dir = await dirs.make();
    for (const argv of [['missing.md'], []]) {
      const command = parseArgs(argv, { cwd: dir });
      const target = command.kind === 'run' ? command.workflowPath : '';
      await expect(loadEffectiveWorkflow(target, { env: {}, profiles: stubProfiles })).rejects.toMatchObject({
        code: 'missing_workflow_file',
        message: `Workflow file not found: ${target}`,
      });
    }
  });

  it('throws the first issue as one line naming the file and key, with all issues in details', async () => {
    const dir = await dirs.make();
    const file = await workflowIn(dir, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: fast\nagent:\n  max_turns: 0`));
    const error = await loadEffectiveWorkflow(file, { env: {}, profiles: stubProfiles }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SymphonyError);
    const symphonyError = error as SymphonyError;
    expect(symphonyError.code).toBe('invalid_config');
    expect(symphonyError.message).toBe(`${file}: polling.interval_ms must be a positive integer (got "fast") (and 1 more issue)`);
    expect(symphonyError.toLine()).toBe(`invalid_config: ${symphonyError.message}`);
    expect(symphonyError.details.issues).toEqual([
      { code: 'invalid_config', keyPath: 'polling.interval_ms', message: 'polling.interval_ms must be a positive integer (got "fast")' },
      { code: 'invalid_config', keyPath: 'agent.max_turns', message: 'agent.max_turns must be a positive integer (got 0)' },
    ]);
  });

  it('uses the tracker code when the tracker is the first problem', async () => {
    const dir = await dirs.make();
    const file = await workflowIn(dir, workflowText('tracker:\n  kind: jira'));
    await expect(loadEffectiveWorkflow(file, { env: {}, profiles: stubProfiles })).rejects.toMatchObject({
      code: 'unsupported_tracker_kind',
      message: `${file}: tracker.kind "jira" is not supported (supported: stub)`,
    });
  });

  it('never puts a secret value in the error', async () => {
    const dir = await dirs.make();
    const file = await workflowIn(dir, workflowText('tracker:\n  kind: stub\n  provider:\n    api_key: $TOKEN\n    project: 9'));
    const error = (await loadEffectiveWorkflow(file, { env: { TOKEN: 'sekret-123' }, profiles: stubProfiles }).catch((e: unknown) => e)) as SymphonyError;
    expect(error.code).toBe('invalid_tracker_config');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('sekret-123');
  });

  it('a prompt-template check failure fails the load with its error, after the config validated', async () => {
    const dir = await dirs.make();
    const file = await workflowIn(dir, workflowText(MINIMAL_FRONT_MATTER, '{{ issue.title | nope }}'));
    const seen: unknown[] = [];
    const failing = loadEffectiveWorkflow(file, {
      env: {},
      profiles: stubProfiles,
      validatePrompt: (template, location) => {
        seen.push({ template, location });
        throw new SymphonyError('template_parse_error', `${location.workflowPath}:${location.line}: prompt template: undefined filter: nope`);
      },
    });
    // MINIMAL_FRONT_MATTER is 4 lines between the fences (lines 1 and 6); a blank line, then the body.
    await expect(failing).rejects.toMatchObject({ code: 'template_parse_error', message: `${file}:8: prompt template: undefined filter: nope` });
    expect(seen).toEqual([{ template: '{{ issue.title | nope }}', location: { workflowPath: file, line: 8 } }]);
    const invalidConfig = await workflowIn(dir, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 0`, '{{ issue.title | nope }}'), 'bad.md');
    await expect(loadEffectiveWorkflow(invalidConfig, { env: {}, profiles: stubProfiles, validatePrompt: () => seen.push('called') })).rejects.toMatchObject({ code: 'invalid_config' });
    expect(seen).toHaveLength(1);
  });
});
