import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServiceConfig, type BuildResult } from '../../src/config/build.js';
import { DEFAULT_APPROVAL_POLICY, type ServiceConfig } from '../../src/config/types.js';
import { stubProfiles, type StubSettings } from './support.js';

const WORKFLOW = '/repo/team/WORKFLOW.md';

function build(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): BuildResult {
  return buildServiceConfig(raw, { workflowPath: WORKFLOW, env, profiles: stubProfiles });
}

function ok(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): { config: ServiceConfig; warnings: string[] } {
  const result = build(raw, env);
  expect(result.errors).toEqual([]);
  expect(result.config).toBeDefined();
  return { config: result.config!, warnings: result.warnings };
}

const tracker = { kind: 'stub', provider: { api_key: 'literal' } };

describe('buildServiceConfig defaults (spec §6.4)', () => {
  it('§17.1 config defaults apply when optional values are missing (every §6.4 default)', () => {
    const { config, warnings } = ok({ tracker: { kind: 'stub' } }, { STUB_API_KEY: 'k' });
    expect(config).toEqual({
      workflowPath: WORKFLOW,
      tracker: {
        kind: 'stub',
        settings: { apiKey: 'k', apiKeyEnv: 'STUB_API_KEY', project: null, received: {} },
        provider: {},
        requiredLabels: [],
        activeStates: ['Todo', 'In Progress'],
        terminalStates: ['Done', 'Canceled'],
      },
      pollIntervalMs: 30_000,
      workspaceRoot: path.join(os.tmpdir(), 'symphony_workspaces'),
      hooks: { afterCreate: null, beforeRun: null, afterRun: null, beforeRemove: null, timeoutMs: 60_000 },
      agent: { maxConcurrentAgents: 10, maxTurns: 20, maxRetryBackoffMs: 300_000, maxConcurrentAgentsByState: {}, operatorTimeoutMs: 1_800_000, stallTimeoutMs: 300_000, maxConcurrentLaunches: 4, runtime: 'codex', maxTokensPerIssue: null, maxRuntimeMsPerIssue: null, maxTokensPerDay: null, noProgressMaxRepeats: null, noProgressMaxTurns: null },
      codex: {
        command: 'codex app-server',
        approvalPolicy: DEFAULT_APPROVAL_POLICY,
        threadSandbox: 'workspace-write',
        turnSandboxPolicy: null,
        turnTimeoutMs: 3_600_000,
        readTimeoutMs: 5_000,
        startupTimeoutMs: 60_000,
      },
      acp: { command: null, authMethod: null, approvalPolicy: 'ask', startupTimeoutMs: 60_000, readTimeoutMs: 30_000, turnTimeoutMs: 3_600_000 },
      claude: { model: null, approvalPolicy: 'ask', permissionMode: 'default', allowedTools: [], disallowedTools: [], turnTimeoutMs: 3_600_000, startupTimeoutMs: 60_000, pathToExecutable: null },
      server: { port: null, host: '127.0.0.1', authToken: null },
      journal: { enabled: true, path: null },
      secretEnvNames: ['STUB_API_KEY'],
    } satisfies ServiceConfig);
    expect(warnings).toEqual([]);
  });

  it('treats null sections and null values (bare YAML keys) as absent', () => {
    const { config } = ok({ tracker, polling: null, hooks: { timeout_ms: null, before_run: null }, codex: { command: null } });
    expect(config.pollIntervalMs).toBe(30_000);
    expect(config.hooks).toMatchObject({ timeoutMs: 60_000, beforeRun: null });
    expect(config.codex.command).toBe('codex app-server');
  });

  it('ignores unknown keys at every level', () => {
    const { config } = ok({ tracker, future_extension: { x: 1 }, polling: { interval_ms: 1000, jitter: true } });
    expect(config.pollIntervalMs).toBe(1000);
  });

  it('honours a default workspace root under an injected temp dir', () => {
    const result = buildServiceConfig({ tracker }, { workflowPath: WORKFLOW, env: {}, profiles: stubProfiles, tmpDir: '/scratch' });
    expect(result.config?.workspaceRoot).toBe('/scratch/symphony_workspaces');
  });
});

