import { describe, expect, it } from 'vitest';
import { buildServiceConfig, type BuildResult } from '../../src/config/build.js';
import { DEFAULT_ACP_CONFIG } from '../../src/config/acp.js';
import { stubProfiles } from './support.js';

const WORKFLOW = '/repo/team/WORKFLOW.md';
const tracker = { kind: 'stub', provider: { api_key: 'literal' } };

function build(raw: Record<string, unknown>): BuildResult {
  return buildServiceConfig({ tracker, ...raw }, { workflowPath: WORKFLOW, env: {}, profiles: stubProfiles });
}

describe('acp.* config', () => {
  it('defaults: no command, ask posture, 60 s startup, 30 s reads, 1 h turn silence', () => {
    const result = build({});
    expect(result.errors).toEqual([]);
    expect(result.config?.acp).toEqual({ command: null, authMethod: null, approvalPolicy: 'ask', startupTimeoutMs: 60_000, readTimeoutMs: 30_000, turnTimeoutMs: 3_600_000 });
    expect(result.config?.acp).toEqual(DEFAULT_ACP_CONFIG);
  });

  it('reads every key; agent.runtime acp is accepted', () => {
    const result = build({
      agent: { runtime: 'acp' },
      acp: { command: 'gemini --acp', auth_method: ' gemini-api-key ', approval_policy: 'Allow', startup_timeout_ms: 90_000, read_timeout_ms: '2000', turn_timeout_ms: 600_000 },
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.config?.agent.runtime).toBe('acp');
    expect(result.config?.acp).toEqual({ command: 'gemini --acp', authMethod: 'gemini-api-key', approvalPolicy: 'allow', startupTimeoutMs: 90_000, readTimeoutMs: 2000, turnTimeoutMs: 600_000 });
  });

  it('acp.command is required when agent.runtime is acp: one line naming the key', () => {
    const result = build({ agent: { runtime: 'acp' } });
    expect(result.config).toBeUndefined();
    expect(result.errors).toEqual([{ code: 'invalid_config', keyPath: 'acp.command', message: 'acp.command is required when agent.runtime is acp (e.g. "gemini --acp")' }]);
  });

  it('rejects a blank command, an unknown posture and bad timeouts, each naming its key', () => {
    const result = build({ agent: { runtime: 'acp' }, acp: { command: '  ', approval_policy: 'yolo', startup_timeout_ms: 0, read_timeout_ms: 'soon', turn_timeout_ms: 3_000_000_000 } });
    expect(result.errors.map((issue) => issue.message)).toEqual([
      'acp.command must not be empty',
      'acp.read_timeout_ms must be a positive integer (got "soon")',
      'acp.approval_policy must be one of ask, allow, deny (got "yolo")',
      'acp.startup_timeout_ms must be a positive integer (got 0)',
      'acp.turn_timeout_ms must be at most 2147483647 ms (got 3000000000)',
    ]);
  });

  it('an acp section that is not a map, and unknown acp keys, are reported', () => {
    expect(build({ acp: 'gemini' }).errors).toEqual([{ code: 'invalid_config', keyPath: 'acp', message: 'acp must be a map (got "gemini")' }]);
    expect(build({ acp: { comand: 'gemini --acp' } }).warnings).toEqual([`${WORKFLOW}: acp.comand is not a known key and is ignored (did you mean acp.command?)`]);
  });

  it('without agent.runtime acp the section is optional (a runtime:acp label then needs it at launch)', () => {
    expect(build({ acp: { approval_policy: 'deny' } }).config?.acp).toMatchObject({ command: null, approvalPolicy: 'deny' });
  });
});
