import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEffectiveWorkflow } from '../../src/config/load.js';
import { DEFAULT_APPROVAL_POLICY } from '../../src/config/types.js';
import { parsePromptTemplate, renderPrompt } from '../../src/prompt/render.js';
import { trackerProfiles } from '../../src/tracker/registry.js';
import { REPO_ROOT } from '../support/codex.js';
import { makeIssue } from '../support/issues.js';

const env = { LINEAR_API_KEY: 'lin_api_example', LINEAR_PROJECT_SLUG: 'payments-7a1c2e9f04b3', HOME: '/home/agent' };

describe('the example WORKFLOW.md at the repository root', () => {
  it('loads with the documented environment and keeps the safe posture', async () => {
    const workflow = await loadEffectiveWorkflow(path.join(REPO_ROOT, 'WORKFLOW.md'), { env, profiles: trackerProfiles });
    const { config } = workflow;
    expect(config.tracker.kind).toBe('linear');
    expect(config.tracker.activeStates).toEqual(['Todo', 'In Progress']);
    expect(config.tracker.requiredLabels).toEqual(['agent']);
    expect(config.workspaceRoot).toBe('/home/agent/symphony-workspaces/payments');
    expect(config.hooks.afterCreate).toContain('git clone');
    expect(config.codex.threadSandbox).toBe('workspace-write');
    expect(config.codex.approvalPolicy).toEqual({ granular: { sandbox_approval: false, rules: false, mcp_elicitations: false } });
    expect(Object.keys(DEFAULT_APPROVAL_POLICY)).toEqual(['granular']);
    expect(config.secretEnvNames).toEqual(expect.arrayContaining(['LINEAR_API_KEY', 'LINEAR_PROJECT_SLUG']));
    expect(workflow.warnings.filter((w) => /permissive|danger/.test(w))).toEqual([]);
  });

  it('renders its prompt for a first run and for a retry', async () => {
    const workflow = await loadEffectiveWorkflow(path.join(REPO_ROOT, 'WORKFLOW.md'), { env, profiles: trackerProfiles });
    const template = parsePromptTemplate(workflow.promptTemplate);
    const issue = makeIssue({ identifier: 'PAY-42', title: 'Refunds round wrong', description: 'Off by one cent.', labels: ['agent', 'bug'], branchName: null });
    const first = renderPrompt(template, { issue, attempt: null });
    expect(first).toContain('**PAY-42**');
    expect(first).toContain('Off by one cent.');
    expect(first).toContain('Labels: agent, bug.');
    expect(first).toContain('`PAY-42`'); // branch name falls back to the identifier
    expect(first).not.toContain('This is attempt');
    expect(renderPrompt(template, { issue, attempt: 2 })).toContain('This is attempt 2 on this issue.');
  });
});