describe('buildServiceConfig typed values', () => {
  it('reads explicit values of every section', () => {
    const { config } = ok({
      tracker: { ...tracker, required_labels: ['symphony', ' Ready '], active_states: ['Open'], terminal_states: ['Closed'] },
      polling: { interval_ms: 1500 },
      hooks: { after_create: 'git clone x .\n', before_run: 'make', after_run: 'echo done', before_remove: 'rm -f lock', timeout_ms: 1000 },
      agent: { max_concurrent_agents: 3, max_turns: 7, max_retry_backoff_ms: 60_000 },
      codex: { approval_policy: 'on-request', thread_sandbox: 'read-only', turn_timeout_ms: 10, read_timeout_ms: 20, stall_timeout_ms: 0 },
      server: { port: 8080, host: 'localhost' },
    });
    expect(config.tracker).toMatchObject({ requiredLabels: ['symphony', ' Ready '], activeStates: ['Open'], terminalStates: ['Closed'] });
    expect(config.pollIntervalMs).toBe(1500);
    expect(config.hooks).toEqual({ afterCreate: 'git clone x .\n', beforeRun: 'make', afterRun: 'echo done', beforeRemove: 'rm -f lock', timeoutMs: 1000 });
    expect(config.agent).toMatchObject({ maxConcurrentAgents: 3, maxTurns: 7, maxRetryBackoffMs: 60_000 });
    expect(config.codex).toMatchObject({ approvalPolicy: 'on-request', threadSandbox: 'read-only', turnTimeoutMs: 10, readTimeoutMs: 20 });
    expect(config.agent.stallTimeoutMs).toBe(0);
    expect(config.server).toEqual({ port: 8080, host: 'localhost', authToken: null });
  });

  it('coerces decimal integer strings', () => {
    expect(ok({ tracker, polling: { interval_ms: ' 2500 ' } }).config.pollIntervalMs).toBe(2500);
  });

  it('rejects a bad integer with a one-line message naming the key and value', () => {
    const result = build({ tracker, polling: { interval_ms: 'fast' } });
    expect(result.config).toBeUndefined();
    expect(result.errors).toEqual([
      { code: 'invalid_config', keyPath: 'polling.interval_ms', message: 'polling.interval_ms must be a positive integer (got "fast")' },
    ]);
  });

  it('collects every typed-field problem, not just the first', () => {
    const result = build({
      tracker,
      polling: { interval_ms: 0 },
      hooks: { timeout_ms: -5, before_run: 42 },
      agent: { max_turns: 1.5, max_concurrent_agents: 'many' },
      codex: { read_timeout_ms: true, turn_timeout_ms: 3_000_000_000 },
      server: { port: 70_000, host: '' },
      workspace: { root: ['a'] },
      hooks_typo: 1,
    });
    expect(result.errors.map((issue) => issue.message)).toEqual([
      'polling.interval_ms must be a positive integer (got 0)',
      'workspace.root must be a path string (got a list)',
      'hooks.before_run must be a string (got 42)',
      'hooks.timeout_ms must be a positive integer (got -5)',
      'agent.max_concurrent_agents must be a positive integer (got "many")',
      'agent.max_turns must be a positive integer (got 1.5)',
      'codex.turn_timeout_ms must be at most 2147483647 ms (got 3000000000)',
      'codex.read_timeout_ms must be a positive integer (got true)',
      'server.port must be an integer from 0 to 65535 (got 70000)',
      'server.host must not be empty',
    ]);
    expect(result.errors.every((issue) => issue.code === 'invalid_config')).toBe(true);
  });

  it('rejects a section that is not a map', () => {
    expect(build({ tracker, agent: 'fast' }).errors).toEqual([
      { code: 'invalid_config', keyPath: 'agent', message: 'agent must be a map (got "fast")' },
    ]);
  });

  it('allows stall_timeout_ms <= 0 (disables stall detection)', () => {
    expect(ok({ tracker, codex: { stall_timeout_ms: -1 } }).config.agent.stallTimeoutMs).toBe(-1);
    expect(ok({ tracker, agent: { stall_timeout_ms: 0 } }).config.agent.stallTimeoutMs).toBe(0);
  });

  it('agent.stall_timeout_ms is the runtime-neutral key; codex.stall_timeout_ms stays its alias (issue 7 item 7)', () => {
    expect(ok({ tracker }).config.agent.stallTimeoutMs).toBe(300_000);
    expect(ok({ tracker, agent: { stall_timeout_ms: 45_000 } }).config.agent.stallTimeoutMs).toBe(45_000);
    expect(ok({ tracker, codex: { stall_timeout_ms: 46_000 } }).config.agent.stallTimeoutMs).toBe(46_000);
    const both = ok({ tracker, agent: { stall_timeout_ms: 45_000 }, codex: { stall_timeout_ms: 46_000 } });
    expect(both.config.agent.stallTimeoutMs).toBe(45_000);
    expect(both.warnings).toContain('codex.stall_timeout_ms (46000) is an alias of agent.stall_timeout_ms (45000); agent.stall_timeout_ms wins');
    expect(ok({ tracker, agent: { stall_timeout_ms: 45_000 }, codex: { stall_timeout_ms: 45_000 } }).warnings).toEqual([]);
  });

  it('accepts server.port 0 (ephemeral)', () => {
    expect(ok({ tracker, server: { port: 0 } }).config.server.port).toBe(0);
  });

  it('treats blank hook scripts as absent', () => {
    expect(ok({ tracker, hooks: { after_run: '  \n' } }).config.hooks.afterRun).toBeNull();
  });
});

