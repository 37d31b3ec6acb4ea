/** The `claude.*` section: defaults, values, and one-line errors naming the key. */
import { describe, expect, it } from 'vitest';
import { buildServiceConfig, type BuildResult } from '../../src/config/build.js';
import { DEFAULT_CLAUDE_CONFIG } from '../../src/config/claude.js';
import { stubProfiles } from './support.js';

const WORKFLOW = '/repo/WORKFLOW.md';
const tracker = { kind: 'stub', provider: { api_key: 'literal' } };

function build(claude: unknown, agent: Record<string, unknown> = {}): BuildResult {
  return buildServiceConfig({ tracker, agent, claude }, { workflowPath: WORKFLOW, env: {}, profiles: stubProfiles });
}

describe('claude.* config', () => {
  it('defaults when absent; agent.runtime accepts claude', () => {
    const result = build(undefined, { runtime: 'claude' });
    expect(result.errors).toEqual([]);
    expect(result.config?.claude).toEqual(DEFAULT_CLAUDE_CONFIG);
    expect(result.config?.agent.runtime).toBe('claude');
  });

  it('reads every key', () => {
    const result = build({
      model: ' claude-sonnet-4-5 ',
      approval_policy: 'deny',
      permission_mode: 'acceptEdits',
      allowed_tools: ['Bash(npm test:*)', 'Edit'],
      disallowed_tools: ['WebFetch'],
      turn_timeout_ms: 60_000,
      startup_timeout_ms: '30000',
      path_to_executable: '/opt/claude/bin/claude',
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.config?.claude).toEqual({
      model: 'claude-sonnet-4-5',
      approvalPolicy: 'deny',
      permissionMode: 'acceptEdits',
      allowedTools: ['Bash(npm test:*)', 'Edit'],
      disallowedTools: ['WebFetch'],
      turnTimeoutMs: 60_000,
      startupTimeoutMs: 30_000,
      pathToExecutable: '/opt/claude/bin/claude',
    });
  });

  it.each([
    [{ approval_policy: 'never' }, 'claude.approval_policy must be one of ask, allow, deny (got "never")'],
    [{ permission_mode: 'yolo' }, 'claude.permission_mode must be one of default, acceptEdits, plan, dontAsk, auto, bypassPermissions (got "yolo")'],
    [{ allowed_tools: 'Bash' }, 'claude.allowed_tools must be a list of strings (got "Bash")'],
    [{ disallowed_tools: ['WebFetch', ''] }, 'claude.disallowed_tools[1] must be a non-empty string (got "")'],
    [{ turn_timeout_ms: -1 }, 'claude.turn_timeout_ms must be a positive integer (got -1)'],
    [{ startup_timeout_ms: 'soon' }, 'claude.startup_timeout_ms must be a positive integer (got "soon")'],
    [{ model: 7 }, 'claude.model must be a string (got 7)'],
    ['claude', 'claude must be a map (got "claude")'],
  ])('rejects %j with one line naming the key', (claude, message) => {
    const result = build(claude);
    expect(result.config).toBeUndefined();
    expect(result.errors.map((error) => error.message)).toEqual([message]);
    expect(result.errors[0]?.code).toBe('invalid_config');
  });

  it('warns about bypassPermissions and about unknown keys', () => {
    const result = build({ permission_mode: 'bypassPermissions', modle: 'opus' });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      expect.stringContaining('claude.permission_mode bypassPermissions'),
      `${WORKFLOW}: claude.modle is not a known key and is ignored (did you mean claude.model?)`,
    ]);
  });
});