describe('buildServiceConfig tracker (spec §5.3.1, §11.2)', () => {
  it('§17.1 tracker.kind validation enforces an implementation-supported adapter', () => {
    expect(build({ tracker: { kind: 'jira' } }).errors).toEqual([
      { code: 'unsupported_tracker_kind', keyPath: 'tracker.kind', message: 'tracker.kind "jira" is not supported (supported: stub)' },
    ]);
    expect(build({}).errors).toEqual([
      { code: 'unsupported_tracker_kind', keyPath: 'tracker.kind', message: 'tracker.kind is required (supported: stub)' },
    ]);
    expect(build({ tracker: { kind: 7 } }).errors[0]?.code).toBe('unsupported_tracker_kind');
  });

  it('§17.1 tracker.provider preserves adapter-owned keys and validates them through the selected adapter', () => {
    const provider = { api_key: 'k', project: 'ENG', endpoint: 'https://tracker.example/graphql', nested: { team: 'A' } };
    const { config } = ok({ tracker: { kind: 'stub', provider } });
    expect(config.tracker.provider).toEqual(provider);
    expect((config.tracker.settings as StubSettings).received).toEqual(provider);

    const invalid = build({ tracker: { kind: 'stub', provider: { api_key: 'k', project: 42 } } });
    expect(invalid.errors).toEqual([
      { code: 'invalid_tracker_config', keyPath: 'tracker.provider.project', message: 'tracker.provider.project must be a string' },
    ]);
  });

  it('keeps the adapter error codes (missing_tracker_secret)', () => {
    const result = build({ tracker: { kind: 'stub', provider: { api_key: '$STUB_TOKEN_UNSET' } } }, {});
    expect(result.errors).toEqual([
      {
        code: 'missing_tracker_secret',
        keyPath: 'tracker.provider.api_key',
        message: 'tracker.provider.api_key is missing ($STUB_TOKEN_UNSET is not set)',
      },
    ]);
  });

  it('flat legacy keys are merged under tracker.provider, nested wins', () => {
    const { config, warnings } = ok({
      tracker: { kind: 'stub', api_key: 'flat-key', project: 'FLAT', unrelated: 'x', provider: { project: 'NESTED' } },
    });
    expect(config.tracker.provider).toEqual({ api_key: 'flat-key', project: 'NESTED' });
    expect(config.tracker.settings).toMatchObject({ apiKey: 'flat-key', project: 'NESTED' });
    expect(warnings).toEqual([
      'tracker.project is overridden by tracker.provider.project',
      `${WORKFLOW}: tracker.unrelated is not a known key and is ignored`,
    ]);
  });

  it('a nested null does not erase a flat legacy value', () => {
    const { config } = ok({ tracker: { kind: 'stub', api_key: 'flat-key', provider: { api_key: null } } });
    expect(config.tracker.provider).toEqual({ api_key: 'flat-key' });
  });

  it('§17.1 $VAR resolution works for documented adapter secret keys', () => {
    const { config } = ok({ tracker: { kind: 'stub', provider: { api_key: '$MY_TRACKER_TOKEN' } } }, { MY_TRACKER_TOKEN: 'tok' });
    expect(config.tracker.settings).toMatchObject({ apiKey: 'tok', apiKeyEnv: 'MY_TRACKER_TOKEN' });
    expect(config.secretEnvNames).toEqual(['MY_TRACKER_TOKEN', 'STUB_API_KEY']);
  });

  it('rejects a provider that is not a map and state lists that are not lists of strings', () => {
    expect(build({ tracker: { kind: 'stub', provider: 'x' } }).errors).toEqual([
      { code: 'invalid_tracker_config', keyPath: 'tracker.provider', message: 'tracker.provider must be a map (got a string)' },
    ]);
    expect(build({ tracker: { ...tracker, active_states: 'Todo' } }).errors).toEqual([
      { code: 'invalid_tracker_config', keyPath: 'tracker.active_states', message: 'tracker.active_states must be a list of strings (got "Todo")' },
    ]);
    expect(build({ tracker: { ...tracker, terminal_states: ['Done', ' '] } }).errors).toEqual([
      { code: 'invalid_tracker_config', keyPath: 'tracker.terminal_states[1]', message: 'tracker.terminal_states[1] must be a non-empty string (got " ")' },
    ]);
    expect(build({ tracker: { ...tracker, required_labels: ['a', 3] } }).errors[0]?.message).toBe(
      'tracker.required_labels[1] must be a string (got 3)',
    );
  });

  it('warns when tracker.active_states is an empty list', () => {
    const { config, warnings } = ok({ tracker: { ...tracker, active_states: [] } });
    expect(config.tracker.activeStates).toEqual([]);
    expect(warnings).toEqual(['tracker.active_states is empty: no issue will be dispatched']);
  });

  it('requires state lists when the adapter documents no default', () => {
    const bare = { ...stubProfiles.get('stub')!, kind: 'bare', defaultActiveStates: [], defaultTerminalStates: [] };
    const result = buildServiceConfig(
      { tracker: { kind: 'bare', provider: { api_key: 'k' }, terminal_states: ['Done'] } },
      { workflowPath: WORKFLOW, env: {}, profiles: new Map([['bare', bare]]) },
    );
    expect(result.errors).toEqual([
      { code: 'invalid_tracker_config', keyPath: 'tracker.active_states', message: 'tracker.active_states is required: the bare adapter documents no default' },
    ]);
  });

  it('turns a throwing adapter validate() into an issue', () => {
    const broken = { ...stubProfiles.get('stub')!, validate: () => { throw new Error('boom'); } };
    const result = buildServiceConfig({ tracker: { kind: 'stub' } }, { workflowPath: WORKFLOW, env: {}, profiles: new Map([['stub', broken]]) });
    expect(result.errors).toEqual([
      { code: 'invalid_tracker_config', keyPath: 'tracker.provider', message: 'tracker.provider rejected by the stub adapter: boom' },
    ]);
  });
});

describe('buildServiceConfig workspace.root (spec §5.3.3)', () => {
  it('§17.1 $VAR resolution works for workspace.root', () => {
    const { config } = ok({ tracker, workspace: { root: '$SYMPHONY_WS' } }, { SYMPHONY_WS: '/srv/ws' });
    expect(config.workspaceRoot).toBe('/srv/ws');
    expect(config.secretEnvNames).toContain('SYMPHONY_WS');
  });

  it('§17.1 ~ path expansion works for workspace.root', () => {
    expect(ok({ tracker, workspace: { root: '~/symphony' } }, { HOME: '/home/op' }).config.workspaceRoot).toBe('/home/op/symphony');
  });

  it('resolves a relative workspace.root against the workflow directory', () => {
    expect(ok({ tracker, workspace: { root: '../workspaces' } }).config.workspaceRoot).toBe('/repo/workspaces');
  });

  it('fails when workspace.root references an unset variable', () => {
    expect(build({ tracker, workspace: { root: '$WS_UNSET' } }).errors).toEqual([
      { code: 'invalid_config', keyPath: 'workspace.root', message: 'workspace.root references $WS_UNSET, which is not set or is empty' },
    ]);
  });
});

describe('buildServiceConfig agent and codex', () => {
  it('§17.1 per-state concurrency override map normalizes state names and ignores invalid values', () => {
    const { config, warnings } = ok({
      tracker,
      agent: { max_concurrent_agents_by_state: { ' In Progress ': 2, TODO: '3', Review: 0, Blocked: -1, QA: 'lots', ' ': 4, Merging: 1.5 } },
    });
    expect(config.agent.maxConcurrentAgentsByState).toEqual({ 'in progress': 2, todo: 3 });
    expect(warnings).toHaveLength(5);
    expect(warnings[0]).toBe('agent.max_concurrent_agents_by_state.Review ignored: needs a state name and a positive integer (got 0)');
  });

  it('rejects a per-state map that is not a map', () => {
    expect(build({ tracker, agent: { max_concurrent_agents_by_state: [1] } }).errors[0]?.keyPath).toBe('agent.max_concurrent_agents_by_state');
  });

  it('§17.1 codex.command is preserved as a shell command string', () => {
    const command = '  CODEX_HOME=$HOME/.codex ~/bin/codex --flag "a b" app-server 2>>/tmp/codex.log ';
    expect(ok({ tracker, codex: { command } }).config.codex.command).toBe(command);
  });

  it('rejects an empty codex.command', () => {
    expect(build({ tracker, codex: { command: '   ' } }).errors).toEqual([
      { code: 'invalid_config', keyPath: 'codex.command', message: 'codex.command must not be empty' },
    ]);
  });

  it('passes Codex-owned policy values through with loose type checks', () => {
    const approvalPolicy = { granular: { sandbox_approval: true, rules: false, mcp_elicitations: false } };
    const turnSandboxPolicy = { type: 'workspaceWrite', writableRoots: ['/x'], networkAccess: true };
    const { config } = ok({ tracker, codex: { approval_policy: approvalPolicy, turn_sandbox_policy: turnSandboxPolicy } });
    expect(config.codex.approvalPolicy).toEqual(approvalPolicy);
    expect(config.codex.turnSandboxPolicy).toEqual(turnSandboxPolicy);

    expect(build({ tracker, codex: { approval_policy: 5 } }).errors[0]?.keyPath).toBe('codex.approval_policy');
    expect(build({ tracker, codex: { thread_sandbox: 'yolo' } }).errors[0]?.message).toBe(
      'codex.thread_sandbox must be one of read-only, workspace-write, danger-full-access (got "yolo")',
    );
    expect(build({ tracker, codex: { turn_sandbox_policy: 'workspaceWrite' } }).errors[0]?.keyPath).toBe('codex.turn_sandbox_policy');
  });

  it('warns about an approval string unknown to the targeted Codex, but passes it through', () => {
    const { config, warnings } = ok({ tracker, codex: { approval_policy: 'on-failure' } });
    expect(config.codex.approvalPolicy).toBe('on-failure');
    expect(warnings).toEqual(['codex.approval_policy "on-failure" is not one of untrusted, on-request, never; passed to Codex as is']);
  });

  it('permissive-posture warning for danger-full-access, naming approval never when combined', () => {
    expect(ok({ tracker, codex: { thread_sandbox: 'danger-full-access' } }).warnings).toEqual([
      'the workflow chose a permissive posture: codex.thread_sandbox danger-full-access; agents run without a filesystem sandbox',
    ]);
    const combined = ok({ tracker, codex: { approval_policy: 'never', turn_sandbox_policy: { type: 'dangerFullAccess' } } }).warnings;
    expect(combined).toHaveLength(1);
    expect(combined[0]).toMatch(/^the workflow chose a permissive posture: codex\.turn_sandbox_policy dangerFullAccess with codex\.approval_policy never/);
    expect(ok({ tracker, codex: { approval_policy: 'never' } }).warnings).toEqual([]);
  });

  it('refuses a non-loopback server.host without server.auth_token', () => {
    expect(build({ tracker, server: { host: '0.0.0.0' } }).errors.map((e) => e.message)).toEqual([
      'server.auth_token is required when server.host "0.0.0.0" is not loopback (set it to $SOME_VAR)',
    ]);
  });

  it('accepts a non-loopback server.host with a $VAR auth token, warning that it is reachable', () => {
    const { config, warnings } = ok({ tracker, server: { host: '0.0.0.0', auth_token: '$SYM_TOKEN' } }, { SYM_TOKEN: 'tok-123' });
    expect(config.server).toEqual({ port: null, host: '0.0.0.0', authToken: 'tok-123' });
    expect(config.secretEnvNames).toContain('SYM_TOKEN');
    expect(warnings).toEqual(['server.host "0.0.0.0" is not loopback: the dashboard and API are reachable from the network (bearer token required)']);
    expect(warnings.join(' ')).not.toContain('tok-123');
  });

  it('server.auth_token: an unset $VAR is an error; a literal warns', () => {
    expect(build({ tracker, server: { auth_token: '$SYM_TOKEN' } }).errors.map((e) => e.message)).toEqual([
      'server.auth_token refers to $SYM_TOKEN, which is unset or empty',
    ]);
    const literal = ok({ tracker, server: { auth_token: 'plain-token' } });
    expect(literal.config.server.authToken).toBe('plain-token');
    expect(literal.warnings).toEqual(['server.auth_token is a literal in the workflow file; prefer $VAR so the token stays out of the repository']);
    expect(build({ tracker, server: { auth_token: 42 } }).errors.map((e) => e.message)).toEqual(['server.auth_token must be a string or $VAR (got a number)']);
  });

  it('agent.operator_timeout_ms defaults to 30 minutes and must be a positive timer value', () => {
    expect(ok({ tracker }).config.agent.operatorTimeoutMs).toBe(1_800_000);
    expect(ok({ tracker, agent: { operator_timeout_ms: 5000 } }).config.agent.operatorTimeoutMs).toBe(5000);
    expect(build({ tracker, agent: { operator_timeout_ms: 0 } }).errors.map((e) => e.message)).toEqual(['agent.operator_timeout_ms must be a positive integer (got 0)']);
  });
});

describe('secretEnvNames', () => {
  it('collects every whole-value $NAME in the front matter plus the adapter secret names', () => {
    const { config } = ok(
      {
        tracker: { kind: 'stub', provider: { api_key: '${TRACKER_TOKEN}', extra: ['$LIST_VAR', { deep: '$DEEP_VAR' }], partial: 'x-$NOT_ME' } },
        hooks: { after_create: '$HOOK_SCRIPT' },
        codex: { command: 'codex --key $NOT_WHOLE app-server' },
      },
      { TRACKER_TOKEN: 't' },
    );
    expect(config.secretEnvNames).toEqual(['TRACKER_TOKEN', 'LIST_VAR', 'DEEP_VAR', 'HOOK_SCRIPT', 'STUB_API_KEY']);
  });
});
